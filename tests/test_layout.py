"""The library's shape, read from its source: no import circles, no UI imports, no private names across modules.

The rules are the ones in docs/architecture.md. Everything is read with ``ast``, nothing is imported, so a
circle that only closes inside a function (a "deferred" import) counts as a circle too.
"""

from __future__ import annotations

import ast
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
PACKAGE = REPO / "costmodel"
UI_LIBRARIES = ("streamlit", "plotly")
MAX_MODULE_LINES = 450  # "no module over about 400 lines"


def module_name(path: Path, root: Path = REPO) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def library_modules(package: Path = PACKAGE) -> dict[str, Path]:
    return {module_name(p, package.parent): p for p in sorted(package.rglob("*.py"))}


def imports_of(path: Path, modules: dict[str, Path]) -> list[tuple[str, list[str], int]]:
    """Each import in ``path`` as (module imported, names taken from it, line), module resolved to a file we have."""
    this = next(name for name, p in modules.items() if p == path)
    package = this if path.name == "__init__.py" else this.rpartition(".")[0]
    out = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            out += [(alias.name, [], node.lineno) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            names = [a.name for a in node.names]
            # `from costmodel.engine import inference` imports a module, not a name
            submodules = [n for n in names if f"{base}.{n}" in modules]
            out += [(f"{base}.{n}", [], node.lineno) for n in submodules]
            rest = [n for n in names if n not in submodules]
            if rest or not submodules:
                out.append((base, rest, node.lineno))
    return out


def import_graph(modules: dict[str, Path]) -> dict[str, set[str]]:
    return {
        name: {target for target, _, _ in imports_of(path, modules) if target in modules and target != name}
        for name, path in modules.items()
    }


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan's algorithm, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    found: list[list[str]] = []
    counter = 0
    for root in graph:
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph[child]))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(sorted(component))
    return found


def is_private(name: str) -> bool:
    return name.startswith("_") and not (name.startswith("__") and name.endswith("__"))


def defined_private_names(path: Path) -> set[str]:
    """Private functions, classes, methods and assigned names a module defines."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef) and is_private(node.name):
            names.add(node.name)
        elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store) and is_private(node.id):
            names.add(node.id)
    return names


def private_uses(modules: dict[str, Path]) -> list[str]:
    """``from a import _x``, and ``obj._x`` where ``_x`` is defined only in another library module."""
    defined = {name: defined_private_names(path) for name, path in modules.items()}
    problems = []
    for name, path in modules.items():
        for target, names, line in imports_of(path, modules):
            if target in modules and target != name:
                problems += [f"{name}:{line} imports {n} from {target}" for n in names if is_private(n)]
        own = defined[name]
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not (isinstance(node, ast.Attribute) and is_private(node.attr)) or node.attr in own:
                continue
            if isinstance(node.value, ast.Name) and node.value.id in {"self", "cls"}:
                continue
            owners = [m for m, names in defined.items() if node.attr in names and m != name]
            if owners:
                problems.append(f"{name}:{node.lineno} uses {node.attr}, private to {owners[0]}")
    return problems


# ---- the checks on costmodel/ ----------------------------------------------------------------------------


def test_the_library_has_no_import_circle():
    found = cycles(import_graph(library_modules()))
    assert not found, f"import circles in costmodel/: {found}"


def test_the_library_never_imports_streamlit_or_plotly():
    modules = library_modules()
    bad = [
        f"{name}:{line} imports {target}"
        for name, path in modules.items()
        for target, _, line in imports_of(path, modules)
        if target.split(".")[0] in UI_LIBRARIES
    ]
    assert not bad, bad


def test_no_private_name_is_used_outside_its_module():
    problems = private_uses(library_modules())
    assert not problems, "\n".join(problems)


def test_no_library_module_is_too_long():
    long = {
        name: n
        for name, path in library_modules().items()
        if (n := len(path.read_text(encoding="utf-8").splitlines())) > MAX_MODULE_LINES
    }
    assert not long, f"modules over {MAX_MODULE_LINES} lines: {long}"


def test_views_read_no_data_files():
    """Pages call the library; only costmodel reads data/ (through costmodel.resources)."""
    offenders = []
    for path in sorted((REPO / "views").glob("*.py")):
        text = path.read_text(encoding="utf-8")
        offenders += [f"{path.name}: {word}" for word in ("open(", "read_csv(", "read_text(", '"data"', "'data'")
                      if word in text]
    assert not offenders, offenders


# ---- the checks check something: each one fails on a small tree that breaks its rule ---------------------


def _tree(tmp_path: Path, files: dict[str, str]) -> dict[str, Path]:
    for rel, text in files.items():
        p = tmp_path / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(text, encoding="utf-8")
    return library_modules(tmp_path / "pkg")


def test_a_deferred_import_circle_is_found(tmp_path):
    modules = _tree(tmp_path, {
        "pkg/__init__.py": "",
        "pkg/a.py": "from pkg.b import f\n",
        "pkg/b.py": "def f():\n    from pkg.a import g\n",
        "pkg/c.py": "from pkg import a\n",
    })
    assert cycles(import_graph(modules)) == [["pkg.a", "pkg.b"]]


def test_a_private_import_and_a_private_attribute_are_found(tmp_path):
    modules = _tree(tmp_path, {
        "pkg/__init__.py": "",
        "pkg/a.py": "_K = 3\nclass M:\n    def _hidden(self):\n        return self._x\n",
        "pkg/b.py": "from pkg.a import _K\n\ndef f(m):\n    return m._hidden()\n",
    })
    problems = private_uses(modules)
    assert any("imports _K from pkg.a" in p for p in problems)
    assert any("uses _hidden" in p for p in problems)
    assert not any(p.startswith("pkg.a") for p in problems)


def test_relative_imports_resolve(tmp_path):
    modules = _tree(tmp_path, {
        "pkg/__init__.py": "from .sub import x\n",
        "pkg/sub/__init__.py": "",
        "pkg/sub/x.py": "from .. import y\n",
        "pkg/y.py": "import streamlit\n",
    })
    graph = import_graph(modules)
    assert graph["pkg"] == {"pkg.sub.x"}
    assert graph["pkg.sub.x"] == {"pkg.y"}

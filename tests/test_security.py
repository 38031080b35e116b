"""Security checks: no HTML injection, no code-executing deserialisers, safe server config, no network
at run time, and no mutable module state shared between the app's users.

Static checks read the source with ``ast`` (no imports), so they also cover pages that are not wired
into the navigation yet.
"""

from __future__ import annotations

import ast
import subprocess
import sys
import textwrap
import tomllib
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
APP_SOURCES = sorted([REPO / "app.py", *(REPO / "views").glob("*.py"), *(REPO / "ui").glob("*.py")])
LIB_SOURCES = sorted((REPO / "costmodel").rglob("*.py"))
ALL_SOURCES = sorted({*APP_SOURCES, *LIB_SOURCES})
STATE_SOURCES = sorted([*(REPO / "ui").glob("*.py"), *LIB_SOURCES])


def _rel(path: Path) -> str:
    return path.relative_to(REPO).as_posix() if path.is_relative_to(REPO) else path.name


def _tree(path: Path) -> ast.Module:
    return ast.parse(path.read_text(encoding="utf-8"), filename=str(path))


def _module_constants(tree: ast.Module) -> set[str]:
    """Module-level names bound once to a string literal (e.g. a CSS block)."""
    counts: dict[str, int] = {}
    literal: set[str] = set()
    for node in ast.walk(tree):
        targets = []
        if isinstance(node, ast.Assign):
            targets = [t for t in node.targets if isinstance(t, ast.Name)]
        elif isinstance(node, ast.AnnAssign | ast.AugAssign) and isinstance(node.target, ast.Name):
            targets = [node.target]
        for t in targets:
            counts[t.id] = counts.get(t.id, 0) + 1
    for node in tree.body:
        if isinstance(node, ast.Assign | ast.AnnAssign) and isinstance(node.value, ast.Constant):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            literal |= {t.id for t in targets if isinstance(t, ast.Name) and isinstance(node.value.value, str)}
    return {name for name in literal if counts.get(name) == 1}


def _is_constant_body(node: ast.expr | None, constants: set[str]) -> bool:
    if node is None:
        return True
    if isinstance(node, ast.Constant):
        return True
    if isinstance(node, ast.Name):
        return node.id in constants
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):  # "a" "b" concatenations of constants
        return _is_constant_body(node.left, constants) and _is_constant_body(node.right, constants)
    return False


def _call_name(node: ast.Call) -> str:
    return _dotted(node.func)


def _dotted(f: ast.expr | None) -> str:
    """``a.b.c`` for a Name/Attribute chain, else ''."""
    parts = []
    while isinstance(f, ast.Attribute):
        parts.append(f.attr)
        f = f.value
    if isinstance(f, ast.Name):
        parts.append(f.id)
    return ".".join(reversed(parts))


def _kw(node: ast.Call, name: str) -> ast.expr | None:
    return next((k.value for k in node.keywords if k.arg == name), None)


def _first_arg(node: ast.Call, name: str) -> ast.expr | None:
    return node.args[0] if node.args else _kw(node, name)


# ----------------------------------------------------------------------------- HTML injection
def html_injection_findings(path: Path) -> list[str]:
    """Calls that render HTML from anything but a constant: unsafe_allow_html=True with a
    non-literal body, and st.html / components.html with a non-literal body."""
    tree = _tree(path)
    constants = _module_constants(tree)
    out = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        name = _call_name(node)
        unsafe = _kw(node, "unsafe_allow_html")
        if unsafe is not None and not (isinstance(unsafe, ast.Constant) and unsafe.value is False):
            if not _is_constant_body(_first_arg(node, "body"), constants):
                out.append(f"{_rel(path)}:{node.lineno}: {name}(..., unsafe_allow_html=...) renders a non-literal")
        elif name.endswith(("st.html", "components.html", "components.v1.html")) and not _is_constant_body(
            _first_arg(node, "body" if name.endswith("st.html") else "html"), constants
        ):
            out.append(f"{_rel(path)}:{node.lineno}: {name}() renders a non-literal")
    return out


def test_no_html_rendered_from_non_literal_text():
    findings = [f for p in APP_SOURCES for f in html_injection_findings(p)]
    assert not findings, "user-controlled text could reach raw HTML:\n" + "\n".join(findings)


def test_the_html_check_catches_what_it_should(tmp_path):
    src = tmp_path / "bad.py"
    src.write_text(textwrap.dedent('''
        import streamlit as st
        CSS = "<style>p{}</style>"
        st.markdown("<b>fixed</b>", unsafe_allow_html=True)
        st.html(CSS)
        st.markdown(f"<b>{name}</b>", unsafe_allow_html=True)
        st.markdown(body=user_text, unsafe_allow_html=flag)
        st.html("<p>" + user_text + "</p>")
        st.caption(user_text)
    '''))
    findings = html_injection_findings(src)
    assert sorted(f.split(":")[1] for f in findings) == ["6", "7", "8"], findings


# ----------------------------------------------------------------------------- deserialisers and eval
UNSAFE_MODULES = {"pickle", "cPickle", "_pickle", "marshal", "shelve", "dill", "cloudpickle", "joblib"}
UNSAFE_BUILTINS = {"eval", "exec", "compile", "__import__"}
SAFE_YAML_LOADERS = {"SafeLoader", "CSafeLoader"}


def unsafe_code_findings(path: Path) -> list[str]:
    tree = _tree(path)
    out = []
    for node in ast.walk(tree):
        where = f"{_rel(path)}:{getattr(node, 'lineno', '?')}"
        if isinstance(node, ast.Import):
            out += [f"{where}: import {a.name}" for a in node.names if a.name.split(".")[0] in UNSAFE_MODULES]
        elif isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] in UNSAFE_MODULES:
            out.append(f"{where}: from {node.module} import ...")
        elif isinstance(node, ast.Call):
            name = _call_name(node)
            if isinstance(node.func, ast.Name) and node.func.id in UNSAFE_BUILTINS:
                out.append(f"{where}: {node.func.id}()")
            elif name.endswith(("yaml.load", "yaml.load_all")):
                loader = _kw(node, "Loader") or (node.args[1] if len(node.args) > 1 else None)
                if _dotted(loader).split(".")[-1] not in SAFE_YAML_LOADERS:
                    out.append(f"{where}: {name}() without SafeLoader")
            elif name.endswith(("yaml.unsafe_load", "yaml.full_load", "yaml.unsafe_load_all", "yaml.full_load_all",
                                "read_pickle", "to_pickle")):
                out.append(f"{where}: {name}()")
            elif name.endswith("load") and isinstance(_kw(node, "allow_pickle"), ast.Constant) and _kw(
                node, "allow_pickle"
            ).value:
                out.append(f"{where}: {name}(allow_pickle=True)")
    return out


def test_no_pickle_eval_exec_marshal_or_unsafe_yaml():
    findings = [f for p in ALL_SOURCES for f in unsafe_code_findings(p)]
    assert not findings, "code-executing deserialisers or eval/exec:\n" + "\n".join(findings)


def test_the_unsafe_code_check_catches_what_it_should(tmp_path):
    src = tmp_path / "bad.py"
    src.write_text(textwrap.dedent('''
        import yaml, pickle
        from marshal import loads
        import numpy as np, pandas as pd
        yaml.safe_load(text)
        yaml.load(text, Loader=yaml.SafeLoader)
        yaml.load(text)
        yaml.load(text, Loader=yaml.FullLoader)
        eval("1+1")
        exec(code)
        pd.read_pickle(path)
        np.load(path, allow_pickle=True)
        df.eval("a + b")
    '''))
    lines = sorted(int(f.split(":")[1]) for f in unsafe_code_findings(src))
    assert lines == [2, 3, 7, 8, 9, 10, 11, 12], unsafe_code_findings(src)


# ----------------------------------------------------------------------------- server configuration
def test_streamlit_config_limits_uploads_and_keeps_xsrf_protection():
    cfg = tomllib.loads((REPO / ".streamlit" / "config.toml").read_text(encoding="utf-8"))
    server = cfg.get("server", {})
    assert "maxUploadSize" in server, "set server.maxUploadSize (MB): the default 200 MB invites memory abuse"
    assert isinstance(server["maxUploadSize"], int) and 1 <= server["maxUploadSize"] <= 50, server["maxUploadSize"]
    assert server.get("enableXsrfProtection", True) is not False
    assert server.get("enableCORS", True) is not False
    assert cfg.get("client", {}).get("toolbarMode", "auto") in ("viewer", "minimal")
    assert cfg.get("global", {}).get("developmentMode", False) is False


def test_no_file_uploader_raises_the_server_limit():
    """A widget's max_upload_size may only tighten server.maxUploadSize (without one, the server limit applies)."""
    cfg = tomllib.loads((REPO / ".streamlit" / "config.toml").read_text(encoding="utf-8"))
    server_limit = cfg["server"]["maxUploadSize"]
    problems = []
    for path in APP_SOURCES:
        for node in ast.walk(_tree(path)):
            if isinstance(node, ast.Call) and _call_name(node).endswith("file_uploader"):
                limit = _kw(node, "max_upload_size")
                if limit is not None and not (isinstance(limit, ast.Constant) and 0 < limit.value <= server_limit):
                    problems.append(f"{_rel(path)}:{node.lineno}: max_upload_size must be a constant "
                                    f"<= server.maxUploadSize ({server_limit} MB)")
    assert not problems, "\n".join(problems)


# ----------------------------------------------------------------------------- no network at run time
_NO_NETWORK = r'''
import ipaddress, socket, sys

def _loopback(host):
    if host in ("localhost", "", None):
        return True
    try:
        return ipaddress.ip_address(str(host).split("%")[0]).is_loopback
    except ValueError:
        return False

attempts = []
_real_connect, _real_connect_ex, _real_getaddrinfo = socket.socket.connect, socket.socket.connect_ex, socket.getaddrinfo

def connect(self, address, *a):
    if self.family in (socket.AF_INET, socket.AF_INET6) and not _loopback(address[0]):
        attempts.append(("connect", address))
        raise OSError(f"network access blocked by test_security: {address!r}")
    return _real_connect(self, address, *a)

def connect_ex(self, address, *a):
    if self.family in (socket.AF_INET, socket.AF_INET6) and not _loopback(address[0]):
        attempts.append(("connect_ex", address))
        return 111
    return _real_connect_ex(self, address, *a)

def getaddrinfo(host, *a, **k):
    if not _loopback(host):
        attempts.append(("getaddrinfo", host))
        raise socket.gaierror(f"name resolution blocked by test_security: {host!r}")
    return _real_getaddrinfo(host, *a, **k)

socket.socket.connect, socket.socket.connect_ex, socket.getaddrinfo = connect, connect_ex, getaddrinfo

# the guard itself works: a TEST-NET address is refused before any packet leaves
for probe in (lambda: socket.create_connection(("192.0.2.1", 80), timeout=1),
              lambda: socket.socket().connect(("192.0.2.1", 80))):
    try:
        probe()
    except OSError:
        pass
    else:
        raise SystemExit("the network guard did not block a connection")
assert len(attempts) == 2, attempts
attempts.clear()

import numpy as np
import costmodel
from costmodel import Scenario, estimate
from costmodel.pricing.billing import COLUMNS, bill

r = estimate(Scenario())
assert r.usd_per_request > 0
n = 50
rng = np.random.default_rng(0)
work = {c: np.zeros(n) for c in COLUMNS}
work["prompt_tokens"] = rng.integers(100, 5000, n).astype(float)
work["output_tokens"] = rng.integers(10, 500, n).astype(float)
work["user"] = rng.integers(0, 5, n)
work["timestamp"] = 1_790_812_800.0 + np.arange(n) * 60.0
report = bill(work, scenario=Scenario(model="llama-3.1-8b", gpu="h100-sxm", gpus=1))
assert len(report.to_frame()) > 0

from streamlit.testing.v1 import AppTest
at = AppTest.from_file(sys.argv[1], default_timeout=60).run()
assert not at.exception, [e.message for e in at.exception]
assert len(at.metric) > 0
print("ATTEMPTS", attempts)
'''


def test_nothing_reaches_the_network_at_run_time(tmp_path):
    """Import, estimate, a pricing run and an app render in a fresh interpreter whose sockets refuse every
    non-loopback address (and name lookups of non-local hosts)."""
    script = tmp_path / "no_network.py"
    script.write_text(_NO_NETWORK)
    proc = subprocess.run([sys.executable, str(script), str(REPO / "app.py")], cwd=REPO, capture_output=True,
                          text=True, timeout=180)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-5000:]
    assert "ATTEMPTS []" in proc.stdout, proc.stdout[-3000:]


# ----------------------------------------------------------------------------- shared module state
_MUTATORS = {"append", "extend", "insert", "remove", "pop", "popitem", "clear", "update", "setdefault", "add",
             "discard", "sort", "reverse", "__setitem__", "__delitem__"}
_MUTABLE_FACTORIES = {"dict", "list", "set", "defaultdict", "OrderedDict", "Counter", "deque"}


def _mutable_module_globals(tree: ast.Module) -> set[str]:
    names = set()
    for node in tree.body:
        if isinstance(node, ast.Assign | ast.AnnAssign) and node.value is not None:
            v = node.value
            mutable = isinstance(v, ast.Dict | ast.List | ast.Set | ast.DictComp | ast.ListComp | ast.SetComp) or (
                isinstance(v, ast.Call) and _call_name(v).split(".")[-1] in _MUTABLE_FACTORIES
            )
            if mutable:
                targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                names |= {t.id for t in targets if isinstance(t, ast.Name)}
    return names


def shared_state_findings(path: Path) -> list[str]:
    """``global`` statements, and in-place changes of module-level dicts/lists/sets inside functions."""
    tree = _tree(path)
    mutable = _mutable_module_globals(tree)
    out = []
    for fn in ast.walk(tree):
        if not isinstance(fn, ast.FunctionDef | ast.AsyncFunctionDef):
            continue
        local = {a.arg for a in fn.args.args + fn.args.kwonlyargs + fn.args.posonlyargs}
        for node in ast.walk(fn):
            where = f"{_rel(path)}:{getattr(node, 'lineno', '?')} in {fn.name}()"
            if isinstance(node, ast.Global):
                out.append(f"{where}: global {', '.join(node.names)}")
            elif isinstance(node, ast.Assign | ast.AugAssign | ast.Delete):
                targets = node.targets if isinstance(node, ast.Assign | ast.Delete) else [node.target]
                for t in targets:
                    if isinstance(t, ast.Subscript | ast.Attribute) and isinstance(t.value, ast.Name) and (
                        t.value.id in mutable and t.value.id not in local
                    ):
                        out.append(f"{where}: changes module-level {t.value.id}")
            elif (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr in _MUTATORS
                and isinstance(node.func.value, ast.Name)
                and node.func.value.id in mutable
                and node.func.value.id not in local
            ):
                out.append(f"{where}: {node.func.value.id}.{node.func.attr}() changes module-level state")
    return out


def test_module_level_state_is_never_changed_at_run_time():
    findings = [f for p in STATE_SOURCES for f in shared_state_findings(p)]
    assert not findings, ("module globals are shared by every user of the app; keep them immutable:\n"
                          + "\n".join(findings))


def test_the_shared_state_check_catches_what_it_should(tmp_path):
    src = tmp_path / "bad.py"
    src.write_text(textwrap.dedent('''
        CACHE = {}
        SEEN: list = []
        FROZEN = (1, 2)
        counter = 0
        def a(k, v):
            CACHE[k] = v
        def b(x):
            SEEN.append(x)
        def c():
            global counter
            counter += 1
        def d(CACHE):
            CACHE["ok"] = 1
        def e():
            return dict(CACHE), FROZEN
    '''))
    lines = sorted(int(f.split(":")[1].split()[0]) for f in shared_state_findings(src))
    assert lines == [7, 9, 11], shared_state_findings(src)


@pytest.mark.parametrize("path", ALL_SOURCES, ids=_rel)
def test_sources_parse(path):
    """Every scanned file parses (a syntax error would silently hide it from the checks above)."""
    _tree(path)

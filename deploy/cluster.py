"""N ``streamlit run app.py`` processes behind Debian's nginx, with sticky sessions, on one machine.

    .venv/bin/python deploy/cluster.py --processes 2 --port 8080        # until Ctrl-C
    .venv/bin/python deploy/cluster.py --processes 2 --port 8080 --check  # start, check, stop

Each process listens on its own loopback port (``--backend-port``, then +1, ...) with the same
``server.cookieSecret``; nginx (``apt-get install nginx-light`` or ``nginx``) listens on ``--listen``
``:--port`` with the config rendered from ``deploy/nginx.conf.template`` (affinity by an ``st_route``
cookie, websocket upgrade). Readiness: every backend answers ``GET /_stcore/health`` with ``ok`` and
nginx answers ``GET /nginx-health``. A backend that exits stops the cluster (a process manager such
as systemd should restart it; see docs/deploying.md). ``--check`` also loads the app through the
proxy: new visitors spread over the backends, each visitor's requests and websocket stay on one.
Nothing here leaves the machine: by default everything binds 127.0.0.1.
"""

from __future__ import annotations

import argparse
import contextlib
import gzip
import importlib.util
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
TEMPLATE = Path(__file__).resolve().parent / "nginx.conf.template"
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"


@dataclass
class Cluster:
    url: str  # the proxy's address: what users open
    backends: list[str]  # each process's own address
    procs: list[subprocess.Popen] = field(default_factory=list)  # streamlit processes, in backend order
    proxy: subprocess.Popen | None = None
    workdir: Path | None = None

    @property
    def pids(self) -> tuple[int, ...]:
        return tuple(p.pid for p in self.procs)


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((host, 0))
        return s.getsockname()[1]


def streamlit_static_root() -> Path:
    """The folder of the installed Streamlit's front-end files, which it serves at ``/static/`` (found without
    importing Streamlit: the backends run from this same environment)."""
    spec = importlib.util.find_spec("streamlit")
    if spec is None or spec.origin is None:
        raise RuntimeError("streamlit is not installed in this environment")
    return Path(spec.origin).parent / "static" / "static"


def _open_to_everyone(path: Path) -> bool:
    """Whether any user can read ``path`` (a folder): every folder above it searchable, it readable, by others."""
    path = path.resolve()
    return all(os.stat(p).st_mode & 0o001 for p in [path, *path.parents]) and bool(os.stat(path).st_mode & 0o004)


def static_root_for_workers(work: Path, installed: Path | None = None) -> Path:
    """The front-end folder nginx's workers can read. Started by root, nginx runs its workers as ``nobody``,
    which cannot read an environment inside a private folder (CI's clone under a 0700 ``mktemp -d``): then a
    copy in ``work`` (opened to everyone) is served instead. Otherwise the installed folder itself."""
    root = installed or streamlit_static_root()
    if os.geteuid() != 0 or _open_to_everyone(root):
        return root
    copy = work / "static"
    if not copy.exists():
        shutil.copytree(root, copy)
    for p in [work, *(q for q in copy.rglob("*") if q.is_dir()), copy]:
        p.chmod(0o755)
    if not _open_to_everyone(copy):  # a private folder above ``work`` too: nginx will answer 403 for /static/
        print(f"cluster: nginx's workers cannot read {copy} (a private folder above it)", file=sys.stderr)
    return copy


def render_nginx_conf(listen: str, backends: list[str], prefix: Path, access_log: str = "off",
                      static_root: Path | None = None) -> str:
    """The template with its placeholders filled (plain replace: nginx syntax is full of braces)."""
    servers = "\n".join(f"        server {b} max_fails=0;" for b in backends)
    text = TEMPLATE.read_text(encoding="utf-8")
    root = static_root or streamlit_static_root()
    for key, value in (("{prefix}", str(prefix)), ("{listen}", listen), ("{servers}", servers),
                       ("{access_log}", access_log), ("{static_root}", str(root))):
        text = text.replace(key, value)
    return text


def wait_ok(url: str, timeout_s: float, proc: subprocess.Popen, log: Path) -> None:
    """Poll ``url`` until it answers 200 with a body starting with ``ok``; fail with the log if ``proc`` dies."""
    deadline = time.monotonic() + timeout_s
    while True:
        if proc.poll() is not None:
            raise RuntimeError(f"{proc.args[0]} exited with {proc.returncode}; log:\n{log.read_text()[-3000:]}")
        with contextlib.suppress(urllib.error.URLError, ConnectionError, TimeoutError, OSError), \
                urllib.request.urlopen(url, timeout=2) as r:
            if r.status == 200 and r.read().strip().startswith(b"ok"):
                return
        if time.monotonic() > deadline:
            raise RuntimeError(f"{url} not healthy after {timeout_s:.0f} s; log:\n{log.read_text()[-3000:]}")
        time.sleep(0.2)


def _streamlit_cmd(host: str, port: int) -> list[str]:
    return [
        sys.executable, "-m", "streamlit", "run", str(REPO / "app.py"),
        "--server.headless=true", f"--server.address={host}", f"--server.port={port}",
        "--browser.gatherUsageStats=false", "--server.fileWatcherType=none",
    ]


def stop_process(proc: subprocess.Popen | None) -> None:
    """SIGTERM, up to 15 s to exit, then SIGKILL (nothing if it already exited)."""
    if proc is None or proc.poll() is not None:
        return
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(15)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(5)


@contextlib.contextmanager
def cluster(processes: int = 2, port: int = 0, *, host: str = "127.0.0.1", backend_port: int = 0,
            timeout_s: float = 120, workdir: Path | None = None, access_log: bool = False) -> Iterator[Cluster]:
    """Start ``processes`` Streamlit processes and nginx in front of them; stop all of them on exit."""
    if not os.path.isfile(NGINX):
        raise FileNotFoundError(f"{NGINX} not found: apt-get install -y nginx-light")
    with contextlib.ExitStack() as stack:
        work = workdir or Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="st-cluster-")))
        ports = [backend_port + i if backend_port else free_port(host) for i in range(processes)]
        backends = [f"{host}:{p}" for p in ports]
        c = Cluster(url=f"http://{host}:{port or free_port(host)}", backends=backends, workdir=work)
        stack.callback(lambda: [stop_process(p) for p in [c.proxy, *c.procs]])
        # One secret for all processes (a cookie signed by one is valid at every other); Streamlit takes
        # it only from its config file or the environment, never a flag.
        env = {**os.environ, "PYTHONUNBUFFERED": "1",
               "STREAMLIT_SERVER_COOKIE_SECRET": os.environ.get("STREAMLIT_SERVER_COOKIE_SECRET") or secrets.token_hex(32)}
        for p in ports:
            log = open(work / f"streamlit-{p}.log", "wb")  # noqa: SIM115 - closed by the exit stack
            stack.callback(log.close)
            c.procs.append(subprocess.Popen(_streamlit_cmd(host, p), cwd=REPO, stdout=log,
                                            stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, env=env))
        for p, proc in zip(ports, c.procs, strict=True):
            wait_ok(f"http://{host}:{p}/_stcore/health", timeout_s, proc, work / f"streamlit-{p}.log")
        conf = work / "nginx.conf"
        listen = c.url.removeprefix("http://")
        conf.write_text(render_nginx_conf(listen, backends, work, str(work / "access.log") if access_log else "off",
                                          static_root_for_workers(work)), encoding="utf-8")
        log = open(work / "nginx.log", "wb")  # noqa: SIM115
        stack.callback(log.close)
        c.proxy = subprocess.Popen([NGINX, "-p", str(work), "-c", str(conf), "-e", str(work / "error.log")],
                                   stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        wait_ok(f"{c.url}/nginx-health", 30, c.proxy, work / "nginx.log")
        yield c


def fetch_route(url: str, cookie: str = "") -> tuple[str, str]:
    """GET ``url`` (with ``cookie``): (the affinity cookie to send back, the backend that answered)."""
    req = urllib.request.Request(url, headers={"Cookie": cookie} if cookie else {})
    with urllib.request.urlopen(req, timeout=30) as r:
        got = "; ".join(x.split(";", 1)[0] for x in r.headers.get_all("Set-Cookie") or [])
        return got or cookie, r.headers.get("X-Upstream", "")


def check(c: Cluster, visitors: int = 16) -> list[str]:
    """Problems seen through the proxy (empty: fine): new visitors spread over the backends, one
    visitor's page loads and websocket stay on one backend, the app runs. Needs websocket-client."""
    sys.path.insert(0, str(REPO / "benchmarks"))
    from st_protocol import Session

    problems = []
    routes = [fetch_route(f"{c.url}/") for _ in range(visitors)]
    if not all(cookie.startswith("st_route=") for cookie, _ in routes):
        problems.append(f"no st_route affinity cookie from the proxy: {routes[:2]}")
    used = {up for _, up in routes}
    if len(c.backends) > 1 and len(used) < 2:
        problems.append(f"{visitors} new visitors all went to {used}")
    problems += check_static(c.url)
    for i, (cookie, first) in enumerate(routes[:4]):
        again = {fetch_route(f"{c.url}/", cookie)[1] for _ in range(3)}
        s = Session(c.url, "", f"prompt_tokens={1000 + i}", timeout_s=60)
        try:
            run = s.connect(cookie=cookie)
            again.add(s.upstream)
            if run.scenario_prompt() != 1000 + i:
                problems.append(f"visitor {i}: the page shows prompt {run.scenario_prompt()}, not {1000 + i}")
            problems += run.problems
        finally:
            s.close()
        if again != {first}:
            problems.append(f"visitor {i} ({cookie}) was served by {sorted(again | {first})}, not one backend")
    return problems


def check_static(url: str) -> list[str]:
    """Problems with the front end through the proxy: the page's main script must come from nginx (no
    X-Upstream header), as JavaScript, byte for byte the installed file, gzip-compressed when asked."""
    with urllib.request.urlopen(f"{url}/", timeout=30) as r:
        html = r.read().decode("utf-8", "replace")
    m = re.search(r'src="\.?(/static/js/[^"]+\.js)"', html)
    if m is None:
        return ["the page names no /static/js/ script"]
    path, problems = m.group(1), []
    expected = (streamlit_static_root() / path.removeprefix("/static/")).read_bytes()
    req = urllib.request.Request(url + path, headers={"Accept-Encoding": "gzip"})
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            body, upstream, encoding = r.read(), r.headers.get("X-Upstream"), r.headers.get("Content-Encoding")
            kind = r.headers.get_content_type()
    except urllib.error.HTTPError as exc:  # 403: nginx's workers cannot read the folder (static_root_for_workers)
        return [f"GET {path} through the proxy: HTTP {exc.code}"]
    if kind != "application/javascript":  # a module script of any other type does not run
        problems.append(f"{path} came as {kind}")
    if upstream:
        problems.append(f"{path} was served by the backend {upstream}, not by nginx")
    if encoding != "gzip":
        problems.append(f"{path} came uncompressed (Content-Encoding {encoding})")
    if (gzip.decompress(body) if encoding == "gzip" else body) != expected:
        problems.append(f"{path} differs from the installed file")
    return problems


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--processes", type=int, default=2, help="Streamlit processes (about one per core)")
    p.add_argument("--port", type=int, default=8080, help="the proxy's port (0: a free one)")
    p.add_argument("--listen", default="127.0.0.1", help="address for the proxy and the backends")
    p.add_argument("--backend-port", type=int, default=0, help="first backend port (0: free ports)")
    p.add_argument("--check", action="store_true", help="start, load the app through the proxy, stop")
    args = p.parse_args(argv)
    with cluster(args.processes, args.port, host=args.listen, backend_port=args.backend_port) as c:
        print(f"cluster: {c.url} -> {', '.join(c.backends)} (pids {', '.join(map(str, c.pids))})", flush=True)
        if args.check:
            problems = check(c)
            print("check: " + ("ok" if not problems else "; ".join(problems)))
            return 1 if problems else 0
        try:
            while all(proc.poll() is None for proc in [c.proxy, *c.procs]):
                time.sleep(1)
        except KeyboardInterrupt:
            return 0
        print("cluster: a process exited; stopping", file=sys.stderr)
    return 1


if __name__ == "__main__":
    raise SystemExit(main())

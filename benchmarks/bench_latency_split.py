"""Where one Chromium session's change-to-headline goes: the browser before it sends, the server, the wire, the render.

    .venv/bin/python benchmarks/bench_latency_split.py                      # Overview, 20 changes
    .venv/bin/python benchmarks/bench_latency_split.py --changes 30 --json benchmarks/results/latency-split.json

``load_test.py --sessions 1`` reports one number per change (key press to the headline's new text on screen);
this script splits it. It starts ``python -m streamlit run app.py`` on a loopback port (the e2e harness's
``streamlit_server``), opens the Overview (``/?prompt_tokens=3000``) in Debian's Chromium (Playwright,
1400x900), and records every websocket frame the page sends and receives (Playwright's ``framesent`` /
``framereceived``, decoded as Streamlit's ``ForwardMsg``). For each change of the sidebar's "Prefix-cache hit
rate" slider (End / Home: 100% <-> 0%, what the other benchmarks move; 2 warm-up changes first) it reads:

* ``press_to_sent``: from the key press to the browser's rerun message leaving (the front end's own work);
* ``sent_to_first``: to the first frame back (the server starting the run);
* ``sent_to_headline_frame``: to the frame that carries the headline, the Overview's "Cost per request" metric
  (``headline_frame_index``: how many frames of the run came before it, the sidebar's among them);
* ``headline_frame_to_shown``: from that frame's arrival to its new text being on the page (Playwright polls
  once per animation frame, so this includes whatever held the renderer's main thread: decoding the other
  frames, React, Plotly redrawing the charts that arrived in the same batch);
* ``total``: press to shown, what ``load_test.py`` reports; ``frames`` and ``frames_sent``: frames received and
  sent per change;

and the server's CPU per change (psutil, user + system, over the measured changes with their 1 s pauses).

The Overview only: its headline moves with the cache slider (``bench_browser.headline``, what
``bench_browser.py`` waits for). Prints medians and quartiles with the CPU count and load average; asserts
nothing. The browser and the server share this machine's cores, as in ``load_test.py``.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests" / "e2e"))
sys.path.insert(0, str(REPO / "benchmarks"))
from bench_browser import HEADLINE, headline, quartiles  # noqa: E402
from bench_server import server_cpu_s, write_report  # noqa: E402
from e2e_helpers import CHROMIUM, CHROMIUM_ARGS, streamlit_server  # noqa: E402
from st_protocol import MAIN  # noqa: E402

SLIDER = "Prefix-cache hit rate (%)"
PARTS = ("press_to_sent", "sent_to_first", "sent_to_headline_frame", "headline_frame_to_shown", "total")
FIELDS = (*PARTS, "headline_frame_index", "frames", "frames_sent")
"""What ``split`` gives for one change."""


@dataclass
class Frame:
    """One received websocket frame: when (perf_counter s), and the value of the headline metric it adds (None
    when it adds none)."""

    t: float
    headline_body: str | None = None


@dataclass
class Change:
    """The times (perf_counter s) one change's split is computed from."""

    pressed: float
    shown: float
    new_text: str
    sent: list[float] = field(default_factory=list)
    received: list[Frame] = field(default_factory=list)


def decode_frame(payload: bytes | str, t: float) -> Frame:
    """A received frame as ``Frame``: the value of the headline metric (``HEADLINE`` in the main area) it adds, if
    it adds it."""
    from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

    if not isinstance(payload, bytes):
        return Frame(t)
    fm = ForwardMsg()
    try:
        fm.ParseFromString(payload)
    except Exception:  # noqa: BLE001 - not a ForwardMsg (e.g. a cached-message reference): no metric in it
        return Frame(t)
    if fm.WhichOneof("type") != "delta" or fm.delta.WhichOneof("type") != "new_element":
        return Frame(t)
    el = fm.delta.new_element
    in_main = not fm.metadata.delta_path or fm.metadata.delta_path[0] == MAIN
    is_headline = in_main and el.WhichOneof("type") == "metric" and el.metric.label == HEADLINE
    return Frame(t, el.metric.body if is_headline else None)


def split(change: Change) -> dict[str, float] | None:
    """The parts of one change (``FIELDS``: ms, and counts of frames); None when the browser sent nothing, or no
    frame carried the new headline after the send."""
    sent = [t for t in change.sent if t >= change.pressed]
    if not sent:
        return None
    s = sent[0]
    after = [f for f in change.received if f.t >= s]
    head = next((i for i, f in enumerate(after) if f.headline_body is not None
                 and change.new_text in f.headline_body), None)
    if not after or head is None:
        return None
    ms = 1000.0
    return {
        "press_to_sent": (s - change.pressed) * ms,
        "sent_to_first": (after[0].t - s) * ms,
        "sent_to_headline_frame": (after[head].t - s) * ms,
        "headline_frame_to_shown": (change.shown - after[head].t) * ms,
        "total": (change.shown - change.pressed) * ms,
        "headline_frame_index": float(head),
        "frames": float(len(after)),
        "frames_sent": float(len(sent)),
    }


def summarize(rows: Sequence[Mapping[str, float]]) -> dict[str, dict[str, float | None]]:
    """Median and quartiles (``bench_browser.quartiles``, rounded to 0.1) of every part over the changes that could
    be split."""
    return {k: {q: None if v is None else round(v, 1) for q, v in quartiles([r[k] for r in rows]).items()}
            for k in FIELDS}


async def _measure(url: str, pid: int, changes: int, timeout_s: float) -> tuple[list[dict], int, float]:
    from playwright.async_api import async_playwright

    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=CHROMIUM, args=list(CHROMIUM_ARGS))
        try:
            page = await (await browser.new_context(viewport={"width": 1400, "height": 900})).new_page()
            sent: list[float] = []
            received: list[Frame] = []

            def on_websocket(ws) -> None:  # noqa: ANN001 - Playwright's WebSocket
                ws.on("framesent", lambda _payload: sent.append(time.perf_counter()))
                ws.on("framereceived", lambda payload: received.append(decode_frame(payload, time.perf_counter())))

            page.on("websocket", on_websocket)
            await page.goto(f"{url}/?prompt_tokens=3000")
            metric = headline(page)
            await metric.wait_for(timeout=timeout_s * 1000)
            await asyncio.sleep(2.0)  # the first run's charts settle
            slider = page.get_by_test_id("stSidebar").get_by_role("slider", name=SLIDER)
            rows, failed, key, cpu0 = [], 0, "End", 0.0
            for i in range(changes + 2):
                if i == 2:
                    cpu0 = server_cpu_s(pid)
                old = await metric.inner_text()
                handle = await metric.element_handle()
                n_sent, n_received = len(sent), len(received)
                pressed = time.perf_counter()
                await slider.press(key)
                await page.wait_for_function("([el, old]) => el.isConnected && el.innerText !== old",
                                             arg=[handle, old], timeout=timeout_s * 1000)
                shown = time.perf_counter()
                new_text = await metric.inner_text()
                await asyncio.sleep(1.0)  # the rest of the run's frames arrive; a person reads
                if i >= 2:  # after the warm-up
                    row = split(Change(pressed, shown, new_text, sent[n_sent:], received[n_received:]))
                    if row is None:
                        failed += 1
                    else:
                        rows.append(row)
                key = "Home" if key == "End" else "End"
            cpu_ms = (server_cpu_s(pid) - cpu0) * 1000 / max(changes, 1)
        finally:
            await browser.close()
    return rows, failed, cpu_ms


def run(changes: int = 20, timeout_s: float = 60) -> dict:
    with tempfile.TemporaryDirectory(prefix="bench-split-") as tmp, \
            streamlit_server(REPO / "app.py", Path(tmp), cwd=REPO, timeout_s=120) as server:
        load_before = os.getloadavg()[0]
        rows, failed, cpu_ms = asyncio.run(_measure(server.url, server.proc.pid, changes, timeout_s))
    return {"page": "home", "cpu_count": os.cpu_count(),
            "load_average_1m": {"start": round(load_before, 2), "end": round(os.getloadavg()[0], 2)},
            "changes": len(rows), "not_split": failed, "server_cpu_ms_per_change": round(cpu_ms, 1),
            "summary": summarize(rows), "per_change": rows}


def print_report(r: Mapping) -> None:
    la = r["load_average_1m"]
    print(f"Change to headline, split ({r['page']}, {r['changes']} changes, {r['not_split']} not split; "
          f"{r['cpu_count']} CPUs, load average {la['start']} -> {la['end']}); server CPU "
          f"{r['server_cpu_ms_per_change']} ms per change (mean); ms: median (quartiles)")
    for k, q in r["summary"].items():
        print(f"  {k:<26}{q['median']!s:>8}  ({q['q1']} - {q['q3']})")


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--changes", type=int, default=20, help="measured changes (default 20)")
    p.add_argument("--json", type=Path, default=None, help="also write the report here")
    args = p.parse_args(argv)
    from playwright.async_api import TimeoutError as PlaywrightTimeout

    try:
        report = run(args.changes)
    except PlaywrightTimeout as exc:
        print(f"The Overview's headline did not change after a cache-slider change ({str(exc).splitlines()[0]}); "
              "is the server overloaded?", file=sys.stderr)
        return 2
    print_report(report)
    write_report(args.json, report)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

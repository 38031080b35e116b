"""Take docs/screenshot.png: the Overview page at the default scenario, in Debian's Chromium.

    .venv/bin/python scripts/screenshot.py [--out docs/screenshot.png] [--path ""] [--query ""]

Starts `streamlit run app.py` on a free loopback port with the same helpers as the browser tests
(tests/e2e/e2e_helpers.py), waits for the script run to finish, saves a 1400x1000 PNG, stops the server.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests" / "e2e"))

from e2e_helpers import CHROMIUM, CHROMIUM_ARGS, goto_app, streamlit_server  # noqa: E402
from playwright.sync_api import sync_playwright  # noqa: E402


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=REPO / "docs" / "screenshot.png")
    ap.add_argument("--path", default="", help="page URL path, '' = the default page")
    ap.add_argument("--query", default="", help="scenario query string, e.g. 'gpu=h200&prompt_tokens=8192'")
    ap.add_argument("--width", type=int, default=1400)
    ap.add_argument("--height", type=int, default=1000)
    args = ap.parse_args()
    with (
        tempfile.TemporaryDirectory() as logs,
        streamlit_server(REPO / "app.py", Path(logs)) as server,
        sync_playwright() as p,
    ):
        browser = p.chromium.launch(
            executable_path=CHROMIUM,
            args=list(CHROMIUM_ARGS),
        )
        page = browser.new_page(viewport={"width": args.width, "height": args.height})
        goto_app(page, server.url)  # first session: registers the pages (see tests/e2e/conftest.py)
        if args.path or args.query:
            goto_app(page, f"{server.url}/{args.path}" + (f"?{args.query}" if args.query else ""))
        args.out.parent.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(args.out), animations="disabled")
        browser.close()
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""Print every row of data/prices/providers.yaml that disagrees with pydantic's genai-prices.

    .venv/bin/python scripts/compare_genai_prices.py [--as-of 2026-12-01] [--json]

Each difference is shown with our value, genai-prices' value, the day compared and the
documented reason from data/prices/genai-prices.yaml; one without a reason is marked
UNEXPLAINED and makes the exit status 1 (tests/test_genai_prices.py checks the same).
Needs the [prices] extra (pip install 'token-economics-explorer[prices]').
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys

from costmodel.pricing.genai_import import compare, genai_version
from costmodel.pricing.prices import load_price_history


def _fmt(v) -> str:
    return "-" if v in (None, "") else f"{v:g}" if isinstance(v, float) else str(v)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--as-of", default=dt.date.today().isoformat(), help="day current rows are compared on")
    ap.add_argument("--json", action="store_true", help="machine-readable output")
    args = ap.parse_args(argv)
    rows = load_price_history()
    diffs, unmatched = compare(rows, as_of=dt.date.fromisoformat(args.as_of))
    bad = [d for d in diffs if not d.excused]
    if args.json:
        print(json.dumps({"genai_prices": genai_version(), "rows": len(rows), "unmatched": unmatched,
                          "differences": [d.__dict__ | {"on": str(d.on)} for d in diffs]}, indent=2))
        return 1 if bad else 0
    print(f"data/prices/providers.yaml ({len(rows)} rows) vs genai-prices {genai_version()}, as of {args.as_of}")
    width = max((len(d.price_id) for d in diffs), default=10)
    print(f"{'row':<{width}}  {'field':<22} {'ours':>10} {'genai':>10}  {'on':<10}  status")
    for d in diffs:
        status = "UNEXPLAINED" if not d.excused else "exception: " + d.excused
        print(f"{d.price_id:<{width}}  {d.field:<22} {_fmt(d.ours):>10} {_fmt(d.genai):>10}  {d.on}  {status}")
    differing = {d.price_id for d in diffs}
    print(f"\n{len(rows) - len(unmatched) - len(differing)} rows agree, {len(differing)} differ "
          f"({len(bad)} unexplained field(s)), {len(unmatched)} not in genai-prices: {', '.join(unmatched)}")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())

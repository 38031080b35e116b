"""Token Economics Explorer: the entrypoint.

A frame and a router: page config, navigation, the shared scenario sidebar, then the page.
Run with ``streamlit run app.py``.
"""

from pathlib import Path

import streamlit as st

from ui.sidebar import render_sidebar
from ui.widgets import PRESENT_KEY

# Not "pages/": that folder name switches Streamlit into its legacy multipage mode beside st.navigation.
VIEWS_DIR = Path(__file__).resolve().parent / "views"

st.set_page_config(
    page_title="Token Economics Explorer",
    page_icon=":material/token:",
    layout="wide",
    menu_items={"About": "Token Economics Explorer: the cost to serve an LLM token, from first principles."},
)


def _page(file: str, url: str, title: str, icon: str, help: str, default: bool = False) -> st.Page:
    return st.Page(VIEWS_DIR / file, title=title, icon=icon, help=help, default=default, url_path=url)


pages = {
    "Explore": [
        _page("overview.py", "home", "Overview", ":material/dashboard:", "The scenario in numbers", default=True),
        _page("cost-curves.py", "cost-curves", "Cost curves", ":material/show_chart:",
              "Cost vs context, batch, cache hits; the roofline"),
        _page("frontier.py", "frontier", "Throughput vs interactivity", ":material/speed:",
              "Throughput per GPU and all-in cost against tokens/s per user, every plan and batch"),
        _page("pricing-schemes.py", "pricing-schemes", "Pricing schemes", ":material/receipt_long:",
              "Bill a workload under every scheme"),
        _page("optimization-levers.py", "optimization-levers", "Optimization levers", ":material/waterfall_chart:",
              "From a naive baseline, lever by lever"),
        _page("right-sizing.py", "right-sizing", "Right-sizing and routing", ":material/alt_route:",
              "A smaller model for part of the traffic, or a cascade"),
        _page("energy.py", "energy", "Energy", ":material/bolt:", "Joules per token, tokens per kWh"),
        _page("hardware-comparison.py", "hardware-comparison", "Hardware", ":material/memory:", "One workload on every GPU"),
        _page("market-prices.py", "market-prices", "Market", ":material/storefront:", "List prices beside modeled cost"),
        _page("agents-long-context.py", "agents-long-context", "Agents and long context", ":material/smart_toy:",
              "A persistent session, turn by turn"),
    ],
    "Understand": [
        _page("learn-basics.py", "learn-basics", "Learn", ":material/school:", "Token economics step by step"),
        _page("model-validation.py", "model-validation", "Validation", ":material/fact_check:",
              "Predicted vs published measurements"),
    ],
}
# presenting: the pages go to the top bar so the sidebar holds only the card's controls, above the fold
pg = st.navigation(pages, position="top" if st.session_state.get(PRESENT_KEY) else "sidebar")
render_sidebar()
pg.run()

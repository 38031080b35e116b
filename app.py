"""Token Economics Explorer: the entrypoint.

A frame and a router: page config, navigation, the shared scenario sidebar, then the page.
Run with ``streamlit run app.py``.
"""

from pathlib import Path

import streamlit as st

from ui.sidebar import render_sidebar

PAGES_DIR = Path(__file__).resolve().parent / "pages"

st.set_page_config(
    page_title="Token Economics Explorer",
    page_icon=":material/token:",
    layout="wide",
    menu_items={"About": "Token Economics Explorer: the cost to serve an LLM token, from first principles."},
)


def _page(file: str, url: str, title: str, icon: str, help: str, default: bool = False) -> st.Page:
    return st.Page(PAGES_DIR / file, title=title, icon=icon, help=help, default=default, url_path=url)


pages = {
    "Explore": [
        _page("overview.py", "home", "Overview", ":material/dashboard:", "The scenario in numbers", default=True),
        _page("cost_curves.py", "cost-curves", "Cost curves", ":material/show_chart:",
              "Cost vs context, batch, cache hits; the roofline"),
        _page("levers.py", "optimization-levers", "Optimization levers", ":material/waterfall_chart:",
              "From a naive baseline, lever by lever"),
        _page("hardware.py", "hardware-comparison", "Hardware", ":material/memory:", "One workload on every GPU"),
    ],
}
pg = st.navigation(pages)
render_sidebar()
pg.run()

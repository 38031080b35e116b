"""The Streamlit layer of Token Economics Explorer: state, sidebar, charts, formatting, shared widgets."""

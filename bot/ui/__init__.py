"""Streamlit pages: they render; all logic lives elsewhere in `bot`."""

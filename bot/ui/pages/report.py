"""Report: the open session's report, rendered from its Markdown version, with Markdown, HTML and PDF downloads."""

from __future__ import annotations

from typing import Literal

import streamlit as st

from bot.domain.access import AccessDenied
from bot.llm.factory import describe_engine
from bot.retrieval.store import StoreError
from bot.storage.errors import SessionNotFound, StorageError
from bot.ui import resources
from bot.ui.state import SESSION_PARAM, inert_markdown

REPORT_FAILURES = (SessionNotFound, AccessDenied, StorageError, StoreError, ValueError, OSError, RuntimeError)

state = resources.ui_state()
st.title("Report")
if not state.session_id:
    st.info("No interview is open. Start one on the Practice page, or open a past session from the History page.")
    st.stop()
actor = resources.actor_or_stop()
session = resources.open_session_or_stop("That interview session no longer exists.")

started = session.created_at.strftime("%Y-%m-%d %H:%M")
st.caption(f"{inert_markdown(session.config.user)} · started {started} UTC · {session.status} · session {session.id}")
if session.status == "active":
    st.warning("This interview is still in progress: the report covers what has been graded so far.")
    st.page_link("pages/practice.py", label="Back to the interview", icon=":material/forum:",
                 query_params={SESSION_PARAM: session.id})

engine = describe_engine(resources.settings())
store = resources.store()


def build(fmt: Literal["md", "html", "pdf"]) -> bytes:
    return bytes(resources.sessions().report(actor, session.id, store, fmt, engine))


try:
    markdown = build("md").decode("utf-8")
    html = build("html")
except REPORT_FAILURES as exc:
    st.error(f"The report could not be built: {inert_markdown(str(exc))}")
    st.stop()

stem = f"interview-report-{session.id[:8]}"
md_column, html_column, pdf_column = st.columns(3)
md_column.download_button("Download Markdown", markdown, file_name=f"{stem}.md", mime="text/markdown",
                          on_click="ignore", icon=":material/download:")
html_column.download_button("Download HTML", html, file_name=f"{stem}.html", mime="text/html", on_click="ignore",
                            icon=":material/download:")
pdf_column.download_button("Download PDF", lambda: build("pdf"), file_name=f"{stem}.pdf", mime="application/pdf",
                           on_click="ignore", icon=":material/download:", help="Generated when you click.")
st.divider()
st.markdown(markdown)  # our own Markdown: the candidate and bank text in it renders literally (bot.reports.inert)

"""History: a candidate's rubric-dimension scores over time, past sessions, and the questions already seen."""

from __future__ import annotations

import streamlit as st

from bot.retrieval.store import StoreError
from bot.storage.errors import StorageError
from bot.ui import resources
from bot.ui.state import SESSION_PARAM, history_frame, seen_rows, session_rows

state = resources.ui_state()
st.title("History")
name = st.text_input("Candidate name", value=state.candidate).strip()
if not name:
    st.info("Enter a candidate name.")
    st.stop()
interviewer = resources.interviewer()
try:
    summaries = interviewer.repo.sessions_of(name)
    points = interviewer.repo.dimension_history(name)
    seen = interviewer.repo.questions_seen(name)
except StorageError as exc:
    st.error(str(exc))
    st.stop()
if not summaries:
    st.info("No interviews yet under this name. Start one on the Practice page.")
    st.stop()

st.subheader("Scores per rubric dimension (1–5)")
frame = history_frame(points)
if frame.empty:
    st.info("No graded answers yet.")
else:
    st.line_chart(frame, y_label="score", x_label="graded at")

st.subheader(f"Sessions ({len(summaries)})")
rows = session_rows(summaries)
st.dataframe(rows, hide_index=True, width="stretch")
labels = {row["session"]: f"{row['started']} · {row['status']} · {row['graded']}/{row['questions']} graded"
          for row in rows}
picked = st.selectbox("Open a session", list(labels), format_func=labels.__getitem__)
left, right = st.columns(2)
if left.button("Open its report"):
    state.candidate = name
    resources.open_session(picked)
    st.switch_page("pages/report.py", query_params={SESSION_PARAM: picked})
if right.button("Continue it in Practice"):
    state.candidate = name
    resources.open_session(picked)
    st.switch_page("pages/practice.py", query_params={SESSION_PARAM: picked})

st.subheader(f"Questions seen ({len(seen)})")
try:
    found = resources.store().questions()
except StoreError as exc:
    st.error(str(exc))
    st.stop()
st.dataframe(seen_rows(seen, found), hide_index=True, width="stretch")

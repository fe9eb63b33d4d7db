"""History: a candidate's rubric-dimension scores over time, past sessions, and the questions already seen."""

from __future__ import annotations

import streamlit as st

from bot.domain.access import AccessDenied, can_write
from bot.retrieval.store import StoreError
from bot.storage.errors import StorageError
from bot.ui import resources
from bot.ui.state import SESSION_PARAM, history_frame, seen_rows, session_rows

state = resources.ui_state()
actor = resources.actor_or_stop()
st.title("History")
try:
    if actor.local:
        name = st.text_input("Candidate name", value=state.candidate).strip()
    else:  # only the histories this account may read are offered (and the service checks the one asked for)
        readable = resources.accounts().readable_users(actor)
        name = st.selectbox("Candidate", readable) if len(readable) > 1 else actor.user
    if not name:
        st.info("Enter a candidate name.")
        st.stop()
    history = resources.sessions().history(actor, name)
except (StorageError, AccessDenied) as exc:
    st.error(resources.sentence(exc))
    st.stop()
summaries, points, seen = history.sessions, history.dimensions, history.seen
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
report = left.button("Open its report")
practice = right.button("Continue it in Practice" if can_write(actor, name) else "View it in Practice")
if report or practice:
    if actor.local:
        state.candidate = name
    resources.open_session(picked)
    st.switch_page("pages/report.py" if report else "pages/practice.py", query_params={SESSION_PARAM: picked})

st.subheader(f"Questions seen ({len(seen)})")
try:
    found = resources.store().questions()
except StoreError as exc:
    st.error(str(exc))
    st.stop()
st.dataframe(seen_rows(seen, found), hide_index=True, width="stretch")

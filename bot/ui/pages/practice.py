"""Practice: the interview as a chat; filters in the sidebar; a score card after each graded question."""

from __future__ import annotations

from functools import partial

import streamlit as st

from bot.domain.access import AccessDenied, can_write
from bot.domain.filters import QuestionFilter
from bot.grading.service import QuestionNotFound
from bot.interview.interviewer import InterviewError
from bot.llm.factory import describe_engine
from bot.retrieval.store import StoreError
from bot.storage.errors import StorageError
from bot.ui import resources
from bot.ui.state import SESSION_PARAM, chosen, inert_markdown, options
from bot.ui.streaming import StreamedReply
from bot.ui.widgets import conversation

FAILURES = (InterviewError, QuestionNotFound, StoreError, StorageError, AccessDenied)
REPORT_PAGE = "pages/report.py"

state = resources.ui_state()
actor = resources.actor_or_stop()
st.title("Practice interview")
st.caption(f"Engine: {describe_engine(resources.settings())}")
try:
    interviewer = resources.interviewer()
    sessions = resources.sessions()
    questions = interviewer.grading.store.questions()
except (StoreError, StorageError) as exc:
    st.error(str(exc))
    st.stop()
if not questions:
    st.warning("The question index is empty. Build it with: mockinterview ingest")
    st.stop()

with st.sidebar:
    st.header("New interview")
    company = st.selectbox("Company", options(questions, "company"))
    role = st.selectbox("Role", options(questions, "role"))
    category = st.selectbox("Category", options(questions, "category"))
    difficulty = st.selectbox("Difficulty", options(questions, "difficulty"))
    count = st.number_input("Number of questions", min_value=1, max_value=10, value=3)
    depth = st.slider("Follow-up depth", min_value=0, max_value=3, value=2,
                      help="How many follow-up questions the interviewer may ask about what an answer missed.")
    topic = st.text_input("Topic (optional)", placeholder="e.g. fraud detection")
    if actor.local:
        name = st.text_input("Candidate name", value=state.candidate, help="Your history is kept under this name.")
    else:
        name = actor.user
    start = st.button("Start interview", type="primary")

if start:
    user = name.strip()
    wanted = QuestionFilter(company=chosen(company), role=chosen(role), category=chosen(category),
                            difficulty=chosen(difficulty))
    if not user:
        st.sidebar.error("Enter a candidate name.")
    else:
        try:
            with resources.turn():  # a topic is embedded to rank the questions
                started, _ = sessions.start(actor.acting_as(user), wanted, int(count), topic.strip() or None,
                                            depth=int(depth))
        except FAILURES as exc:
            st.sidebar.error(inert_markdown(str(exc)))
        else:
            if actor.local:
                state.candidate = user
            resources.open_session(started.id)
            resources.warm_up()

if not state.session_id:
    st.info("Choose what to practise in the sidebar, then press **Start interview**.")
    st.stop()

session = resources.open_session_or_stop("That interview session no longer exists. Start a new one.")

writable = can_write(actor, session.config.user)
active = writable and session.status == "active" and session.current_question_id is not None
titles = {q.id: q.title for q in questions}
model_answers = {q.id: q.reference_answer for q in questions}
answer = st.chat_input("Your answer (you may also ask a clarifying question or for a hint)", disabled=not active)
if answer and active and interviewer.phraser.engine == "llm":
    # an LLM words the follow-up: stream what passes the leak check, then redraw from the stored (checked) turns
    conversation(session, titles, model_answers)
    with st.chat_message("user"):
        st.markdown(inert_markdown(answer))
    reply = StreamedReply(partial(sessions.answer, actor, session.id, answer), resources.turn())
    with st.chat_message("assistant"), st.spinner("Reading your answer…"):
        st.write_stream(reply.pieces())
    try:
        reply.result()
    except FAILURES as exc:
        st.error(inert_markdown(str(exc)))
        st.stop()
    st.rerun()
elif answer and active:
    try:
        with st.spinner("Reading your answer…"), resources.turn():
            sessions.answer(actor, session, answer)  # brings `session` up to date: nothing is read again
    except FAILURES as exc:
        st.error(inert_markdown(str(exc)))
    if session.status == "finished":
        st.rerun()  # the chat input above was drawn enabled; draw the finished interview afresh

total = len(session.config.question_ids)
graded = len(session.grades)
header, finish_column = st.columns([4, 1], vertical_alignment="center")
tokens, cost = sessions.usage(actor, session)
spent = f" · LLM {tokens:,} tokens, est. ${cost:.4f}" if tokens else ""
header.markdown(f"**{inert_markdown(session.config.user)}** · {graded} of {total} questions graded · "
                f"follow-up depth {session.config.depth}{spent}")
if finish_column.button("Finish" if writable else "Report", type="primary" if active else "secondary",
                        help="Grade what you have answered, close the interview and open the report."
                        if writable else "Open this interview's report."):
    if session.status == "active" and writable:
        try:
            with st.spinner("Grading…"), resources.turn():
                sessions.finish(actor, session.id)
        except FAILURES as exc:
            st.error(inert_markdown(str(exc)))
            st.stop()
    st.switch_page(REPORT_PAGE, query_params={SESSION_PARAM: session.id})

conversation(session, titles, model_answers)
if not writable:
    st.info(f"You are viewing {inert_markdown(session.config.user)}'s interview: read-only, only the candidate "
            "answers in it.")
elif not active:
    st.success("This interview is finished.")
    st.page_link(REPORT_PAGE, label="Open the report", icon=":material/description:",
                 query_params={SESSION_PARAM: session.id})
else:
    resources.prepare(session)  # the page is drawn: embed the reference while the candidate reads

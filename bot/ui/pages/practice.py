"""Practice: the interview as a chat; filters in the sidebar; a score card after each graded question."""

from __future__ import annotations

import streamlit as st

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

FAILURES = (InterviewError, QuestionNotFound, StoreError, StorageError)
REPORT_PAGE = "pages/report.py"

state = resources.ui_state()
st.title("Practice interview")
st.caption(f"Engine: {describe_engine(resources.settings())}")
try:
    interviewer = resources.interviewer()
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
    name = st.text_input("Candidate name", value=state.candidate, help="Your history is kept under this name.")
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
                picked = interviewer.choose(user, wanted, int(count), topic.strip() or None)
            started, _ = interviewer.start(user, picked, depth=int(depth), wanted=wanted)
        except FAILURES as exc:
            st.sidebar.error(inert_markdown(str(exc)))
        else:
            state.candidate = user
            resources.open_session(started.id)
            resources.warm_up()

if not state.session_id:
    st.info("Choose what to practise in the sidebar, then press **Start interview**.")
    st.stop()

session = resources.open_session_or_stop("That interview session no longer exists. Start a new one.")

active = session.status == "active" and session.current_question_id is not None
titles = {q.id: q.title for q in questions}
model_answers = {q.id: q.reference_answer for q in questions}
answer = st.chat_input("Your answer (you may also ask a clarifying question or for a hint)", disabled=not active)
if answer and active and interviewer.phraser.engine == "llm":
    # an LLM words the follow-up: stream what passes the leak check, then redraw from the stored (checked) turns
    conversation(session, titles, model_answers)
    with st.chat_message("user"):
        st.markdown(inert_markdown(answer))
    reply = StreamedReply(interviewer, session.id, answer, resources.turn())
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
            interviewer.reply_to(session, answer)  # brings `session` up to date: nothing is read again
    except FAILURES as exc:
        st.error(inert_markdown(str(exc)))
    if session.status == "finished":
        st.rerun()  # the chat input above was drawn enabled; draw the finished interview afresh

total = len(session.config.question_ids)
graded = len(session.grades)
header, finish_column = st.columns([4, 1], vertical_alignment="center")
tokens, cost = interviewer.repo.usage(session.id)
spent = f" · LLM {tokens:,} tokens, est. ${cost:.4f}" if tokens else ""
header.markdown(f"**{inert_markdown(session.config.user)}** · {graded} of {total} questions graded · "
                f"follow-up depth {session.config.depth}{spent}")
if finish_column.button("Finish", type="primary" if active else "secondary",
                        help="Grade what you have answered, close the interview and open the report."):
    if session.status == "active":
        with st.spinner("Grading…"), resources.turn():
            interviewer.finish(session.id)
    st.switch_page(REPORT_PAGE, query_params={SESSION_PARAM: session.id})

conversation(session, titles, model_answers)
if not active:
    st.success("This interview is finished.")
    st.page_link(REPORT_PAGE, label="Open the report", icon=":material/description:",
                 query_params={SESSION_PARAM: session.id})
else:
    resources.prepare(session.id)  # the page is drawn: embed the reference while the candidate reads

"""Question bank: browse and filter the indexed questions, search the reference answers, and (coaches and admins)
upload new banks."""

from __future__ import annotations

import math
from functools import partial

import streamlit as st

from bot import jobs
from bot.domain.access import AccessDenied
from bot.domain.filters import QuestionFilter
from bot.retrieval.store import StoreError
from bot.ui import background, resources
from bot.ui.state import chosen, inert_markdown, options, question_label, question_rows
from bot.ui.uploads import ALLOWED_EXTENSIONS, Upload

state = resources.ui_state()
actor = resources.actor_or_stop()
settings = resources.settings()
st.title("Question bank")
interviewer = resources.interviewer()
store = interviewer.grading.store
try:
    questions = store.questions()
except StoreError as exc:
    st.error(str(exc))
    st.stop()

st.subheader(f"Browse · {len(questions)} questions indexed")
columns = st.columns(4)
wanted = QuestionFilter(
    company=chosen(columns[0].selectbox("Company", options(questions, "company"))),
    role=chosen(columns[1].selectbox("Role", options(questions, "role"))),
    category=chosen(columns[2].selectbox("Category", options(questions, "category"))),
    difficulty=chosen(columns[3].selectbox("Difficulty", options(questions, "difficulty"))),
)
shown = {q.id: q for q in questions if wanted.matches(q)}
st.dataframe(question_rows(shown.values()), hide_index=True, width="stretch")
if shown:
    picked = shown[st.selectbox("View a question", list(shown), format_func=lambda i: question_label(shown[i]))]
    st.text(picked.question)
    st.caption(inert_markdown(" · ".join(v for v in (picked.company, picked.role, picked.category or picked.topic,
                                                       picked.difficulty, picked.source_file) if v)))
    with st.expander("Spoiler: key points and reference answer"):
        if picked.key_points:
            st.markdown("**Key points**  \n" + "  \n".join(f"• {inert_markdown(k)}" for k in picked.key_points))
        st.markdown("**Reference answer**")
        st.text(picked.reference_answer or "(no reference answer)")
else:
    st.info("No question matches these filters.")

st.subheader("Semantic search")
query = st.text_input("Search the reference answers", placeholder="e.g. handling class imbalance in fraud")
if query.strip():
    try:
        with st.spinner("Searching…"), resources.turn():
            vector = interviewer.grading.embedder.embed([query.strip()])[0]
        hits = store.search_chunks(vector, k=8)
    except StoreError as exc:
        st.error(str(exc))
    else:
        st.dataframe([{"score": round(h.score, 3), "question": h.title, "section": h.section, "text": h.text}
                      for h in hits], hide_index=True, width="stretch")

if not actor.is_staff:
    st.stop()  # adding banks is for coaches and admins (and StaffTools refuses anyone else)
st.subheader("Add a bank")
limits = settings.limits()
file_mb = min(resources.upload_mb(), settings.max_file_mb)
files = st.file_uploader(f"Bank files ({', '.join(ALLOWED_EXTENSIONS)}; up to {file_mb:g} MB and "
                         f"{limits.questions_per_file:,} questions each)",
                         accept_multiple_files=True, max_upload_size=max(1, math.ceil(file_mb)),
                         help="The formats are described in the README. Each file is checked and reported on "
                              "separately.")
if st.button("Ingest the uploaded files", disabled=not files or background.running("ingest")):
    uploads = [Upload(f.name, f.getvalue()) for f in files]
    try:
        tools = resources.staff_tools()
    except AccessDenied as exc:
        st.error(resources.sentence(exc))
        st.stop()
    work = partial(tools.add_banks, uploads, limits=limits, chunk_tokens=settings.chunk_tokens,
                   overlap=settings.chunk_overlap, progress=jobs.step)
    background.start("ingest", f"Ingesting {len(uploads)} file(s)", work, errors=(StoreError, OSError, AccessDenied))
if (ingested := background.follow("ingest")) is not None:
    if ingested.error:
        st.error(f"The files could not be ingested: {inert_markdown(ingested.error)}")
    else:
        state.uploads = ingested.result
        st.rerun()  # the browse table above now includes the new questions
if state.uploads:
    st.dataframe([{"file": o.name, "status": o.status, "questions": o.questions, "chunks": o.chunks,
                   "detail": o.reason} for o in state.uploads], hide_index=True, width="stretch")
    for outcome in state.uploads:
        if outcome.status == "error":
            st.error(f"{inert_markdown(outcome.name)}: {inert_markdown(outcome.reason)}")

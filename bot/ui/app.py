"""Streamlit entry page: the question bank (the practice, report and recruiter pages build on it)."""

from __future__ import annotations

import streamlit as st

from bot.domain.models import Question
from bot.retrieval.store import ChromaStore, StoreError
from bot.settings import Settings
from bot.wiring import open_store


@st.cache_resource
def store() -> ChromaStore:
    return open_store(Settings())


def render_question(question: Question) -> None:
    meta = " · ".join(v for v in (question.company, question.role, question.difficulty, question.interview_round) if v)
    with st.expander(f"{question.title}  —  {meta}"):
        st.text(question.question)
        st.caption(f"category: {question.category} · topic: {question.topic} · source: {question.source_file}")


def main() -> None:
    st.set_page_config(page_title="Mock interviewer", page_icon="🎤", layout="wide")
    st.title("Mock interviewer")
    try:
        questions = store().questions()
    except StoreError as exc:
        st.error(str(exc))
        return
    if not questions:
        st.warning("The index is empty. Build it with: mockinterview ingest")
        return
    st.subheader(f"Question bank · {len(questions)} questions")
    for question in questions:
        render_question(question)


main()

"""Rendering pieces the pages share: chat turns and the per-question score card (all text rendered inert)."""

from __future__ import annotations

import streamlit as st

from bot.domain.grade import Grade, KeyPointResult
from bot.domain.interview import Session, Turn
from bot.reports.model import flag_text
from bot.ui.state import dimension_rows, graded_without_feedback, inert_markdown

ROLE = {"interviewer": "assistant", "candidate": "user"}


def chat_turn(turn: Turn, grade: Grade | None = None, title: str = "", model_answer: str = "") -> None:
    """One message; an interviewer's feedback carries the score card of the question it closes."""
    with st.chat_message(ROLE[turn.role]):
        st.markdown(inert_markdown(turn.text))
        if turn.role == "interviewer" and turn.engine != "grounded":
            spent = turn.prompt_tokens + turn.completion_tokens
            st.caption(f"{turn.engine} · {spent:,} tokens ({turn.prompt_tokens:,} prompt + "
                       f"{turn.completion_tokens:,} reply) · est. ${turn.cost:.4f}" if spent else turn.engine)
        if grade is not None:
            score_card(grade, title, model_answer)


def _key_point(result: KeyPointResult) -> None:
    mark = "✅ covered" if result.covered else "❌ missing"
    st.markdown(f"**{mark}:** {inert_markdown(result.key_point)}")
    if result.evidence:
        st.markdown(f"Your words: “{inert_markdown(result.evidence)}”")
    cite = result.citation
    st.caption(f"Reference section: {inert_markdown(cite.section or 'reference answer')}")
    if cite.snippet:
        st.text(cite.snippet)


def score_card(grade: Grade, title: str = "", model_answer: str = "") -> None:
    """Overall score, dimension scores, key points with the reference sections they were matched against, and the
    model answer (shown only here, after the question is graded)."""
    with st.container(border=True):
        heading = f"Score card · {inert_markdown(title)}" if title else "Score card"
        st.markdown(f"**{heading}**")
        overall, dimensions = st.columns([1, 5], vertical_alignment="center")
        overall.metric("Overall", f"{grade.overall}/100")
        dimensions.dataframe(dimension_rows(grade), hide_index=True, width="stretch")
        for flag in grade.flags:
            st.warning(inert_markdown(flag_text(flag, grade.language)))
        with st.expander(f"Key points: {len(grade.covered)} covered, {len(grade.missing)} missing"):
            for result in [*grade.covered, *grade.missing]:
                _key_point(result)
            if grade.improvements:
                st.markdown("**To improve:**  \n" + "  \n".join(f"• {inert_markdown(i)}" for i in grade.improvements))
        if model_answer:
            with st.expander("Show model answer"):
                st.text(model_answer)


def conversation(session: Session, titles: dict[str, str], model_answers: dict[str, str] | None = None) -> None:
    """Every turn in order, with a score card after each question's feedback (and for questions graded at finish)."""
    answers = model_answers or {}
    for turn in session.turns:
        grade = session.grades.get(turn.question_id) if turn.kind == "feedback" else None
        chat_turn(turn, grade, titles.get(turn.question_id, ""), answers.get(turn.question_id, ""))
    for question_id in graded_without_feedback(session):
        with st.chat_message("assistant"):
            score_card(session.grades[question_id], titles.get(question_id, ""), answers.get(question_id, ""))

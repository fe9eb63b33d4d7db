"""Recruiter tools: placeholders until their features land."""

from __future__ import annotations

import streamlit as st

st.title("Recruiter")
st.subheader("Question variants")
st.info("Generating variants of a bank question arrives with the question-variants feature.")
st.subheader("Batch grading")
st.info("Grading a batch of candidate answers arrives with the batch-grading feature. Until then, use the command "
        "line: `mockinterview grade --batch answers.jsonl`.")

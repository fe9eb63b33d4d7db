"""Streamlit entry point: the navigation between pages, and the interview session carried in the URL."""

from __future__ import annotations

import streamlit as st

from bot.ui.resources import sync_session_with_url

st.set_page_config(page_title="Mock interviewer", page_icon=":material/record_voice_over:", layout="wide")
navigation = st.navigation([
    st.Page("pages/practice.py", title="Practice", icon=":material/forum:", default=True),
    st.Page("pages/report.py", title="Report", icon=":material/description:"),
    st.Page("pages/history.py", title="History", icon=":material/monitoring:"),
    st.Page("pages/question_bank.py", title="Question bank", icon=":material/library_books:"),
    st.Page("pages/recruiter.py", title="Recruiter", icon=":material/badge:"),
])
sync_session_with_url()
navigation.run()

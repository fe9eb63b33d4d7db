"""Streamlit entry point: who is acting (sign-in in team mode), the pages their role reaches, and the interview
session carried in the URL."""

from __future__ import annotations

import streamlit as st

from bot.ui.resources import sync_session_with_url
from bot.ui.signin import current_actor, sidebar_identity, sign_in_page

PAGE_PATHS = ("practice", "report", "history", "question_bank", "recruiter", "admin")

st.set_page_config(page_title="Mock interviewer", page_icon=":material/record_voice_over:", layout="wide")
actor = current_actor()
if actor is None:  # every page's address shows the sign-in form, so a link survives signing in
    st.navigation([st.Page(sign_in_page, title="Sign in", icon=":material/login:", default=True),
                   *(st.Page(sign_in_page, title="Sign in", url_path=path) for path in PAGE_PATHS)],
                  position="hidden").run()
    st.stop()
pages = [
    st.Page("pages/practice.py", title="Practice", icon=":material/forum:", default=True),
    st.Page("pages/report.py", title="Report", icon=":material/description:"),
    st.Page("pages/history.py", title="History", icon=":material/monitoring:"),
    st.Page("pages/question_bank.py", title="Question bank", icon=":material/library_books:"),
]
if actor.is_staff:
    pages.append(st.Page("pages/recruiter.py", title="Recruiter", icon=":material/badge:"))
if actor.role == "admin" and not actor.local:
    pages.append(st.Page("pages/admin.py", title="Accounts", icon=":material/manage_accounts:"))
navigation = st.navigation(pages)
sidebar_identity(actor)
sync_session_with_url(actor)
navigation.run()

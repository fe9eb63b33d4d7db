"""Accounts (admins only): how sign-up works, invitation links, accounts and their roles, cohorts."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

import streamlit as st

from bot.accounts.service import SIGNUP_MODES, AccountError
from bot.domain.access import ROLES, AccessDenied, require_admin
from bot.storage.errors import StorageError
from bot.ui import resources
from bot.ui.signin import INVITE_PARAM
from bot.ui.state import inert_markdown

FAILURES = (AccountError, AccessDenied, StorageError)
SIGNUP_LABELS = {"invite": "By invitation link only", "open": "Open: anyone may create a candidate account"}

actor = resources.actor_or_stop()
accounts = resources.accounts()
st.title("Accounts")
try:
    require_admin(actor, "manage accounts")
    people = accounts.accounts(actor)
    cohorts = accounts.cohorts(actor)
    signup = accounts.signup_mode()
except FAILURES as exc:
    st.error(resources.sentence(exc))
    st.stop()
names = [a.name for a in people]


def attempt(action: Callable[[], Any], done: str) -> None:
    """Run an admin action; its refusal is shown, and on success the page is drawn again with `done`."""
    try:
        action()
    except FAILURES as exc:
        st.error(inert_markdown(str(exc)))
    else:
        st.session_state["admin-done"] = done
        st.rerun()


if message := st.session_state.pop("admin-done", None):
    st.success(inert_markdown(message))

st.subheader("Sign-up")
mode = st.radio("Who may create an account", list(SIGNUP_MODES), index=SIGNUP_MODES.index(signup),
                format_func=SIGNUP_LABELS.__getitem__, horizontal=True)
if mode != signup:
    attempt(lambda: accounts.set_signup_mode(actor, mode), f"Sign-up is now: {SIGNUP_LABELS[mode]}.")

st.subheader("Invite someone")
left, right = st.columns(2)
invite_role = left.selectbox("Role of the invited person", ROLES)
invite_cohort = right.selectbox("Cohort (optional)", ["(none)", *(c.name for c in cohorts)])
if st.button("Create an invitation link"):
    try:
        token = accounts.invite(actor, invite_role, None if invite_cohort == "(none)" else invite_cohort)
    except FAILURES as exc:
        st.error(inert_markdown(str(exc)))
    else:
        base = resources.settings().public_url or "{0.scheme}://{0.netloc}".format(urlsplit(st.context.url or ""))
        st.success(f"Send this link; it works once, for {accounts.invitation_days} days, and is not shown again:")
        st.code(f"{base.rstrip('/')}/?{INVITE_PARAM}={token}", language=None)

st.subheader(f"Accounts ({len(people)})")
st.dataframe([{"name": a.name, "role": a.role, "e-mail": a.email or "", "password": a.has_password,
               "single sign-on": a.sso, "disabled": a.disabled, "created": a.created_at.strftime("%Y-%m-%d")}
              for a in people], hide_index=True, width="stretch")
with st.form("create-account", clear_on_submit=True):
    st.markdown("**Create an account**")
    form_columns = st.columns(4)
    new_name = form_columns[0].text_input("Account name")
    new_role = form_columns[1].selectbox("Role", ROLES)
    new_password = form_columns[2].text_input("Password (optional)", type="password",
                                         help="Leave empty for an account that signs in through single sign-on.")
    new_email = form_columns[3].text_input("E-mail (optional)", help="Links the first single sign-on with this "
                                                                "verified address to the account.")
    if st.form_submit_button("Create"):
        attempt(lambda: accounts.create_account(actor, new_name, new_role, new_password or None, new_email or None),
                f"Created {new_name.strip()} ({new_role}).")
if names:
    role_columns = st.columns([2, 1, 1, 1])
    who = role_columns[0].selectbox("Account", names)
    role = role_columns[1].selectbox("New role", ROLES, key="set-role")
    if role_columns[2].button("Set the role"):
        attempt(lambda: accounts.set_role(actor, who, role), f"{who} is now a {role}.")
    current = next(a for a in people if a.name == who)
    if role_columns[3].button("Enable" if current.disabled else "Disable"):
        attempt(lambda: accounts.set_disabled(actor, who, not current.disabled),
                f"{who} is {'enabled' if current.disabled else 'disabled'}.")

st.subheader(f"Cohorts ({len(cohorts)})")
st.dataframe([{"cohort": c.name, "coaches": ", ".join(c.coaches), "candidates": ", ".join(c.candidates)}
               for c in cohorts], hide_index=True, width="stretch")
cohort_columns = st.columns([2, 1])
cohort_name = cohort_columns[0].text_input("New cohort name")
if cohort_columns[1].button("Create the cohort", disabled=not cohort_name.strip()):
    attempt(lambda: accounts.create_cohort(actor, cohort_name), f"Created the cohort {cohort_name.strip()}.")
if cohorts and names:
    member_columns = st.columns([2, 2, 1, 1, 1])
    cohort = member_columns[0].selectbox("Cohort", [c.name for c in cohorts])
    member = member_columns[1].selectbox("Member", names, key="member")
    kind = member_columns[2].selectbox("As", ["candidate", "coach"])
    if member_columns[3].button("Add"):
        attempt(lambda: accounts.add_to_cohort(actor, cohort, member, kind), f"{member} is in {cohort} as a {kind}.")
    if member_columns[4].button("Remove"):
        attempt(lambda: accounts.remove_from_cohort(actor, cohort, member), f"{member} left {cohort}.")

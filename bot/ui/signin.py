"""Signing in (password, or single sign-on through `st.login`), signing up by invitation or openly, signing out."""

from __future__ import annotations

import streamlit as st

from bot.accounts.service import AccountError
from bot.domain.access import AccessDenied, Actor
from bot.storage.errors import StorageError
from bot.ui import resources
from bot.ui.state import inert_markdown

INVITE_PARAM = "invite"
LOCAL_NOTE = ("Local profile: no sign-in. Everything stored here is yours, under any candidate name you type. "
              "For a team, set MOCKINTERVIEW_AUTH=accounts or oidc (README: Deployment for a team or a school).")


def sso_configured() -> bool:
    """True when .streamlit/secrets.toml has an [auth] section for `st.login`."""
    try:
        return "auth" in st.secrets
    except (FileNotFoundError, OSError, ValueError, KeyError):  # no secrets file, or one that does not parse
        return False


def current_actor() -> Actor | None:
    """The acting user; None when nobody is signed in (or the account was disabled meanwhile: signed out)."""
    try:
        return resources.actor()
    except AccessDenied as exc:
        if resources.ui_state().signed_in is not None:
            st.warning(f"You were signed out. {resources.sentence(exc)}")
            resources.forget_user()
        elif st.user.get("is_logged_in") is True:  # an SSO identity whose account was disabled
            st.warning(resources.sentence(exc))
            if st.button("Sign out of single sign-on"):
                st.logout()
        return None
    except (AccountError, StorageError) as exc:
        st.error(inert_markdown(str(exc)))
        return None


def sign_in_page() -> None:
    """The only page shown before signing in: password sign-in, single sign-on, sign-up."""
    st.title("Mock interviewer")
    token = str(st.query_params.get(INVITE_PARAM) or "").strip()
    accounts = resources.accounts()
    try:
        signup_open = accounts.signup_mode() == "open"
        invited = accounts.invitation_role(token) if token else None
    except StorageError as exc:
        st.error(str(exc))
        st.stop()
    if token and invited is None:
        st.warning("This invitation link is not valid: it was used already, has expired or never existed. Ask for "
                   "a new one, or sign in.")
    if invited is not None:
        role, cohort = invited
        st.info(f"You are invited to join as a {role}" + (f" in the cohort {inert_markdown(cohort)}." if cohort
                                                           else "."))
        _sign_up_form(token)
        return
    if resources.settings().auth == "oidc":
        _single_sign_on()
    _password_form()
    if signup_open:
        with st.expander("New here? Create an account"):
            _sign_up_form(None)


def _single_sign_on() -> None:
    if not sso_configured():
        st.error("Single sign-on is switched on (MOCKINTERVIEW_AUTH=oidc) but .streamlit/secrets.toml has no [auth] "
                 "section; an admin must configure the identity provider (README: Deployment for a team).")
        return
    if st.button("Sign in with single sign-on", type="primary"):
        provider = resources.settings().oidc_provider
        st.login(provider) if provider else st.login()


def _password_form() -> None:
    with st.form("sign-in"):
        st.subheader("Sign in")
        name = st.text_input("Account name")
        password = st.text_input("Password", type="password")
        if st.form_submit_button("Sign in", type="primary"):
            try:
                actor = resources.accounts().sign_in(name, password)
            except (AccountError, AccessDenied, StorageError) as exc:
                st.error(inert_markdown(str(exc)))
            else:
                _signed_in(actor)


def _sign_up_form(token: str | None) -> None:
    with st.form("sign-up"):
        st.subheader("Create your account")
        name = st.text_input("Choose an account name", help="2–64 letters, digits or . _ @ + - (no spaces).")
        password = st.text_input("Choose a password", type="password", help="At least 10 characters.")
        again = st.text_input("Repeat the password", type="password")
        if st.form_submit_button("Create the account", type="primary"):
            if password != again:
                st.error("The two passwords differ.")
                return
            try:
                actor = resources.accounts().sign_up(name, password, invitation=token)
            except (AccountError, StorageError) as exc:
                st.error(inert_markdown(str(exc)))
            else:
                if INVITE_PARAM in st.query_params:
                    del st.query_params[INVITE_PARAM]
                _signed_in(actor)


def _signed_in(actor: Actor) -> None:
    resources.forget_user()
    resources.ui_state().signed_in = actor.user
    st.rerun()


def sidebar_identity(actor: Actor) -> None:
    """Who is signed in (and a sign-out button), or the local profile's note."""
    with st.sidebar:
        if actor.local:
            st.caption(LOCAL_NOTE)
            return
        st.caption(f"Signed in as **{inert_markdown(actor.user)}** · {actor.role}")
        if st.button("Sign out"):
            resources.forget_user()
            if st.user.get("is_logged_in") is True:
                st.logout()
            else:
                st.query_params.clear()
                st.rerun()

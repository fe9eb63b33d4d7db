"""What the pages share: cached resources (settings, store, services, job queue), the acting user and the typed
state."""

from __future__ import annotations

import hashlib
import logging
import os
import threading
from contextlib import AbstractContextManager

import streamlit as st

from bot.accounts.service import AccountService
from bot.domain.access import AccessDenied, Actor
from bot.domain.interview import Session
from bot.interview.interviewer import Interviewer
from bot.interview.sessions import SessionService
from bot.jobs import JobQueue
from bot.retrieval.store import VectorStore
from bot.settings import Settings
from bot.staff import StaffTools
from bot.storage.errors import SessionNotFound, StorageError
from bot.ui.state import SESSION_PARAM, STATE_KEY, UiState, is_session_id
from bot.variants.service import VariantService
from bot.wiring import account_service, interviewer_for, variant_service

log = logging.getLogger(__name__)
_ENV_PREFIXES = ("MOCKINTERVIEW_", "OPENAI_API_KEY")


def env_fingerprint() -> str:
    """A digest of the settings' environment variables: resources are cached per configuration, not per call.

    (A server has one configuration, so one of each resource; tests that point the app elsewhere get fresh ones.)
    """
    items = sorted((k, v) for k, v in os.environ.items() if k.startswith(_ENV_PREFIXES))
    return hashlib.sha256(repr(items).encode()).hexdigest()


@st.cache_resource(show_spinner=False)
def _settings(fingerprint: str) -> Settings:
    return Settings()


@st.cache_resource(show_spinner="Opening the question index…")
def _interviewer(fingerprint: str) -> Interviewer:
    return interviewer_for(_settings(fingerprint))


@st.cache_resource(show_spinner=False)
def _jobs(fingerprint: str) -> JobQueue:
    settings = _settings(fingerprint)
    return JobQueue(workers=settings.job_workers, capacity=settings.job_queue)


def jobs() -> JobQueue:
    """The server's queue for long work (bulk grading, ingest, variants), shared by every browser session."""
    return _jobs(env_fingerprint())


def turn() -> AbstractContextManager[None]:
    """Hold around an interactive turn: running jobs pause between their steps until it is served."""
    return jobs().turn()


@st.cache_resource(show_spinner=False)
def _variant_service(fingerprint: str) -> VariantService:
    return variant_service(_settings(fingerprint), grading=_interviewer(fingerprint).grading)


def variants() -> VariantService:
    """Question variants over the interviewer's store and embedder."""
    return _variant_service(env_fingerprint())


@st.cache_resource(show_spinner=False)
def _sessions(fingerprint: str) -> SessionService:
    return SessionService.of(_interviewer(fingerprint))


@st.cache_resource(show_spinner=False)
def _accounts(fingerprint: str) -> AccountService:
    return account_service(_interviewer(fingerprint).repo)


def settings() -> Settings:
    return _settings(env_fingerprint())


def upload_mb() -> float:
    """The largest file a page accepts, in MB: the upload setting, or Streamlit's server cap when lower."""
    return min(settings().max_upload_mb, float(st.get_option("server.maxUploadSize")))


def sessions() -> SessionService:
    """Interviews, reports and history, checked against the acting user."""
    return _sessions(env_fingerprint())


def accounts() -> AccountService:
    return _accounts(env_fingerprint())


def team_mode() -> bool:
    """True when people sign in (MOCKINTERVIEW_AUTH=accounts or oidc); False for the local profile."""
    return settings().auth != "none"


def actor() -> Actor:
    """The user this run acts as: the local profile, or the signed-in account as the database has it now (so a
    changed role or cohort applies at once). AccessDenied when nobody is signed in or the account was disabled."""
    if not team_mode():
        return Actor.local_profile(ui_state().candidate)
    name = ui_state().signed_in
    if name is None and settings().auth == "oidc" and st.user.get("is_logged_in") is True:
        return accounts().sso_actor(st.user.to_dict())
    if name is None:
        raise AccessDenied("sign in first")
    return accounts().actor(name)


def actor_or_stop() -> Actor:
    """The acting user for a page; when nobody may act (signed out, account disabled) the page says so and stops."""
    try:
        return actor()
    except AccessDenied as exc:
        st.warning(f"{sentence(exc)} Reload the page to sign in.")
    except StorageError as exc:
        st.error(str(exc))
    st.stop()


def job_owner() -> str:
    """Whose share of the job queue a page's job counts against: the signed-in account (however many tabs it has
    open), or this browser session on the local profile."""
    return f"account:{actor().user}" if team_mode() else ui_state().owner


def staff_tools() -> StaffTools:
    """The recruiter and bank tools for the acting user (AccessDenied unless a coach or an admin)."""
    return StaffTools(actor(), interviewer().grading, variants)


def interviewer() -> Interviewer:
    return _interviewer(env_fingerprint())


def store() -> VectorStore:
    """The interviewer's store (the same Chroma collections the grader reads)."""
    return interviewer().grading.store


def warm_up() -> None:
    """Start loading the local embedding model and the tokenizer in the background (once per server) so the first
    grade is quick."""
    if settings().embedder == "minilm":
        _warm_up(env_fingerprint())


@st.cache_resource(show_spinner=False)
def _warm_up(fingerprint: str) -> threading.Thread:
    grading = _interviewer(fingerprint).grading

    def load() -> None:  # a request that embeds meanwhile waits for the same one load
        try:
            grading.warm_up()
        except (OSError, RuntimeError, ImportError, ValueError) as exc:  # the first real embed reports it
            log.warning("embedding model warm-up failed: %s", exc)

    thread = threading.Thread(target=load, name="mockinterview-warm-up", daemon=True)
    thread.start()
    return thread


def prepare(session: Session) -> None:
    """Ready the grader for the question on screen (call after the page is drawn); a failure only costs speed."""
    try:
        with turn():
            sessions().prepare(actor(), session)
    except Exception as exc:  # noqa: BLE001 — the answer's grading reports any real problem
        log.warning("preparing the grader failed: %s", exc)


def forget_user() -> None:
    """Sign out of this browser tab: everything kept for the tab (open session, uploads, reviews) is dropped."""
    st.session_state[STATE_KEY] = UiState()


def ui_state() -> UiState:
    """The typed per-browser-session state (created on first use)."""
    state = st.session_state.get(STATE_KEY)
    if not isinstance(state, UiState):  # first use, or the module was reloaded (the URL still names the session)
        state = st.session_state[STATE_KEY] = UiState()
    return state


def sentence(exc: Exception) -> str:
    """An error's message as a sentence for the page."""
    text = str(exc).strip()
    return text[:1].upper() + text[1:] + ("" if text.endswith(".") else ".")


def sync_session_with_url(user: Actor) -> None:
    """`?session=<id>` opens that session if `user` may read it; otherwise the current session's id is put in the
    URL. A link alone grants nothing: a session the user may not read is refused and dropped from the URL."""
    state = ui_state()
    requested = st.query_params.get(SESSION_PARAM)
    if requested and requested != state.session_id:
        if not is_session_id(requested):
            st.warning("The link's session id is not valid; start a new interview.")
            del st.query_params[SESSION_PARAM]
            return
        try:
            session = sessions().open(user, requested)
        except SessionNotFound:
            st.warning("That interview session was not found (it may belong to another database).")
            del st.query_params[SESSION_PARAM]
            return
        except AccessDenied as exc:
            st.warning(sentence(exc))
            del st.query_params[SESSION_PARAM]
            return
        except StorageError as exc:
            st.error(str(exc))
            return
        state.session_id = session.id
        if user.local:
            state.candidate = session.config.user
    elif state.session_id and not requested:
        st.query_params[SESSION_PARAM] = state.session_id


def open_session_or_stop(gone: str) -> Session:
    """The open session, loaded for the acting user; if it no longer exists (`gone` is shown), may not be read by
    this user, or cannot be read, the page stops there."""
    try:
        return sessions().open(actor(), str(ui_state().session_id))
    except SessionNotFound:
        open_session(None)
        st.warning(gone)
    except AccessDenied as exc:
        open_session(None)
        st.warning(sentence(exc))
    except StorageError as exc:
        st.error(str(exc))
    st.stop()


def open_session(session_id: str | None) -> None:
    """Make `session_id` the current session (and the URL's), or forget the current one with None."""
    state = ui_state()
    state.session_id = session_id
    if session_id:
        st.query_params[SESSION_PARAM] = session_id
    elif SESSION_PARAM in st.query_params:
        del st.query_params[SESSION_PARAM]

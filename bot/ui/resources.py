"""What the pages share: cached resources (settings, store, interviewer, job queue) and the one typed state object."""

from __future__ import annotations

import hashlib
import logging
import os
import threading
from contextlib import AbstractContextManager

import streamlit as st

from bot.domain.interview import Session
from bot.interview.interviewer import Interviewer
from bot.jobs import JobQueue
from bot.retrieval.store import VectorStore
from bot.settings import Settings
from bot.storage.errors import SessionNotFound, StorageError
from bot.ui.state import SESSION_PARAM, STATE_KEY, UiState, is_session_id
from bot.variants.service import VariantService
from bot.wiring import interviewer_for, variant_service

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


def settings() -> Settings:
    return _settings(env_fingerprint())


def upload_mb() -> float:
    """The largest file a page accepts, in MB: the upload setting, or Streamlit's server cap when lower."""
    return min(settings().max_upload_mb, float(st.get_option("server.maxUploadSize")))


def interviewer() -> Interviewer:
    return _interviewer(env_fingerprint())


def store() -> VectorStore:
    """The interviewer's store (the same Chroma collections the grader reads)."""
    return interviewer().grading.store


def warm_up() -> None:
    """Start loading the local embedding model in the background (once per server) so the first grade is quick."""
    if settings().embedder == "minilm":
        _warm_up(env_fingerprint())


@st.cache_resource(show_spinner=False)
def _warm_up(fingerprint: str) -> threading.Thread:
    embedder = _interviewer(fingerprint).grading.embedder

    def load() -> None:  # a request that embeds meanwhile waits for the same one load
        try:
            embedder.embed(["warm up"])
        except (OSError, RuntimeError, ImportError, ValueError) as exc:  # the first real embed reports it
            log.warning("embedding model warm-up failed: %s", exc)

    thread = threading.Thread(target=load, name="mockinterview-warm-up", daemon=True)
    thread.start()
    return thread


def prepare(session_id: str) -> None:
    """Ready the grader for the question on screen (call after the page is drawn); a failure only costs speed."""
    try:
        with turn():
            interviewer().prepare(session_id)
    except Exception as exc:  # noqa: BLE001 — the answer's grading reports any real problem
        log.warning("preparing the grader failed: %s", exc)


def ui_state() -> UiState:
    """The typed per-browser-session state (created on first use)."""
    state = st.session_state.get(STATE_KEY)
    if not isinstance(state, UiState):  # first use, or the module was reloaded (the URL still names the session)
        state = st.session_state[STATE_KEY] = UiState()
    return state


def sync_session_with_url() -> None:
    """`?session=<id>` opens (resumes) that session; otherwise the current session's id is put in the URL."""
    state = ui_state()
    requested = st.query_params.get(SESSION_PARAM)
    if requested and requested != state.session_id:
        if not is_session_id(requested):
            st.warning("The link's session id is not valid; start a new interview.")
            del st.query_params[SESSION_PARAM]
            return
        try:
            session = interviewer().repo.load(requested)
        except SessionNotFound:
            st.warning("That interview session was not found (it may belong to another database).")
            del st.query_params[SESSION_PARAM]
            return
        except StorageError as exc:
            st.error(str(exc))
            return
        state.session_id = session.id
        state.candidate = session.config.user
    elif state.session_id and not requested:
        st.query_params[SESSION_PARAM] = state.session_id


def open_session_or_stop(gone: str) -> Session:
    """The open session, loaded; if it no longer exists (`gone` is shown) or cannot be read, the page stops there."""
    try:
        return interviewer().repo.load(str(ui_state().session_id))
    except SessionNotFound:
        open_session(None)
        st.warning(gone)
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

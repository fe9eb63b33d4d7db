"""Long work from a page: started as a job in the server's queue, followed with a progress bar, collected once."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import streamlit as st

from bot.jobs import Job, QueueFull
from bot.ui import resources

POLL_S = 1.0


def start(kind: str, label: str, work: Callable[[], Any], errors: tuple[type[Exception], ...] = ()) -> None:
    """Queue `work` (its arguments bound with functools.partial, never a closure over the page's names, which the
    next run of the page rebinds) as this browser session's job of `kind`, and draw the page again (its button now
    disabled, the job's progress shown); a full queue, or a job of that kind already running, is reported."""
    state = resources.ui_state()
    if running(kind):
        st.warning("That job is already running; its progress is shown below.")
        return
    try:
        job = resources.jobs().submit(label, work, owner=resources.job_owner(), errors=errors)
    except QueueFull as exc:
        st.error(str(exc))
    else:
        state.jobs[kind] = job.id
        st.rerun()


def running(kind: str) -> bool:
    """Whether this browser session has a job of `kind` waiting or running."""
    job_id = resources.ui_state().jobs.get(kind)
    job = resources.jobs().get(job_id) if job_id else None
    return job is not None and not job.finished


def follow(kind: str) -> Job | None:
    """This browser session's job of `kind`: drawn as a progress bar (polled) while it waits or runs; returned once
    finished (and forgotten, so it is returned once)."""
    state = resources.ui_state()
    job_id = state.jobs.get(kind)
    if job_id is None:
        return None
    job = resources.jobs().get(job_id)
    if job is None:
        del state.jobs[kind]
        st.warning("That job is no longer known to this server (it may have restarted); start it again.")
        return None
    if job.finished:
        del state.jobs[kind]
        return job
    _progress(job_id)
    return None


@st.fragment(run_every=POLL_S)
def _progress(job_id: str) -> None:
    queue = resources.jobs()
    job = queue.get(job_id)
    if job is None or job.finished:
        st.rerun()  # the whole page: it collects the result
    else:
        st.progress(job.fraction, text=job.describe(queue.ahead_of(job)))

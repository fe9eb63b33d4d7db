"""Errors raised by the storage layer."""

from __future__ import annotations


class StorageError(RuntimeError):
    """The database could not be reached, opened, migrated or written; the message never contains a password."""


class SessionNotFound(LookupError):
    """No session has the requested id."""

    def __init__(self, session_id: str) -> None:
        super().__init__(f"no interview session with id {session_id!r}")
        self.session_id = session_id

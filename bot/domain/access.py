"""Who may do what: roles, the acting user (`Actor`) and the access rules every service checks (pure, no I/O)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal, get_args

Role = Literal["candidate", "coach", "admin"]
ROLES: tuple[Role, ...] = get_args(Role)
LOCAL_USER = "candidate"  # the name of the local profile's own sessions when none is given


class AccessDenied(PermissionError):
    """The acting user may not do this; the message says what was refused, never whose data it was."""


@dataclass(frozen=True)
class Actor:
    """The user a request acts as: their account name, role and the candidates of the cohorts they coach.

    `local` is the single-user profile of a laptop install (no sign-in): its one person owns everything stored.
    """

    user: str
    role: Role = "candidate"
    coached: frozenset[str] = field(default_factory=frozenset)
    local: bool = False

    @classmethod
    def local_profile(cls, user: str = LOCAL_USER) -> Actor:
        """The local profile acting under `user`'s name (every session on this machine is theirs)."""
        return cls(user=user, role="admin", local=True)

    @property
    def is_staff(self) -> bool:
        """Coaches and admins (and the local profile) reach the recruiter and bank tools."""
        return self.local or self.role in ("coach", "admin")

    @property
    def is_admin(self) -> bool:
        return self.local or self.role == "admin"

    def acting_as(self, user: str) -> Actor:
        """The local profile under another name (the local profile keeps histories under any name)."""
        return Actor.local_profile(user) if self.local else self


def can_read(actor: Actor, owner: str) -> bool:
    """May `actor` see `owner`'s sessions, reports and history? Owners, admins, and the coaches of owner's cohorts."""
    return actor.local or actor.user == owner or actor.role == "admin" or (
        actor.role == "coach" and owner in actor.coached)


def can_write(actor: Actor, owner: str) -> bool:
    """May `actor` start, answer in or finish `owner`'s interviews? Only the owner (a coach or admin only reads)."""
    return actor.local or actor.user == owner


def require_read(actor: Actor, owner: str, what: str = "this interview") -> None:
    if not can_read(actor, owner):
        raise AccessDenied(f"you may not open {what}: it belongs to another candidate")


def require_write(actor: Actor, owner: str, what: str = "this interview") -> None:
    if not can_write(actor, owner):
        raise AccessDenied(f"you may not write to {what}: only its candidate can"
                           if can_read(actor, owner) else
                           f"you may not open {what}: it belongs to another candidate")


def require_staff(actor: Actor, tool: str) -> None:
    if not actor.is_staff:
        raise AccessDenied(f"{tool}: for coaches and admins only; you are signed in as a {actor.role}")


def require_admin(actor: Actor, action: str) -> None:
    if not actor.is_admin:
        raise AccessDenied(f"only an admin may {action}")


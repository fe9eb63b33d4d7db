"""AccountRepository: users' roles and password hashes, cohorts, invitations and run-time settings in the database."""

from __future__ import annotations

from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import CursorResult, Engine, delete, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session as DbSession
from sqlalchemy.orm import sessionmaker

from bot.domain.access import Role
from bot.domain.interview import now
from bot.storage.errors import StorageError
from bot.storage.models import CohortMemberRow, CohortRow, InvitationRow, SettingRow, UserRow
from bot.storage.schema import db_session, ensure_schema, storage_error

Member = str  # "coach" | "candidate"


class NameTaken(ValueError):
    """An account or cohort with this name already exists."""


class AccountNotFound(LookupError):
    """No account (or cohort) has this name."""


class InvalidInvitation(LookupError):
    """The invitation token is unknown, used already or expired."""


@dataclass(frozen=True)
class Account:
    """One user as the access rules see them (never the password hash)."""

    name: str
    role: Role
    created_at: datetime
    email: str | None = None
    has_password: bool = False
    sso: bool = False
    disabled: bool = False


@dataclass(frozen=True)
class Cohort:
    name: str
    coaches: tuple[str, ...]
    candidates: tuple[str, ...]


@dataclass(frozen=True)
class Invitation:
    role: Role
    cohort: str | None
    expires_at: datetime


def _account(row: UserRow) -> Account:
    return Account(name=row.name, role=cast(Role, row.role), created_at=row.created_at, email=row.email,
                   has_password=bool(row.password_hash), sso=bool(row.sso_subject), disabled=row.disabled)


class AccountRepository:
    """Accounts in the same database as the sessions (pass the session repository's engine)."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        ensure_schema(engine)
        self._sessions = sessionmaker(engine, expire_on_commit=False)

    def _db(self, action: str) -> AbstractContextManager[DbSession]:
        return db_session(self._sessions, action, self.engine.url)

    @staticmethod
    def _user(db: DbSession, name: str) -> UserRow:
        row = db.scalar(select(UserRow).where(UserRow.name == name))
        if row is None:
            raise AccountNotFound(f"no account named {name!r}")
        return row

    @staticmethod
    def _cohort(db: DbSession, name: str) -> CohortRow:
        row = db.scalar(select(CohortRow).where(CohortRow.name == name))
        if row is None:
            raise AccountNotFound(f"no cohort named {name!r}")
        return row

    # -- accounts -------------------------------------------------------------------------------------------

    def account(self, name: str) -> Account | None:
        with self._db("read an account from") as db:
            row = db.scalar(select(UserRow).where(UserRow.name == name))
            return None if row is None else _account(row)

    def accounts(self) -> list[Account]:
        with self._db("list accounts in") as db:
            return [_account(r) for r in db.scalars(select(UserRow).order_by(func.lower(UserRow.name)))]

    def count_accounts(self, role: Role | None = None) -> int:
        with self._db("count accounts in") as db:
            query = select(func.count()).select_from(UserRow)
            return int(db.scalar(query.where(UserRow.role == role) if role else query) or 0)

    def password_hash(self, name: str) -> str | None:
        with self._db("read an account from") as db:
            return db.scalar(select(UserRow.password_hash).where(UserRow.name == name, UserRow.disabled.is_(False)))

    def locked_until(self, name: str) -> datetime | None:
        with self._db("read an account from") as db:
            return db.scalar(select(UserRow.locked_until).where(UserRow.name == name))

    def record_failed_sign_in(self, name: str, limit: int, lock_for: timedelta) -> datetime | None:
        """Count a wrong password; the `limit`-th in a row locks the account for `lock_for` (when, returned)."""
        with self._db("record a sign-in in") as db, db.begin():
            row = db.scalar(select(UserRow).where(UserRow.name == name).with_for_update())
            if row is None:
                return None
            row.failed_sign_ins += 1
            if row.failed_sign_ins >= limit:
                row.failed_sign_ins, row.locked_until = 0, now() + lock_for
            return row.locked_until

    def clear_failed_sign_ins(self, name: str) -> None:
        with self._db("record a sign-in in") as db, db.begin():
            db.execute(update(UserRow).where(UserRow.name == name).values(failed_sign_ins=0, locked_until=None))

    def by_sso_subject(self, subject: str) -> Account | None:
        with self._db("read an account from") as db:
            row = db.scalar(select(UserRow).where(UserRow.sso_subject == subject))
            return None if row is None else _account(row)

    def create(self, name: str, role: Role, password_hash: str | None = None, email: str | None = None,
               sso_subject: str | None = None, invitation: str | None = None) -> Account:
        """A new account; with `invitation` (a token hash) the invitation is used up in the same transaction, so
        it admits exactly one account. NameTaken if the name exists; InvalidInvitation if the invitation is not."""
        try:
            with self._db("create an account in") as db, db.begin():
                cohort_id = self._use_invitation(db, invitation) if invitation else None
                row = UserRow(name=name, role=role, password_hash=password_hash, email=email,
                              sso_subject=sso_subject, created_at=now(), disabled=False)
                db.add(row)
                db.flush()
                if invitation:
                    db.execute(update(InvitationRow).where(InvitationRow.token_hash == invitation)
                               .values(used_by=row.id))
                if cohort_id is not None:
                    db.add(CohortMemberRow(cohort_id=cohort_id, user_id=row.id,
                                           member="coach" if role == "coach" else "candidate"))
                return _account(row)
        except IntegrityError as exc:
            if self.account(name) is not None:
                raise NameTaken(f"the name {name!r} is taken; choose another") from None
            raise storage_error("create an account in", self.engine.url, exc) from exc

    def _use_invitation(self, db: DbSession, token_hash: str) -> int | None:
        """Mark the invitation used (only if unused and unexpired, in one UPDATE); its cohort id."""
        stamp = now()
        used = cast(CursorResult[Any], db.execute(
            update(InvitationRow).where(InvitationRow.token_hash == token_hash, InvitationRow.used_at.is_(None),
                                        InvitationRow.expires_at > stamp).values(used_at=stamp)))
        if used.rowcount != 1:
            raise InvalidInvitation("this invitation link is not valid: it was used already, has expired or never "
                                    "existed; ask for a new one")
        return db.scalar(select(InvitationRow.cohort_id).where(InvitationRow.token_hash == token_hash))

    def update(self, name: str, **values: Any) -> Account:
        """Change `role`, `password_hash`, `email`, `sso_subject` or `disabled` of an existing account."""
        allowed = {"role", "password_hash", "email", "sso_subject", "disabled"}
        if not values or set(values) - allowed:
            raise ValueError(f"can only update {sorted(allowed)}")
        with self._db("update an account in") as db, db.begin():
            row = self._user(db, name)
            for key, value in values.items():
                setattr(row, key, value)
            return _account(row)

    # -- cohorts --------------------------------------------------------------------------------------------

    def create_cohort(self, name: str) -> None:
        try:
            with self._db("create a cohort in") as db, db.begin():
                db.add(CohortRow(name=name, created_at=now()))
        except IntegrityError:
            raise NameTaken(f"a cohort named {name!r} exists already") from None

    def add_member(self, cohort: str, user: str, member: Member) -> None:
        """Put `user` in `cohort` as a coach or a candidate (replacing how they were in it before)."""
        with self._db("update a cohort in") as db, db.begin():
            cohort_id, user_id = self._cohort(db, cohort).id, self._user(db, user).id
            db.execute(delete(CohortMemberRow).where(CohortMemberRow.cohort_id == cohort_id,
                                                     CohortMemberRow.user_id == user_id))
            db.add(CohortMemberRow(cohort_id=cohort_id, user_id=user_id, member=member))

    def remove_member(self, cohort: str, user: str) -> bool:
        with self._db("update a cohort in") as db, db.begin():
            cohort_id, user_id = self._cohort(db, cohort).id, self._user(db, user).id
            result = cast(CursorResult[Any], db.execute(delete(CohortMemberRow).where(
                CohortMemberRow.cohort_id == cohort_id, CohortMemberRow.user_id == user_id)))
            return result.rowcount > 0

    def cohorts(self) -> list[Cohort]:
        with self._db("list cohorts in") as db:
            rows = db.execute(select(CohortRow.name, UserRow.name, CohortMemberRow.member)
                              .select_from(CohortRow).outerjoin(CohortMemberRow)
                              .outerjoin(UserRow, UserRow.id == CohortMemberRow.user_id)
                              .order_by(func.lower(CohortRow.name), func.lower(UserRow.name))).all()
        grouped: dict[str, dict[str, list[str]]] = {}
        for cohort, user, member in rows:
            members = grouped.setdefault(cohort, {"coach": [], "candidate": []})
            if user is not None:
                members[member].append(user)
        return [Cohort(name, tuple(m["coach"]), tuple(m["candidate"])) for name, m in grouped.items()]

    def coached_by(self, coach: str) -> frozenset[str]:
        """Names of the candidates in every cohort `coach` coaches."""
        coach_cohorts = (select(CohortMemberRow.cohort_id).join(UserRow, UserRow.id == CohortMemberRow.user_id)
                         .where(UserRow.name == coach, CohortMemberRow.member == "coach"))
        with self._db("read cohorts from") as db:
            return frozenset(db.scalars(
                select(UserRow.name).join(CohortMemberRow, CohortMemberRow.user_id == UserRow.id)
                .where(CohortMemberRow.cohort_id.in_(coach_cohorts), CohortMemberRow.member == "candidate")))

    # -- invitations and settings ---------------------------------------------------------------------------

    def add_invitation(self, token_hash: str, role: Role, cohort: str | None, created_by: str,
                       expires_at: datetime) -> None:
        with self._db("create an invitation in") as db, db.begin():
            cohort_id = self._cohort(db, cohort).id if cohort else None
            db.add(InvitationRow(token_hash=token_hash, role=role, cohort_id=cohort_id, created_by=created_by,
                                 created_at=now(), expires_at=expires_at))

    def invitation(self, token_hash: str) -> Invitation | None:
        """The invitation if it can still be used (unused, unexpired), else None."""
        with self._db("read an invitation from") as db:
            row = db.execute(select(InvitationRow.role, CohortRow.name, InvitationRow.expires_at)
                             .select_from(InvitationRow).outerjoin(CohortRow)
                             .where(InvitationRow.token_hash == token_hash, InvitationRow.used_at.is_(None),
                                    InvitationRow.expires_at > now())).one_or_none()
        return None if row is None else Invitation(role=cast(Role, row[0]), cohort=row[1], expires_at=row[2])

    def setting(self, key: str) -> str | None:
        with self._db("read a setting from") as db:
            return db.scalar(select(SettingRow.value).where(SettingRow.key == key))

    def set_setting(self, key: str, value: str) -> None:
        for _ in range(3):  # two admins saving at once: the loser's insert conflicts, then it updates
            try:
                with self._db("save a setting in") as db, db.begin():
                    row = db.get(SettingRow, key)
                    if row is None:
                        db.add(SettingRow(key=key, value=value))
                    else:
                        row.value = value
                return
            except IntegrityError:
                continue
        raise StorageError(f"cannot save the setting {key!r}: other writers kept changing it")

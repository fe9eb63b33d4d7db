"""AccountService: sign-in, sign-up (by invitation or open), single sign-on accounts, and the admin's tools."""

from __future__ import annotations

import hashlib
import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any, Literal, cast, get_args

from bot.accounts.passwords import PasswordHasher, WeakPassword, check_password
from bot.domain.access import ROLES, AccessDenied, Actor, Role, require_admin
from bot.domain.interview import now
from bot.storage.accounts import (
    Account,
    AccountNotFound,
    AccountRepository,
    Cohort,
    InvalidInvitation,
    NameTaken,
)

SignupMode = Literal["invite", "open"]
SIGNUP_MODES: tuple[SignupMode, ...] = get_args(SignupMode)
SIGNUP_KEY = "signup"
INVITATION_DAYS = 7
LOCK_AFTER = 5  # wrong passwords in a row
LOCK_FOR = timedelta(minutes=5)
_NAME = re.compile(r"[^\W_][\w.@+-]{1,63}")


class AccountError(ValueError):
    """A request about accounts that cannot be done as asked; the message says why and what to do."""


class SignInFailed(AccountError):
    """Wrong name or password (which one is never said)."""

    def __init__(self) -> None:
        super().__init__("wrong account name or password")


def check_name(name: str) -> str:
    """The account name, stripped; AccountError unless it is 2–64 letters, digits or `. _ @ + -`."""
    name = name.strip()
    if not _NAME.fullmatch(name):
        raise AccountError("an account name has 2–64 characters: letters, digits and . _ @ + - (no spaces), "
                           "starting with a letter or digit")
    return name


def check_role(role: str) -> Role:
    if role not in ROLES:
        raise AccountError(f"unknown role {role!r}; choose one of {', '.join(ROLES)}")
    return cast(Role, role)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.strip().encode("utf-8")).hexdigest()


@dataclass
class AccountService:
    """Accounts over one AccountRepository; every admin tool takes the acting `Actor` and checks it first."""

    repo: AccountRepository
    hasher: PasswordHasher = field(default_factory=PasswordHasher)
    invitation_days: int = INVITATION_DAYS

    # -- who is acting ----------------------------------------------------------------------------------------

    def actor(self, name: str) -> Actor:
        """The Actor of an existing, enabled account, with the candidates of the cohorts it coaches."""
        account = self.repo.account(name)
        if account is None:
            raise AccessDenied("this account no longer exists; sign in again")
        if account.disabled:
            raise AccessDenied("this account is disabled; ask an admin")
        coached = self.repo.coached_by(name) if account.role == "coach" else frozenset()
        return Actor(user=account.name, role=account.role, coached=coached)

    def sign_in(self, name: str, password: str) -> Actor:
        """The Actor for a correct name and password; SignInFailed (the same, equally slow) otherwise. After
        `LOCK_AFTER` wrong passwords in a row the account refuses every password for `LOCK_FOR`."""
        name = name.strip()
        hashed = self.repo.password_hash(name)
        if hashed is None:
            self.hasher.waste_time(password)
            raise SignInFailed
        locked = self.repo.locked_until(name)
        if locked is not None and locked > now():
            minutes = max(1, round((locked - now()).total_seconds() / 60))
            raise AccountError(f"too many wrong passwords for this account: try again in {minutes} minute(s)")
        if not self.hasher.verify(password, hashed):
            self.repo.record_failed_sign_in(name, LOCK_AFTER, LOCK_FOR)
            raise SignInFailed
        self.repo.clear_failed_sign_ins(name)
        return self.actor(name)

    # -- sign-up ----------------------------------------------------------------------------------------------

    def signup_mode(self) -> SignupMode:
        """`invite` (the default: only with an invitation link) or `open` (anyone may create a candidate account)."""
        value = self.repo.setting(SIGNUP_KEY)
        return cast(SignupMode, value) if value in SIGNUP_MODES else "invite"

    def invitation_role(self, token: str) -> tuple[Role, str | None] | None:
        """(role, cohort) an invitation token grants, or None when it cannot be used."""
        found = self.repo.invitation(token_hash(token)) if token.strip() else None
        return None if found is None else (found.role, found.cohort)

    def sign_up(self, name: str, password: str, invitation: str | None = None) -> Actor:
        """A new password account: with a valid invitation it gets the invitation's role (and cohort); without one
        only while sign-up is open, as a candidate."""
        name = check_name(name)
        self._check_password(password, name)
        role: Role = "candidate"
        if invitation and invitation.strip():
            granted = self.invitation_role(invitation)
            if granted is None:
                raise AccountError("this invitation link is not valid: it was used already, has expired or never "
                                   "existed; ask for a new one")
            role = granted[0]
        elif self.signup_mode() != "open":
            raise AccountError("sign-up needs an invitation link; ask a coach or an admin for one")
        try:
            self.repo.create(name, role, self.hasher.hash(password),
                             invitation=token_hash(invitation) if invitation and invitation.strip() else None)
        except NameTaken as exc:
            raise AccountError(str(exc)) from None
        except InvalidInvitation as exc:  # used by someone else a moment ago
            raise AccountError(str(exc)) from None
        return self.actor(name)

    def sso_actor(self, claims: Mapping[str, Any]) -> Actor:
        """The Actor of a single-sign-on identity (the ID token's claims), creating a candidate account on first
        sign-in, named after its e-mail address when the provider verified it. An account an admin made with the same
        verified e-mail address and no SSO link yet is linked."""
        issuer, subject = str(claims.get("iss") or ""), str(claims.get("sub") or "")
        if not subject:
            raise AccountError("the identity provider sent no subject (`sub`) for this user")
        key = f"{issuer}|{subject}"
        known = self.repo.by_sso_subject(key)
        if known is not None:
            return self.actor(known.name)
        email = str(claims.get("email") or "").strip() or None
        verified = claims.get("email_verified") is True
        if email and verified:
            linked = next((a for a in self.repo.accounts()
                           if a.email and a.email.casefold() == email.casefold() and not a.sso), None)
            if linked is not None:
                self.repo.update(linked.name, sso_subject=key)
                return self.actor(linked.name)
        if not verified:  # an address the provider has not verified neither names the account nor is recorded on it
            email, claims = None, {**claims, "email": None}
        for name in _sso_names(claims, key):
            try:
                self.repo.create(name, "candidate", email=email, sso_subject=key)
            except NameTaken:
                continue
            return self.actor(name)
        raise AccountError("could not choose a free account name for this identity; ask an admin")

    # -- the admin's tools --------------------------------------------------------------------------------------

    def create_account(self, admin: Actor, name: str, role: str = "candidate", password: str | None = None,
                       email: str | None = None) -> Account:
        """An account made by an admin; without a password it signs in only through SSO (or after set-password)."""
        require_admin(admin, "create accounts")
        name, role = check_name(name), check_role(role)
        if password is not None:
            self._check_password(password, name)
        try:
            return self.repo.create(name, role, self.hasher.hash(password) if password else None,
                                    email=(email or "").strip() or None)
        except NameTaken as exc:
            raise AccountError(str(exc)) from None

    def set_role(self, admin: Actor, name: str, role: str) -> Account:
        require_admin(admin, "change roles")
        role = check_role(role)
        current = self._existing(name)
        if current.role == "admin" and role != "admin" and self.repo.count_accounts("admin") <= 1:
            raise AccountError(f"{name} is the only admin; make another admin first")
        return self.repo.update(current.name, role=role)

    def set_password(self, actor: Actor, name: str, password: str) -> None:
        """An admin sets anyone's password; a user sets their own."""
        if actor.user != name:
            require_admin(actor, "set another user's password")
        account = self._existing(name)
        self._check_password(password, account.name)
        self.repo.update(account.name, password_hash=self.hasher.hash(password))
        self.repo.clear_failed_sign_ins(account.name)  # a new password also lifts a lock

    def set_disabled(self, admin: Actor, name: str, disabled: bool) -> Account:
        require_admin(admin, "disable or enable accounts")
        account = self._existing(name)
        if disabled and account.role == "admin" and self.repo.count_accounts("admin") <= 1:
            raise AccountError(f"{name} is the only admin; make another admin first")
        return self.repo.update(account.name, disabled=disabled)

    def invite(self, admin: Actor, role: str = "candidate", cohort: str | None = None) -> str:
        """A one-use invitation token (valid `invitation_days`); only its hash is stored, so show it once."""
        require_admin(admin, "invite people")
        role = check_role(role)
        token = secrets.token_urlsafe(24)
        try:
            self.repo.add_invitation(token_hash(token), role, cohort or None, admin.user,
                                     now() + timedelta(days=self.invitation_days))
        except AccountNotFound as exc:
            raise AccountError(str(exc)) from None
        return token

    def set_signup_mode(self, admin: Actor, mode: str) -> None:
        require_admin(admin, "change how sign-up works")
        if mode not in SIGNUP_MODES:
            raise AccountError(f"sign-up is one of {', '.join(SIGNUP_MODES)}, not {mode!r}")
        self.repo.set_setting(SIGNUP_KEY, mode)

    def create_cohort(self, admin: Actor, name: str) -> None:
        require_admin(admin, "create cohorts")
        name = name.strip()
        if not 1 <= len(name) <= 200:
            raise AccountError("a cohort name has 1–200 characters")
        try:
            self.repo.create_cohort(name)
        except NameTaken as exc:
            raise AccountError(str(exc)) from None

    def add_to_cohort(self, admin: Actor, cohort: str, name: str, member: str | None = None) -> str:
        """Put a user in a cohort as `coach` or `candidate` (default: coach for coaches and admins); the member kind."""
        require_admin(admin, "change cohorts")
        account = self._existing(name)
        kind = member or ("candidate" if account.role == "candidate" else "coach")
        if kind not in ("coach", "candidate"):
            raise AccountError(f"a cohort member is a coach or a candidate, not {kind!r}")
        if kind == "coach" and account.role == "candidate":
            raise AccountError(f"{name} is a candidate; make them a coach first (set-role)")
        try:
            self.repo.add_member(cohort, account.name, kind)
        except AccountNotFound as exc:
            raise AccountError(str(exc)) from None
        return kind

    def remove_from_cohort(self, admin: Actor, cohort: str, name: str) -> bool:
        require_admin(admin, "change cohorts")
        try:
            return self.repo.remove_member(cohort, name)
        except AccountNotFound as exc:
            raise AccountError(str(exc)) from None

    def accounts(self, admin: Actor) -> list[Account]:
        require_admin(admin, "list accounts")
        return self.repo.accounts()

    def cohorts(self, admin: Actor) -> list[Cohort]:
        require_admin(admin, "list cohorts")
        return self.repo.cohorts()

    def readable_users(self, actor: Actor) -> list[str]:
        """Whose history `actor` may open: themselves, their cohorts' candidates, or (an admin) everyone."""
        others = [a.name for a in self.repo.accounts()] if actor.role == "admin" else sorted(actor.coached)
        return [actor.user, *sorted((u for u in others if u != actor.user), key=str.lower)]

    # -- helpers --------------------------------------------------------------------------------------------------

    def _existing(self, name: str) -> Account:
        account = self.repo.account(name.strip())
        if account is None:
            raise AccountError(f"no account named {name.strip()!r}")
        return account

    @staticmethod
    def _check_password(password: str, name: str) -> None:
        try:
            check_password(password, name)
        except WeakPassword as exc:
            raise AccountError(str(exc)) from None


def _sso_names(claims: Mapping[str, Any], key: str) -> list[str]:
    """Candidate account names for a new SSO identity: its e-mail, preferred username, then numbered variants."""
    bases = [str(claims.get(k) or "").strip() for k in ("email", "preferred_username", "name")]
    valid = [b for b in (re.sub(r"\s+", ".", b) for b in bases) if _NAME.fullmatch(b)]
    base = valid[0] if valid else f"sso-{hashlib.sha256(key.encode()).hexdigest()[:10]}"
    return [base, *(f"{base[:60]}-{n}" for n in range(2, 20))]

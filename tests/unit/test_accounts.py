"""Accounts: password hashing, sign-in, sign-up by invitation or open, single sign-on, and the admin's tools."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import update

from bot.accounts.passwords import PasswordHasher, WeakPassword, check_password
from bot.accounts.service import LOCK_AFTER, AccountError, AccountService, SignInFailed, token_hash
from bot.domain.access import AccessDenied, Actor
from bot.domain.interview import now
from bot.storage.accounts import AccountRepository
from bot.storage.models import InvitationRow, UserRow
from bot.storage.repository import SessionRepository

OPERATOR = Actor.local_profile()


@pytest.fixture
def accounts(tmp_path: Path) -> Iterator[AccountService]:
    repo = SessionRepository(f"sqlite:///{tmp_path / 'accounts.db'}")
    service = AccountService(AccountRepository(repo.engine), hasher=PasswordHasher(rounds=4))
    service.create_account(OPERATOR, "ada", "admin", password="ada-secret-pw")
    yield service
    repo.close()


def test_a_hash_is_salted_and_verifies_only_the_right_password() -> None:
    hasher = PasswordHasher(rounds=4)
    first, second = hasher.hash("correct horse battery"), hasher.hash("correct horse battery")
    assert first != second and first.startswith("$2b$04$") and "correct" not in first
    assert hasher.verify("correct horse battery", first) and hasher.verify("correct horse battery", second)
    assert not hasher.verify("correct horse batterY", first)
    assert not hasher.verify("correct horse battery", "not a bcrypt hash") and not hasher.verify("x", None)
    assert not hasher.verify("a" * 100, first)  # never an exception for input bcrypt cannot take


def test_the_default_cost_is_bcrypt_12() -> None:
    assert PasswordHasher().hash("correct horse battery").startswith("$2b$12$")


@pytest.mark.parametrize(("password", "reason"), [
    ("short", "at least 10 characters"),
    ("é" * 40, "at most 72 bytes"),
    ("ten chars\x00!", "NUL"),
    ("Ada-Lovelace", "not be the account name"),
])
def test_weak_passwords_are_refused_with_the_rule_they_break(password: str, reason: str) -> None:
    with pytest.raises(WeakPassword, match=reason):
        check_password(password, "ada-lovelace")


def test_sign_in_gives_the_actor_and_fails_the_same_way_for_a_wrong_password_or_name(
        accounts: AccountService) -> None:
    actor = accounts.sign_in("ada", "ada-secret-pw")
    assert actor == Actor(user="ada", role="admin")
    failures = []
    for name, password in (("ada", "wrong-password"), ("nobody", "ada-secret-pw"), ("ada", "")):
        with pytest.raises(SignInFailed) as caught:
            accounts.sign_in(name, password)
        failures.append(str(caught.value))
    assert set(failures) == {"wrong account name or password"}


def test_an_unknown_name_costs_as_much_as_a_wrong_password(tmp_path: Path) -> None:
    repo = SessionRepository(f"sqlite:///{tmp_path / 'timing.db'}")
    service = AccountService(AccountRepository(repo.engine), hasher=PasswordHasher(rounds=10))
    service.create_account(OPERATOR, "ada", "admin", password="ada-secret-pw")

    def seconds(name: str) -> float:
        started = time.perf_counter()
        with pytest.raises(SignInFailed):
            service.sign_in(name, "wrong-password")
        return time.perf_counter() - started

    seconds("nobody")  # the dummy hash is made on first use
    known, unknown = min(seconds("ada") for _ in range(3)), min(seconds("nobody") for _ in range(3))
    assert unknown > known / 3  # both run bcrypt (a missing name without it would take microseconds)
    repo.close()


def test_wrong_passwords_in_a_row_lock_the_account_for_a_while(accounts: AccountService) -> None:
    for _ in range(LOCK_AFTER - 1):
        with pytest.raises(SignInFailed):
            accounts.sign_in("ada", "guessed-password")
    assert accounts.sign_in("ada", "ada-secret-pw").user == "ada"  # a success starts the count again
    for _ in range(LOCK_AFTER):
        with pytest.raises(SignInFailed):
            accounts.sign_in("ada", "guessed-password")
    with pytest.raises(AccountError, match=r"too many wrong passwords.*try again in 5 minute"):
        accounts.sign_in("ada", "ada-secret-pw")  # even the right one, while locked
    with accounts.repo.engine.begin() as conn:
        conn.execute(update(UserRow).where(UserRow.name == "ada").values(locked_until=now() - timedelta(seconds=1)))
    assert accounts.sign_in("ada", "ada-secret-pw").user == "ada"
    for _ in range(LOCK_AFTER):
        with pytest.raises(SignInFailed):
            accounts.sign_in("ada", "guessed-password")
    accounts.set_password(OPERATOR, "ada", "a-fresh-secret-pw")  # an admin's reset lifts the lock
    assert accounts.sign_in("ada", "a-fresh-secret-pw").user == "ada"


def test_a_disabled_account_cannot_sign_in(accounts: AccountService) -> None:
    ada = accounts.actor("ada")
    accounts.create_account(ada, "bob", password="bob-secret-pw")
    accounts.set_disabled(ada, "bob", True)
    with pytest.raises(SignInFailed):
        accounts.sign_in("bob", "bob-secret-pw")
    accounts.set_disabled(ada, "bob", False)
    assert accounts.sign_in("bob", "bob-secret-pw").user == "bob"


def test_sign_up_needs_an_invitation_until_the_admin_opens_it(accounts: AccountService) -> None:
    assert accounts.signup_mode() == "invite"
    with pytest.raises(AccountError, match="needs an invitation"):
        accounts.sign_up("zoe", "zoe-secret-pw")
    with pytest.raises(AccessDenied):
        accounts.set_signup_mode(Actor(user="cole", role="coach"), "open")
    accounts.set_signup_mode(accounts.actor("ada"), "open")
    actor = accounts.sign_up("zoe", "zoe-secret-pw")
    assert actor == Actor(user="zoe", role="candidate")
    assert accounts.sign_in("zoe", "zoe-secret-pw") == actor
    with pytest.raises(AccountError, match="taken"):
        accounts.sign_up("zoe", "another-secret-pw")
    with pytest.raises(AccountError, match="2–64 characters"):
        accounts.sign_up("zoe smith", "zoe-secret-pw")


def test_an_invitation_gives_its_role_and_cohort_once(accounts: AccountService) -> None:
    ada = accounts.actor("ada")
    accounts.create_cohort(ada, "spring")
    accounts.create_account(ada, "cole", "coach", password="cole-secret-pw")
    accounts.add_to_cohort(ada, "spring", "cole")
    token = accounts.invite(ada, "candidate", cohort="spring")
    assert len(token) >= 32 and accounts.invitation_role(token) == ("candidate", "spring")
    assert accounts.sign_up("ana", "ana-secret-pw", invitation=token).role == "candidate"
    assert accounts.actor("cole").coached == frozenset({"ana"})  # she joined the invitation's cohort
    assert accounts.invitation_role(token) is None
    with pytest.raises(AccountError, match="not valid"):
        accounts.sign_up("ann", "ann-secret-pw", invitation=token)
    assert accounts.repo.account("ann") is None
    coach_invite = accounts.invite(ada, "coach")
    assert accounts.sign_up("cara", "cara-secret-pw", invitation=coach_invite).role == "coach"


def test_an_expired_or_made_up_invitation_admits_nobody(accounts: AccountService) -> None:
    token = accounts.invite(accounts.actor("ada"))
    with accounts.repo.engine.begin() as conn:
        conn.execute(update(InvitationRow).where(InvitationRow.token_hash == token_hash(token))
                     .values(expires_at=now() - timedelta(minutes=1)))
    for bad in (token, "made-up-token"):
        with pytest.raises(AccountError, match="not valid"):
            accounts.sign_up("ana", "ana-secret-pw", invitation=bad)
    with pytest.raises(AccountError, match="no cohort"):
        accounts.invite(accounts.actor("ada"), cohort="nowhere")


def test_a_used_invitation_cannot_be_used_by_a_second_sign_up_racing_it(accounts: AccountService) -> None:
    token = accounts.invite(accounts.actor("ada"))
    accounts.repo.create("first", "candidate", invitation=token_hash(token))
    with pytest.raises(LookupError, match="not valid"):  # checked inside the insert's own transaction
        accounts.repo.create("second", "candidate", invitation=token_hash(token))
    assert accounts.repo.account("second") is None


def test_only_an_admin_uses_the_admin_tools(accounts: AccountService) -> None:
    ada = accounts.actor("ada")
    accounts.create_account(ada, "cole", "coach", password="cole-secret-pw")
    cole = accounts.actor("cole")
    for tool in (lambda: accounts.create_account(cole, "x1", password="x1-secret-pw"),
                 lambda: accounts.set_role(cole, "cole", "admin"),
                 lambda: accounts.invite(cole),
                 lambda: accounts.create_cohort(cole, "mine"),
                 lambda: accounts.add_to_cohort(cole, "mine", "cole"),
                 lambda: accounts.set_password(cole, "ada", "taken-over-pw"),
                 lambda: accounts.accounts(cole)):
        with pytest.raises(AccessDenied, match="only an admin"):
            tool()
    accounts.set_password(cole, "cole", "cole-new-secret")  # one's own password, yes
    assert accounts.sign_in("cole", "cole-new-secret").role == "coach"
    assert accounts.sign_in("ada", "ada-secret-pw").role == "admin"


def test_roles_change_and_the_last_admin_stays(accounts: AccountService) -> None:
    ada = accounts.actor("ada")
    with pytest.raises(AccountError, match="only admin"):
        accounts.set_role(ada, "ada", "coach")
    with pytest.raises(AccountError, match="only admin"):
        accounts.set_disabled(ada, "ada", True)
    accounts.create_account(ada, "bob")
    with pytest.raises(AccountError, match="unknown role"):
        accounts.set_role(ada, "bob", "owner")
    assert accounts.set_role(ada, "bob", "coach").role == "coach"
    assert accounts.actor("bob").role == "coach"
    accounts.create_cohort(ada, "spring")
    accounts.create_account(ada, "ana")
    with pytest.raises(AccountError, match="make them a coach"):
        accounts.add_to_cohort(ada, "spring", "ana", "coach")
    assert accounts.add_to_cohort(ada, "spring", "ana") == "candidate"
    assert accounts.add_to_cohort(ada, "spring", "bob") == "coach"
    assert [(c.name, c.coaches, c.candidates) for c in accounts.cohorts(ada)] == [("spring", ("bob",), ("ana",))]


def test_sso_makes_a_candidate_account_once_and_the_admin_can_change_its_role(accounts: AccountService) -> None:
    claims = {"iss": "https://idp.example", "sub": "u-123", "email": "ana@example.org", "email_verified": True,
              "name": "Ana Lima", "is_logged_in": True}
    first = accounts.sso_actor(claims)
    assert first == Actor(user="ana@example.org", role="candidate")
    assert accounts.sso_actor(claims) == first and len(accounts.repo.accounts()) == 2
    accounts.set_role(accounts.actor("ada"), "ana@example.org", "coach")
    assert accounts.sso_actor(claims).role == "coach"
    with pytest.raises(SignInFailed):  # an SSO account has no password to guess
        accounts.sign_in("ana@example.org", "")
    other_idp = accounts.sso_actor({**claims, "iss": "https://other.example"})  # same sub, other issuer
    assert other_idp.user == "ana@example.org-2" and other_idp.role == "candidate"
    with pytest.raises(AccountError, match="no subject"):
        accounts.sso_actor({"email": "x@example.org"})


def test_sso_links_an_admin_made_account_only_by_a_verified_email(accounts: AccountService) -> None:
    ada = accounts.actor("ada")
    accounts.create_account(ada, "cole", "coach", email="cole@example.org")
    unverified = accounts.sso_actor({"iss": "i", "sub": "1", "email": "cole@example.org"})
    assert unverified.user != "cole" and unverified.role == "candidate"
    verified = accounts.sso_actor({"iss": "i", "sub": "2", "email": "Cole@Example.org", "email_verified": True})
    assert verified == Actor(user="cole", role="coach")


def test_sso_an_unverified_email_neither_names_the_account_nor_is_recorded(accounts: AccountService) -> None:
    claims = {"iss": "i", "sub": "9", "email": "cole@example.org", "email_verified": False, "name": "Mal Stone"}
    unverified = accounts.sso_actor(claims)
    assert unverified == Actor(user="Mal.Stone", role="candidate")
    assert (account := accounts.repo.account("Mal.Stone")) is not None and account.email is None
    assert accounts.sso_actor({"iss": "i", "sub": "8", "email": "x@example.org"}).user.startswith("sso-")
    assert "cole@example.org" not in [a.name for a in accounts.repo.accounts()]

"""The access rules and accounts against a real PostgreSQL server: the same table of who reads and writes as the
SQLite unit tests, an invitation raced by two sign-ups, and the accounts schema upgraded in place."""

from __future__ import annotations

import threading
from functools import partial
from typing import Any

import pytest
from alembic import command
from sqlalchemy import create_engine

from bot.accounts.passwords import PasswordHasher
from bot.accounts.service import AccountError, AccountService
from bot.domain.access import Actor
from bot.storage import schema
from bot.storage.accounts import AccountRepository
from bot.storage.repository import SessionRepository
from tests.integration.servers import PostgresServer
from tests.unit.test_access import READERS, WRITERS, assert_reads, assert_writes, build_team
from tests.unit.test_access import engine as engine  # the module-scoped bank fixture

pytestmark = [pytest.mark.integration]


def test_the_access_table_holds_on_postgres(postgres: PostgresServer, engine: tuple[Any, Any]) -> None:
    for who in READERS:  # a fresh team per actor, as the writes change the session
        team = build_team(postgres.create_database(f"access_read_{who}"), *engine)
        assert_reads(team, who)
        team.sessions.repo.close()
    for who in WRITERS:
        team = build_team(postgres.create_database(f"access_write_{who}"), *engine)
        assert_writes(team, who)
        team.sessions.repo.close()


def race(calls: list[Any]) -> list[str]:
    """Run the calls in threads released together; each one's result, or its AccountError's message."""
    outcomes: list[str] = []
    start = threading.Barrier(len(calls))

    def run(call: Any) -> None:
        start.wait()
        try:
            outcomes.append(call())
        except AccountError as exc:
            outcomes.append(str(exc))

    threads = [threading.Thread(target=run, args=(call,)) for call in calls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return outcomes


def test_an_invitation_raced_by_two_sign_ups_admits_one(postgres: PostgresServer) -> None:
    url = postgres.create_database("invitation_race")
    repos = [SessionRepository(url) for _ in range(2)]  # two replicas
    services = [AccountService(AccountRepository(r.engine), hasher=PasswordHasher(rounds=4)) for r in repos]
    services[0].create_account(Actor.local_profile(), "ada", "admin")
    for attempt in range(5):
        token = services[0].invite(Actor(user="ada", role="admin"), "coach")
        outcomes = race([partial(lambda s, name, t: s.sign_up(name, "a-long-secret-pw", invitation=t).role,
                                 service, f"racer{attempt}{n}", token) for n, service in enumerate(services)])
        assert len(outcomes) == 2 and outcomes.count("coach") == 1, outcomes
        assert "not valid" in next(o for o in outcomes if o != "coach")
    assert len(services[0].repo.accounts()) == 1 + 5
    for repo in repos:
        repo.close()


def test_a_database_of_the_previous_release_gains_accounts_and_keeps_its_sessions(postgres: PostgresServer) -> None:
    url = postgres.create_database("accounts_upgrade")
    engine_ = create_engine(url)
    with engine_.begin() as conn:  # the schema as the release before accounts left it
        cfg = schema.alembic_config()
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "0002")
        conn.exec_driver_sql("INSERT INTO users (id, name, created_at) VALUES (1, 'old-user', now())")
    engine_.dispose()
    repo = SessionRepository(url)  # opening it upgrades in place
    assert schema.current_revision(repo.engine) == schema.head_revision()
    accounts = AccountService(AccountRepository(repo.engine), hasher=PasswordHasher(rounds=4))
    old = accounts.repo.account("old-user")
    assert old is not None and old.role == "candidate" and not old.has_password and not old.disabled
    accounts.set_password(Actor.local_profile(), "old-user", "a-new-long-password")
    assert accounts.sign_in("old-user", "a-new-long-password") == Actor(user="old-user", role="candidate")
    repo.close()

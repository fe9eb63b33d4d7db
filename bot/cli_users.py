"""`mockinterview users`: accounts, roles, invitations, cohorts and sign-up; and who a session command acts as."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Annotated, Any, TypeVar

import typer
from rich.table import Table

from bot.accounts.service import SIGNUP_MODES, AccountError, AccountService
from bot.cli_output import console, fail
from bot.domain.access import LOCAL_USER, ROLES, AccessDenied, Actor
from bot.settings import Settings
from bot.storage.accounts import AccountRepository
from bot.storage.errors import StorageError
from bot.storage.repository import SessionRepository

T = TypeVar("T")
PASSWORD_ENV = "MOCKINTERVIEW_PASSWORD"
# Whoever runs these commands holds the database's credentials, so could change it directly: the command line acts
# as an admin of it (the app's pages check the signed-in account instead).
OPERATOR = Actor(user="command-line", role="admin")
FAILURES = (AccountError, AccessDenied, StorageError)

users = typer.Typer(help="Accounts, roles, invitations and cohorts of a team deployment (acts as an admin of the "
                         "configured database).", no_args_is_help=True, add_completion=False, rich_markup_mode=None)
cohort = typer.Typer(help="Cohorts: a coach sees the sessions of the candidates in the cohorts they coach.",
                     no_args_is_help=True, rich_markup_mode=None)
users.add_typer(cohort, name="cohort")


def acting_user(settings: Settings, repo: SessionRepository, user: str | None) -> Actor:
    """Who a session command acts as: the local profile under `user` (MOCKINTERVIEW_AUTH=none), else the account
    `user` after its password (from MOCKINTERVIEW_PASSWORD, or asked for without echo)."""
    if settings.auth == "none":
        return Actor.local_profile(user or LOCAL_USER)
    if not user:
        raise fail(f"this deployment signs people in (MOCKINTERVIEW_AUTH={settings.auth}): give --user NAME.", 2)
    password = os.environ.get(PASSWORD_ENV)
    if password is None:
        if not sys.stdin.isatty():
            raise fail(f"this deployment signs people in (MOCKINTERVIEW_AUTH={settings.auth}): set {PASSWORD_ENV} "
                       f"or run the command in a terminal to be asked for {user}'s password.", 2)
        password = typer.prompt(f"Password of {user}", hide_input=True)
    try:
        return AccountService(AccountRepository(repo.engine)).sign_in(user, password)
    except FAILURES as exc:
        raise fail(str(exc)) from exc


@contextmanager
def _service() -> Iterator[AccountService]:
    repo = None
    try:
        repo = SessionRepository(Settings().database_url)
        yield AccountService(AccountRepository(repo.engine))
    except StorageError as exc:
        raise fail(str(exc)) from exc
    finally:
        if repo is not None:
            repo.close()


def _run(action: Callable[[AccountService], T]) -> T:
    with _service() as service:
        try:
            return action(service)
        except FAILURES as exc:
            raise fail(str(exc)) from exc


def _new_password(from_stdin: bool, name: str) -> str:
    if from_stdin:
        line = sys.stdin.readline().rstrip("\r\n")
        if not line:
            raise fail("no password on standard input.", 2)
        return line
    return str(typer.prompt(f"New password of {name}", hide_input=True, confirmation_prompt=True))


RoleOption = Annotated[str, typer.Option("--role", help=f"One of: {', '.join(ROLES)}.")]
StdinOption = Annotated[bool, typer.Option("--password-stdin", help="Read the password from the first line of "
                                           "standard input instead of asking for it.")]
JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")]


@users.command("create")
def create_command(
    name: Annotated[str, typer.Argument(help="Account name: 2–64 letters, digits or . _ @ + -.")],
    role: RoleOption = "candidate",
    with_password: Annotated[bool, typer.Option("--with-password", help="Ask for a password (without one the "
                                                "account signs in only through single sign-on).")] = False,
    password_stdin: StdinOption = False,
    email: Annotated[str | None, typer.Option(help="E-mail address; the first single sign-on with this verified "
                                              "address is linked to the account.")] = None,
) -> None:
    """Create an account."""
    password = _new_password(password_stdin, name) if with_password or password_stdin else None
    account = _run(lambda s: s.create_account(OPERATOR, name, role, password, email))
    console.print(f"Created {account.name} ({account.role}{', with a password' if password else ''}).",
                  highlight=False)


@users.command("set-role")
def set_role_command(name: Annotated[str, typer.Argument(help="Account name.")],
                     role: Annotated[str, typer.Argument(help=f"One of: {', '.join(ROLES)}.")]) -> None:
    """Change an account's role (the last admin stays an admin)."""
    account = _run(lambda s: s.set_role(OPERATOR, name, role))
    console.print(f"{account.name} is now a {account.role}.", highlight=False)


@users.command("set-password")
def set_password_command(name: Annotated[str, typer.Argument(help="Account name.")],
                         password_stdin: StdinOption = False) -> None:
    """Set an account's password, for instance of an account made before accounts existed."""
    password = _new_password(password_stdin, name)
    _run(lambda s: s.set_password(OPERATOR, name, password))
    console.print(f"Password of {name} set.", highlight=False)


@users.command("disable")
def disable_command(name: Annotated[str, typer.Argument(help="Account name.")],
                    enable: Annotated[bool, typer.Option("--enable", help="Enable it again instead.")] = False) -> None:
    """Disable an account, signed out at its next request; --enable enables it again."""
    account = _run(lambda s: s.set_disabled(OPERATOR, name, not enable))
    console.print(f"{account.name} is {'disabled' if account.disabled else 'enabled'}.", highlight=False)


@users.command("invite")
def invite_command(role: RoleOption = "candidate",
                   to_cohort: Annotated[str | None, typer.Option("--cohort", help="Put the new account in this "
                                                                 "cohort.")] = None) -> None:
    """Create a one-use invitation, valid 7 days: prints its link (with MOCKINTERVIEW_PUBLIC_URL) or token."""
    token = _run(lambda s: s.invite(OPERATOR, role, to_cohort))
    base = Settings().public_url
    sys.stdout.write((f"{base.rstrip('/')}/?invite={token}" if base else token) + "\n")


@users.command("signup")
def signup_command(mode: Annotated[str | None, typer.Argument(help=f"One of: {', '.join(SIGNUP_MODES)}; omit it "
                                                              "to print the current one.")] = None) -> None:
    """Show or set how sign-up works: invite (only with an invitation link) or open (anyone, as a candidate)."""
    if mode is not None:
        _run(lambda s: s.set_signup_mode(OPERATOR, mode))
    console.print(f"Sign-up: {_run(lambda s: s.signup_mode())}", highlight=False)


@users.command("list")
def list_command(as_json: JsonOption = False) -> None:
    """List the accounts with their roles."""
    found = _run(lambda s: s.accounts(OPERATOR))
    rows: list[dict[str, Any]] = [{"name": a.name, "role": a.role, "email": a.email, "password": a.has_password,
                                   "sso": a.sso, "disabled": a.disabled} for a in found]
    if as_json:
        sys.stdout.write(json.dumps(rows, indent=2, ensure_ascii=False) + "\n")
        return
    table = Table(title=f"{len(rows)} accounts")
    for column in ("name", "role", "email", "password", "sso", "disabled"):
        table.add_column(column, overflow="fold")
    for row in rows:
        table.add_row(*(str(row[c] if row[c] is not None else "") for c in ("name", "role", "email", "password",
                                                                             "sso", "disabled")))
    console.print(table)


@cohort.command("create")
def cohort_create_command(name: Annotated[str, typer.Argument(help="Cohort name.")]) -> None:
    """Create a cohort."""
    _run(lambda s: s.create_cohort(OPERATOR, name))
    console.print(f"Created the cohort {name.strip()}.", highlight=False)


@cohort.command("add")
def cohort_add_command(
    name: Annotated[str, typer.Argument(help="Cohort name.")],
    user: Annotated[str, typer.Argument(help="Account name.")],
    member: Annotated[str | None, typer.Option("--as", help="coach or candidate (default: candidate for "
                                               "candidates, coach for coaches and admins).")] = None,
) -> None:
    """Add an account to a cohort, as one of its coaches or candidates."""
    kind = _run(lambda s: s.add_to_cohort(OPERATOR, name, user, member))
    console.print(f"{user} is in {name} as a {kind}.", highlight=False)


@cohort.command("remove")
def cohort_remove_command(name: Annotated[str, typer.Argument(help="Cohort name.")],
                          user: Annotated[str, typer.Argument(help="Account name.")]) -> None:
    """Take an account out of a cohort."""
    removed = _run(lambda s: s.remove_from_cohort(OPERATOR, name, user))
    console.print(f"{user} {'left' if removed else 'was not in'} {name}.", highlight=False)


@cohort.command("list")
def cohort_list_command(as_json: JsonOption = False) -> None:
    """List the cohorts with their coaches and candidates."""
    found = _run(lambda s: s.cohorts(OPERATOR))
    if as_json:
        sys.stdout.write(json.dumps([{"name": c.name, "coaches": list(c.coaches), "candidates": list(c.candidates)}
                                     for c in found], indent=2, ensure_ascii=False) + "\n")
        return
    table = Table(title=f"{len(found)} cohorts")
    for column in ("cohort", "coaches", "candidates"):
        table.add_column(column, overflow="fold")
    for c in found:
        table.add_row(c.name, ", ".join(c.coaches), ", ".join(c.candidates))
    console.print(table)

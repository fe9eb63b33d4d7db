"""Engine creation (SQLite pragmas, pooling) and in-place schema upgrades with Alembic."""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.util import CommandError
from sqlalchemy import URL, Engine, create_engine, event, make_url, text
from sqlalchemy.exc import ArgumentError, DBAPIError, IntegrityError, NoSuchModuleError, SQLAlchemyError
from sqlalchemy.orm import Session as DbSession
from sqlalchemy.orm import sessionmaker
from sqlalchemy.pool import StaticPool

from bot.storage.errors import StorageError

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
SQLITE_BUSY_TIMEOUT_S = 30.0
_MIGRATION_ATTEMPTS = 3
_MIGRATION_LOCK = threading.Lock()  # Alembic keeps its migration context in module globals: one upgrade at a time
_PG_MIGRATION_LOCK_KEY = 7_301_920_415  # pg_advisory_xact_lock key: replicas starting together migrate in turn
_RAW_PASSWORD = re.compile(r"(//[^/:@]*:)[^@/]*@")


def describe_url(url: str | URL) -> str:
    """The URL as safe to show: any password replaced by ***."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return _RAW_PASSWORD.sub(r"\1***@", str(url))


def storage_error(action: str, url: URL, exc: BaseException) -> StorageError:
    """A StorageError naming the masked URL, with the driver's message scrubbed of the password."""
    cause = exc.orig if isinstance(exc, DBAPIError) and exc.orig is not None else exc
    detail = " ".join(str(cause).split()) or type(cause).__name__
    if url.password:
        detail = detail.replace(str(url.password), "***")
    return StorageError(f"cannot {action} the database at {describe_url(url)}: {detail}")


@contextmanager
def db_session(factory: sessionmaker[DbSession], action: str, url: URL) -> Iterator[DbSession]:
    """A short-lived ORM session; database failures other than constraint conflicts become StorageError."""
    try:
        with factory() as db:
            yield db
    except IntegrityError:
        raise
    except SQLAlchemyError as exc:
        raise storage_error(action, url, exc) from exc


def _sqlite_file(url: URL) -> Path | None:
    """The database file of a SQLite URL, or None for in-memory and URI-style databases."""
    if url.get_backend_name() != "sqlite":
        return None
    database = url.database or ""
    if database in ("", ":memory:") or database.startswith("file:") or url.query.get("uri") == "true":
        return None
    return Path(database)


def _prepare_sqlite_dir(url: URL) -> None:
    path = _sqlite_file(url)
    if path is None:
        return
    try:
        path.expanduser().parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise storage_error("create the directory of", url, exc) from None


def _sqlite_on_connect(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
    finally:
        cursor.close()


def make_engine(url: str | URL) -> Engine:
    """An Engine with pre-ping; for SQLite: any thread, a busy timeout, WAL journal and foreign keys on connect."""
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise StorageError(f"invalid database URL {describe_url(url)}") from None
    kwargs: dict[str, Any] = {"pool_pre_ping": True}
    sqlite = parsed.get_backend_name() == "sqlite"
    if sqlite:
        kwargs["connect_args"] = {"check_same_thread": False, "timeout": SQLITE_BUSY_TIMEOUT_S}
        if parsed.database in (None, "", ":memory:"):
            kwargs["poolclass"] = StaticPool  # one shared connection, so every caller sees the same database
        _prepare_sqlite_dir(parsed)
    try:
        engine = create_engine(parsed, **kwargs)
    except (ArgumentError, NoSuchModuleError, ImportError) as exc:
        raise storage_error("use", parsed, exc) from None
    if sqlite:
        event.listen(engine, "connect", _sqlite_on_connect)
    return engine


def alembic_config() -> Config:
    """An Alembic Config built in code; the scripts live in this package, so no alembic.ini is needed."""
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR).replace("%", "%%"))
    cfg.set_main_option("path_separator", "os")
    return cfg


def head_revision() -> str:
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None, "no migration scripts found"
    return head


def current_revision(engine: Engine) -> str | None:
    """The revision the database is at (None when it has never been migrated)."""
    try:
        with engine.connect() as conn:
            return MigrationContext.configure(conn).get_current_revision()
    except SQLAlchemyError as exc:
        raise storage_error("open", engine.url, exc) from None


def ensure_schema(engine: Engine) -> None:
    """Create or upgrade the schema in place to the newest revision; data already stored is kept."""
    _prepare_sqlite_dir(engine.url)
    head = head_revision()
    if current_revision(engine) == head:  # also proves the database can be opened
        return
    with _MIGRATION_LOCK:
        _upgrade(engine, head)


def _upgrade(engine: Engine, head: str) -> None:
    cfg = alembic_config()
    for attempt in range(_MIGRATION_ATTEMPTS):
        try:
            with engine.begin() as conn:
                if conn.dialect.name == "postgresql":
                    conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _PG_MIGRATION_LOCK_KEY})
                if MigrationContext.configure(conn).get_current_revision() == head:
                    return
                cfg.attributes["connection"] = conn
                command.upgrade(cfg, "head")
            return
        except CommandError as exc:
            raise StorageError(f"cannot upgrade the database at {describe_url(engine.url)}: {exc} "
                               f"(is it from a newer version of the app?)") from None
        except SQLAlchemyError as exc:  # e.g. another process migrating at the same moment
            if attempt == _MIGRATION_ATTEMPTS - 1:
                raise storage_error("upgrade the schema of", engine.url, exc) from None
            time.sleep(0.2 * (attempt + 1))
        finally:
            cfg.attributes.pop("connection", None)

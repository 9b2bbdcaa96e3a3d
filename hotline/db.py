"""The database: declarative base, engine set-up for SQLite and PostgreSQL, and the request session."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, cast

from cryptography.fernet import Fernet
from flask import Flask, current_app, g
from sqlalchemy import Text, create_engine, event
from sqlalchemy.engine import CursorResult, Engine, Result
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.types import TypeDecorator

from directory.base import Base, UTCDateTime, utcnow

if TYPE_CHECKING:
    from hotline.keystore import KeyStore

__all__ = [
    "Base",
    "EncryptedText",
    "UTCDateTime",
    "utcnow",
    "Database",
    "db_session",
    "database",
    "init_app",
    "use_encryption_key",
]

_fernet: Fernet | None = None


def use_encryption_key(key: bytes) -> None:
    """The key of `EncryptedText` columns: the app's at-rest key (PHONE_ENCRYPTION_KEY)."""
    global _fernet
    _fernet = Fernet(key)


class EncryptedText(TypeDecorator[str]):
    """A secret kept encrypted in the database and clear only in memory (a second-factor key)."""

    impl = Text
    cache_ok = True

    def process_bind_param(self, value: str | None, dialect: Any) -> str | None:
        if value is None:
            return None
        if _fernet is None:
            raise RuntimeError("no encryption key: create the app first")
        return _fernet.encrypt(value.encode()).decode()

    def process_result_value(self, value: str | None, dialect: Any) -> str | None:
        if value is None:
            return None
        if _fernet is None:
            raise RuntimeError("no encryption key: create the app first")
        return _fernet.decrypt(value.encode()).decode()


def make_engine(url: str, busy_seconds: float = 30.0) -> Engine:
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": busy_seconds, "check_same_thread": False})

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            # In WAL mode NORMAL survives an application crash; only a power cut may lose the last
            # commits. Production runs on PostgreSQL; this keeps the embedded default quick.
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute(f"PRAGMA busy_timeout={int(busy_seconds * 1000)}")
            cursor.close()

        return engine
    if url.startswith("postgres://"):
        url = "postgresql://" + url.removeprefix("postgres://")
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    return create_engine(url, pool_pre_ping=True)


class Database:
    """One engine and session factory per app; every session knows the key store of sealed words
    (hotline/keystore.py) as `session.info["keystore"]`."""

    def __init__(self, url: str, busy_seconds: float = 30.0, keystore: KeyStore | None = None) -> None:
        self.engine = make_engine(url, busy_seconds)
        self.keystore = keystore
        self.sessions = sessionmaker(self.engine, expire_on_commit=False, info={"keystore": keystore})

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A session for work outside a request (jobs, CLI): committed on success."""
        session = self.sessions()
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()


def init_app(app: Flask, database: Database) -> None:
    app.extensions["database"] = database

    @app.teardown_appcontext
    def _close_session(_exc: BaseException | None) -> None:
        session = g.pop("db_session", None)
        if session is not None:
            session.close()


def database() -> Database:
    return current_app.extensions["database"]


def db_session() -> Session:
    """The session of the current request or app context."""
    if "db_session" not in g:
        g.db_session = database().sessions()
    return g.db_session


def changed_rows(result: Result[Any]) -> int:
    """How many rows an UPDATE or DELETE changed: what a conditional move checks to know it won."""
    return cast(CursorResult[Any], result).rowcount

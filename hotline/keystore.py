"""Crypto-shredding: the reporter's words are sealed under a data key per ticket and kind of data, and
erasing that key erases every copy of the words, backups of the main database included.

Each data key is random, kept only wrapped by the master key (DATA_KEY_ENCRYPTION_KEY), in a database
of its own (KEYS_DATABASE_URL, by default instance/keys.sqlite3): a dump of the main database holds
the ciphertext and never the keys. The key store is backed up on its own short rotation, so a key
destroyed by retention is gone from every key backup within that rotation (docs/security.md).
"""

from __future__ import annotations

from typing import Any, cast, overload

from cryptography.fernet import Fernet, InvalidToken
from sqlalchemy import Column, Integer, LargeBinary, MetaData, String, Table, UniqueConstraint, delete, event, select
from sqlalchemy.exc import IntegrityError, OperationalError, ProgrammingError
from sqlalchemy.orm import Session, object_session

from hotline.db import UTCDateTime, make_engine, utcnow
from hotline.settings import Settings

# The kinds of words sealed, each under its own key so retention can erase one and keep the others.
# A key's owner is the ticket, except for a transcript: a conversation's, which may never become a ticket.
NARRATIVE = "narrative"
TRANSCRIPT = "transcript"
MEDIA = "media"  # a photo or file a reporter sent, fetched from the provider
KINDS = frozenset({NARRATIVE, TRANSCRIPT, MEDIA})

metadata = MetaData()
data_key = Table(
    "data_key",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("owner_id", Integer, nullable=False),
    Column("kind", String(16), nullable=False),
    Column("wrapped", LargeBinary, nullable=False),
    Column("created_at", UTCDateTime(), nullable=False, default=utcnow),
    UniqueConstraint("owner_id", "kind", name="uq_data_key_owner_kind"),
)


class KeyStore:
    """The wrapped data keys, in their own database; the only place a data key is made or destroyed."""

    def __init__(self, url: str, master_key: bytes) -> None:
        self.url = url
        self.engine = make_engine(url)
        self._master = Fernet(master_key)
        if url.startswith("sqlite"):

            @event.listens_for(self.engine, "connect")
            def _overwrite_deleted(dbapi_connection: Any, _record: Any) -> None:
                # A deleted key is overwritten with zeros in the file, not left in a free page.
                dbapi_connection.execute("PRAGMA secure_delete=ON")

        try:
            metadata.create_all(self.engine)
        except (IntegrityError, OperationalError, ProgrammingError):
            # Another process (a second web worker starting) made the table at the same moment
            # (PostgreSQL says so with an integrity or programming error, SQLite with an operational one).
            metadata.create_all(self.engine)

    def keys(self, owner_ids: set[int], kind: str) -> dict[int, Fernet]:
        """The data keys of these owners for one kind; an owner without one (never made, or destroyed) is absent."""
        if not owner_ids:
            return {}
        with self.engine.connect() as connection:
            rows = connection.execute(
                select(data_key.c.owner_id, data_key.c.wrapped).where(
                    data_key.c.kind == kind, data_key.c.owner_id.in_(sorted(owner_ids))
                )
            ).all()
        wrapped_keys = cast(list[tuple[int, bytes]], rows)
        return {owner_id: Fernet(self._master.decrypt(wrapped)) for owner_id, wrapped in wrapped_keys}

    def key_for_writing(self, owner_id: int, kind: str) -> Fernet:
        """The owner's data key of this kind, made now if it has none (a second writer's key wins a race)."""
        if kind not in KINDS:
            raise ValueError(f"no such kind of sealed data: {kind}")
        found = self.keys({owner_id}, kind)
        if owner_id in found:
            return found[owner_id]
        fresh = Fernet.generate_key()
        try:
            with self.engine.begin() as connection:
                connection.execute(
                    data_key.insert().values(
                        owner_id=owner_id, kind=kind, wrapped=self._master.encrypt(fresh), created_at=utcnow()
                    )
                )
        except IntegrityError:
            return self.keys({owner_id}, kind)[owner_id]
        return Fernet(fresh)

    def destroy(self, owner_ids: set[int], kind: str) -> int:
        """Destroy these owners' data keys of one kind, at once and for good; returns how many existed."""
        if not owner_ids:
            return 0
        with self.engine.begin() as connection:
            gone = connection.execute(
                delete(data_key).where(data_key.c.kind == kind, data_key.c.owner_id.in_(sorted(owner_ids)))
            )
        if gone.rowcount and self.engine.dialect.name == "sqlite":
            # The write-ahead log still holds the pages as they were when each key was written.
            with self.engine.connect() as connection:
                connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        return gone.rowcount


def open_keystore(settings: Settings) -> KeyStore:
    """The app's key store (its SQLite file's folder made if needed)."""
    if settings.keys_url == f"sqlite:///{settings.instance_path / 'keys.sqlite3'}":
        settings.instance_path.mkdir(parents=True, exist_ok=True)
        # Readable by the hotline's user only, as instance/secrets.json is.
        (settings.instance_path / "keys.sqlite3").touch(mode=0o600, exist_ok=True)
    return KeyStore(settings.keys_url, settings.data_key_master)


# What a sealed word reads as once its key is gone (retention erased it, or an old backup outlived it).
ERASED = "[erased under the retention policy]"
# What retention leaves in place of the ciphertext: no key opens it, so it reads as ERASED.
CLEARED = "erased"


def _keystore(session: Session) -> KeyStore:
    store = session.info.get("keystore")
    if store is None:
        raise RuntimeError("this session has no key store: open it from the app's database")
    return store


def _cache(session: Session) -> dict[tuple[int, str], Fernet | None]:
    cache: dict[tuple[int, str], Fernet | None] = session.info.setdefault("data_keys", {})
    return cache


def seal(session: Session, owner_id: int, kind: str, text: str) -> str:
    """The text sealed under the owner's data key of this kind ("" stays "": nothing to hide)."""
    if not text:
        return ""
    return seal_bytes(session, owner_id, kind, text.encode()).decode()


def prefetch(session: Session, owner_ids: set[int], kind: str) -> None:
    """Load many owners' keys in one query (a list page), so reading their words asks the store nothing more."""
    cache = _cache(session)
    wanted = {owner_id for owner_id in owner_ids if (owner_id, kind) not in cache}
    found = _keystore(session).keys(wanted, kind)
    for owner_id in wanted:
        cache[(owner_id, kind)] = found.get(owner_id)


def unseal(session: Session | None, owner_id: int, kind: str, sealed: str) -> str:
    """The text, or ERASED when its key is gone; "" stays ""."""
    if not sealed:
        return ""
    if session is None:
        raise RuntimeError("sealed words are read through a session")
    opened = unseal_bytes(session, owner_id, kind, sealed.encode())
    return ERASED if opened is None else opened.decode()


def _writing_key(session: Session, owner_id: int, kind: str) -> Fernet:
    cache = _cache(session)
    key = cache.get((owner_id, kind))
    if key is None:
        key = cache[(owner_id, kind)] = _keystore(session).key_for_writing(owner_id, kind)
    return key


def _reading_key(session: Session, owner_id: int, kind: str) -> Fernet | None:
    if (owner_id, kind) not in _cache(session):
        prefetch(session, {owner_id}, kind)
    return _cache(session)[(owner_id, kind)]


def seal_bytes(session: Session, owner_id: int, kind: str, data: bytes) -> bytes:
    """A file sealed under the owner's data key of this kind."""
    return _writing_key(session, owner_id, kind).encrypt(data)


def unseal_bytes(session: Session, owner_id: int, kind: str, sealed: bytes) -> bytes | None:
    """The file, or None once its key is gone."""
    key = _reading_key(session, owner_id, kind)
    if key is None:
        return None
    try:
        return key.decrypt(sealed)
    except InvalidToken:
        return None


def shred(session: Session, owner_ids: set[int], kind: str) -> int:
    """Destroy the keys (the key store commits at once) and forget them in this session."""
    cache = _cache(session)
    for owner_id in owner_ids:
        cache[(owner_id, kind)] = None
    return _keystore(session).destroy(owner_ids, kind)


class SealedText:
    """The words of a `<name>_sealed` column read and written in clear: sealed as the row is flushed
    (when its owner has an id) under the owner's key of `kind`, ERASED once that key is gone.

    Not a column: a query that filters or selects on the words fails loudly instead of reading ciphertext.
    """

    def __init__(self, kind: str, owner: str) -> None:
        self.kind, self.owner = kind, owner
        self.name = self.column = ""

    def __set_name__(self, cls: type, name: str) -> None:
        self.name, self.column = name, f"{name}_sealed"

    @overload
    def __get__(self, row: None, cls: type) -> SealedText: ...
    @overload
    def __get__(self, row: object, cls: type) -> str: ...
    def __get__(self, row: object | None, cls: type) -> SealedText | str:
        if row is None:
            return self
        state = row.__dict__
        pending: str | None = state.get(f"_{self.name}_pending")
        if pending is not None:
            return pending
        sealed: str = getattr(row, self.column)
        read: tuple[str, str] | None = state.get(f"_{self.name}_read")
        if read is None or read[0] != sealed:
            owner: int = getattr(row, self.owner)
            read = (sealed, unseal(object_session(row), owner, self.kind, sealed))
            state[f"_{self.name}_read"] = read
        return read[1]

    def __set__(self, row: object, text: str) -> None:
        row.__dict__[f"_{self.name}_pending"] = text
        setattr(row, self.column, "")  # marks the row for the flush that seals it

    def seal_pending(self, row: object) -> None:
        pending = row.__dict__.pop(f"_{self.name}_pending", None)
        if pending is None:
            return
        session = object_session(row)
        if session is None:
            raise RuntimeError("sealed words are sealed as their row is flushed by its session")
        sealed = seal(session, getattr(row, self.owner), self.kind, pending)
        setattr(row, self.column, sealed)
        row.__dict__[f"_{self.name}_read"] = (sealed, pending)


def seal_on_flush(cls: type) -> None:
    """Seal every SealedText of a mapped class as its rows are inserted or updated."""
    fields = [value for value in vars(cls).values() if isinstance(value, SealedText)]

    def _seal(_mapper: Any, _connection: Any, row: object) -> None:
        for field in fields:
            field.seal_pending(row)

    event.listen(cls, "before_insert", _seal)
    event.listen(cls, "before_update", _seal)

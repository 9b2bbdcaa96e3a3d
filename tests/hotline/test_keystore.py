"""Crypto-shredding: the reporter's words are sealed under a per-ticket key kept in a key store of its own,
readers see the words in clear, and once the key is destroyed every copy reads as erased."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from alembic import command
from cryptography.fernet import Fernet
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import inspect, select, text

from hotline import keystore
from hotline.conversations.models import Conversation
from hotline.conversations.service import transcript, unsealed, went_quiet
from hotline.db import utcnow
from hotline.keystore import KeyStore
from hotline.migrations import alembic_config, upgrade
from hotline.settings import ConfigurationError, Settings
from hotline.tickets.models import Ticket, TicketMessage
from tests.channels.test_chat_ending import chat_to_the_end
from tests.channels.test_twilio_sms_conversation import text_in
from tests.helpers import message_bodies, post_report

STORY = "Nos tienen encerradas en una casa en Choloma, no nos dejan salir"
REPORT = {"channel": "api", "text": STORY, "location": {"country": "HN"}}


def _file(client: FlaskClient, report: dict[str, object] = REPORT) -> str:
    answer = post_report(client, json=report)
    assert answer.status_code == 201
    return str(answer.get_json()["reference"])


def _raw_bodies(app: Flask) -> list[str]:
    with app.extensions["database"].engine.connect() as connection:
        return list(connection.execute(text("SELECT body_sealed FROM ticket_message ORDER BY id")).scalars())


def test_the_words_are_sealed_at_rest_and_read_in_clear(app: Flask, client: FlaskClient) -> None:
    reference = _file(client)
    raw = _raw_bodies(app)
    assert raw and all(STORY not in body and "Choloma" not in body for body in raw)
    with app.app_context(), app.extensions["database"].session() as session:
        ticket = session.scalars(select(Ticket).where(Ticket.reference == reference)).one()
        assert STORY in message_bodies(session, TicketMessage.ticket_id == ticket.id)
        store: KeyStore = app.extensions["database"].keystore
        assert set(store.keys({ticket.id}, keystore.NARRATIVE)) == {ticket.id}
    # The keys are not in the main database, whose backups must never hold them.
    assert "data_key" not in inspect(app.extensions["database"].engine).get_table_names()
    assert app.config["SETTINGS"].keys_url != app.config["SETTINGS"].database_url


def test_a_destroyed_key_leaves_only_the_erased_wording_and_spares_other_tickets(
    app: Flask, client: FlaskClient
) -> None:
    first = _file(client)
    second = _file(client, {**REPORT, "text": "Trabajan sin paga en una finca de café"})
    with app.app_context(), app.extensions["database"].session() as session:
        ids = {t.reference: t.id for t in session.scalars(select(Ticket))}
        assert keystore.shred(session, {ids[first]}, keystore.NARRATIVE) == 1
    with app.app_context(), app.extensions["database"].session() as session:
        # The ciphertext is still in the row (as in any old backup); nothing can open it.
        assert _raw_bodies(app)[0] not in ("", keystore.CLEARED)
        assert set(message_bodies(session, TicketMessage.ticket_id == ids[first])) == {keystore.ERASED}
        assert message_bodies(session, TicketMessage.ticket_id == ids[second]) == [
            "Trabajan sin paga en una finca de café"
        ]


def test_the_key_store_wraps_each_key_and_makes_it_once(tmp_path: Path) -> None:
    master = Fernet.generate_key()
    store = KeyStore(f"sqlite:///{tmp_path / 'keys.sqlite3'}", master)
    key = store.key_for_writing(7, keystore.NARRATIVE)
    token = key.encrypt(b"words")
    assert store.key_for_writing(7, keystore.NARRATIVE).decrypt(token) == b"words"
    with store.engine.connect() as connection:
        [wrapped] = connection.execute(text("SELECT wrapped FROM data_key")).scalars()
    assert Fernet(Fernet(master).decrypt(wrapped)).decrypt(token) == b"words"  # stored wrapped, not bare
    with pytest.raises(ValueError):
        store.key_for_writing(7, "shopping-list")
    assert store.destroy({7, 8}, keystore.NARRATIVE) == 1
    assert store.keys({7}, keystore.NARRATIVE) == {}
    store.engine.dispose()


def test_the_migration_seals_words_written_before_it_and_its_downgrade_opens_them(
    app: Flask, client: FlaskClient
) -> None:
    _file(client)
    settings = app.config["SETTINGS"]
    app.extensions["database"].engine.dispose()
    command.downgrade(alembic_config(settings.database_url, settings), "0027")
    with app.extensions["database"].engine.connect() as connection:
        assert STORY in connection.execute(text("SELECT body FROM ticket_message")).scalars().all()
    upgrade(settings.database_url, settings=settings)
    assert all(STORY not in body for body in _raw_bodies(app))
    with app.app_context(), app.extensions["database"].session() as session:
        assert STORY in message_bodies(session)


def test_the_keys_may_not_live_in_the_main_database(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'hotline.sqlite3'}"
    with pytest.raises(ConfigurationError, match="KEYS_DATABASE_URL"):
        Settings.from_env({"HOTLINE_INSTANCE": str(tmp_path), "DATABASE_URL": url, "KEYS_DATABASE_URL": url})
    settings = Settings.from_env({"HOTLINE_INSTANCE": str(tmp_path), "DATABASE_URL": url})
    assert settings.keys_url == f"sqlite:///{tmp_path.resolve() / 'keys.sqlite3'}"
    assert settings.data_key_encryption_key and settings.data_key_master != settings.phone_encryption_key


def _raw(app: Flask, sql: str) -> str:
    with app.extensions["database"].engine.connect() as connection:
        return "\n".join(str(value) for value in connection.execute(text(sql)).scalars())


def test_chat_lines_are_sealed_under_the_conversations_key_and_the_transcript_reads_them(
    app: Flask, client: FlaskClient
) -> None:
    chat_id = chat_to_the_end(app, client)
    raw = _raw(app, "SELECT body_sealed FROM conversation_turn")
    assert "panadería" not in raw and "San Salvador" not in raw
    with app.app_context(), app.extensions["database"].session() as session:
        conversation = session.get(Conversation, chat_id)
        assert conversation is not None
        lines = [line["text"] for line in transcript(session, conversation)]
        assert "Mi primo trabaja sin paga en una panadería." in lines
        keystore.shred(session, {chat_id}, keystore.TRANSCRIPT)
    with app.app_context(), app.extensions["database"].session() as session:
        conversation = session.get(Conversation, chat_id)
        assert conversation is not None
        assert {line["text"] for line in transcript(session, conversation)} == {keystore.ERASED}
        # The ticket's narrative has its own key, untouched.
        assert "Mi primo trabaja sin paga en una panadería." in "\n".join(message_bodies(session))


def test_a_first_text_kept_beside_the_run_is_sealed_and_reaches_the_ticket(app: Flask, client: FlaskClient) -> None:
    text_in(client, "me tienen encerrada en Choloma")
    text_in(client, "no")
    assert "Choloma" not in _raw(app, "SELECT host FROM conversation")
    with app.app_context(), app.extensions["database"].session() as session:
        conversation = session.scalars(select(Conversation)).one()
        assert unsealed(conversation, conversation.host["opening"]) == "me tienen encerrada en Choloma"
        assert went_quiet(session, app.config["SETTINGS"], conversation.id, utcnow() + timedelta(days=1))
    with app.app_context(), app.extensions["database"].session() as session:
        assert "me tienen encerrada en Choloma" in "\n".join(message_bodies(session))


def test_the_default_key_store_file_is_readable_by_its_owner_only(app: Flask) -> None:
    path = app.config["SETTINGS"].instance_path / "keys.sqlite3"
    assert path.exists() and path.stat().st_mode & 0o077 == 0

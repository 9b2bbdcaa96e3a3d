"""data keys: the words of ticket messages (narrative) and conversation turns (transcript), and photos
fetched (media), are sealed under a data key per ticket or conversation kept in the separate key store
(hotline/keystore.py); the columns say so, and what is already stored is sealed here

Revision ID: 0028
Revises: 0027
Create Date: 2026-12-02 18:30:00.000000
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import context, op

revision = "0028"
down_revision = "0027"
branch_labels = None
depends_on = None

# What the retention job wrote in place of an erased narrative before narratives were sealed.
OLD_ERASED = "[erased under the retention policy]"
CLEARED = "erased"
# (table, owner column, kind of data key)
SEALED = (("ticket_message", "ticket_id", "narrative"), ("conversation_turn", "conversation_id", "transcript"))


def _settings() -> Any:
    # Only asked for when there is something to seal: a fresh database needs neither settings nor keys.
    from hotline.settings import Settings

    given = context.config.attributes.get("settings")
    return given if given is not None else Settings.from_env()


def _keystore() -> Any:
    from hotline.keystore import open_keystore

    return open_keystore(_settings())


def _media(seal: bool) -> None:
    """Photos fetched before: from the personal-data key to the ticket's media key (or back)."""
    from cryptography.fernet import Fernet

    files = sa.table(
        "ticket_recording",
        sa.column("id", sa.Integer),
        sa.column("ticket_id", sa.Integer),
        sa.column("content_encrypted", sa.LargeBinary),
    )
    found: list[Any] = list(
        op.get_bind().execute(
            sa.select(files.c.id, files.c.ticket_id, files.c.content_encrypted).where(
                files.c.content_encrypted.is_not(None)
            )
        )
    )
    if not found:
        return
    settings, store = _settings(), _keystore()
    personal = Fernet(settings.phone_encryption_key)
    for row_id, ticket_id, content in found:
        if seal:
            content = store.key_for_writing(ticket_id, "media").encrypt(personal.decrypt(content))
        else:
            key = store.keys({ticket_id}, "media").get(ticket_id)
            content = personal.encrypt(key.decrypt(content)) if key is not None else None
        op.get_bind().execute(sa.update(files).where(files.c.id == row_id).values(content_encrypted=content))


def _rows(table: str, owner: str, column: str) -> tuple[sa.TableClause, list[Any]]:
    rows = sa.table(table, sa.column("id", sa.Integer), sa.column(owner, sa.Integer), sa.column(column, sa.Text))
    found = op.get_bind().execute(
        sa.select(rows.c.id, rows.c[owner], rows.c[column]).where(rows.c[column] != "").order_by(rows.c.id)
    )
    return rows, list(found)


def _conversation_words(seal: bool) -> None:
    """The first text and answers given in words a conversation keeps beside its run (its `host`)."""
    conversations = sa.table("conversation", sa.column("id", sa.Integer), sa.column("host", sa.JSON))
    found = [
        (row_id, host)
        for row_id, host in op.get_bind().execute(sa.select(conversations.c.id, conversations.c.host))
        if isinstance(host, dict) and (host.get("opening") or host.get("answer_words"))
    ]
    if not found:
        return
    store = _keystore()
    for row_id, host in found:
        key = store.key_for_writing(row_id, "transcript") if seal else store.keys({row_id}, "transcript").get(row_id)

        def change(words: str, key: Any = key) -> str:
            if key is None:
                return ""  # the key is gone: so are the words
            return key.encrypt(words.encode()).decode() if seal else key.decrypt(words.encode()).decode()

        host = dict(host)
        if host.get("opening"):
            host["opening"] = change(host["opening"])
        if host.get("answer_words"):
            host["answer_words"] = [change(words) for words in host["answer_words"]]
        op.get_bind().execute(sa.update(conversations).where(conversations.c.id == row_id).values(host=host))


def upgrade() -> None:
    for table, owner, kind in SEALED:
        with op.batch_alter_table(table) as batch_op:
            batch_op.alter_column(
                "body", new_column_name="body_sealed", existing_type=sa.Text(), existing_nullable=False
            )
        rows, found = _rows(table, owner, "body_sealed")
        if not found:
            continue
        store, keys = _keystore(), {}
        for row_id, owner_id, body in found:
            if body == OLD_ERASED:
                sealed = CLEARED
            else:
                if owner_id not in keys:
                    keys[owner_id] = store.key_for_writing(owner_id, kind)
                sealed = keys[owner_id].encrypt(body.encode()).decode()
            op.get_bind().execute(sa.update(rows).where(rows.c.id == row_id).values(body_sealed=sealed))
    _media(seal=True)
    _conversation_words(seal=True)


def downgrade() -> None:
    _media(seal=False)
    _conversation_words(seal=False)
    for table, owner, kind in SEALED:
        rows, found = _rows(table, owner, "body_sealed")
        if found:
            keys = _keystore().keys({owner_id for _id, owner_id, _body in found}, kind)
            for row_id, owner_id, sealed in found:
                key = keys.get(owner_id)
                body = key.decrypt(sealed.encode()).decode() if key is not None and sealed != CLEARED else OLD_ERASED
                op.get_bind().execute(sa.update(rows).where(rows.c.id == row_id).values(body_sealed=body))
        with op.batch_alter_table(table) as batch_op:
            batch_op.alter_column(
                "body_sealed", new_column_name="body", existing_type=sa.Text(), existing_nullable=False
            )

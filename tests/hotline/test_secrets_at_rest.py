"""Acknowledge tokens are never at rest in clear: not in the outbox body, not in the access log."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from types import SimpleNamespace

from flask import Flask
from flask.testing import FlaskClient
from gunicorn.config import Config
from sqlalchemy import select

from hotline.access_log import ScrubbingLogger
from hotline.devserver import web_command
from hotline.outbox import OutboxMessage
from tests.channels.test_acknowledgement_channels import ack_path, notified
from tests.helpers import post_form

ROOT = Path(__file__).resolve().parents[2]


def test_the_stored_notice_keeps_the_link_with_the_token_redacted_and_the_sent_one_works(
    app: Flask, client: FlaskClient
) -> None:
    _reference, _referral, message = notified(app, client)
    path = ack_path(app, message)
    token = path.removeprefix("/ack/")
    with app.app_context(), app.extensions["database"].session() as session:
        bodies = list(session.scalars(select(OutboxMessage.body)))
    assert bodies and all(token not in body for body in bodies)
    assert "http://hotline.test/ack/[token-made-when-sent]" in message.body
    assert post_form(client, path, {}).status_code == 200


def _access_line(tmp_path: Path, path: str) -> str:
    log_file = tmp_path / "access.log"
    config = Config()
    config.set("accesslog", str(log_file))
    config.set("access_log_format", '%(h)s "%(r)s" %(m)s %(U)s %(s)s "%(f)s"')
    logger = ScrubbingLogger(config)
    environ = {
        "REQUEST_METHOD": "GET",
        "RAW_URI": path + "?x=1",
        "PATH_INFO": path,
        "QUERY_STRING": "x=1",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "127.0.0.1",
        "HTTP_REFERER": "http://hotline.test" + path,
    }
    response = SimpleNamespace(status="200 OK", sent=10, headers=[])
    logger.access(response, SimpleNamespace(headers=[]), environ, timedelta(milliseconds=3))
    for handler in logger.access_log.handlers:
        handler.flush()
    return log_file.read_text()


def test_the_access_log_never_records_an_ack_token(tmp_path: Path) -> None:
    token = "q2Xk9vR7mN4pL8sT1wY3zA6bC5dE0fGh"
    line = _access_line(tmp_path, f"/ack/{token}")
    assert token not in line
    assert "/ack/[redacted]" in line
    # Other paths are logged as they are.
    assert "/report" in _access_line(tmp_path, "/report")


def test_the_devserver_and_gunicorn_conf_use_the_scrubbing_logger() -> None:
    assert "hotline.access_log.ScrubbingLogger" in web_command(5000)
    assert 'logger_class = "hotline.access_log.ScrubbingLogger"' in (ROOT / "gunicorn.conf.py").read_text()


"""Settings from the environment, with safe local defaults and a hard stop in production."""

from __future__ import annotations

import base64
import json
import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path

from cryptography.fernet import Fernet

# Secrets the app needs. In development they are generated once into instance/secrets.json.
SECRET_NAMES = (
    "PUBLIC_SECRET_KEY",
    "STAFF_SECRET_KEY",
    "PHONE_HASH_KEY",
    "PHONE_ENCRYPTION_KEY",
    "LINK_SIGNING_KEY",
    "DATA_KEY_ENCRYPTION_KEY",
)
PRODUCTION_REQUIRED = SECRET_NAMES + ("DATABASE_URL", "REDIS_URL", "TWILIO_AUTH_TOKEN", "PUBLIC_BASE_URL")

DEFAULT_INSTANCE = Path(__file__).resolve().parent.parent / "instance"


class ConfigurationError(RuntimeError):
    """The environment does not describe a system that may start."""


@dataclass(frozen=True)
class Settings:
    env: str
    instance_path: Path
    database_url: str
    redis_url: str | None  # None: start or join the embedded Redis server under instance/
    public_secret_key: str
    staff_secret_key: str
    phone_hash_key: bytes
    phone_encryption_key: bytes
    link_signing_key: str
    twilio_auth_token: str
    twilio_account_sid: str = ""
    twilio_from_number: str = ""
    # The WhatsApp sender registered with Twilio; empty means the SMS number is also the WhatsApp one.
    twilio_whatsapp_from: str = ""
    # The operators' browser softphone: an API key to sign access tokens, and the TwiML App whose
    # voice URL is /twilio/voice/operator. Without them the softphone page says it is not set up.
    twilio_api_key_sid: str = ""
    twilio_api_key_secret: str = ""
    twilio_twiml_app_sid: str = ""
    public_base_url: str = "http://127.0.0.1:5000"
    # "record" keeps every outbound SMS and email in the outbox table only; "live" also sends it.
    outbound_mode: str = "record"
    smtp_url: str = ""
    mail_from: str = "hotline@example.org"
    callback_window_hours: int = 72
    staff_session_minutes: int = 480
    behind_proxy: bool = False
    default_locale: str = "es"
    # How long a SQLite writer waits for another's lock before the report is refused for a retry.
    sqlite_busy_seconds: float = 30.0
    # How long an outbox row may stay claimed by a dispatcher before the sweep looks at it again.
    outbox_lease_seconds: int = 120
    # Prometheus: the bearer token `/metrics` asks for (none: only outside production), and the folder
    # where every web and worker process of one host writes its samples (prometheus-client's
    # multiprocess mode); empty: one process keeps its own.
    metrics_token: str = ""
    metrics_dir: str = ""
    # Every rate limit's count is multiplied by this (channels/limits.py); test suites raise it.
    rate_limit_scale: int = 1
    # How long an agency notice of a report from a public channel waits before it may go, so that a
    # flood recognised meanwhile can still hold it; None: the flood rules' `hold_seconds`.
    notice_hold_seconds: int | None = None
    # The master key that wraps every per-ticket data key (hotline/keystore.py), and the separate
    # database the wrapped keys live in: never the main one, whose backups must not hold them.
    # Empty outside production: the personal-data key wraps, and the key store is instance/keys.sqlite3.
    data_key_encryption_key: bytes = b""
    keys_database_url: str = ""
    extra: dict[str, object] = field(default_factory=dict)

    @property
    def is_production(self) -> bool:
        return self.env == "production"

    @property
    def data_key_master(self) -> bytes:
        """The key that wraps data keys; tests that build Settings by hand fall back to the personal-data key."""
        return self.data_key_encryption_key or self.phone_encryption_key

    @property
    def keys_url(self) -> str:
        """Where the wrapped data keys are kept: KEYS_DATABASE_URL, else a SQLite file beside the instance."""
        return self.keys_database_url or f"sqlite:///{self.instance_path / 'keys.sqlite3'}"

    def with_changes(self, **changes: object) -> Settings:
        return replace(self, **changes)  # type: ignore[arg-type]

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        # Read, never copied: a test hands a mapping that records every name the settings look at.
        env = os.environ if environ is None else environ
        mode = env.get("HOTLINE_ENV", "development")
        instance = Path(env.get("HOTLINE_INSTANCE", str(DEFAULT_INSTANCE))).resolve()
        if mode == "production":
            missing = [name for name in PRODUCTION_REQUIRED if not env.get(name)]
            if missing:
                raise ConfigurationError("HOTLINE_ENV=production refuses to start without: " + ", ".join(missing))
            found = {name: env[name] for name in SECRET_NAMES}
        else:
            found = _development_secrets(instance, env)
        database_url = env.get("DATABASE_URL") or f"sqlite:///{instance / 'hotline.sqlite3'}"
        keys_database_url = env.get("KEYS_DATABASE_URL", "")
        if keys_database_url and keys_database_url == database_url:
            # Keys beside the data they open would make every backup of the data a backup of the keys.
            raise ConfigurationError("KEYS_DATABASE_URL must name a database other than DATABASE_URL")
        return cls(
            env=mode,
            instance_path=instance,
            database_url=database_url,
            redis_url=env.get("REDIS_URL") or None,
            public_secret_key=found["PUBLIC_SECRET_KEY"],
            staff_secret_key=found["STAFF_SECRET_KEY"],
            phone_hash_key=found["PHONE_HASH_KEY"].encode(),
            phone_encryption_key=found["PHONE_ENCRYPTION_KEY"].encode(),
            link_signing_key=found["LINK_SIGNING_KEY"],
            data_key_encryption_key=found["DATA_KEY_ENCRYPTION_KEY"].encode(),
            keys_database_url=keys_database_url,
            twilio_auth_token=env.get("TWILIO_AUTH_TOKEN") or found.get("TWILIO_AUTH_TOKEN", ""),
            twilio_account_sid=env.get("TWILIO_ACCOUNT_SID", ""),
            twilio_from_number=env.get("TWILIO_FROM_NUMBER", ""),
            twilio_whatsapp_from=env.get("TWILIO_WHATSAPP_FROM", ""),
            twilio_api_key_sid=env.get("TWILIO_API_KEY_SID", ""),
            twilio_api_key_secret=env.get("TWILIO_API_KEY_SECRET", ""),
            twilio_twiml_app_sid=env.get("TWILIO_TWIML_APP_SID", ""),
            public_base_url=(env.get("PUBLIC_BASE_URL") or "http://127.0.0.1:5000").rstrip("/"),
            outbound_mode=env.get("OUTBOUND_MODE", "live" if mode == "production" else "record"),
            smtp_url=env.get("SMTP_URL", ""),
            sqlite_busy_seconds=float(env.get("SQLITE_BUSY_SECONDS", "30")),
            outbox_lease_seconds=int(env.get("OUTBOX_LEASE_SECONDS", "120")),
            mail_from=env.get("MAIL_FROM", "hotline@example.org"),
            callback_window_hours=int(env.get("CALLBACK_WINDOW_HOURS", "72")),
            behind_proxy=env.get("BEHIND_PROXY", "0") == "1" or mode == "production",
            metrics_token=env.get("METRICS_TOKEN", ""),
            metrics_dir=env.get("PROMETHEUS_MULTIPROC_DIR", ""),
            rate_limit_scale=int(env.get("RATE_LIMIT_SCALE", "1")),
            notice_hold_seconds=int(env["NOTICE_HOLD_SECONDS"]) if env.get("NOTICE_HOLD_SECONDS") else None,
        )


def generate_secrets() -> dict[str, str]:
    """Fresh values for every secret, in the shapes the app expects."""
    return {
        "PUBLIC_SECRET_KEY": secrets.token_urlsafe(32),
        "STAFF_SECRET_KEY": secrets.token_urlsafe(32),
        "PHONE_HASH_KEY": base64.urlsafe_b64encode(secrets.token_bytes(32)).decode(),
        "PHONE_ENCRYPTION_KEY": Fernet.generate_key().decode(),
        "LINK_SIGNING_KEY": secrets.token_urlsafe(32),
        "DATA_KEY_ENCRYPTION_KEY": Fernet.generate_key().decode(),
        "TWILIO_AUTH_TOKEN": secrets.token_hex(16),
    }


def _development_secrets(instance: Path, env: Mapping[str, str]) -> dict[str, str]:
    """Secrets from the environment, else from instance/secrets.json, generated on first use."""
    path = instance / "secrets.json"
    stored: dict[str, str] = {}
    if path.exists():
        stored = json.loads(path.read_text())
    fresh = generate_secrets()
    missing = [name for name in fresh if name not in stored]
    if missing:
        stored.update({name: fresh[name] for name in missing})
        instance.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(stored, indent=2))
        tmp.chmod(0o600)
        tmp.replace(path)
    return {name: env.get(name) or stored[name] for name in stored}

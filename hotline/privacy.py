"""Caller anonymity: phone numbers normalised, hashed with a key, and encrypted for the callback window."""

from __future__ import annotations

import hashlib
import hmac
import secrets

import phonenumbers
from cryptography.fernet import Fernet, InvalidToken

# Crockford's base32 without I, L, O and U: easy to read aloud and to type on a phone keypad.
REFERENCE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


class InvalidPhone(ValueError):
    """The text is not a phone number we can dial back."""


def normalise_phone(raw: str, region_hint: str | None = None) -> str:
    """E.164 form of `raw`, or InvalidPhone. The error never repeats the number."""
    try:
        number = phonenumbers.parse(raw, region_hint)
    except phonenumbers.NumberParseException as exc:
        raise InvalidPhone("not a phone number") from exc
    if not phonenumbers.is_possible_number(number) or not phonenumbers.is_valid_number(number):
        raise InvalidPhone("not a valid phone number")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def phone_country(e164: str) -> str | None:
    """The ISO country a normalised number belongs to, if the numbering plan says."""
    return phonenumbers.region_code_for_number(phonenumbers.parse(e164)) or None


def caller_hash(e164: str, key: bytes) -> str:
    """A keyed hash of the number: links repeat contacts without keeping the number."""
    return hmac.new(key, e164.encode(), hashlib.sha256).hexdigest()


def encrypt_phone(e164: str, key: bytes) -> bytes:
    return Fernet(key).encrypt(e164.encode())


def decrypt_phone(token: bytes, key: bytes) -> str | None:
    try:
        return Fernet(key).decrypt(token).decode()
    except InvalidToken:
        return None


def encrypt_bytes(data: bytes, key: bytes) -> bytes:
    """A file a reporter sent (a photo), sealed with the same personal-data key as their number."""
    return Fernet(key).encrypt(data)


def decrypt_bytes(token: bytes, key: bytes) -> bytes | None:
    try:
        return Fernet(key).decrypt(token)
    except InvalidToken:
        return None


def random_code(groups: int, size: int = 4) -> str:
    return "-".join("".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(size)) for _ in range(groups))


def new_reference() -> str:
    """A public ticket reference such as HT-7K3P-Q9XD (40 random bits)."""
    return "HT-" + random_code(2)


def new_passphrase() -> str:
    """A follow-up passphrase such as K7PQ-4MXZ-93TB-W2HD (80 random bits), shown once."""
    return random_code(4)


def canonical_code(text: str) -> str:
    """Upper-case, dashes and spaces dropped, Crockford's look-alikes mapped (O→0, I/L→1)."""
    cleaned = "".join(ch for ch in text.upper() if ch.isalnum())
    return cleaned.translate(str.maketrans("OIL", "011"))


def reference_from_code(text: str) -> str | None:
    """A ticket reference as typed ("ht 7k3p-q9xd", "7K3PQ9XD") in its canonical form, or None."""
    code = canonical_code(text)
    if len(code) == 10 and code.startswith("HT"):
        code = code[2:]
    if len(code) != 8 or any(ch not in REFERENCE_ALPHABET for ch in code):
        return None
    return f"HT-{code[:4]}-{code[4:]}"

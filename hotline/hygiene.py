"""Input hygiene at the edge: what a request carries is cleaned once, before any view reads it.

- Text (form fields, query strings, JSON strings and keys at any depth) loses its C0 control
  characters but tab, newline and carriage return, and a lone surrogate becomes U+FFFD. PostgreSQL
  refuses NUL in text and neither database can store a lone surrogate; stripping them, rather than
  refusing the request, keeps every other word the reporter sent.
- JSON nested deeper than MAX_JSON_DEPTH is refused with a 400 before it is parsed.
- Ids and counters taken from a URL or a query string fit the id columns (PostgreSQL's `integer`), or
  match nothing.

`HygienicRequest` is the app's request class; the Twilio signature check alone reads `raw_form`,
because Twilio signed the parameters as it sent them.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

from flask import Request, request
from flask import json as flask_json
from flask_babel import lazy_gettext as _l
from werkzeug.datastructures import ImmutableMultiDict, MultiDict
from werkzeug.exceptions import BadRequest
from werkzeug.routing import BaseConverter, IntegerConverter, Map, PathConverter, UnicodeConverter, ValidationError
from werkzeug.utils import cached_property

# Every id column is an `Integer`: 32 bits on PostgreSQL, which refuses a larger value with an error.
ROW_ID_MAX = 2**31 - 1
MAX_JSON_DEPTH = 32
CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f]")
SURROGATE = re.compile("[\ud800-\udfff]")
JSON_STRING = re.compile(r'"(?:[^"\\]|\\.)*"', re.DOTALL)
JSON_BRACKET = re.compile(r"[\[\]{}]")


def clean_text(text: str) -> str:
    """The text without C0 control characters (tab, newline and carriage return stay) and with each
    lone surrogate replaced by U+FFFD."""
    return SURROGATE.sub("\ufffd", CONTROL.sub("", text))


def clean(value: Any) -> Any:
    """Every string in a JSON-like value cleaned, keys too, at any depth; other values unchanged."""
    if isinstance(value, str):
        return clean_text(value)
    if isinstance(value, Mapping):
        return {clean(key): clean(item) for key, item in value.items()}
    if isinstance(value, list):
        return [clean(item) for item in value]
    return value


def clean_params(params: MultiDict[str, Any]) -> ImmutableMultiDict[str, Any]:
    """A form's or a query string's fields with their names and text values cleaned (files untouched)."""
    return ImmutableMultiDict(
        [(clean_text(key), clean_text(value) if isinstance(value, str) else value) for key, value in params.items(True)]
    )


def whole_number(text: str) -> int:
    """A non-negative whole number, from ASCII digits, that fits an id column.

    Raises ValueError otherwise, so `request.args.get(name, default, type=whole_number)` gives the
    default for "-1", "²", "9223372036854775808" or "abc" instead of an error deeper down.
    """
    if not (text.isascii() and text.isdigit()) or len(text) > len(str(ROW_ID_MAX)):
        raise ValueError("not a whole number in range")
    number = int(text)
    if number > ROW_ID_MAX:
        raise ValueError("not a whole number in range")
    return number


class JSONTooDeep(BadRequest):
    """JSON nested deeper than MAX_JSON_DEPTH: refused before parsing, so no parser recurses on it."""

    message = _l("The JSON is nested too deeply: at most %(limit)s levels.", limit=MAX_JSON_DEPTH)


def json_depth(text: str) -> int:
    """How deep arrays and objects nest in a JSON text (strings, and brackets inside them, skipped)."""
    depth = deepest = 0
    for bracket in JSON_BRACKET.findall(JSON_STRING.sub('""', text)):
        depth += 1 if bracket in "[{" else -1
        deepest = max(deepest, depth)
    return deepest


class _RequestJSON:
    """The JSON loader of request bodies: depth bounded first, then parsed, then cleaned."""

    @staticmethod
    def loads(data: str | bytes, **options: Any) -> Any:
        text = data.decode(json.detect_encoding(data)) if isinstance(data, bytes) else data
        if json_depth(text) > MAX_JSON_DEPTH:
            raise JSONTooDeep()
        return clean(flask_json.loads(text, **options))

    dumps = staticmethod(flask_json.dumps)


class HygienicRequest(Request):
    """Flask's request whose `args`, `form` and `get_json()` hand views clean values only."""

    def get_json(self, force: bool = False, silent: bool = False, cache: bool = True) -> Any:  # type: ignore[override]
        # Flask points `json_module` at the app's JSON provider for every request; bodies use ours.
        self.json_module = _RequestJSON
        return super().get_json(force=force, silent=silent, cache=cache)

    @cached_property
    def args(self) -> ImmutableMultiDict[str, str]:  # type: ignore[override]
        return clean_params(Request.args.fget(self))  # type: ignore[attr-defined]

    def _load_form_data(self) -> None:
        if "form" in self.__dict__:
            return
        super()._load_form_data()
        self.__dict__["raw_form"] = self.__dict__["form"]
        self.__dict__["form"] = clean_params(self.__dict__["form"])

    @cached_property
    def raw_form(self) -> MultiDict[str, str]:
        """The form exactly as sent: only for checking a signature made over it."""
        self._load_form_data()
        return self.__dict__["raw_form"]


def raw_form() -> MultiDict[str, str]:
    """The current request's form as sent (a plain Request has no cleaned copy: its form is the raw one)."""
    return request.raw_form if isinstance(request, HygienicRequest) else request.form


class RowIdConverter(IntegerConverter):
    """`<int:…>` that matches only what fits an id column: anything larger is a 404."""

    def __init__(
        self, map: Map, fixed_digits: int = 0, min: int | None = None, max: int | None = None, signed: bool = False
    ) -> None:
        low = min if min is not None else -ROW_ID_MAX - 1 if signed else 0
        super().__init__(map, fixed_digits, min=low, max=ROW_ID_MAX if max is None else max, signed=signed)

    def to_python(self, value: str) -> int:
        if len(value.lstrip("-")) > len(str(ROW_ID_MAX)):
            raise ValidationError()
        return super().to_python(value)  # type: ignore[no-any-return]


class PlainTextConverter(UnicodeConverter):
    """The default `<name>`: no control character or lone surrogate names anything, so such a path is a 404."""

    def to_python(self, value: str) -> str:
        if clean_text(value) != value:
            raise ValidationError()
        return value


class PlainPathConverter(PathConverter):
    def to_python(self, value: str) -> str:
        if clean_text(value) != value:
            raise ValidationError()
        return value


CONVERTERS: dict[str, type[BaseConverter]] = {
    "default": PlainTextConverter,
    "string": PlainTextConverter,
    "path": PlainPathConverter,
    "int": RowIdConverter,
}

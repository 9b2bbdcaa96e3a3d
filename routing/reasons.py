"""A reason as a message key with parameters, beside its English sentence for the JSON and the CLI.

`Reason` is a `str` (the English sentence), so every reader of today's reasons keeps working; the
console renders `code` and `params` through the catalog so each language reads its own words.
"""

from __future__ import annotations

from typing import Any


class Reason(str):
    code: str
    params: dict[str, Any]

    def __new__(cls, code: str, text: str, **params: Any) -> Reason:
        made = super().__new__(cls, text)
        made.code = code
        made.params = params
        return made


def reason_key(reason: str) -> dict[str, Any]:
    """The reason as a message key: {"code", "params", "text"}; a plain sentence keeps code None."""
    if isinstance(reason, Reason):
        return {"code": reason.code, "params": dict(reason.params), "text": str(reason)}
    return {"code": None, "params": {}, "text": str(reason)}

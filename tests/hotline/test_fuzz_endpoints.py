"""Every public and staff endpoint, fuzzed with hypothesis: whatever arrives, the answer is never a 5xx.

The endpoints come from each surface's `url_map`, so a new route is fuzzed without touching this file.
Paths get weird ids (huge, negative, non-numeric, unicode, NUL), query strings and bodies get weird
values (control characters, huge integers, deep JSON, lone surrogates, invalid UTF-8); forms carry a
valid CSRF token most of the time so the views themselves are reached, and Twilio webhooks are signed
with Twilio's RequestValidator. Staff endpoints are fuzzed signed in as an operator, as an agency user
and as an admin. Runs on SQLite only; tests/hotline/test_input_hygiene.py runs the NUL cases on both.
Every endpoint first gets the known troublemakers (`_canned`), then random examples. Hypothesis raises
the recursion limit while it runs, so deep JSON's RecursionError shows only outside it: the hygiene
tests post it plainly.
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

import pytest
from flask import Flask
from flask.testing import FlaskClient
from hypothesis import HealthCheck, Phase, example, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from sqlalchemy import select
from twilio.request_validator import RequestValidator
from werkzeug.routing import Rule

from directory.models import AgencyService, ReferralContact
from hotline.accounts import StaffUser
from hotline.conversations.models import Conversation
from hotline.referrals.models import Referral
from hotline.tickets.intake import LOCATION_KEYS, TOP_LEVEL_KEYS
from hotline.tickets.models import Ticket
from tests.admin.test_staff_pages import sign_in
from tests.conftest import Templates
from tests.factories import make_user
from tests.helpers import csrf_token, post_report

ROOT = Path(__file__).resolve().parents[2]
# Anonymous input arrives on the public surface: it gets most of the examples.
PUBLIC_EXAMPLES = 30
STAFF_EXAMPLES = 8
INT64_MAX = 2**63 - 1
INT32_MAX = 2**31 - 1
# Views that end the state the other examples need (a chat, a session) are fuzzed last.
LAST = ("chat.chat_end", "chat_console.close_chat", "staff.logout")


@pytest.fixture
def database_url(templates: Templates) -> str:
    """SQLite only: the fuzz is about the web layer; the NUL cases run on both databases elsewhere."""
    return templates.sqlite()


def _names_read_by_views() -> list[str]:
    """Every form and query field a view or template reads, so that bodies reach the code behind them."""
    names: set[str] = set()
    for folder in ("channels", "admin"):
        for source in (ROOT / folder).rglob("*.py"):
            names.update(re.findall(r"""(?:form|args)\.get(?:list)?\(\s*f?["']([A-Za-z_][\w-]*)""", source.read_text()))
        for template in (ROOT / folder).rglob("*.html"):
            names.update(re.findall(r'name="([A-Za-z_][\w-]*)"', template.read_text()))
    names.update(("From", "Body", "MessageSid", "CallSid", "Digits", "SpeechResult", "RecordingUrl"))
    names.update(("RecordingDuration", "QueuePosition", "MessageStatus", "lang", "after", "t", "referral"))
    return sorted(names)


FIELD_NAMES = _names_read_by_views()

WEIRD_INTS = st.one_of(
    st.sampled_from(
        [0, -1, 1, INT32_MAX, INT32_MAX + 1, INT64_MAX, INT64_MAX + 1, -(2**63) - 1, 2**64, 10**20, 10**400]
    ),
    st.integers(),
)
WEIRD_WORDS = st.sampled_from(
    [
        "",
        " ",
        "\x00",
        "a\x00b",
        "\x01\x02\x1b[31m",
        "\t\r\n",
        "9223372036854775808",
        "99999999999999999999",
        "-1",
        "²",
        "١٢",
        "1e309",
        "NaN",
        "true",
        "null",
        "../../etc/passwd",
        "<script>alert(1)</script>",
        "' OR 1=1 --",
        "ACK HT-AAAA-BBBB",
        "+50255551234",
        "x" * 5000,
        "\u202e\ufeff\u200b",
        "😀" * 10,
    ]
)
# Text a client can send in a form or URL: any Unicode but lone surrogates (UTF-8 cannot carry them).
WEIRD_TEXT = st.one_of(WEIRD_WORDS, st.text(max_size=30), WEIRD_INTS.map(str))
# JSON text can carry lone surrogates as \\ud800 escapes.
JSON_TEXT = st.one_of(WEIRD_TEXT, st.text(alphabet=st.characters(categories=["Cs", "Cc"]), max_size=5))
JSON_SCALARS = st.one_of(
    st.none(), st.booleans(), WEIRD_INTS, st.floats(allow_nan=True, allow_infinity=True), JSON_TEXT
)
JSON_VALUES = st.recursive(
    JSON_SCALARS,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(JSON_TEXT, children, max_size=4),
    max_leaves=12,
)
INTAKE_SHAPED = st.fixed_dictionaries(
    {},
    optional={
        **{key: JSON_VALUES for key in TOP_LEVEL_KEYS},
        "channel": st.sampled_from(["api", "web", "sms", "nope"]) | JSON_VALUES,
        "text": JSON_TEXT,
        "location": st.fixed_dictionaries({}, optional={key: JSON_VALUES | JSON_TEXT for key in LOCATION_KEYS}),
    },
)
DEEP_JSON = st.builds(
    lambda depth, array: ("[" * depth + "]" * depth if array else '{"a":' * depth + "1" + "}" * depth).encode(),
    st.sampled_from([31, 33, 1000, 50_000]),
    st.booleans(),
)
INVALID_UTF8 = st.sampled_from([b"\xff\xfe", b'{"text": "\xed\xa0\x80"}', b"text=%ff%fe%00", b"\xc0\xaf", b"%"])


@dataclass
class Target:
    """One surface signed in as one person: its client, cookie to restore, CSRF token and real ids."""

    app: Flask
    client: FlaskClient
    cookie_name: str
    cookie: str
    token: str
    real: dict[str, list[str]] = field(default_factory=dict)

    def restore(self) -> None:
        self.client.set_cookie(self.cookie_name, self.cookie)


@dataclass
class Fuzzed:
    answered: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    requests: int = 0


def _segment(converter: str, name: str, real: dict[str, list[str]]) -> st.SearchStrategy[str]:
    known = real.get(name, [])
    weird = st.one_of(
        WEIRD_INTS.map(str),
        WEIRD_TEXT.filter(bool).map(lambda text: quote(text, safe="")),
        st.sampled_from(["%00", "%ff", "%ed%a0%80", "%C0%AF", "a%00b", "%0a"]),
    )
    if known:
        return st.one_of(st.sampled_from([quote(value, safe="") for value in known]), weird)
    return weird


PARAMETER = re.compile(r"<(?:(?P<converter>\w+)(?:\([^)]*\))?:)?(?P<name>\w+)>")


def _fill(rule: Rule, segment: Callable[[str, str], str]) -> str:
    """The rule's path with each `<converter:name>` replaced by `segment(converter, name)`."""
    return PARAMETER.sub(lambda match: segment(match.group("converter") or "default", match.group("name")), rule.rule)


def _path(rule: Rule, real: dict[str, list[str]]) -> st.SearchStrategy[str]:
    names = [(match.group("converter") or "default", match.group("name")) for match in PARAMETER.finditer(rule.rule)]
    chosen = st.tuples(*(_segment(converter, name, real) for converter, name in names))
    return chosen.map(lambda values: _fill(rule, lambda _c, name: values[[n for _v, n in names].index(name)]))


FORM_FIELDS = st.dictionaries(st.sampled_from(FIELD_NAMES) | WEIRD_TEXT, WEIRD_TEXT, max_size=8)
QUERY = st.one_of(
    st.just(""),
    FORM_FIELDS.map(urlencode),
    st.sampled_from(["after=9223372036854775808", "after=-5", "after=%00", "after=%ff", "referral=1e999"]),
)
KINDS = ("form", "form", "json", "intake", "intake", "deep", "bytes", "none")


def _build(rule: Rule, method: str, target: Target, path: str, query: str, body: Any, csrf: bool) -> dict[str, Any]:
    """One request as the test client takes it: a dict body is a form (Twilio's signed), a str is JSON
    text, bytes are sent as they are with a content type that claims JSON or a form."""
    headers = {"X-CSRFToken": target.token} if csrf else {}
    request: dict[str, Any] = {"path": path, "method": method, "query_string": query, "headers": headers}
    if rule.rule.startswith("/twilio/"):
        params = body if isinstance(body, dict) else {}
        settings = target.app.config["SETTINGS"]
        url = f"{settings.public_base_url}{path}" + (f"?{query}" if query else "")
        headers["X-Twilio-Signature"] = RequestValidator(settings.twilio_auth_token).compute_signature(url, params)
        request["data"] = params
    elif isinstance(body, dict):
        request["data"] = {**body, **({"csrf_token": target.token} if csrf else {})}
    elif isinstance(body, str):
        request["data"] = body
        request["content_type"] = "application/json"
    elif isinstance(body, tuple):
        request["data"], request["content_type"] = body
    return request


@st.composite
def _request(draw: st.DrawFn, rule: Rule, method: str, target: Target) -> dict[str, Any]:
    path = draw(_path(rule, target.real))
    query = draw(QUERY)
    kind = "twilio" if rule.rule.startswith("/twilio/") else draw(st.sampled_from(KINDS))
    body: Any = None
    if kind == "twilio":
        body = draw(st.dictionaries(st.sampled_from(FIELD_NAMES) | WEIRD_TEXT, WEIRD_TEXT, max_size=6))
        body.update(draw(st.fixed_dictionaries({}, optional=_twilio_fields(target.real))))
    elif kind == "form":
        body = draw(FORM_FIELDS)
    elif kind in ("json", "intake"):
        body = json.dumps(draw(JSON_VALUES if kind == "json" else INTAKE_SHAPED))
    elif kind == "deep":
        body = (draw(DEEP_JSON), "application/json")
    elif kind == "bytes":
        body = (draw(INVALID_UTF8), draw(st.sampled_from(["application/json", "application/x-www-form-urlencoded"])))
    return _build(rule, method, target, path, query, body, draw(st.sampled_from([True, True, True, False])))


def _canned(rule: Rule, method: str, target: Target) -> list[dict[str, Any]]:
    """The known troublemakers, tried on every endpoint before the random examples."""
    real = target.real

    def known(_converter: str, name: str) -> str:
        return quote((real.get(name) or ["1"])[0], safe="")

    huge = _fill(rule, lambda converter, name: "99999999999999999999" if converter == "int" else known(converter, name))
    nul = _fill(rule, lambda converter, name: known(converter, name) if converter == "int" else "a%00b")
    path = _fill(rule, known)
    query = "after=9223372036854775808&referral=99999999999999999999&lang=%00"
    intake = {"channel": "api", "text": "a\x00b\ud800", "location": {"country": "GT", "place": "x\x00y"}}
    everything = {name: "a\x00b" for name in FIELD_NAMES}
    return [
        _build(rule, method, target, path, query, ("[" * 1000 + "]" * 1000, "application/json"), True),
        _build(rule, method, target, path, "", '{"a":' * 1000 + "1" + "}" * 1000, True),
        _build(rule, method, target, path, "", json.dumps(intake), True),
        _build(rule, method, target, path, "", everything, True),
        _build(rule, method, target, huge, "after=-1", {}, True),
        _build(rule, method, target, nul, "", {}, True),
    ]


def _twilio_fields(real: dict[str, list[str]]) -> dict[str, st.SearchStrategy[str]]:
    senders = real.get("sms", []) + ["+50255551234", "+15005550006", "12", ""]
    return {
        "From": st.sampled_from(senders) | WEIRD_TEXT,
        "CallSid": st.sampled_from(["CAfuzz1", "CAfuzz2"]) | WEIRD_TEXT,
        "MessageSid": st.sampled_from(["SMfuzz1", "SMfuzz2"]) | WEIRD_TEXT,
        "Body": st.sampled_from([f"ACK {r}" for r in real.get("reference", [])] + ["hola", "1"]) | WEIRD_TEXT,
        "Digits": st.sampled_from(["1", "2", "0", "9", "#"]) | WEIRD_TEXT,
    }


def _fuzz(target: Target, label: str, fuzzed: Fuzzed, examples: int) -> None:
    rules = sorted(target.app.url_map.iter_rules(), key=lambda rule: (rule.endpoint in LAST, rule.rule))
    for rule in rules:
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            _fuzz_endpoint(target, f"{label} {method} {rule.rule}", rule, method, fuzzed, examples)


def _fuzz_endpoint(target: Target, name: str, rule: Rule, method: str, fuzzed: Fuzzed, examples: int) -> None:
    @hypothesis_settings(
        max_examples=examples,
        deadline=None,
        derandomize=True,
        database=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(request=_request(rule, method, target))
    def one(request: dict[str, Any]) -> None:
        target.restore()
        fuzzed.requests += 1
        response = target.client.open(**request)
        if response.status_code >= 500 and not _says_unavailable(response):
            shown = {k: (v[:200] if isinstance(v, str | bytes) else v) for k, v in request.items()}
            fuzzed.answered[name].append(f"{response.status_code} {shown!r}")

    for request in _canned(rule, method, target):
        one = example(request=request)(one)
    one()


def _verdict(fuzzed: Fuzzed) -> None:
    failures = sum(len(found) for found in fuzzed.answered.values())
    summary = "\n".join(f"{len(found):4d}  {name}\n      e.g. {found[0]}" for name, found in fuzzed.answered.items())
    print(f"\n{failures} of {fuzzed.requests} fuzzed requests answered 5xx\n{summary}")
    assert failures == 0, f"{failures} of {fuzzed.requests} fuzzed requests answered 5xx:\n{summary}"


def _file_report(client: FlaskClient) -> str:
    body = {"channel": "api", "text": "Me quitaron el pasaporte en la finca", "location": {"country": "GT"}}
    body["answers"] = {"in_danger_now": True, "documents_withheld": True}
    response = post_report(client, json=body)
    assert response.status_code == 201, response.get_data(as_text=True)
    return response.get_json()["reference"]


def _real_ids(app: Flask) -> dict[str, list[str]]:
    with app.app_context(), app.extensions["database"].session() as session:
        referrals = session.scalars(select(Referral).order_by(Referral.id)).all()
        return {
            "reference": list(session.scalars(select(Ticket.reference))),
            "referral_id": [str(r.id) for r in referrals],
            "agency_id": sorted({r.agency_id for r in referrals}),
            "flow_id": sorted({r.flow_id for r in referrals}),
            "conversation_id": [str(c) for c in session.scalars(select(Conversation.id))],
            "user_id": [str(u) for u in session.scalars(select(StaffUser.id))],
            "service_id": [str(s) for s in session.scalars(select(AgencyService.id).limit(3))],
            "sms": [c for c in session.scalars(select(ReferralContact.sms).limit(3)) if c],
            "country": ["GT", "gt", "XX"],
            "year": ["2025", "1", "9999"],
        }


def _public(app: Flask, client: FlaskClient) -> Target:
    _file_report(client)
    token = csrf_token(client, "/chat")
    client.post("/chat/start", data={"csrf_token": token})
    client.post("/chat/send", data={"csrf_token": token, "text": "1"})
    cookie = client.get_cookie("hotline_public")
    assert cookie is not None
    return Target(app, client, "hotline_public", cookie.value, token, _real_ids(app))


# A deliberate 503 that says why (a feature this server has not been set up for) is an answer, not
# a fault; any other 5xx is.
UNAVAILABLE = {"not_configured"}


def _says_unavailable(response: Any) -> bool:
    body = response.get_json(silent=True) if response.is_json else None
    return response.status_code == 503 and isinstance(body, dict) and body.get("error") in UNAVAILABLE


def test_no_public_endpoint_answers_5xx(app: Flask, client: FlaskClient) -> None:
    fuzzed = Fuzzed()
    _fuzz(_public(app, client), "public", fuzzed, PUBLIC_EXAMPLES)
    _verdict(fuzzed)


@pytest.mark.parametrize("role", ["operator", "agency", "admin"])
def test_no_staff_endpoint_answers_5xx(
    role: str, app: Flask, client: FlaskClient, staff_app: Flask, staff_client: FlaskClient
) -> None:
    public = _public(app, client)
    agency = public.real["agency_id"][0]
    if role == "operator":
        sign_in(staff_client, *make_user(staff_app, role="operator", countries=("GT",)))
    elif role == "agency":
        sign_in(staff_client, *make_user(staff_app, role="agency", agency_id=agency))
    else:
        sign_in(staff_client, *make_user(staff_app, role="admin", regional=True))
    token = csrf_token(staff_client, "/referrals" if role == "agency" else "/tickets")
    cookie = staff_client.get_cookie("hotline_staff")
    assert cookie is not None
    target = Target(staff_app, staff_client, "hotline_staff", cookie.value, token, _real_ids(app))
    fuzzed = Fuzzed()
    _fuzz(target, role, fuzzed, STAFF_EXAMPLES)
    _verdict(fuzzed)

"""The load `bench.load` plays with Locust: reporters on every channel, operators and agencies at work.

Run only through `python -m bench.load`, which starts the targets on 127.0.0.1 and sets the
HOTLINE_LOAD_* variables read here. Reporters (web form, partner API, SMS conversations, voice
calls) each send about one request a second, so the number of reporters is the request rate; the
shape raises it step by step and stops after the first step in which a reporter's p99 passes
200 ms or a request fails. 30 operators poll the queue and open tickets, agencies acknowledge their
referrals; they are not part of the bare run. With HOTLINE_LOAD_ONLY set to one kind (api, web,
sms, voice, operators, agencies), only that kind runs, stepped by its actions a second (a web
report: the form and its POST). Per step,
every request kind's figures go to HOTLINE_LOAD_OUT as a JSON line, and the counters start again.

A real TLS proxy would sit in front: requests carry its `X-Forwarded-Proto: https`, and the
client sends back production's Secure cookies over the loopback's plain http.
"""

from __future__ import annotations

import itertools
import json
import os
import random
import re
import secrets
import time
from http.cookiejar import DefaultCookiePolicy
from typing import Any
from urllib.parse import urlsplit

import pyotp
from locust import HttpUser, LoadTestShape, constant_throughput, events, task
from twilio.request_validator import RequestValidator

TOKEN = os.environ.get("HOTLINE_LOAD_TOKEN", "")
# The partner key the API reporters present (bench/load.py makes it with `flask partners create`).
API_KEY = os.environ.get("HOTLINE_LOAD_API_KEY", "")
PUBLIC_BASE = os.environ.get("HOTLINE_LOAD_BASE", "http://127.0.0.1")
STAFF = json.loads(os.environ.get("HOTLINE_LOAD_STAFF", '{"operators": [], "agencies": []}'))
STEPS = json.loads(os.environ.get("HOTLINE_LOAD_STEPS", "[4, 8]"))
STEP_SECONDS = float(os.environ.get("HOTLINE_LOAD_STEP_SECONDS", "20"))
WARMUP_SECONDS = float(os.environ.get("HOTLINE_LOAD_WARMUP_SECONDS", "15"))
OUT = os.environ.get("HOTLINE_LOAD_OUT", "load-steps.jsonl")
WITH_STAFF = os.environ.get("HOTLINE_LOAD_TARGET", "app") == "app"
P99_LIMIT_MS = float(os.environ.get("HOTLINE_LOAD_LIMIT_MS", "200"))
REPORTER_KINDS = ("api report", "web form", "web report", "sms", "sms (last text)", "voice call")
# One kind of user alone (`bench.load` steps each kind by itself), or "" for the mix: reporters
# stepped together while the operators and officers work at a fixed number.
ONLY = os.environ.get("HOTLINE_LOAD_ONLY", "")
# The requests each kind makes (judged against the limit) and the requests a second one user makes.
KIND_REQUESTS = {
    "api": ("api report",),
    "web": ("web form", "web report"),
    "sms": ("sms", "sms (last text)"),
    "voice": ("voice call",),
    "operators": ("operator queue", "operator poll", "operator ticket"),
    "agencies": ("agency referrals", "agency acknowledge"),
}
PER_USER_RATE = {"operators": 0.5, "agencies": 0.5}

# The intake flow (v3) by SMS: the greeting, the language, then its questions (danger, place,
# a child, documents, movement, the two consent questions) and the words that complete the report.
CONVERSATION = ["hola", "1", "2", "Ciudad de Guatemala", "2", "1", "2", "1", "1"]
# Every report in its own words, as different people write: the flood rules count identical words, so
# a bench that sent four texts over and over would measure floods held, not reports routed.
WHO = ["Mi prima", "Una vecina", "Mi hermano", "Un compañero", "Una muchacha de mi pueblo", "Mi sobrina",
       "Un señor que conozco", "Mi cuñada", "Una amiga", "Mi primo"]
WHAT = ["trabaja sin pago en una finca de café", "atiende un bar de noche", "limpia casas sin descanso",
        "vende en la calle para un señor", "trabaja en una bodega cerrada", "cose en un taller",
        "corta caña desde la madrugada", "trabaja en una construcción"]
HOW = ["y no la dejan salir", "y le quitaron el pasaporte", "y le dicen que debe el pasaje",
       "y la amenazan si habla", "y duerme en el mismo lugar", "y no le pagan hace meses",
       "y le cobran por la comida", "y la vigilan todo el día"]
SINCE = ["desde hace dos semanas", "desde enero", "hace tres meses", "desde que llegó", "desde la feria",
         "este mes", "desde hace un año", "desde el invierno"]
def story() -> str:
    return f"{random.choice(WHO)} {random.choice(WHAT)} {random.choice(HOW)}, {random.choice(SINCE)}."


CSRF = re.compile(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"')
TICKET_LINK = re.compile(r'href="/staff/tickets/(HT-[A-Z0-9-]+)"')
ACK_FORM = re.compile(r'action="/staff/referrals/(\d+)/acknowledge"')
numbers = itertools.count(1)
# Reports sent and reports answered as stored, per channel: the run's check compares them with tickets.
SENT: dict[str, int] = {"api": 0, "web": 0, "sms": 0}
STORED: dict[str, int] = {"api": 0, "web": 0, "sms": 0}


@events.quitting.add_listener
def _write_report_counts(**_kwargs: Any) -> None:
    with open(OUT + ".reports.json", "w") as out:
        json.dump({"sent": SENT, "stored": STORED}, out)


def _secure_over_loopback(_policy: DefaultCookiePolicy, _cookie: Any, _request: Any) -> bool:
    return True


# The loopback stands in for the https the proxy serves: send Secure cookies back over it. Set on the
# class, as requests copies cookies into fresh jars with the default policy (this process only).
DefaultCookiePolicy.return_ok_secure = _secure_over_loopback  # type: ignore[method-assign]


class Client(HttpUser):
    abstract = True
    host = PUBLIC_BASE

    def on_start(self) -> None:
        if urlsplit(self.host).hostname != "127.0.0.1":
            raise SystemExit("the load goes to 127.0.0.1 only")
        self.client.headers.update({"X-Forwarded-Proto": "https", "X-Forwarded-For": "127.0.0.1"})

    def csrf(self, path: str, name: str) -> str | None:
        with self.client.get(path, name=name, catch_response=True) as response:
            found = CSRF.search(response.text or "")
            if response.status_code != 200 or not found:
                response.failure(f"no form ({response.status_code})")
                return None
            return found.group(1)

    def post_form(self, path: str, data: dict[str, str], name: str, referer: str) -> Any:
        origin = f"https://{urlsplit(self.host).netloc}"
        return self.client.post(path, data=data, name=name, headers={"Referer": origin + referer}, catch_response=True)

    def twilio(self, path: str, params: dict[str, str], name: str) -> bool:
        signature = RequestValidator(TOKEN).compute_signature(PUBLIC_BASE + path, params)
        with self.client.post(path, data=params, name=name, headers={"X-Twilio-Signature": signature},
                              catch_response=True) as response:  # fmt: skip
            if response.status_code != 200 or "<Response" not in (response.text or ""):
                response.failure(f"status {response.status_code}")
                return False
            return True


class ApiReporter(Client):
    wait_time = constant_throughput(1)

    @task
    def report(self) -> None:
        body = {
            "channel": "api",
            "text": story(),
            "location": {"country": "GT", "region": random.choice(["GT-01", "GT-09", "GT-17"])},
            "answers": {"minor_involved": random.random() < 0.3},
        }
        SENT["api"] += 1
        headers = {"Authorization": f"Bearer {API_KEY}"}
        with self.client.post(
            "/api/v1/reports", json=body, headers=headers, name="api report", catch_response=True
        ) as response:
            if response.status_code != 201:
                response.failure(f"status {response.status_code}")
            else:
                STORED["api"] += 1


class WebReporter(Client):
    wait_time = constant_throughput(1)

    @task
    def report(self) -> None:
        token = self.csrf("/report", "web form")
        if token is None:
            return
        form = {"csrf_token": token, "text": story(), "country": "GT", "region": "Quetzaltenango"}
        SENT["web"] += 1
        with self.post_form("/report", form, "web report", "/report") as response:
            if response.status_code != 200 or "HT-" not in (response.text or ""):
                response.failure(f"status {response.status_code}")
            else:
                STORED["web"] += 1


class Texter(Client):
    """One SMS conversation after another, a text a second; the eighth text completes the report."""

    wait_time = constant_throughput(1)

    def on_start(self) -> None:
        super().on_start()
        self.new_conversation()

    def new_conversation(self) -> None:
        self.number = f"+5025{next(numbers) % 10_000_000:07d}"
        self.step = 0

    @task
    def text(self) -> None:
        last = self.step == len(CONVERSATION)
        params = {
            "MessageSid": "SM" + secrets.token_hex(16),
            "From": self.number,
            "To": "+15005550006",
            "Body": CONVERSATION[self.step] if not last else story(),
        }
        if last:
            SENT["sms"] += 1
        stored = self.twilio("/twilio/sms", params, "sms (last text)" if last else "sms")
        self.step += 1
        if last:
            STORED["sms"] += stored
            self.new_conversation()


class Caller(Client):
    wait_time = constant_throughput(1)

    @task
    def call(self) -> None:
        params = {"CallSid": "CA" + secrets.token_hex(16), "From": f"+5025{random.randrange(10**7):07d}",
                  "To": "+15005550006", "CallStatus": "ringing"}  # fmt: skip
        self.twilio("/twilio/voice", params, "voice call")


class StaffMember(Client):
    abstract = True
    accounts: list[dict[str, str]] = []
    taken = itertools.count()

    def on_start(self) -> None:
        super().on_start()
        account = self.accounts[next(self.taken) % len(self.accounts)]
        token = self.csrf("/staff/login", "sign-in")
        if token is None:
            return
        form = {"csrf_token": token, "email": account["email"], "password": account["password"]}
        with self.post_form("/staff/login", form, "sign-in", "/staff/login") as response:
            if "/staff/login/code" not in response.url:
                response.failure("password refused")
                return
        token = self.csrf("/staff/login/code", "sign-in code")
        if token is None:
            return
        form = {"csrf_token": token, "code": pyotp.TOTP(account["totp"]).now()}
        with self.post_form("/staff/login/code", form, "sign-in code", "/staff/login/code") as response:
            if response.status_code != 200 or "/staff/login" in response.url:
                response.failure("code refused")


class Operator(StaffMember):
    """Keeps the queue open: the page now and then, its poll every few seconds, a ticket opened."""

    fixed_count = len(STAFF["operators"]) if WITH_STAFF else 0
    accounts = STAFF["operators"]
    wait_time = constant_throughput(0.5)
    newest = 0
    references: list[str] = []

    @task(1)
    def queue_page(self) -> None:
        response = self.client.get("/staff/tickets", name="operator queue")
        self.references = TICKET_LINK.findall(response.text or "")[:20]

    @task(4)
    def poll(self) -> None:
        response = self.client.get(f"/staff/api/v1/queue?after={self.newest}", name="operator poll")
        if response.status_code == 200:
            self.newest = int(response.json().get("newest", self.newest))

    @task(1)
    def open_ticket(self) -> None:
        if self.references:
            self.client.get(f"/staff/tickets/{random.choice(self.references)}", name="operator ticket")


class AgencyOfficer(StaffMember):
    """Looks at the agency's referrals and acknowledges one still waiting."""

    fixed_count = len(STAFF["agencies"]) if WITH_STAFF else 0
    accounts = STAFF["agencies"]
    wait_time = constant_throughput(0.5)

    @task
    def acknowledge(self) -> None:
        response = self.client.get("/staff/referrals", name="agency referrals")
        waiting = ACK_FORM.findall(response.text or "")
        token = CSRF.search(response.text or "")
        if waiting and token:
            referral = random.choice(waiting)
            form = {"csrf_token": token.group(1)}
            path = f"/staff/referrals/{referral}/acknowledge"
            with self.post_form(path, form, "agency acknowledge", "/staff/referrals") as answer:
                if answer.status_code != 200:
                    answer.failure(f"status {answer.status_code}")


REPORTERS = [ApiReporter, WebReporter, Texter, Caller]
KIND_USERS: dict[str, type[HttpUser]] = {
    "api": ApiReporter,
    "web": WebReporter,
    "sms": Texter,
    "voice": Caller,
    "operators": Operator,
    "agencies": AgencyOfficer,
}
if ONLY:
    # Stepped like the reporters: as many users as the step's rate asks (several share an account).
    Operator.fixed_count = AgencyOfficer.fixed_count = 0
JUDGED = KIND_REQUESTS[ONLY] if ONLY else REPORTER_KINDS


class Steps(LoadTestShape):
    """A warm-up, then one step per rate in HOTLINE_LOAD_STEPS; stop once a step breaks the limit."""

    def __init__(self) -> None:
        super().__init__()
        self.index = -1
        self.began = time.monotonic()
        self.done = False

    def tick(self) -> tuple[int, float, list[type[HttpUser]]] | None:
        if self.done:
            return None
        elapsed = self.get_run_time()
        index = -1 if elapsed < WARMUP_SECONDS else int((elapsed - WARMUP_SECONDS) // STEP_SECONDS)
        if index != self.index:
            if self.runner is not None:
                breaking = self.record(self.index)
                self.runner.stats.reset_all()
                if breaking or index >= len(STEPS):
                    self.done = True
                    return None
            self.index, self.began = index, time.monotonic()
        rate = STEPS[max(index, 0)]
        if ONLY:
            return max(1, round(rate / PER_USER_RATE.get(ONLY, 1.0))), 50.0, [KIND_USERS[ONLY]]
        # A class with no accounts must not be listed: Locust would spawn it by weight instead.
        staff: list[type[HttpUser]] = [user for user in (Operator, AgencyOfficer) if WITH_STAFF and user.accounts]
        staff_count = sum(user.fixed_count for user in staff)
        return staff_count + rate, 50.0, [*staff, *REPORTERS]

    def record(self, index: int) -> bool:
        """Write the step's figures; True when a judged request's p99 passed the limit or a request failed."""
        assert self.runner is not None
        seconds = time.monotonic() - self.began
        kinds = {}
        for (name, _method), entry in self.runner.stats.entries.items():
            if entry.num_requests == 0:
                continue
            kinds[name] = {
                "requests": entry.num_requests,
                "failures": entry.num_failures,
                "rate": entry.num_requests / seconds,
                "p50_ms": entry.get_response_time_percentile(0.5),
                "p99_ms": entry.get_response_time_percentile(0.99),
            }
        errors = {f"{error.name}: {error.error}": error.occurrences for error in self.runner.stats.errors.values()}
        with open(OUT, "a") as out:
            out.write(json.dumps({"step": index, "target_rate": STEPS[max(index, 0)], "seconds": seconds,
                                  "kinds": kinds, "errors": errors}) + "\n")  # fmt: skip
        if index < 0:
            return False
        reporters = [kinds[name] for name in JUDGED if name in kinds]
        return any(kind["p99_ms"] > P99_LIMIT_MS for kind in reporters) or any(
            kind["failures"] for kind in kinds.values()
        )

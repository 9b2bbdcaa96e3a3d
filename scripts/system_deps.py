"""Make sure the system programs the tests drive are here: Debian's Chromium and PostgreSQL's server.

Installs them with apt when running as root; otherwise says what to install. Under CI=true a
missing program is an error, never a silent skip.
"""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import sys

PACKAGES = {"chromium": "chromium", "pg_ctl": "postgresql"}


def missing() -> list[str]:
    found_pg = glob.glob("/usr/lib/postgresql/*/bin/pg_ctl")
    result = []
    if shutil.which("chromium") is None:
        result.append(PACKAGES["chromium"])
    if not found_pg and shutil.which("pg_ctl") is None:
        result.append(PACKAGES["pg_ctl"])
    return result


def main() -> int:
    needed = missing()
    if not needed:
        return 0
    if os.geteuid() == 0 and shutil.which("apt-get"):
        print(f"installing {', '.join(needed)} with apt-get", flush=True)
        env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
        subprocess.run(["apt-get", "update", "-qq"], check=True, env=env)
        subprocess.run(["apt-get", "install", "-y", "-qq", "--no-install-recommends", *needed], check=True, env=env)
        needed = missing()
    if needed:
        print(f"missing system packages: {', '.join(needed)} (install them with apt)", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Back up and restore the hotline's PostgreSQL database, and print a fingerprint to prove nothing was lost.

    python scripts/backup.py dump FILE               # pg_dump, custom format, of $DATABASE_URL
    python scripts/backup.py restore FILE            # into $DATABASE_URL, an empty database
    python scripts/backup.py fingerprint             # every table's row count and digest, as JSON

The database is the whole truth: Redis holds only queued jobs, which the periodic sweeps re-find
after a restore, so it needs no backup of its own (docs/production.md says what its append-only file
is for). The secrets are not in the dump: a restored database needs the same PHONE_HASH_KEY and
PHONE_ENCRYPTION_KEY, or repeat callers no longer link and callback numbers cannot be read.
`--database-url` overrides $DATABASE_URL. The dump holds reporters' words, sealed: their data keys
are in the key store ($KEYS_DATABASE_URL), which is dumped apart with `--database-url` and kept only
7 days, so words retention erased stay unreadable in every older dump (docs/security.md).
"""

from __future__ import annotations

import argparse
import glob
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path


def libpq_url(url: str) -> str:
    """The libpq form of a SQLAlchemy URL (`postgresql+psycopg://` and `postgres://` alike)."""
    for prefix in ("postgresql+psycopg://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql://" + url.removeprefix(prefix)
    if not url.startswith("postgresql://"):
        raise SystemExit("backups are for PostgreSQL: DATABASE_URL must start with postgresql://")
    return url


def tool(name: str) -> str:
    """The client program, from PATH (Debian's wrapper picks the newest), else the newest server's."""
    found = shutil.which(name)
    if found:
        return found
    versions = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"), key=lambda path: int(path.split("/")[4]))
    if not versions:
        raise SystemExit(f"{name} is missing: apt-get install postgresql-client")
    return versions[-1]


def dump(url: str, target: Path) -> None:
    # Custom format: compressed, and pg_restore can restore it in parallel or pick tables from it.
    partial = target.with_name(target.name + ".partial")
    subprocess.run(
        [tool("pg_dump"), "--format=custom", "--no-owner", "--no-privileges", f"--file={partial}", libpq_url(url)],
        check=True,
    )
    partial.chmod(0o600)
    partial.replace(target)


def restore(source: Path, url: str) -> None:
    # One transaction: a restore that fails half-way leaves the target empty, not half-filled.
    subprocess.run(
        [
            tool("pg_restore"),
            "--no-owner",
            "--no-privileges",
            "--exit-on-error",
            "--single-transaction",
            f"--dbname={libpq_url(url)}",
            str(source),
        ],
        check=True,
    )


FINGERPRINT_SQL = """
SELECT format(
    'SELECT %L, count(*), coalesce(md5(string_agg(t::text, chr(10) ORDER BY t::text)), '''') FROM %I.%I t',
    table_name, table_schema, table_name)
FROM information_schema.tables
WHERE table_schema = 'public' AND table_type = 'BASE TABLE'
ORDER BY table_name
"""


def fingerprint(url: str) -> dict[str, list[object]]:
    """Every table's row count and a digest of all its rows: equal fingerprints, equal data."""
    psql = [tool("psql"), "--no-psqlrc", "--quiet", "--tuples-only", "--no-align", "-v", "ON_ERROR_STOP=1"]
    queries = subprocess.run(
        [*psql, "--command", FINGERPRINT_SQL, libpq_url(url)], check=True, capture_output=True, text=True
    ).stdout.split("\n")
    union = "\nUNION ALL\n".join(query for query in queries if query.strip())
    if not union:
        return {}
    rows = subprocess.run(
        [*psql, "--field-separator=|", "--command", union, libpq_url(url)], check=True, capture_output=True, text=True
    ).stdout
    result: dict[str, list[object]] = {}
    for line in rows.splitlines():
        if line.strip():
            table, count, digest = line.split("|")
            result[table] = [int(count), digest]
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL", ""))
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("dump").add_argument("file", type=Path)
    commands.add_parser("restore").add_argument("file", type=Path)
    commands.add_parser("fingerprint")
    args = parser.parse_args(argv)
    if not args.database_url:
        parser.error("set DATABASE_URL or pass --database-url")
    if args.command == "dump":
        dump(args.database_url, args.file)
    elif args.command == "restore":
        restore(args.file, args.database_url)
    else:
        print(json.dumps(fingerprint(args.database_url), indent=1, sort_keys=True))
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Check flow files from the command line: one line per problem, naming the file and the node; non-zero on any."""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from pathlib import Path

from routing.flow import Problem, check_flow

USAGE = "usage: flows check FILE [FILE ...]"


def problems_in(path: Path) -> list[Problem]:
    """The problems of one flow file, including a file that cannot be read or is not a JSON object."""
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        return [Problem(None, "unreadable", str(error))]
    if not isinstance(document, dict):
        return [Problem(None, "bad_flow", "a flow file holds one JSON object")]
    return check_flow(document)


def main(argv: Sequence[str]) -> int:
    """Check each file named in argv; 0 when all are sound, 1 when any has a problem, 2 on bad usage."""
    if not argv:
        print(USAGE, file=sys.stderr)
        return 2
    failed = False
    for name in argv:
        problems = problems_in(Path(name))
        for problem in problems:
            print(f"{name}: {problem}")
        if not problems:
            print(f"{name}: ok")
        failed = failed or bool(problems)
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))

"""The deployment files (systemd units, Dockerfile, compose.yaml, the example environment, the README)
stay true to the code: they parse, and every variable they set is one the settings read."""

from __future__ import annotations

import re
import shlex
import shutil
import subprocess
from collections.abc import Iterator, Mapping
from pathlib import Path

import pytest
import yaml

from hotline.settings import PRODUCTION_REQUIRED, Settings, generate_secrets

REPO = Path(__file__).resolve().parents[2]
UNITS = sorted((REPO / "deploy" / "systemd").glob("*.service"))
# Set for the Python interpreter in the image, not for the app.
INTERPRETER = {"PYTHONUNBUFFERED", "PYTHONDONTWRITEBYTECODE"}
DOCKERFILE_INSTRUCTIONS = {
    "FROM", "RUN", "CMD", "LABEL", "EXPOSE", "ENV", "ADD", "COPY", "ENTRYPOINT", "VOLUME", "USER",
    "WORKDIR", "ARG", "ONBUILD", "STOPSIGNAL", "HEALTHCHECK", "SHELL",
}  # fmt: skip


class Recording(Mapping[str, str]):
    """An environment that notes every name looked up in it."""

    def __init__(self, values: dict[str, str]) -> None:
        self.values = values
        self.asked: set[str] = set()

    def __getitem__(self, name: str) -> str:
        self.asked.add(name)
        return self.values[name]

    def get(self, name: str, default: object = None) -> object:  # type: ignore[override]
        self.asked.add(name)
        return self.values.get(name, default)

    def __iter__(self) -> Iterator[str]:
        raise AssertionError("the settings must look names up, not list the environment")

    def __len__(self) -> int:
        return len(self.values)


def production_environment() -> dict[str, str]:
    return {
        **generate_secrets(),
        "HOTLINE_ENV": "production",
        "DATABASE_URL": "postgresql://hotline@db/hotline",
        "REDIS_URL": "redis://cache:6379/0",
        "PUBLIC_BASE_URL": "https://hotline.example.org",
    }


@pytest.fixture(scope="module")
def read_names(tmp_path_factory: pytest.TempPathFactory) -> set[str]:
    """Every variable Settings.from_env looks at, in production and in development."""
    production = Recording(production_environment())
    Settings.from_env(production)
    development = Recording({"HOTLINE_INSTANCE": str(tmp_path_factory.mktemp("instance"))})
    Settings.from_env(development)
    return production.asked | development.asked


def env_file_names(path: Path) -> dict[str, str]:
    values = {}
    for line in path.read_text().splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            name, equals, value = line.partition("=")
            assert equals and re.fullmatch(r"[A-Z][A-Z0-9_]*", name), f"bad line in {path.name}: {line!r}"
            values[name] = value
    return values


def unit_directives(path: Path) -> list[tuple[str, str, str]]:
    """(section, key, value) for every line of a systemd unit file."""
    found, section = [], ""
    for number, line in enumerate(path.read_text().splitlines(), 1):
        if not line.strip() or line.startswith(("#", ";")):
            continue
        if line.startswith("["):
            assert re.fullmatch(r"\[(Unit|Service|Install)\]", line), f"{path.name}:{number} {line}"
            section = line[1:-1]
            continue
        key, equals, value = line.partition("=")
        assert equals and section and re.fullmatch(r"[A-Z][A-Za-z]+", key), f"{path.name}:{number} {line}"
        found.append((section, key, value))
    return found


def test_the_settings_read_what_production_requires(read_names: set[str]) -> None:
    assert set(PRODUCTION_REQUIRED) <= read_names
    assert {"HOTLINE_ENV", "METRICS_TOKEN", "PROMETHEUS_MULTIPROC_DIR"} <= read_names


def test_the_example_environment_is_complete_and_every_name_is_read(read_names: set[str]) -> None:
    example = env_file_names(REPO / "deploy" / "hotline.env.example")
    assert set(example) <= read_names, set(example) - read_names
    assert set(PRODUCTION_REQUIRED) <= set(example)
    filled = {**example, **production_environment()}
    assert Settings.from_env(filled).is_production


def test_systemd_units_set_only_variables_the_settings_read(read_names: set[str]) -> None:
    assert {path.name for path in UNITS} == {
        "hotline-web.service", "hotline-worker@.service", "hotline-scheduler.service"
    }  # fmt: skip
    for path in UNITS:
        directives = unit_directives(path)
        service = {key: value for section, key, value in directives if section == "Service"}
        assert service["EnvironmentFile"] == "/etc/hotline/hotline.env"
        assert service["WorkingDirectory"] == "/opt/hotline"
        for _section, key, value in directives:
            if key == "Environment":
                for assignment in shlex.split(value):
                    assert assignment.partition("=")[0] in read_names, f"{path.name}: {assignment}"
        command = shlex.split(service["ExecStart"])
        assert command[0].startswith("/opt/hotline/.venv/bin/")
        if "gunicorn" in command[0]:
            # From the project root, with the file that builds the routing snapshot before forking.
            assert command[1:3] == ["--config", "gunicorn.conf.py"] and command[-1] == "wsgi:app"
        else:
            assert command[1:3] == ["--app", "wsgi"] and command[3] in {"worker", "scheduler"}


def test_systemd_accepts_the_units(tmp_path: Path) -> None:
    if shutil.which("systemd-analyze") is None:
        pytest.skip("systemd-analyze is not on this machine; the units were still parsed above")
    for path in UNITS:
        shutil.copy(path, tmp_path / path.name)
    done = subprocess.run(
        ["systemd-analyze", "verify", "--man=no", *sorted(str(p) for p in tmp_path.iterdir())],
        capture_output=True,
        text=True,
    )
    # The app is not installed under /opt/hotline here; everything else systemd says is a defect.
    complaints = [
        line
        for line in (done.stdout + done.stderr).splitlines()
        if line.strip() and not re.search(r"Command /opt/hotline/\.venv/bin/\w+ is not executable", line)
    ]
    assert complaints == []


def dockerfile_instructions() -> list[tuple[str, str]]:
    text = (REPO / "Dockerfile").read_text()
    joined = re.sub(r"\\\n", " ", "\n".join(line for line in text.splitlines() if not line.lstrip().startswith("#")))
    instructions = []
    for line in joined.splitlines():
        if line.strip():
            keyword, _, rest = line.strip().partition(" ")
            instructions.append((keyword, rest.strip()))
    return instructions


def test_the_dockerfile_parses_copies_what_exists_and_sets_only_known_variables(read_names: set[str]) -> None:
    instructions = dockerfile_instructions()
    assert instructions[0][0] == "FROM"
    for keyword, rest in instructions:
        assert keyword in DOCKERFILE_INSTRUCTIONS, keyword
        if keyword == "ENV":
            for assignment in shlex.split(rest):
                name = assignment.partition("=")[0]
                assert name in read_names | INTERPRETER, name
        if keyword == "COPY":
            *sources, _target = shlex.split(rest)
            for source in sources:
                assert (REPO / source).exists(), source
    packaged = {line.strip().strip('",').split(".")[0] for line in (REPO / "pyproject.toml").read_text().splitlines()
                if re.fullmatch(r'\s+"[a-z]+(\.[a-z.]+)?",', line)}  # fmt: skip
    copied = {shlex.split(rest)[0] for keyword, rest in instructions if keyword == "COPY"}
    assert {"hotline", "routing", "directory", "channels", "admin"} <= packaged <= copied | {"hotline"}
    command = dict(instructions)["CMD"]
    assert '"--config", "gunicorn.conf.py"' in command and command.endswith('"wsgi:app"]')


def test_compose_parses_and_gives_the_app_only_variables_the_settings_read(read_names: set[str]) -> None:
    compose = yaml.safe_load((REPO / "compose.yaml").read_text())
    services = compose["services"]
    app_services = {name: service for name, service in services.items() if service.get("image") == "hotline:latest"}
    assert set(app_services) == {"migrate", "web", "worker", "scheduler"}
    for name, service in app_services.items():
        assert set(service["environment"]) <= read_names, (name, set(service["environment"]) - read_names)
        assert service["env_file"] == [{"path": "./hotline.env", "required": True}]
        for dependency in service.get("depends_on", {}):
            assert dependency in services
        for volume in service.get("volumes", []):
            assert volume.split(":")[0] in compose["volumes"]
    assert app_services["worker"]["command"] == ["flask", "--app", "wsgi", "worker"]
    assert app_services["scheduler"]["command"] == ["flask", "--app", "wsgi", "scheduler"]
    assert "deploy" not in app_services["scheduler"]  # one scheduler, never replicas
    assert "/readyz" in " ".join(app_services["web"]["healthcheck"]["test"])


def test_the_readme_documents_every_variable_the_settings_read_and_no_other(read_names: set[str]) -> None:
    readme = (REPO / "README.md").read_text()
    section = readme.split("\n## Production\n", 1)[1].split("\n## ", 1)[0]
    documented = set(re.findall(r"`([A-Z][A-Z0-9_]{3,})`", section))
    assert read_names <= documented, read_names - documented
    assert documented <= read_names, documented - read_names

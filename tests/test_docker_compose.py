"""docker-compose.yml and the Dockerfile, checked without a Docker engine: what they say must match the code."""

from __future__ import annotations

import json
import re
import tomllib
import xml.etree.ElementTree as ET
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest
import yaml

from api.plate_pdf import KNOWN_FONTS
from api.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
INTERPOLATION = re.compile(r"\$\{(?P<name>[A-Z0-9_]+)(?::-(?P<default>[^}]*))?\}")


class Recorder(Mapping[str, str]):
    """An empty environment that remembers which keys were asked for."""

    def __init__(self) -> None:
        self.asked: set[str] = set()

    def __getitem__(self, key: str) -> str:
        self.asked.add(key)
        raise KeyError(key)

    def __iter__(self) -> Iterator[str]:
        return iter(())

    def __len__(self) -> int:
        return 0


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    loaded = yaml.safe_load((ROOT / "docker-compose.yml").read_text(encoding="utf-8"))
    assert isinstance(loaded, dict)
    return loaded


@pytest.fixture(scope="module")
def dockerfile() -> list[tuple[str, str]]:
    """(instruction, arguments) pairs, continuation lines joined, comments dropped."""
    text = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    lines = [line for line in text.splitlines() if not line.lstrip().startswith("#")]
    joined = re.sub(r"\\\n", " ", "\n".join(lines))
    return [
        (parts[0].upper(), parts[1].strip() if len(parts) > 1 else "")
        for parts in (line.strip().split(None, 1) for line in joined.splitlines() if line.strip())
    ]


def interpolate(value: object) -> str:
    """Compose's `${NAME:-default}` with nothing set in the environment."""
    return INTERPOLATION.sub(lambda m: m.group("default") or "", str(value))


def api_environment(compose: dict[str, Any]) -> dict[str, str]:
    environment = compose["services"]["api"]["environment"]
    assert isinstance(environment, dict), "api.environment is written as a mapping"
    return {str(key): interpolate(value) for key, value in environment.items()}


def settings_keys() -> set[str]:
    recorder = Recorder()
    Settings.from_env(recorder)
    return recorder.asked


def test_services(compose: dict[str, Any]) -> None:
    assert set(compose["services"]) == {"neo4j", "api"}


def test_neo4j_matches_the_local_launcher_version(compose: dict[str, Any]) -> None:
    image = compose["services"]["neo4j"]["image"]
    pom = ET.parse(ROOT / "graph" / "launcher" / "pom.xml").getroot()
    version = pom.findtext("{*}properties/{*}neo4j.version")
    assert version is not None

    name, tag = image.split(":")
    assert name == "neo4j"
    assert tag == ".".join(version.split(".")[:2]) + "-community"


def test_neo4j_ports_volume_and_password(compose: dict[str, Any]) -> None:
    neo4j = compose["services"]["neo4j"]

    assert {"7474:7474", "7687:7687"} <= set(neo4j["ports"])
    assert "neo4j-data:/data" in neo4j["volumes"]
    assert "neo4j-data" in compose["volumes"]
    user, password = interpolate(neo4j["environment"]["NEO4J_AUTH"]).split("/", 1)
    assert len(password) >= 8  # Neo4j 5 refuses shorter initial passwords
    env = api_environment(compose)
    assert (env["NEO4J_USER"], env["NEO4J_PASSWORD"]) == (user, password)


def test_every_api_variable_is_a_setting(compose: dict[str, Any]) -> None:
    env = api_environment(compose)

    assert set(env) <= settings_keys()
    assert {
        "NEO4J_URI",
        "NEO4J_USER",
        "NEO4J_PASSWORD",
        "ENVIRONMENT",
        "HOST",
        "PORT",
        "PUBLIC_URL",
        "SEED_DEMO",
    } <= set(env)


def test_api_settings_from_the_compose_environment(compose: dict[str, Any]) -> None:
    settings = Settings.from_env(api_environment(compose))

    assert settings.neo4j_uri == "bolt://neo4j:7687"
    assert settings.host == "0.0.0.0"
    assert f"{settings.port}:{settings.port}" in compose["services"]["api"]["ports"]
    assert settings.public_url.startswith("http")
    assert settings.seed_demo is True


def test_api_waits_for_a_healthy_neo4j(compose: dict[str, Any]) -> None:
    api = compose["services"]["api"]

    assert api["build"] == "."
    assert api["depends_on"] == {"neo4j": {"condition": "service_healthy"}}


def test_healthchecks(compose: dict[str, Any], dockerfile: list[tuple[str, str]]) -> None:
    neo4j = " ".join(compose["services"]["neo4j"]["healthcheck"]["test"])
    api = " ".join(compose["services"]["api"]["healthcheck"]["test"])

    assert "RETURN 1" in neo4j or ":7474" in neo4j
    assert "http://127.0.0.1:8000/healthz" in api
    [healthcheck] = [arguments for instruction, arguments in dockerfile if instruction == "HEALTHCHECK"]
    assert "http://127.0.0.1:8000/healthz" in healthcheck and "urllib" in healthcheck


def test_dockerfile_runs_the_factory_as_a_user(dockerfile: list[tuple[str, str]], compose: dict[str, Any]) -> None:
    instructions = dict(dockerfile)
    command = json.loads(instructions["CMD"])
    port = api_environment(compose)["PORT"]

    assert instructions["FROM"] == "python:3.11-slim"
    assert command == ["uvicorn", "api.app:create_app", "--factory", "--host", "0.0.0.0", "--port", port]
    assert instructions["USER"] not in ("", "root", "0")
    assert f"EXPOSE {port}" in [f"{i} {a}" for i, a in dockerfile]


def test_dockerfile_copies_what_the_package_needs(dockerfile: list[tuple[str, str]]) -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    sources = {arguments.split()[0] for instruction, arguments in dockerfile if instruction == "COPY"}

    # Sub-packages (api.templates) come with their top-level folder.
    packages = {name.split(".")[0] for name in project["tool"]["setuptools"]["packages"]}
    needed = {"pyproject.toml", project["project"]["readme"], *packages}
    assert needed <= sources
    for source in sources:
        assert (ROOT / source).exists(), f"the Dockerfile copies {source}, which the repository lacks"


# Debian packages of the fonts api/plate_pdf.py knows by path.
FONT_PACKAGES = {
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc": "fonts-wqy-microhei",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc": "fonts-noto-cjk",
}


def test_the_image_can_print_plates(dockerfile: list[tuple[str, str]]) -> None:
    """The plates PDF sets Chinese text: the image installs a font that api/plate_pdf.py looks for."""
    installed = " ".join(arguments for instruction, arguments in dockerfile if instruction == "RUN")
    known = {FONT_PACKAGES[file] for file, _, _ in KNOWN_FONTS}
    assert any(re.search(rf"apt-get install\b.*\b{package}\b", installed) for package in known)


def test_dockerignore_keeps_local_state_out() -> None:
    ignored = (ROOT / ".dockerignore").read_text(encoding="utf-8").split()

    assert {".git", ".venv", ".data", "graph/launcher/target"} <= set(ignored)

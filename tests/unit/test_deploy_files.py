"""docker-compose.yml cannot run here (no Docker engine); check what can be checked without one."""

from __future__ import annotations

from pathlib import Path

import yaml
from typer.testing import CliRunner

from service.cli import app

ROOT = Path(__file__).parents[2]


def test_compose_services_run_real_ipcase_commands() -> None:
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text(encoding="utf-8"))
    services = compose["services"]
    assert {"db", "prefect", "migrate", "api", "worker"} <= set(services)
    runner = CliRunner()
    for name in ("migrate", "api", "worker"):
        command = services[name]["command"]
        assert command[0] == "ipcase"
        words = [w for w in command[1:] if not w.startswith("-")][:2]
        subcommand = words[:2] if words and words[0] in ("db", "principals", "audit") else words[:1]
        result = runner.invoke(app, [*subcommand, "--help"])
        assert result.exit_code == 0, (name, result.output)
        env = services[name]["environment"]
        assert env["IPCASE_DATABASE_URL"].startswith("postgresql+psycopg://")
    assert services["api"]["environment"]["IPCASE_SWEEP_INTERVAL_SECONDS"] == "0"
    init = services["db"]["volumes"][1].split(":")[0]
    assert (ROOT / init).is_file()


def test_dockerfile_copies_every_package() -> None:
    dockerfile = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    for package in ("state_machines", "service", "workflows", "notifications"):
        assert f"COPY {package} ./{package}" in dockerfile

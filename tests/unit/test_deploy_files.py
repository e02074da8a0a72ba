"""docker-compose.yml and the Dockerfile cannot run here (no Docker engine): check what can be
checked without one, against the CLI they call and the points a hand deployment found wrong."""

from __future__ import annotations

import re
from pathlib import Path

import yaml
from sqlalchemy.engine import make_url
from typer.testing import CliRunner

from service.cli import app
from service.core.config import Settings

ROOT = Path(__file__).parents[2]
IPCASE_SERVICES = ("migrate", "api", "worker")


def _compose() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text(encoding="utf-8"))["services"]


def _cli_accepts(command: list[str]) -> None:
    assert command[0] == "ipcase", command
    words = [w for w in command[1:] if not w.startswith("-")]
    subcommand = words[:2] if words and words[0] in ("db", "principals", "audit", "reports") else words[:1]
    result = CliRunner().invoke(app, [*subcommand, "--help"])
    assert result.exit_code == 0, (command, result.output)


def test_compose_services_run_real_ipcase_commands() -> None:
    services = _compose()
    assert {"db", "prefect", "migrate", "api", "worker", "lb"} <= set(services)
    for name in IPCASE_SERVICES:
        _cli_accepts(services[name]["command"])
        env = services[name]["environment"]
        assert env["IPCASE_DATABASE_URL"].startswith("postgresql+psycopg://")
    assert services["api"]["environment"]["IPCASE_SWEEP_INTERVAL_SECONDS"] == "0"
    init = services["db"]["volumes"][1].split(":")[0]
    assert (ROOT / init).is_file()


def test_every_process_that_delivers_letters_has_the_same_public_url() -> None:
    services = _compose()
    urls = {services[name]["environment"].get("IPCASE_PUBLIC_URL") for name in ("api", "worker")}
    assert len(urls) == 1 and None not in urls
    assert urls.pop().startswith("${IPCASE_PUBLIC_URL:?")  # required: no silent 127.0.0.1 default
    for name in ("api", "worker"):  # one owner of delivery, and cursors valid across replicas
        env = services[name]["environment"]
        assert env["IPCASE_DISPATCH"] == "worker" and env["IPCASE_CURSOR_SECRET"].startswith("${IPCASE_CURSOR_SECRET:?")
    assert Settings(dispatch="worker").dispatch == "worker"


def test_start_order_and_health_checks() -> None:
    services = _compose()
    assert services["worker"]["depends_on"]["prefect"]["condition"] == "service_healthy"
    assert services["prefect"]["depends_on"]["db"]["condition"] == "service_healthy"
    for name in ("db", "prefect", "api", "worker"):
        assert services[name].get("healthcheck", {}).get("test"), f"{name} has no health check"
    assert "-h db" in services["db"]["healthcheck"]["test"][1]  # TCP to the name clients use, not the socket
    assert "/api/health" in " ".join(services["prefect"]["healthcheck"]["test"])
    for name in ("api", "worker"):
        test = services[name]["healthcheck"]["test"]
        assert test[0] == "CMD"
        _cli_accepts(test[1:])


def test_only_the_load_balancer_publishes_a_port_and_metrics_stay_inside() -> None:
    services = _compose()
    published = {name for name, svc in services.items() if svc.get("ports")}
    assert published == {"lb"}, "a fixed host port on a scaled service clashes; Prefect's API is not public"
    nginx = (ROOT / "deploy" / "nginx.conf").read_text(encoding="utf-8")
    assert re.search(r"location = /metrics \{ return 404; \}", nginx)
    assert "resolver 127.0.0.11" in nginx and "set $api http://api:8000;" in nginx
    mount = services["lb"]["volumes"][0].split(":")[0]
    assert (ROOT / mount).resolve() == (ROOT / "deploy" / "nginx.conf").resolve()


def test_images_and_dependencies_are_pinned() -> None:
    services = _compose()
    for name, svc in services.items():
        image = svc.get("image", "")
        if svc.get("build"):
            continue
        assert re.search(r":\d+\.\d+(\.\d+)?", image), f"{name}: {image} is not pinned to a version"
    dockerfile = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    for base in re.findall(r"^FROM (\S+)", dockerfile, flags=re.M):
        assert re.search(r":\d+\.\d+\.\d+", base), base
    assert "-c /tmp/constraints.txt" in dockerfile
    pins = [line for line in (ROOT / "constraints.txt").read_text().splitlines() if line and not line.startswith("#")]
    assert all("==" in line for line in pins)
    assert {"prefect", "fastapi", "sqlalchemy"} <= {line.split("==")[0].lower() for line in pins}


def test_the_image_runs_unprivileged_with_a_data_directory() -> None:
    dockerfile = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    users = re.findall(r"^USER (\S+)", dockerfile, flags=re.M)
    assert users and users[-1] not in ("root", "0")
    assert "mkdir -p /data" in dockerfile and "sqlite:////data/" in dockerfile
    for package in ("state_machines", "service", "workflows", "notifications"):
        assert f"COPY {package} ./{package}" in dockerfile


def test_a_database_password_with_url_characters_needs_no_encoding() -> None:
    services = _compose()
    env = services["api"]["environment"]
    assert make_url(env["IPCASE_DATABASE_URL"]).password is None
    assert env["IPCASE_DATABASE_PASSWORD"].startswith("${POSTGRES_PASSWORD")
    settings = Settings(database_url="postgresql+psycopg://ipcase@db:5432/ipcase", database_password="p@ss:w/rd%#")
    url = make_url(settings.database_url)
    assert (url.username, url.password, url.host, url.port, url.database) == ("ipcase", "p@ss:w/rd%#", "db", 5432,
                                                                              "ipcase")
    prefect = services["prefect"]["environment"]
    assert prefect["PREFECT_SERVER_DATABASE_PASSWORD"].startswith("${POSTGRES_PASSWORD")
    assert "PREFECT_API_DATABASE_CONNECTION_URL" not in prefect


def test_every_ipcase_variable_of_the_deployment_is_a_setting() -> None:
    """Settings ignore unknown IPCASE_* variables: a misspelt one in compose would silently do nothing."""
    known = {f"IPCASE_{name.upper()}" for name in Settings.model_fields}
    services = _compose()
    used = {key for svc in services.values() for key in (svc.get("environment") or {}) if key.startswith("IPCASE_")}
    dockerfile = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    used |= set(re.findall(r"\b(IPCASE_[A-Z0-9_]+)=", dockerfile))
    assert {"IPCASE_DATABASE_URL", "IPCASE_PUBLIC_URL", "IPCASE_DISPATCH"} <= used
    assert used - known == set(), "not a setting of service.core.config.Settings"


def test_every_ipcase_service_connects_to_the_host_pg_isready_checks_without_a_password_in_its_url() -> None:
    services = _compose()
    check = services["db"]["healthcheck"]["test"][1]
    for name in IPCASE_SERVICES:
        env = services[name]["environment"]
        url = make_url(env["IPCASE_DATABASE_URL"])
        assert url.password is None and env["IPCASE_DATABASE_PASSWORD"].startswith("${POSTGRES_PASSWORD")
        assert f"-h {url.host} -p {url.port}" in check and f"-U {url.username}" in check, (name, check)
    prefect = services["prefect"]["environment"]
    assert f"-h {prefect['PREFECT_SERVER_DATABASE_HOST']} -p {prefect['PREFECT_SERVER_DATABASE_PORT']}" in check


def test_ci_installs_the_pinned_constraints_too() -> None:
    """The Dockerfile, the Makefile (so `.ci/run` → `make test`) and the installed-package test use one lock."""
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    assert re.search(r"^PIP\s*=.*-c constraints\.txt", makefile, flags=re.M)
    assert re.search(r"^\$\(RUN_STAMP\):.*\n\t\$\(PIP\) -e \.\n", makefile, flags=re.M)  # `make run`: no test extras
    assert "make test" in (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    installed = (ROOT / "tests" / "installed" / "test_installed_package.py").read_text(encoding="utf-8")
    assert '"-c", str(ROOT / "constraints.txt")' in installed

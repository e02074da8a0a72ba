"""Issue 17: the layout's rules keep up with the packages (contracts in pyproject.toml, Alembic's env).

The contracts live in `pyproject.toml` and are checked by `lint-imports`; this test checks the
contracts themselves keep up with the packages: a new domain (its `models`) or a new router module
that no contract names would otherwise pass `lint-imports` unchecked.
"""

from __future__ import annotations

import ast
import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SERVICE = ROOT / "service"


def _contracts() -> list[dict]:
    with (ROOT / "pyproject.toml").open("rb") as f:
        return tomllib.load(f)["tool"]["importlinter"]["contracts"]


def _domains_with_tables() -> set[str]:
    return {p.parent.name for p in SERVICE.glob("*/models.py") if p.parent.name != "core"}


def _router_modules() -> set[str]:
    return {"service." + ".".join(p.relative_to(SERVICE).with_suffix("").parts)
            for p in SERVICE.rglob("*.py") if re.search(r"\bAPIRouter\(", p.read_text(encoding="utf-8"))}


def test_every_router_module_may_not_import_another_domains_tables() -> None:
    forbidding: dict[str, set[str]] = {}
    for contract in _contracts():
        if contract["type"] == "forbidden":
            for source in contract["source_modules"]:
                forbidding.setdefault(source, set()).update(contract["forbidden_modules"])
    missing = {}
    for module in sorted(_router_modules()):
        domain = module.split(".")[1]
        wanted = {f"service.{d}.models" for d in _domains_with_tables() if d != domain}
        if wanted - forbidding.get(module, set()):
            missing[module] = sorted(wanted - forbidding.get(module, set()))
    assert not missing, f"routes contracts in pyproject.toml miss these tables: {missing}"


def test_the_domain_lists_of_the_layer_and_core_contracts_name_every_package() -> None:
    packages = {p.parent.name for p in SERVICE.glob("*/__init__.py")}
    contracts = {c["name"]: c for c in _contracts()}
    layers = next(c for c in contracts.values() if c["type"] == "layers")["layers"]
    core = next(c for c in contracts.values() if c["type"] == "forbidden" and c["source_modules"] == ["service.core"])
    assert {f"service.{p}" for p in packages} <= set(layers)
    assert {f"service.{p}" for p in packages - {"core"}} <= set(core["forbidden_modules"])


def test_alembic_env_imports_every_domains_tables() -> None:
    """`target_metadata` is the whole schema only if env.py imports every domain's `models`
    (bulletins and oversight were missing: autogenerate would have proposed dropping their tables)."""
    tree = ast.parse((SERVICE / "migrations" / "env.py").read_text(encoding="utf-8"))
    imported = {node.module.split(".")[1] for node in ast.walk(tree)
                if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("service.")
                and any(alias.name == "models" for alias in node.names)}
    assert _domains_with_tables() - imported == set()


def test_every_package_of_service_has_its_integration_tests_folder() -> None:
    """Tests mirror the packages (issue 17): `tests/integration/<package>/` for each of `service/<package>/`."""
    packages = {p.parent.name for p in SERVICE.glob("*/__init__.py")}
    mirrored = {p.parent.name for p in (ROOT / "tests" / "integration").glob("*/__init__.py")}
    assert packages - mirrored == set()

"""What users install is what we test: the wheel, non-editable, in a clean venv.

The rest of the suite imports the checkout; a template missing from the wheel answered 500 on
every letter in the Docker image while it was green. Here the wheel is built from the checkout,
its file list is compared with the repository's, and `ipcase serve` from a fresh venv with only
the wheel (and the pinned constraints) answers the smoke in `smoke.py`: under machine version 1,
then on the same database under the default version 2, together rendering every letter kind the
wheel ships.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import zipfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("state_machines", "service", "workflows", "notifications")
ADMIN = "smoke-admin-token-0123456789"
ONCE = pytest.mark.skipif(os.environ.get("IPCASE_TEST_DB", "sqlite") != "sqlite",
                          reason="the installed package is tested once per `make test`, in the SQLite run")


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    shutil.rmtree(ROOT / "build", ignore_errors=True)  # setuptools' in-tree build keeps stale files there
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "-w", str(out), str(ROOT)],
                   check=True, capture_output=True, text=True)
    (found,) = out.glob("ipcase-*.whl")
    return found


def _repository_files() -> set[str]:
    listed = subprocess.run(["git", "ls-files", "--", *PACKAGES], cwd=ROOT, capture_output=True, text=True)
    if listed.returncode == 0 and listed.stdout:
        return set(listed.stdout.split())
    return {str(p.relative_to(ROOT)) for pkg in PACKAGES for p in (ROOT / pkg).rglob("*")
            if p.is_file() and "__pycache__" not in p.parts}


@ONCE
def test_the_wheel_holds_every_file_of_our_packages(wheel: Path) -> None:
    shipped = {name for name in zipfile.ZipFile(wheel).namelist() if not name.startswith("ipcase-")}
    repository = _repository_files()
    assert repository - shipped == set(), "in the repository, missing from the wheel"
    assert {n for n in shipped - repository if not n.endswith(".pyc")} == set(), "in the wheel, not in the repository"
    data = {n for n in repository if not n.endswith(".py")}
    assert any(n.startswith("notifications/templates/letters/") for n in data)  # what the old rule left out
    assert any(n.startswith("service/migrations/versions/") for n in repository)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def _serving(venv: Path, work: Path, env: dict[str, str], name: str) -> Iterator[str]:
    """`ipcase serve` from the venv, on a free port, until it answers /healthz: its base URL."""
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    env = {**env, "IPCASE_PUBLIC_URL": base}
    log_path = work / f"{name}.log"
    log = log_path.open("w")
    server = subprocess.Popen([str(venv / "bin" / "ipcase"), "serve", "--port", str(port)], cwd=work, env=env,
                              stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 120
        while True:
            assert server.poll() is None, log_path.read_text()[-3000:]
            try:
                if httpx.get(f"{base}/healthz", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, "ipcase serve did not answer /healthz in 120 s"
            time.sleep(0.5)
        yield base
    finally:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
        log.close()
    assert " 500 " not in log_path.read_text()


def _smoke(venv: Path, work: Path, env: dict[str, str], base: str, phase: str) -> set[str]:
    """Run smoke.py's `phase` with the venv's interpreter; the letter kinds whose documents it read."""
    smoke = subprocess.run([str(venv / "bin" / "python"), str(ROOT / "tests" / "installed" / "smoke.py"), base,
                            ADMIN, phase], cwd=work, env=env, capture_output=True, text=True, timeout=300)
    logs = "".join(p.read_text()[-3000:] for p in sorted(work.glob("serve-*.log")))
    assert smoke.returncode == 0, smoke.stdout[-2000:] + smoke.stderr[-4000:] + logs
    assert "smoke: ok" in smoke.stdout
    (line,) = [ln for ln in smoke.stdout.splitlines() if ln.startswith("letters:")]
    return set(line.removeprefix("letters:").split())


def _letter_kinds(names: Iterable[str]) -> set[str]:
    """Letter kinds among file names: `notifications/templates/letters/<kind>.html`, less the layout they extend."""
    prefix = "notifications/templates/letters/"
    return {n.removeprefix(prefix).removesuffix(".html") for n in names
            if n.startswith(prefix) and n.endswith(".html") and "/" not in n.removeprefix(prefix)} - {"base"}


@ONCE
def test_ipcase_serve_from_the_installed_wheel_answers_the_smoke(wheel: Path, tmp_path: Path) -> None:
    """Machine version 1, then the same database under the default version 2 (an upgrade): every
    letter kind the wheel ships is rendered by the installed server and read over HTTP."""
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    # nothing of the checkout on the path: with PYTHONPATH at it, pip finds the build's ipcase.egg-info
    # there, says "already satisfied" and installs the dependencies without ipcase itself
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("IPCASE_", "PYTHONPATH", "PYTHONHOME"))}
    pip = [str(venv / "bin" / "pip"), "install", "--quiet", "--disable-pip-version-check"]
    installed = subprocess.run([*pip, "-c", str(ROOT / "constraints.txt"), str(wheel)], capture_output=True, text=True,
                               env=clean, cwd=tmp_path)
    assert installed.returncode == 0, installed.stderr[-3000:]
    assert (venv / "bin" / "ipcase").is_file(), "pip installed the dependencies but not ipcase itself"

    work = tmp_path / "run"  # not the checkout: nothing may be read from it
    work.mkdir()
    env = dict(clean)
    env.update(IPCASE_BOOTSTRAP_ADMIN_TOKEN=ADMIN, IPCASE_DATABASE_URL=f"sqlite:///{work / 'ipcase.db'}",
               IPCASE_SWEEP_INTERVAL_SECONDS="0", PREFECT_HOME=str(work / "prefect"),
               PREFECT_SERVER_ANALYTICS_ENABLED="false", PREFECT_LOGGING_LEVEL="WARNING")
    letters: dict[str, set[str]] = {}
    v1 = {**env, "IPCASE_MACHINE_VERSION": "1"}  # version 1's eight letter kinds (SPEC §3, §5)
    with _serving(venv, work, v1, "serve-v1") as base:
        letters["v1"] = _smoke(venv, work, v1, base, "v1")
    with _serving(venv, work, env, "serve-v2") as base:  # the default version: 2 (SPEC §10)
        letters["v2"] = _smoke(venv, work, env, base, "v2")

    # every letter template the wheel ships was rendered from it: a new letter kind fails here until
    # smoke.py walks it (SPEC §5, §10.7)
    site = subprocess.run([str(venv / "bin" / "python"), "-c", "import notifications; print(notifications.__file__)"],
                          cwd=work, env=env, capture_output=True, text=True, check=True).stdout.strip()
    assert "site-packages" in site, site
    templates = Path(site).parent / "templates" / "letters"
    installed_kinds = _letter_kinds(f"notifications/templates/letters/{p.name}" for p in templates.iterdir())
    shipped = _letter_kinds(zipfile.ZipFile(wheel).namelist())
    assert shipped == installed_kinds == _letter_kinds(_repository_files())
    assert {"administrative_review", "enforcement"} <= letters["v2"], letters
    # a document's kind is its template's, except the assistance requests' letters to another district
    # (assistance_investigation, _joint_enforcement, _transfer), all from `assistance` (service/assistance)
    walked = {"assistance" if k.startswith("assistance_") else k for k in letters["v1"] | letters["v2"]}
    assert shipped - walked == set(), "letter kinds the smoke never rendered from the wheel"
    assert walked - shipped == set(), "letters rendered from no template of the wheel"

"""The `ipcase` command (SPEC §7)."""

from __future__ import annotations

import json
import sys

import typer

from state_machines.vocabulary import Role

app = typer.Typer(help="ipcase: IP enforcement case workflow.", no_args_is_help=True)
db_app = typer.Typer(help="Database schema.", no_args_is_help=True)
principals_app = typer.Typer(help="Users and partner accounts.", no_args_is_help=True)
audit_app = typer.Typer(help="The audit trail.", no_args_is_help=True)
reports_app = typer.Typer(help="附件1 and 附件2 for a month.", no_args_is_help=True)
cases_app = typer.Typer(help="Cases: moving them to a newer machine version.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(principals_app, name="principals")
app.add_typer(audit_app, name="audit")
app.add_typer(reports_app, name="reports")
app.add_typer(cases_app, name="cases")


def _runtime():
    import service.assistance.service  # noqa: F401  the domains that fill the cases' ports
    import service.credit.listing  # noqa: F401
    import service.documents.service  # noqa: F401
    import service.handoffs.outbox  # noqa: F401
    import service.oversight.service  # noqa: F401
    from service.core.runtime import Runtime

    return Runtime.from_settings().start()


def _announce_admin(token: str) -> None:
    """The first admin's token, framed so it stands out of the start-up output, and how to get another."""
    rule = "=" * 78
    typer.echo(f"\n{rule}\n  The first admin was created. Its token, shown this once:\n\n      {token}\n\n"
               f"  Missed it? Create another admin on this database:\n"
               f"      ipcase principals create --role admin --name admin\n{rule}\n")


def _announce_admin_when_started(token: str, started, first_pass, timeout: float = 120.0) -> None:
    """Print the frame last: once the server says it is running (`started()` true) and the first sweep
    pass (Prefect's temporary server and its first flow runs, which log) is over, at most `timeout` s
    after the start. Printed before them, it scrolled away under their lines."""
    import threading
    import time

    def wait() -> None:
        deadline = time.monotonic() + timeout
        while not started() and time.monotonic() < deadline:
            time.sleep(0.1)
        if first_pass is not None:
            first_pass.wait(max(0.0, deadline - time.monotonic()))
        _announce_admin(token)

    threading.Thread(target=wait, name="ipcase-admin-token", daemon=True).start()


def _accepts(host: str, port: int) -> bool:
    import socket

    try:
        socket.create_connection(("127.0.0.1" if host in ("", "0.0.0.0", "::") else host, port), timeout=1).close()
        return True
    except OSError:
        return False


@app.command()
def serve(host: str = "127.0.0.1", port: int = 8000, workers: int = 1) -> None:
    """Run the API (embedded default: SQLite file, no other server needed)."""
    import os
    import signal

    import uvicorn

    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    # Prefect gives its ephemeral server 20 s to answer, then raises and starts another on the
    # next call without stopping the first: on a busy machine they pile up, each importing at
    # full CPU. A start that is slow is better than several.
    os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "120")
    # uvicorn re-raises SIGTERM after its graceful shutdown; exiting through SystemExit instead
    # runs the atexit hooks, which stop Prefect's ephemeral server rather than orphan it.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    import threading

    runtime = _runtime()
    from workflows.scheduling import start_dispatcher, start_in_process

    first_pass = None
    if runtime.settings.sweep_interval_seconds > 0:
        first_pass = threading.Event()
        start_in_process(runtime, runtime.settings.sweep_interval_seconds, first_pass=first_pass)
    start_dispatcher(runtime, runtime.settings.dispatch_poll_seconds, role="api")
    token = runtime.printed_admin_token
    if workers > 1:
        if token:
            _announce_admin_when_started(token, lambda: _accepts(host, port), first_pass)
        uvicorn.run("service.asgi:app", host=host, port=port, workers=workers, log_level="warning")
        return
    from service.app import create_app
    from service.core.runtime import settle_heap

    app = create_app(runtime)
    settle_heap()
    server = uvicorn.Server(uvicorn.Config(app, host=host, port=port, log_level="info"))
    if token:
        _announce_admin_when_started(token, lambda: server.started, first_pass)
    try:  # what uvicorn.run does around Server.run
        server.run()
    except KeyboardInterrupt:
        pass
    if not server.started:
        sys.exit(3)  # uvicorn's STARTUP_FAILURE (the port is taken, …)


@app.command()
def worker() -> None:
    """Production: deliver handoffs and serve the deadline sweep to a Prefect server at PREFECT_API_URL."""
    import signal

    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    from workflows.scheduling import serve_deployments, start_dispatcher

    runtime = _runtime()
    start_dispatcher(runtime, runtime.settings.dispatch_poll_seconds, role="worker")
    serve_deployments(runtime.settings.sweep_interval_seconds or 900)


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Apply the Alembic migrations and load the default data set."""
    _runtime()
    typer.echo("database is at the latest schema")


@principals_app.command("create")
def principals_create(
    role: Role = typer.Option(..., help="officer, supervisor, city, auditor, partner or admin"),
    name: str = typer.Option(..., help="display name"),
    district: str | None = typer.Option(None, help="division code, for officer and supervisor"),
    agency: str | None = typer.Option(None, help="agency code, for partner"),
) -> None:
    """Create a principal and print its token once."""
    from service.core.principals import create_principal
    from state_machines.errors import DomainError

    runtime = _runtime()
    try:
        with runtime.db.write() as session:
            principal, token = create_principal(session, name=name, role=role, district=district, agency=agency)
    except DomainError as exc:
        typer.echo(f"error: {exc.message}", err=True)
        raise typer.Exit(2) from None
    typer.echo(json.dumps({"id": principal.id, "token": token}))


def _change_principal(principal_id: str, change) -> None:
    """Run one audited change of a principal as the console; print the principal (and a new token)."""
    from service.principals.service import CONSOLE
    from state_machines.errors import DomainError

    runtime = _runtime()
    try:
        with runtime.db.write() as session:
            result = change(session, CONSOLE)
    except DomainError as exc:
        typer.echo(f"error: {exc.message}", err=True)
        raise typer.Exit(2) from None
    typer.echo(json.dumps(result, ensure_ascii=False))  # after the commit: a printed token works


def _state(principal) -> dict:
    return {"id": principal.id, "name": principal.name, "role": principal.role, "disabled": principal.disabled}


@principals_app.command("disable")
def principals_disable(principal_id: str = typer.Argument(..., metavar="ID")) -> None:
    """Disable a principal: its token is refused from now on (running servers: within a few seconds)."""
    from service.principals.service import update_principal

    _change_principal(principal_id, lambda s, by: _state(update_principal(s, principal_id, by, disabled=True)))


@principals_app.command("enable")
def principals_enable(principal_id: str = typer.Argument(..., metavar="ID")) -> None:
    """Enable a disabled principal again (with the token it had)."""
    from service.principals.service import update_principal

    _change_principal(principal_id, lambda s, by: _state(update_principal(s, principal_id, by, disabled=False)))


@principals_app.command("rotate-token")
def principals_rotate_token(principal_id: str = typer.Argument(..., metavar="ID")) -> None:
    """Give a principal a new token, printed once; the old token stops working."""
    from service.principals.service import rotate_token

    def rotate(session, by: str) -> dict:
        principal, token = rotate_token(session, principal_id, by)
        return {"id": principal.id, "token": token}

    _change_principal(principal_id, rotate)


@cases_app.command("migrate")
def cases_migrate(
    to: int = typer.Option(..., "--to", help="the machine version to move to (2)"),
    actor: str = typer.Option(..., "--actor", help="the id of the admin principal the audit trail names"),
    dry_run: bool = typer.Option(False, "--dry-run", help="print the plan and change nothing"),
) -> None:
    """Move the cases the newer version can take over (version 2: `received` only); the others finish
    under their version. Each moved case gets an audited `migrate` event. Prints the plan as JSON."""
    from service.cases.migration import migrate_cases
    from state_machines.errors import DomainError

    runtime = _runtime()
    try:
        with runtime.db.write() as session:
            result = migrate_cases(session, to, actor, runtime.rules, dry_run=dry_run)
    except DomainError as exc:
        typer.echo(f"error: {exc.message}", err=True)
        raise typer.Exit(2) from None
    typer.echo(json.dumps(result, ensure_ascii=False))


@audit_app.command("verify")
def audit_verify(files: bool = typer.Option(False, "--files", help="also read every stored attachment and "
                                            "check it against the hash its case's chain recorded")) -> None:
    """Recompute every hash chain; exit 1 and name the first bad event if one is found."""
    from service.audit import service as audit

    runtime = _runtime()
    with runtime.db.read() as session:
        result = audit.verify(session)
        output = result.as_dict()
        if files:
            from service.casefile.service import verify_files
            from service.casefile.store import store_for

            output["files"] = verify_files(session, store_for(runtime.db, runtime.settings.attachment_dir))
    typer.echo(json.dumps(output, ensure_ascii=False))
    if not result.ok or (files and not output["files"]["ok"]):
        sys.exit(1)


def _report(which: str, month: str, district: str | None, fmt: str, output: str | None) -> None:
    import re

    from service.reports import figures as reports
    from service.reports import files as report_views

    if not re.fullmatch(r"(19|20|21)[0-9]{2}-(0[1-9]|1[0-2])", month):
        typer.echo("error: --month is YYYY-MM", err=True)
        raise typer.Exit(2)
    if fmt not in ("json", "csv", "xlsx", "html"):
        typer.echo("error: --format is json, csv, xlsx or html", err=True)
        raise typer.Exit(2)
    runtime = _runtime()
    if district is not None and district not in runtime.rules.districts:
        typer.echo(f"error: unknown district {district}", err=True)
        raise typer.Exit(2)
    with runtime.db.read() as session:
        period = reports.Period.month(month)
        if which == "monthly":
            report = reports.monthly(session, period, district, ytd=reports.Period.year_to_date(month))
            table = report_views.monthly_table
        else:
            report, table = reports.case_details(session, period, district), report_views.details_table
    body = json.dumps(report, ensure_ascii=False, indent=2) if fmt == "json" else report_views.render(
        table(report), fmt)
    data = body.encode("utf-8") if isinstance(body, str) else body
    if output:
        with open(output, "wb") as handle:
            handle.write(data)
        typer.echo(f"wrote {output}")
    else:
        sys.stdout.buffer.write(data)


@reports_app.command("monthly")
def reports_monthly(month: str = typer.Option(..., help="YYYY-MM"), district: str | None = None,
                    format: str = typer.Option("xlsx", "--format"),
                    output: str | None = typer.Option(None, "-o")) -> None:
    """附件1 全市知识产权行政保护工作数据统计表."""
    _report("monthly", month, district, format, output)


@reports_app.command("case-details")
def reports_case_details(month: str = typer.Option(..., help="YYYY-MM"), district: str | None = None,
                         format: str = typer.Option("xlsx", "--format"),
                         output: str | None = typer.Option(None, "-o")) -> None:
    """附件2 查办案件明细表."""
    _report("case-details", month, district, format, output)


@app.command()
def healthcheck(url: str | None = typer.Option(None, help="probe this URL (an API replica's /healthz)")) -> None:
    """Exit 0 when healthy: with --url, that URL answers 2xx; without, this process's database and
    the Prefect API (PREFECT_API_URL, when set) answer. For container health checks."""
    import os

    import httpx
    from sqlalchemy import create_engine, text

    from service.core.config import Settings

    try:
        if url:
            httpx.get(url, timeout=3).raise_for_status()
        else:
            engine = create_engine(Settings().database_url)
            with engine.connect() as conn:
                conn.execute(text("SELECT 1"))
            engine.dispose()
            if prefect := os.environ.get("PREFECT_API_URL"):
                httpx.get(prefect.rstrip("/") + "/health", timeout=3).raise_for_status()
    except Exception as exc:  # any failure is "unhealthy", said in one line
        typer.echo(f"unhealthy: {type(exc).__name__}: {exc}", err=True)
        raise typer.Exit(1) from None
    typer.echo("healthy")


archive_app = typer.Typer(help="Case archives (卷宗, SPEC §12).", no_args_is_help=True)
app.add_typer(archive_app, name="archive")


@archive_app.command("verify")
def archive_verify(
    file: str = typer.Argument(..., metavar="FILE", help="the archive (ZIP)"),
    public_key: str | None = typer.Option(None, "--public-key",
                                          help="the bureau's archive public key (PEM); default: the public half "
                                               "of IPCASE_ARCHIVE_KEY_PATH"),
) -> None:
    """Check an archive offline: its signature, every file's SHA-256, nothing missing or added, and its
    history chaining to the signed head. Exit 1 when anything is wrong. Needs no database."""
    from pathlib import Path

    from service.casefile import archive, keys
    from service.core.config import Settings

    if public_key:
        key = keys.load_public(Path(public_key).read_bytes())
    elif Path(Settings().archive_key_path).exists():
        key = keys.load_or_create(Settings().archive_key_path).public_key()
    else:
        typer.echo("error: no archive key here; pass --public-key (GET /api/v1/archive/public-key)", err=True)
        raise typer.Exit(2)
    result = archive.verify(file, key)
    typer.echo(json.dumps(result, ensure_ascii=False))
    if not result["ok"]:
        sys.exit(1)


def main() -> None:
    app()


if __name__ == "__main__":
    main()

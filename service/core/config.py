"""One settings object, read from the environment (prefix `IPCASE_`)."""

from __future__ import annotations

from decimal import Decimal
from functools import lru_cache
from typing import Literal

from pydantic import model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy.engine import make_url


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="IPCASE_", extra="ignore")

    database_url: str = "sqlite:///./ipcase.db"
    database_password: str | None = None
    """Replaces the password of `database_url`, so a password with @ : / needs no URL-encoding."""
    bootstrap_admin_token: str | None = None
    cursor_secret: str | None = None
    """Key material of the list cursors' HMAC (SPEC §10.8: cursors are opaque); default: the database URL."""
    smtp_url: str | None = None
    ruling_districts: str = ""
    """Comma-separated districts delegated to hold patent rulings; the city (150600) always does."""
    max_body_bytes: int = 262_144
    due_soon_workdays: int = 3
    assistance_workdays: int = 15
    """The answer clock of an assistance request (SPEC §4: no binding source, configuration)."""
    hearing_threshold_individual: Decimal = Decimal("10000")
    hearing_threshold_organisation: Decimal = Decimal("100000")
    major_case_threshold: Decimal = Decimal("1000000")
    holiday_file: str | None = None
    """Holidays and make-up working days for years chinese-calendar does not know.

    Format: state_machines/calendars/example-2027.txt (shipped in the package)."""
    sweep_interval_seconds: int = 900
    """How often `ipcase serve` runs the deadline sweep in-process; 0 turns it off."""
    public_url: str = "http://127.0.0.1:8000"
    """Where partners reach this service: the base of the signed callback URL sent with each letter."""
    delivery_backoff: str = "2,10,30,120,600"
    """Seconds between delivery attempts; one more attempt than delays (SPEC §5: 6 attempts)."""
    delivery_timeout_seconds: float = 10.0
    delivery_lease_seconds: float = 120.0
    """How long a dispatcher owns a handoff it took; after a crash, the next one retakes it then."""
    dispatch_poll_seconds: float = 0.5
    db_pool_size: int = 10
    auth_failures_per_minute: int = 30
    dispatch: Literal["api", "worker", "both"] = "both"
    """Which processes deliver handoffs: `api` (`ipcase serve` only), `worker` (`ipcase worker` only) or
    `both`. The default lets `ipcase serve` alone deliver; with workers deployed, set `worker` on every
    process so the API replicas leave delivery to them."""
    orchestrator_backoff_max_seconds: float = 10.0
    """While Prefect's API is unreachable a dispatcher probes it at 1, 2, 4 … seconds up to this cap,
    so delivery resumes at most this long (plus one flow run) after Prefect comes back."""
    dispatch_linger_seconds: float = 30.0
    """A dispatcher flow run keeps taking newly due handoffs for this long after its last one (as
    tasks of the same run, so a letter does not wait for a new flow run), then ends."""
    dispatch_run_max_seconds: float = 300.0
    """The longest a dispatcher flow run takes new handoffs. A run of `dispatch_handoffs` still RUNNING
    after this plus `delivery_lease_seconds` belonged to a killed process: dispatchers mark it CRASHED."""

    machine_version: int = 2
    """The case machine new cases get (SPEC §10.1: the latest); a case keeps its version for life."""
    collective_after_hearing: bool = True
    """Version 2: a decision after a hearing needs 负责人集体讨论 (local practice, SPEC §10.3 guard 5)."""
    city_reviews_districts: bool = True
    """Version 2: reviewers of 150600 may review the districts' cases (SPEC §10.2)."""

    cookie_secure: bool = False
    """Mark the board's cookies `Secure` (send them over HTTPS only): set it behind TLS."""
    principal_cache_seconds: float = 2.0
    """How long a worker process trusts a token it has already looked up. A change made through the
    API (disable, rotation) empties this process's cache at once; another worker process sees it
    within this many seconds. 0 looks every request up."""

    webhook_allow_private: bool = False
    """May a webhook reach loopback and private addresses (a partner on the same private network)?
    Link-local and cloud metadata addresses are refused whatever this says (SPEC §5)."""
    callback_signature_tolerance_seconds: int = 300
    """How far a signed callback's `t` may lie from now, either way (SPEC §5: 5 minutes)."""

    # issue 19 (SPEC §12 case file): attachments and the archive
    attachment_max_bytes: int = 20 * 1024 * 1024
    """The largest attachment accepted (413 beyond); its upload route alone accepts bodies this large."""
    attachment_dir: str | None = None
    """Where attachments are stored: a directory (production: a volume); unset, in the database."""
    archive_key_path: str = "./ipcase-archive-key.pem"
    """The bureau's Ed25519 archive key (PEM), created when first needed if absent; its public half is
    served at /api/v1/archive/public-key."""
    review_checklist: str | None = None
    """案卷评查's checklist as JSON `[{"item", "label", "points"}]`; unset, SPEC §12's eight items (100 points)."""
    review_rectify_workdays: int = 20
    """Working days a district has, from a review round's opening, to answer with its rectifications (整改)."""

    @model_validator(mode="after")
    def _password_into_url(self) -> Settings:
        if self.database_password:
            url = make_url(self.database_url).set(password=self.database_password)
            self.database_url = url.render_as_string(hide_password=False)
            self.database_password = None
        return self

    def backoff_seconds(self) -> list[float]:
        return [float(x) for x in self.delivery_backoff.split(",") if x.strip()]

    def ruling_district_set(self) -> frozenset[str]:
        extra = {d.strip() for d in self.ruling_districts.split(",") if d.strip()}
        return frozenset(extra | {"150600"})


@lru_cache
def get_settings() -> Settings:
    return Settings()

"""One settings object, read from the environment (prefix `IPCASE_`)."""

from __future__ import annotations

import logging
from datetime import date
from decimal import Decimal
from functools import lru_cache
from typing import Literal

from pydantic import Field, model_validator
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

    # Issue 19 (case file: the bureau's numbered documents, SPEC §12)
    document_prefixes: dict[str, str] = {}
    """District code → the issuing bureau's abbreviation in document numbers (东市监 of
    东市监处罚〔2026〕12号), JSON; a district not named keeps the default of the reference data."""
    document_words: dict[str, str] = {}
    """Document kind → its word in the number (处罚 of 东市监处罚〔2026〕12号), JSON; defaults in
    `state_machines/documents.py`."""
    document_issuer_suffix: str = "市场监督管理局（知识产权局）"
    """What follows the place's name in a document's issuing authority: 东胜区市场监督管理局（知识产权局）."""

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

    # issue 22 (SPEC §11): credit supervision by the rules
    listing_consent: bool = True
    """Does a listing need the next-higher bureau's consent? (the 办法 of 2021: yes; a 2025 draft drops it)"""
    listing_grounds: str = "侵犯商标专用权,假冒专利"
    """The grounds a listing may rest on (comma-separated): by default the IP grounds of the 办法 that rest on
    a penalty (patent infringement ends in a ruling, not a penalty)."""
    credit_rules_file: str | None = None
    """The risk-grade rules (state_machines/credit_rules/risk-grades.toml is the default and the format)."""

    # issue 20 (通报, SPEC §12 the seed's reporting calendar): bulletins
    bulletin_months: int = Field(default=2, ge=1, le=12)
    """A bulletin's period in months (the seed: every two months); periods are the year's consecutive blocks
    from January (1, 2, 3, 4, 6 or 12), and the default period of a new bulletin is the last ended one."""
    bulletin_number_head: str | None = None
    """What precedes a bulletin's 〔year〕 in its number; unset, the city's prefix and 通: 鄂市监知通〔2026〕3号."""

    @model_validator(mode="after")
    def _bulletin_months_divide_the_year(self) -> Settings:
        if 12 % self.bulletin_months:
            raise ValueError("IPCASE_BULLETIN_MONTHS divides the year: 1, 2, 3, 4, 6 or 12")
        return self

    # issue 20 (SPEC §12): city oversight (交办, 提级管辖, 督办)
    supervision_reply_workdays: int = Field(default=10, ge=1, le=60)
    """督办: working days a district has to reply to a supervision order when the city sets no `due`."""

    # issue 20 (SPEC §12 the seed's reporting calendar): statistical month, deadlines, plans, summaries
    stat_month: str = Field("calendar", pattern=r"^(calendar|ending:([1-9]|1\d|2[0-8]))$")
    """The period of 附件1/附件2 called month M: `calendar` (M's 1st to its last day) or `ending:D`
    (D of 1..28: the day after D of the month before M to D of M; the seed's 20th is `ending:20`)."""
    stat_due: str = Field("day:20", pattern=r"^(day:([1-9]|1\d|2[0-8])|after:([1-9]|[12]\d|3[01]))$")
    """When month M is due: `day:N`, the first Nth after the period's end (calendar months: the 20th of
    the following month), or `after:N`, N days after the period's end (with `ending:20`, `after:5`)."""
    action_plan_due: str = Field("03-26", pattern=r"^(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$")
    """MM-DD: a district's 专项行动方案 and its 责任人/联络员 for a year are due on this day of that year."""
    summary_midyear_due: str = Field("06-20", pattern=r"^(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$")
    summary_annual_due: str = Field("11-28", pattern=r"^(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$")
    """MM-DD: the districts' 阶段性总结 and 全年总结 are due on these days of their year."""

    @model_validator(mode="after")
    def _reporting_days_exist_every_year(self) -> Settings:
        """A yearly due day must be a real date in every year: 02-29 would not exist three years in four."""
        for name in ("action_plan_due", "summary_midyear_due", "summary_annual_due"):
            month, day = map(int, getattr(self, name).split("-"))
            try:
                date(2001, month, day)  # not a leap year
            except ValueError:
                raise ValueError(f"IPCASE_{name.upper()}={getattr(self, name)} is not a day of every year") from None
        return self

    report_remind_days: int = 5
    """Days before a report's due date its district's supervisors are reminded (once)."""
    action_plan_attachment_max_bytes: int = 160 * 1024
    """The largest action-plan attachment (sent base64 in the JSON body, kept in its row)."""

    # issue 20 (SPEC §12): the annual assessment (督导考核)
    assessment_rules_file: str | None = None
    """The assessment's items and weights (state_machines/assessment_rules/default.toml is the default and
    the format)."""

    def listing_ground_list(self) -> tuple[str, ...]:
        return tuple(g.strip() for g in self.listing_grounds.split(",") if g.strip())

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
        if extra:  # honoured so that a deployment's existing cases keep working; said once per process
            _warn_once("IPCASE_RULING_DISTRICTS is deprecated (SPEC §10.9): patent rulings belong to the city "
                       "bureau 150600; give an entrusted protection centre's staff principals of 150600")
        return frozenset(extra | {"150600"})


@lru_cache
def _warn_once(message: str) -> None:
    logging.getLogger("ipcase").warning(message)


@lru_cache
def get_settings() -> Settings:
    return Settings()

"""One settings object, read from the environment (prefix `IPCASE_`)."""

from __future__ import annotations

from decimal import Decimal
from functools import lru_cache

from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="IPCASE_", extra="ignore")

    database_url: str = "sqlite:///./ipcase.db"
    bootstrap_admin_token: str | None = None
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
    """Holidays and make-up working days for years chinese-calendar does not know (format: calendars/)."""
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
    webhook_allow_private: bool = False
    """May a webhook reach loopback and private addresses (a partner on the same private network)?
    Link-local and cloud metadata addresses are refused whatever this says (SPEC §5)."""
    callback_signature_tolerance_seconds: int = 300
    """How far a signed callback's `t` may lie from now, either way (SPEC §5: 5 minutes)."""

    def backoff_seconds(self) -> list[float]:
        return [float(x) for x in self.delivery_backoff.split(",") if x.strip()]

    def ruling_district_set(self) -> frozenset[str]:
        extra = {d.strip() for d in self.ruling_districts.split(",") if d.strip()}
        return frozenset(extra | {"150600"})


@lru_cache
def get_settings() -> Settings:
    return Settings()

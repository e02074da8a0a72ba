"""Refusals the domain raises; the API maps each `code` to its HTTP status (SPEC §6)."""

from __future__ import annotations


class DomainError(Exception):
    code = "domain_error"

    def __init__(self, message: str, **extra: object) -> None:
        super().__init__(message)
        self.message = message
        self.extra = extra


class NotFound(DomainError):
    code = "not_found"


class Forbidden(DomainError):
    code = "forbidden"


class InvalidData(DomainError):
    code = "validation_error"


class VersionConflict(DomainError):
    code = "version_conflict"


class InvalidTransition(DomainError):
    code = "invalid_transition"


class GuardFailed(DomainError):
    code = "guard_failed"

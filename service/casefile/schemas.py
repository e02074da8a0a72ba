"""Response shapes of the case file's routes (issue 23, "Typed API"): attachments, the check of stored
files, and the case-file review (案卷评查).

Documentation only: the routes return the dicts `service` and `review` build, nothing validates them
at run time, and tests/integration/core/test_openapi_types.py validates real answers against them.
"""

from __future__ import annotations

from datetime import date, datetime

from service.core.schemas import Out


class AttachmentOut(Out):
    id: str
    case_id: str
    name: str
    content_type: str
    size: int
    sha256: str
    attached_by: str
    attached_at: datetime
    attach_seq: int
    """The case event (`attach`) whose hash chains the file's SHA-256."""
    detached: bool
    url: str
    detached_at: datetime | None = None
    detached_by: str | None = None
    case_version: int | None = None
    """On upload and detach: the case's version after the event."""


class AttachmentListOut(Out):
    """Every attachment of the case, removed ones included (`detached`), in the order attached."""

    items: list[AttachmentOut]


class BadFileOut(Out):
    case_id: str
    seq: int
    attachment_id: str | None
    name: str | None
    sha256: str
    problem: str


class FilesVerifyOut(Out):
    ok: bool
    files_checked: int
    store: str
    bad: list[BadFileOut]
    """The first 100 files missing or no longer matching their hash."""
    bad_count: int


class ChecklistItemOut(Out):
    item: str
    label: str
    points: int


class DeductionOut(Out):
    item: str
    points: int
    comment: str | None = None


class ReviewedCaseOut(Out):
    case_id: str
    district: str
    score: int | None
    deductions: list[DeductionOut]
    reviewed_by: str | None
    rectification: str | None
    rectified: bool
    rectification_overdue: bool


class ReviewRoundOut(Out):
    id: str
    title: str
    period_from: date
    period_to: date
    districts: list[str]
    checklist: list[ChecklistItemOut]
    rectify_due: date
    state: str
    version: int
    cases: list[ReviewedCaseOut]
    """The sampled files the caller may see (a district its own)."""


class ReviewDistrictOut(Out):
    district: str
    cases: int
    scored: int
    average_score: float | None
    rectified: int
    overdue: int


class ReviewItemOut(Out):
    item: str
    label: str
    points: int
    deducted: int
    files: int


class ReviewResultsOut(Out):
    round_id: str
    title: str
    state: str
    districts: list[ReviewDistrictOut]
    items: list[ReviewItemOut]
    cases: list[ReviewedCaseOut]

"""Campaigns (专项行动), their inspections and progress, and the registers they act on (SPEC §12)."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query
from fastapi.responses import Response

from notifications.report_files import to_csv, to_xlsx
from service.campaigns import progress as figures
from service.campaigns import registers
from service.campaigns import service as campaigns
from service.campaigns.schemas import (
    CampaignAmend,
    CampaignCreate,
    CampaignKind,
    CampaignOut,
    CampaignPage,
    CampaignProgressOut,
    CaseFromFinding,
    InspectionCreate,
    InspectionOut,
    InspectionPage,
    MarketStatus,
    Phase,
    RegisterAmend,
    RegisterCreate,
    RegisterEntryOut,
    RegisterEntryPage,
    RegisterKind,
    Result,
)
from service.core.deps import CurrentActor, ReadSession, RuntimeDep
from service.core.schemas import documented, documented_with_files
from service.reports.files import MEDIA
from state_machines.types import Day

router = APIRouter(tags=["campaigns"])

District = Annotated[str | None, Query(max_length=6)]


@router.post("/campaigns", status_code=201, **documented(CampaignOut, 201))
def create_campaign(body: CampaignCreate, actor: CurrentActor, runtime: RuntimeDep) -> dict:
    """Plan a campaign: the city for any districts, a district supervisor for its own district.

    Kinds: `blue_sky` 蓝天, `special_symbol` 特殊标志, `holiday` (with `holiday` and a plan whose
    `text` is the 工作预案 and `emergency_contact`), `exhibition` (with `phases` before/during/after,
    inside the period and in order), `gi` (targets `inspections_per_month`, `sampling_ratio`),
    `ecommerce` (target `stores_checked`), `model_market`, `other`; any kind may set `inspections`."""
    with runtime.db.write() as session:
        return campaigns.create_campaign(session, actor, body)


@router.get("/campaigns", **documented(CampaignPage))
def list_campaigns(actor: CurrentActor, session: ReadSession, kind: CampaignKind | None = None,
                   district: District = None, active_on: Day | None = None) -> dict:
    """The campaigns the caller sees: a district those it takes part in, the city all."""
    return {"items": campaigns.list_campaigns(session, actor, kind=kind, district=district, active_on=active_on),
            "next_cursor": None}


@router.get("/campaigns/{campaign_id}", **documented(CampaignOut))
def get_campaign(campaign_id: str, actor: CurrentActor, session: ReadSession) -> dict:
    return campaigns.get_campaign(session, actor, campaign_id)


@router.patch("/campaigns/{campaign_id}", **documented(CampaignOut))
def amend_campaign(campaign_id: str, body: CampaignAmend, actor: CurrentActor, runtime: RuntimeDep) -> dict:
    """Amend the plan, period, phases, targets or districts (audited `amend`); whoever planned it."""
    with runtime.db.write() as session:
        return campaigns.amend_campaign(session, actor, campaign_id, body)


@router.post("/campaigns/{campaign_id}/inspections", status_code=201, **documented(InspectionOut, 201))
def record_inspection(campaign_id: str, body: InspectionCreate, actor: CurrentActor, runtime: RuntimeDep) -> dict:
    """Record an inspection (an officer of a district taking part; its date in the period, and in its
    phase for an exhibition). A finding (`problem_found`, `referred`) may open its case at once with
    `case`: source `online_platform` for an online inspection, else `inspection`; the case carries
    `campaign_id` and `inspection_id`, the inspection `case_id`."""
    with runtime.db.write() as session:
        return campaigns.record_inspection(session, actor, campaign_id, body, runtime.rules, runtime.prefixes,
                                           machine_version=runtime.settings.machine_version)


@router.get("/campaigns/{campaign_id}/inspections", **documented(InspectionPage))
def list_inspections(campaign_id: str, actor: CurrentActor, session: ReadSession, district: District = None,
                     phase: Phase | None = None, result: Result | None = None) -> dict:
    """A district sees its own inspections; the city all."""
    return {"items": campaigns.list_inspections(session, actor, campaign_id, district=district, phase=phase,
                                                result=result), "next_cursor": None}


@router.get("/campaigns/{campaign_id}/progress",
            **documented_with_files(CampaignProgressOut, MEDIA["xlsx"], MEDIA["csv"]))
def campaign_progress(campaign_id: str, actor: CurrentActor, session: ReadSession,
                      format: Literal["json", "xlsx", "csv"] = "json") -> Response | dict:
    """Per district taking part: inspections against targets (`met`, `missed`, `open`), findings, cases
    opened and their outcomes; a district sees its own row."""
    campaign = campaigns.campaign_for_progress(session, actor, campaign_id)
    report = figures.progress(session, actor, campaign)
    if format == "json":
        return report
    table = figures.progress_table(report)
    body = to_xlsx(table) if format == "xlsx" else to_csv(table)
    return Response(body, media_type=MEDIA[format],
                    headers={"Content-Disposition": f'attachment; filename="campaign-progress.{format}"'})


@router.get("/inspections/{inspection_id}", **documented(InspectionOut))
def get_inspection(inspection_id: str, actor: CurrentActor, session: ReadSession) -> dict:
    return campaigns.get_inspection(session, actor, inspection_id)


@router.post("/inspections/{inspection_id}/case", status_code=201, **documented(InspectionOut, 201))
def open_case(inspection_id: str, body: CaseFromFinding, actor: CurrentActor, runtime: RuntimeDep) -> dict:
    """Open the case of an inspection's finding later (one case per inspection)."""
    with runtime.db.write() as session:
        return campaigns.open_case(session, actor, inspection_id, body, runtime.rules, runtime.prefixes,
                                   machine_version=runtime.settings.machine_version)


@router.post("/registers", status_code=201, **documented(RegisterEntryOut, 201))
def create_entry(body: RegisterCreate, actor: CurrentActor, runtime: RuntimeDep) -> dict:
    """Add a GI product (名称, `category` protected_product / collective_mark / certification_mark,
    `holders`), a platform, a store (`platform_id`, authorisation in `details`) or a market (`status`:
    none, cultivating, model, revoked). The city, or a district supervisor for its own district."""
    with runtime.db.write() as session:
        return registers.create_entry(session, actor, body)


@router.get("/registers", **documented(RegisterEntryPage))
def list_entries(actor: CurrentActor, session: ReadSession, kind: RegisterKind | None = None,
                 district: District = None, platform_id: Annotated[str | None, Query(max_length=36)] = None,
                 status: MarketStatus | Literal["listed", "active"] | None = None) -> dict:
    """Entries with their checks (stores: the e-commerce spot-check register; GI products; markets):
    the number of inspections the caller sees, findings, the last date, result and method."""
    return {"items": registers.list_entries(session, actor, kind=kind, district=district, platform_id=platform_id,
                                            status=status), "next_cursor": None}


@router.get("/registers/{entry_id}", **documented(RegisterEntryOut))
def get_entry(entry_id: str, actor: CurrentActor, session: ReadSession) -> dict:
    return registers.get_entry(session, actor, entry_id)


@router.patch("/registers/{entry_id}", **documented(RegisterEntryOut))
def amend_entry(entry_id: str, body: RegisterAmend, actor: CurrentActor, runtime: RuntimeDep) -> dict:
    """Change a name, holders, details, or a market's model-market status (audited `amend`)."""
    with runtime.db.write() as session:
        return registers.amend_entry(session, actor, entry_id, body)

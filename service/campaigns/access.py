"""Who sees and changes campaigns, inspections and registers (SPEC §12 scoping).

A district sees the campaigns it takes part in (or created) and its own inspections; the city
and auditors see all; partners, admins and reviewers nothing (a list is 403, one record 404).
The city creates campaigns for any districts; a district supervisor for its own district only.
"""

from __future__ import annotations

from service.campaigns.models import Campaign, Inspection
from state_machines.errors import Forbidden, NotFound
from state_machines.principals import DISTRICT_ROLES, OVERSIGHT_ROLES, Actor
from state_machines.vocabulary import CITY_DIVISION, Role

READERS = DISTRICT_ROLES | OVERSIGHT_ROLES


def reader(actor: Actor) -> None:
    """403 for a list read by a role that reads no campaigns."""
    if actor.role not in READERS:
        raise Forbidden(f"role {actor.role} does not read campaigns")


def sees_campaign(actor: Actor, campaign: Campaign) -> bool:
    if actor.role in OVERSIGHT_ROLES:
        return True
    return actor.role in DISTRICT_ROLES and (actor.district in campaign.districts or actor.district == campaign.owner)


def visible_campaign(actor: Actor, campaign: Campaign | None) -> Campaign:
    """The campaign, or 404 when it does not exist or is not the actor's to see."""
    if campaign is None or actor.role not in READERS or not sees_campaign(actor, campaign):
        raise NotFound("no such campaign")
    return campaign


def sees_inspection(actor: Actor, inspection: Inspection) -> bool:
    if actor.role in OVERSIGHT_ROLES:
        return True
    return actor.role in DISTRICT_ROLES and actor.district == inspection.district


def planner(actor: Actor, districts: list[str]) -> str:
    """The division creating or amending a campaign for `districts`: the city, or a district for itself."""
    if actor.role is Role.city:
        return CITY_DIVISION
    if actor.role is Role.supervisor:
        if set(districts) != {actor.district}:
            raise Forbidden("a district plans campaigns for its own district only; the city plans across districts")
        return actor.district
    raise Forbidden("campaigns are planned by the city or a district supervisor")


def may_amend(actor: Actor, campaign: Campaign) -> None:
    if campaign.owner == CITY_DIVISION and actor.role is not Role.city:
        raise Forbidden("the city amends the campaigns it planned")
    if campaign.owner != CITY_DIVISION and not (actor.role is Role.supervisor and actor.district == campaign.owner):
        raise Forbidden("the district that planned the campaign amends it")


def inspector(actor: Actor, campaign: Campaign) -> None:
    """Officers and supervisors of a district taking part record inspections."""
    if actor.role not in DISTRICT_ROLES:
        raise Forbidden("inspections are recorded by a district's officers")
    if actor.district not in campaign.districts:
        raise Forbidden("your district does not take part in this campaign")

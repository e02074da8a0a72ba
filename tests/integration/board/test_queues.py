"""The workbench's queues (issue 23, SPEC §12): each a filtered work list, scoped as the work list.

A reviewer's 待法制审核, a supervisor's 待我审批 and 督办事项, the city's 超期督办, 管辖争议待指定 and
督办事项: each shows exactly its cases, never another district's; an unknown queue is a 404 and a
queue of another role a 403.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime

import pytest

from service.core.config import Settings
from service.core.runtime import Runtime
from service.deadlines import service as deadlines
from tests.helpers import Api, bearer, board_cookie, penalty_case
from tests.integration.cases.v2_support import district_people, investigation, person, v2_settings

A, B = "150602", "150603"


@pytest.fixture
def settings(database_url: str) -> Settings:
    return v2_settings(database_url)


def get(api: Api, token: str, path: str, **params):
    api.client.cookies.clear()
    return api.client.get(path, params=params, headers={"cookie": board_cookie(api.client, token)},
                          follow_redirects=False)


def numbers(page: str, table: str) -> set[str]:
    """The case numbers a table of the page links to."""
    body = page.split(f'id="{table}"')[1].split("</table>")[0]
    return set(re.findall(r'<a href="/board/cases/[^"]+">([^<]+)</a>', body))


def counts(page: str) -> dict[str, int]:
    return {name: int(n) for name, n in re.findall(
        r'id="queue-(\w+)">[^<]*</a></td><td>[^<]*</td><td class="count">(\d+)</td>', page)}


@pytest.fixture
def world(api: Api) -> dict:
    """In each of two districts: a case in review, one received (to accept), one filed (the officer's)."""
    made: dict = {}
    for district in (A, B):
        people = district_people(api, district)
        review = api.create(people.officer.token, penalty_case(district, title="待审核的案件"))
        api.ok(people.supervisor.token, review["id"], "accept", {"co_officer": people.co_officer.id})
        api.ok(people.officer.token, review["id"], "conclude_investigation", investigation(3000))
        assert api.ok(people.supervisor.token, review["id"], "submit_review", {})["state"] == "in_review"
        received = api.create(people.officer.token, penalty_case(district, title="待受理的案件"))
        filed = api.create(people.officer.token, penalty_case(district, title="调查中的案件"))
        api.ok(people.supervisor.token, filed["id"], "accept", {"co_officer": people.co_officer.id})
        made[district] = {"people": people, "review": review["number"], "received": received["number"],
                          "filed": filed["number"], "filed_id": filed["id"], "review_id": review["id"]}
    made["city"] = person(api, "city")
    made["auditor"] = person(api, "auditor")
    return made


def test_the_reviewer_sees_its_districts_cases_in_review(api: Api, world: dict) -> None:
    reviewer = world[A]["people"].reviewer.token
    listing = get(api, reviewer, "/board/queues")
    assert listing.status_code == 200 and counts(listing.text) == {"review": 1}
    page = get(api, reviewer, "/board/queues/review")
    assert page.status_code == 200 and "待法制审核" in page.text
    assert numbers(page.text, "worklist") == {world[A]["review"]}  # not B's case in review
    assert "法制审核通过" in page.text and page.text.count('class="mine"') == 1
    assert numbers(get(api, reviewer, "/board/queues/review", q="调查中").text, "worklist") == set()
    other = get(api, world[B]["people"].reviewer.token, "/board/queues/review").text
    assert numbers(other, "worklist") == {world[B]["review"]}


def test_the_supervisors_approvals_are_its_next_steps_in_its_district(api: Api, world: dict) -> None:
    supervisor = world[A]["people"].supervisor.token
    assert counts(get(api, supervisor, "/board/queues").text) == {"approvals": 1, "orders": 0}
    page = get(api, supervisor, "/board/queues/approvals")
    assert page.status_code == 200
    assert numbers(page.text, "worklist") == {world[A]["received"]}  # in review: the reviewer's; filed: the officer's
    assert "受理/立案" in page.text
    api.ok(world[A]["people"].officer.token, world[A]["filed_id"], "conclude_investigation", investigation(0))
    assert numbers(get(api, supervisor, "/board/queues/approvals").text, "worklist") == {
        world[A]["received"], world[A]["filed"]}  # now the supervisor submits it to review


def test_the_citys_escalations_and_orders_and_a_districts_orders(api: Api, runtime: Runtime, world: dict) -> None:
    city, auditor = world["city"].token, world["auditor"].token
    with runtime.db.write() as session:
        deadlines.escalate(session, world[B]["review_id"], B, "case_closing", date(2026, 1, 5), datetime.now(UTC))
    order = api.client.post("/api/v1/oversight/supervision-orders", headers=bearer(city),
                            json={"case_id": world[A]["filed_id"], "expectation": "加快办理"})
    assert order.status_code == 201, order.text
    assert counts(get(api, city, "/board/queues").text) == {"escalations": 1, "disputes": 0, "orders": 1}
    escalations = get(api, auditor, "/board/queues/escalations").text
    assert numbers(escalations, "escalations") == {world[B]["review"]}
    assert "办案期限" in escalations and "case_closing" not in escalations  # the clock's Chinese label
    assert "2026-01-05" in escalations
    assert numbers(get(api, city, "/board/queues/orders").text, "supervision-orders") == {world[A]["filed"]}
    assert numbers(get(api, world[A]["people"].supervisor.token, "/board/queues/orders").text,
                   "supervision-orders") == {world[A]["filed"]}
    assert numbers(get(api, world[B]["people"].supervisor.token, "/board/queues/orders").text,
                   "supervision-orders") == set()  # another district's order
    assert "没有待指定管辖的移送" in get(api, city, "/board/queues/disputes").text


def test_a_disputed_transfer_waits_in_the_citys_queue(api: Api, world: dict) -> None:
    a, b = world[A]["people"], world[B]["people"]
    api.ok(a.supervisor.token, world[A]["filed_id"], "transfer_jurisdiction", {"to_district": B})
    [request] = api.get(b.supervisor.token, "/assistance-requests", direction="received").json()["items"]
    disputed = api.client.post(f"/api/v1/assistance-requests/{request['id']}/events",
                               headers=bearer(b.supervisor.token),
                               json={"event": "dispute", "data": {}, "reason": "违法行为地不在本辖区"})
    assert disputed.status_code == 200, disputed.text
    page = get(api, world["city"].token, "/board/queues/disputes").text
    assert numbers(page, "disputes") == {world[A]["filed"]} and "东胜区" in page and "康巴什区" in page
    escalations = get(api, world["city"].token, "/board/queues/escalations").text
    assert numbers(escalations, "escalations") == {world[A]["filed"]} and "指定管辖期限" in escalations


def test_unknown_queues_404_and_other_roles_queues_403(api: Api, world: dict) -> None:
    a = world[A]["people"]
    assert get(api, a.officer.token, "/board/queues/nope").status_code == 404
    assert get(api, world["city"].token, "/board/queues/nope").status_code == 404
    for token, queue in ((a.officer.token, "approvals"), (a.officer.token, "review"), (a.supervisor.token, "review"),
                         (a.reviewer.token, "approvals"), (a.supervisor.token, "escalations"),
                         (a.supervisor.token, "disputes"), (world["city"].token, "review"),
                         (world["city"].token, "approvals"), (a.reviewer.token, "orders")):
        response = get(api, token, f"/board/queues/{queue}")
        assert response.status_code == 403, (queue, response.status_code)
        assert "您没有这个队列" in response.text
    listing = get(api, a.officer.token, "/board/queues")
    assert listing.status_code == 200 and counts(listing.text) == {} and "没有待办队列" in listing.text
    assert get(api, a.officer.token, "/board/queues").status_code == 200
    board = get(api, a.supervisor.token, "/board").text
    assert 'href="/board/queues"' in board
    assert 'href="/board/queues"' in get(api, world["city"].token, "/board").text


def test_signed_out_readers_go_to_sign_in(api: Api) -> None:
    response = api.client.get("/board/queues/review", follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == "/board/login"

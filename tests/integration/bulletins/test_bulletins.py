"""通报 (issue 20): the city drafts and issues a bulletin; issuing numbers it per year, freezes it and
delivers it to every district, whose supervisors answer the rectifications it orders."""

from __future__ import annotations

import threading
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, select, update

from service.bulletins import reminders
from service.bulletins import service as bulletins
from service.bulletins.models import Bulletin, BulletinRectification
from service.core.models import Event
from service.core.reference_data import DISTRICTS
from service.core.runtime import Runtime
from state_machines.case_machine import today_in_china
from state_machines.principals import Actor
from state_machines.vocabulary import Role
from tests.helpers import Api, bearer, board_cookie, penalty_case

A, B, C = "150602", "150603", "150621"
TODAY = today_in_china(datetime.now(UTC))
YEAR = datetime.now(UTC).astimezone(bulletins.CHINA_TZ).year
CITY_ACTOR = Actor(id="city-bureau", role=Role.city)


def days(n: int) -> str:
    return (TODAY + timedelta(days=n)).isoformat()


@pytest.fixture
def people(api: Api) -> dict[str, str]:
    out = {f"sup_{code}": api.principal("supervisor", code) for code in DISTRICTS}
    out.update(officer_a=api.principal("officer", A), officer_b=api.principal("officer", B),
               city=api.principal("city"), auditor=api.principal("auditor"),
               partner=api.principal("partner", agency="police-150602"), admin=api.admin)
    return out


def draft_body(**overrides) -> dict:
    return {"title": "关于全市知识产权行政保护工作情况的通报", "from": days(-31), "to": days(-1),
            "commendations": [{"district": A, "text": "案件办结及时，成效明显。"}],
            "criticisms": [{"district": B, "text": "超期案件较多，保护工作薄弱。", "rectify_by": days(30)}],
            **overrides}


def post(api: Api, token: str, path: str, body: dict | None = None):
    return api.client.post(f"/api/v1{path}", json=body, headers=bearer(token))


def events_of(runtime: Runtime, bulletin_id: str) -> int:
    with runtime.db.read() as session:
        return session.scalar(select(func.count()).select_from(Event).where(Event.stream_type == "bulletin",
                                                                            Event.stream_id == bulletin_id))


def issued(api: Api, people: dict, **overrides) -> dict:
    draft = post(api, people["city"], "/bulletins", draft_body(**overrides))
    assert draft.status_code == 201, draft.text
    response = post(api, people["city"], f"/bulletins/{draft.json()['id']}/issue")
    assert response.status_code == 200, response.text
    return response.json()


def test_an_issued_bulletin_reaches_every_district_is_frozen_and_every_district_reads_it(
        api: Api, people: dict, runtime: Runtime) -> None:
    draft = post(api, people["city"], "/bulletins", draft_body())
    assert draft.status_code == 201, draft.text
    bid = draft.json()["id"]
    assert draft.json()["state"] == "draft" and draft.json()["number"] is None
    assert [r["district"] for r in draft.json()["report"]["rows"]] != []
    # a draft is the city's (and the auditors'): a district neither lists nor reads it
    assert api.get(people["officer_a"], "/bulletins").json()["items"] == []
    assert api.get(people["officer_a"], f"/bulletins/{bid}").status_code == 404
    assert api.get(people["auditor"], f"/bulletins/{bid}").status_code == 200
    edited = api.client.patch(f"/api/v1/bulletins/{bid}", json={"title": "2026年第6期通报"},
                              headers=bearer(people["city"]))
    assert edited.status_code == 200 and edited.json()["title"] == "2026年第6期通报"
    kept = api.client.patch(f"/api/v1/bulletins/{bid}", json={"criticisms": None, "commendations": None},
                            headers=bearer(people["city"]))
    assert kept.status_code == 200 and kept.json()["criticisms"] == edited.json()["criticisms"] != []
    # nobody else writes: the auditor reads only, a district supervisor is no writer
    for who in ("auditor", f"sup_{A}", "officer_a"):
        refused = api.client.patch(f"/api/v1/bulletins/{bid}", json={"title": "x"}, headers=bearer(people[who]))
        assert refused.status_code == 403, who
        assert post(api, people[who], f"/bulletins/{bid}/issue").status_code == 403
    assert post(api, people["officer_a"], "/bulletins", draft_body()).status_code == 403

    issued_ = post(api, people["city"], f"/bulletins/{bid}/issue")
    assert issued_.status_code == 200, issued_.text
    body = issued_.json()
    assert body["state"] == "issued" and body["number"] == f"鄂市监知通〔{YEAR}〕1号"
    assert body["criticisms"][0]["district_name"] == "康巴什区"
    assert [r["district"] for r in body["rectifications"]] == [B]
    received_a = next(r["received"] for r in body["report"]["rows"] if r["district"] == A)

    # every district's supervisors have it in their inbox; the criticised one is told to rectify
    for code in DISTRICTS:
        notes = [n for n in api.get(people[f"sup_{code}"], "/notifications").json()["items"]
                 if n["kind"] == "bulletin_issued"]
        assert len(notes) == 1, code
        assert body["number"] in notes[0]["subject"]
        assert ("整改" in notes[0]["body"]) == (code == B)
    assert "表扬" in next(n for n in api.get(people[f"sup_{A}"], "/notifications").json()["items"]
                        if n["kind"] == "bulletin_issued")["body"]

    # frozen: edits and a second issue are refused and record nothing; later cases do not change it
    version = events_of(runtime, bid)
    again = api.client.patch(f"/api/v1/bulletins/{bid}", json={"title": "改"}, headers=bearer(people["city"]))
    assert again.status_code == 409 and again.json()["error"]["code"] == "guard_failed"
    assert post(api, people["city"], f"/bulletins/{bid}/issue").status_code == 409
    assert events_of(runtime, bid) == version == 4
    api.create(people["officer_a"], penalty_case(A))
    live = api.get(people["city"], "/reports/bulletin", **{"from": days(-30), "to": days(0)}).json()
    assert next(r["received"] for r in live["rows"] if r["district"] == A) == received_a + 1
    frozen = api.get(people["officer_b"], f"/bulletins/{bid}").json()
    assert next(r["received"] for r in frozen["report"]["rows"] if r["district"] == A) == received_a
    assert frozen["title"] == "2026年第6期通报"

    # every district reads it (the live comparison stays the city's); partners and admins do not
    for who in ("officer_a", "officer_b", f"sup_{C}", "auditor"):
        assert [b["id"] for b in api.get(people[who], "/bulletins").json()["items"]] == [bid], who
        assert api.get(people[who], f"/bulletins/{bid}").status_code == 200
    assert api.get(people["officer_a"], "/reports/bulletin", **{"from": days(-30), "to": days(0)}).status_code == 403
    for who in ("partner", "admin"):
        assert api.get(people[who], "/bulletins").status_code == 403
        assert api.get(people[who], f"/bulletins/{bid}").status_code == 403
    assert api.get(people["auditor"], "/audit/verify").json()["ok"] is True


def test_bad_texts_are_refused_and_nothing_is_written(api: Api, people: dict, runtime: Runtime) -> None:
    bad = [
        draft_body(criticisms=[{"district": "999999", "text": "x", "rectify_by": days(30)}]),
        draft_body(criticisms=[{"district": B, "text": "x", "rectify_by": days(30)},
                               {"district": B, "text": "y", "rectify_by": days(40)}]),
        draft_body(criticisms=[{"district": B, "text": "x", "rectify_by": days(-1)}]),
        draft_body(criticisms=[{"district": B, "text": "x", "rectify_by": "2101-01-01"}]),
        draft_body(**{"from": days(0), "to": days(-5)}),
        draft_body(title=""),
        {**draft_body(), "surprise": 1},
    ]
    for body in bad:
        response = post(api, people["city"], "/bulletins", body)
        assert response.status_code == 422, (body, response.text)
        assert response.json()["error"]["code"] == "validation_error"
    with runtime.db.read() as session:
        assert session.scalar(select(func.count()).select_from(Bulletin)) == 0


def test_the_default_period_is_the_last_ended_block_of_the_schedule(api: Api, people: dict) -> None:
    response = post(api, people["city"], "/bulletins", {"title": "本期通报"})
    assert response.status_code == 201, response.text
    expected = bulletins.last_ended_period(TODAY)
    assert response.json()["period"] == {"from": expected.start.isoformat(), "to": expected.end.isoformat()}
    assert bulletins.period_of(date(2026, 12, 7), 2).start == date(2026, 11, 1)
    assert bulletins.last_ended_period(date(2026, 12, 7), 2).as_dict() == {"from": "2026-09-01", "to": "2026-10-31"}
    assert bulletins.last_ended_period(date(2026, 1, 1), 2).as_dict() == {"from": "2025-11-01", "to": "2025-12-31"}
    assert bulletins.last_ended_period(date(2026, 5, 20), 3).as_dict() == {"from": "2026-01-01", "to": "2026-03-31"}


def _draft(runtime: Runtime, title: str) -> str:
    with runtime.db.write() as session:
        return bulletins.create(session, CITY_ACTOR, {"title": title, "from": date(2026, 9, 1),
                                                      "to": date(2026, 10, 31)}, datetime.now(UTC)).id


def test_numbers_run_per_year_and_two_issuing_at_once_get_two(runtime: Runtime) -> None:
    ids = [_draft(runtime, f"通报{i}") for i in range(3)]
    numbers: list[str] = []
    errors: list[BaseException] = []
    start = threading.Barrier(2)
    now = datetime(2026, 11, 5, 2, tzinfo=UTC)

    def issue(bulletin_id: str) -> None:
        try:
            start.wait(10)
            with runtime.db.write() as session:
                numbers.append(bulletins.issue(session, CITY_ACTOR, bulletin_id, now).number)
        except BaseException as error:  # noqa: BLE001 - reported below
            errors.append(error)

    threads = [threading.Thread(target=issue, args=(i,)) for i in ids[:2]]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert errors == []
    assert sorted(numbers) == ["鄂市监知通〔2026〕1号", "鄂市监知通〔2026〕2号"]
    with runtime.db.write() as session:  # a new year starts again from 1
        assert bulletins.issue(session, CITY_ACTOR, ids[2], datetime(2027, 1, 4, 2, tzinfo=UTC)).number \
            == "鄂市监知通〔2027〕1号"


def test_a_criticism_is_answered_by_its_district_and_accepted_by_the_city(
        api: Api, people: dict, runtime: Runtime) -> None:
    body = issued(api, people)
    path = f"/bulletins/{body['id']}/rectifications/{B}"
    assert post(api, people[f"sup_{A}"], f"{path}/answers", {"text": "x"}).status_code == 404
    assert post(api, people["officer_b"], f"{path}/answers", {"text": "x"}).status_code == 403
    assert post(api, people[f"sup_{A}"], f"/bulletins/{body['id']}/rectifications/{A}/answers",
                {"text": "x"}).status_code == 404  # A was praised, not criticised
    early = post(api, people["city"], f"{path}/accept")
    assert early.status_code == 409  # nothing answered yet
    first = post(api, people[f"sup_{B}"], f"{path}/answers", {"text": "已清理超期案件12件。"})
    assert first.status_code == 201, first.text
    assert first.json()["state"] == "answered"
    second = post(api, people[f"sup_{B}"], f"{path}/answers", {"text": "已建立周调度机制。"})
    assert [a["text"] for a in second.json()["answers"]] == ["已清理超期案件12件。", "已建立周调度机制。"]
    assert post(api, people[f"sup_{B}"], f"{path}/accept").status_code == 403
    assert post(api, people["auditor"], f"{path}/accept").status_code == 403
    accepted = post(api, people["city"], f"{path}/accept")
    assert accepted.status_code == 200, accepted.text
    assert accepted.json()["state"] == "accepted" and accepted.json()["done_on"] == TODAY.isoformat()
    assert post(api, people[f"sup_{B}"], f"{path}/answers", {"text": "再报"}).status_code == 409
    assert post(api, people["city"], f"{path}/accept").status_code == 409
    with runtime.db.read() as session:
        assert bulletins.rectifications(session, YEAR) == [
            {"district": B, "due_on": TODAY + timedelta(days=30), "done_on": TODAY, "bulletin_number": body["number"]}]
        assert bulletins.rectifications(session, YEAR + 1) == []
    assert events_of(runtime, body["id"]) == 5  # draft, issue, two answers, accept
    assert api.get(people["auditor"], "/audit/verify").json()["ok"] is True


def test_overdue_rectifications_are_listed_to_the_city_and_told_once(
        api: Api, people: dict, runtime: Runtime) -> None:
    body = issued(api, people, **{"from": days(-100), "to": days(-40)}, criticisms=[
        {"district": B, "text": "超期案件多。", "rectify_by": days(1)},
        {"district": C, "text": "办案数少。", "rectify_by": days(10)}])
    with runtime.db.write() as session:  # time passes: B's date is ten days gone
        session.execute(update(BulletinRectification).where(BulletinRectification.district == B)
                        .values(due_on=TODAY - timedelta(days=10)))
    overdue = api.get(people["city"], "/bulletins/rectifications", overdue="true").json()["items"]
    assert [(r["district"], r["overdue"]) for r in overdue] == [(B, True)]
    assert len(api.get(people["city"], "/bulletins/rectifications").json()["items"]) == 2
    assert [r["district"] for r in api.get(people["officer_b"], "/bulletins/rectifications").json()["items"]] == [B]
    assert api.get(people["officer_a"], "/bulletins/rectifications", overdue="true").json()["items"] == []
    assert api.get(people["partner"], "/bulletins/rectifications").status_code == 403

    now = datetime.now(UTC)
    with runtime.db.write() as session:
        first = reminders.remind(session, now)
    with runtime.db.write() as session:
        second = reminders.remind(session, now)
    assert first["rectifications_overdue"] == [{"district": B, "number": body["number"]}]
    assert second["rectifications_overdue"] == []
    for who in ("city", f"sup_{B}"):
        told = [n for n in api.get(people[who], "/notifications").json()["items"]
                if n["kind"] == "rectification_overdue"]
        assert len(told) == 1 and "康巴什区" in told[0]["subject"], who
    assert not [n for n in api.get(people[f"sup_{C}"], "/notifications").json()["items"]
                if n["kind"] == "rectification_overdue"]
    # the board's 通报 page lists it, overdue, to the district and to the city
    for who in (f"sup_{B}", "city"):
        page = api.client.get("/board/bulletins", headers={"cookie": board_cookie(api.client, people[who])})
        assert page.status_code == 200 and body["number"] in page.text and "已逾期" in page.text, who
    api.client.cookies.clear()


def test_a_period_without_a_bulletin_reminds_the_city_once(api: Api, people: dict, runtime: Runtime) -> None:
    november = datetime(2026, 11, 3, 2, tzinfo=UTC)  # Sep–Oct has ended
    with runtime.db.write() as session:
        assert reminders.remind(session, november)["bulletin_due"] == "2026-09-01/2026-10-31"
    with runtime.db.write() as session:
        assert reminders.remind(session, november)["bulletin_due"] is None
    told = [n for n in api.get(people["city"], "/notifications").json()["items"] if n["kind"] == "bulletin_due"]
    assert len(told) == 1 and "2026-09-01" in told[0]["subject"]
    with runtime.db.write() as session:  # Nov–Dec issued in January: no reminder for it
        draft = bulletins.create(session, CITY_ACTOR, {"title": "第6期", "from": date(2026, 11, 1),
                                                       "to": date(2026, 12, 31)}, november)
        bulletins.issue(session, CITY_ACTOR, draft.id, datetime(2027, 1, 4, 2, tzinfo=UTC))
    with runtime.db.write() as session:
        assert reminders.remind(session, datetime(2027, 1, 5, 2, tzinfo=UTC))["bulletin_due"] is None


def test_the_bulletin_prints_as_html_and_as_a_pdf_or_says_why_not(api: Api, people: dict) -> None:
    body = issued(api, people)
    page = api.client.get(f"/api/v1/bulletins/{body['id']}", params={"format": "html"},
                          headers=bearer(people["officer_b"]))
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    for text in (body["number"], "康巴什区", "东胜区", "通报批评", "超期案件较多，保护工作薄弱。", "案件办结及时"):
        assert text in page.text
    pdf = api.client.get(f"/api/v1/bulletins/{body['id']}", params={"format": "pdf"},
                         headers=bearer(people["officer_b"]))
    if pdf.status_code == 503:  # a machine without Pango
        assert pdf.json()["error"]["code"] == "pdf_unavailable"
    else:
        assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
        assert pdf.content.startswith(b"%PDF")

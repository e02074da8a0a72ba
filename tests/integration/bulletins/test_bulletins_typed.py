"""Issue 23's rule for the bulletins' routes (issue 20): every operation documents a typed 2xx and the
error envelope, and real answers fit the documented models (which forbid undeclared keys)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from fastapi.testclient import TestClient
from pydantic import BaseModel

from service.bulletins.schemas import BulletinDetailOut, BulletinPage, RectificationOut, RectificationPage
from state_machines.case_machine import today_in_china
from tests.helpers import Api, bearer

ERROR_STATUSES = ("401", "403", "404", "409", "422")


def test_every_bulletin_operation_is_typed(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    operations = [(m, p, op) for p, item in spec["paths"].items() if p.startswith("/api/v1/bulletins")
                  for m, op in item.items()]
    assert len(operations) == 8
    for method, path, op in operations:
        [(code, ok)] = [(c, r) for c, r in op["responses"].items() if c.startswith("2")]
        ref = ok["content"]["application/json"]["schema"]["$ref"]
        assert ref.rsplit("/", 1)[1] in spec["components"]["schemas"], (method, path)
        for status in ERROR_STATUSES:
            envelope = op["responses"][status]["content"]["application/json"]["schema"]["$ref"]
            assert envelope == "#/components/schemas/ErrorEnvelope", (method, path, status)
    assert spec["components"]["schemas"]["BulletinDetailOut"]["additionalProperties"] is False


def test_real_answers_fit_the_models(api: Api) -> None:
    city, supervisor, officer = api.principal("city"), api.principal("supervisor", "150603"), \
        api.principal("officer", "150602")
    today = today_in_china(datetime.now(UTC))

    def valid(model: type[BaseModel], response, status: int = 200) -> dict:
        assert response.status_code == status, response.text
        model.model_validate(response.json())
        return response.json()

    def post(model, token, path, body=None, status=200):
        return valid(model, api.client.post(f"/api/v1{path}", json=body, headers=bearer(token)), status)

    draft = post(BulletinDetailOut, city, "/bulletins", {
        "title": "通报", "from": (today - timedelta(days=20)).isoformat(),
        "to": (today - timedelta(days=1)).isoformat(),
        "commendations": [{"district": "150602", "text": "好"}],
        "criticisms": [{"district": "150603", "text": "差", "rectify_by": (today + timedelta(days=9)).isoformat()}]},
        201)
    valid(BulletinDetailOut, api.client.patch(f"/api/v1/bulletins/{draft['id']}", json={"title": "通报（修改）"},
                                              headers=bearer(city)))
    post(BulletinDetailOut, city, f"/bulletins/{draft['id']}/issue")
    valid(BulletinPage, api.get(officer, "/bulletins"))
    valid(BulletinDetailOut, api.get(officer, f"/bulletins/{draft['id']}"))
    path = f"/bulletins/{draft['id']}/rectifications/150603"
    post(RectificationOut, supervisor, f"{path}/answers", {"text": "已整改"}, 201)
    post(RectificationOut, city, f"{path}/accept")
    valid(RectificationPage, api.get(city, "/bulletins/rectifications"))

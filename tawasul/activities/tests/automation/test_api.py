"""`/api/message-templates/` and `/api/automatic-task-rules/`: writes through the services with
field errors (a template text's line), previews on records the user may view."""

import pytest
from rest_framework.test import APIClient

from tawasul.activities.models import AutomaticTaskRule, MessageTemplate

pytestmark = pytest.mark.django_db


@pytest.fixture
def api(world):
    client = APIClient()
    client.force_authenticate(world.admin.user)
    return client


def test_template_crud_with_field_errors(api, world):
    response = api.post(
        "/api/message-templates/",
        {"name": "Bad", "kind": "contact", "subject_en": "Hi", "body_en": "x\n{{ contact.zip }}"},
        format="json",
    )
    assert response.status_code == 400
    assert "Line 2" in response.json()["body_en"][0]
    response = api.post(
        "/api/message-templates/",
        {"name": "Good", "kind": "contact", "subject_en": "Hi {{ contact.name }}"},
        format="json",
    )
    assert response.status_code == 201, response.json()
    created = MessageTemplate.objects.get(name="Good")
    assert created.company == world.company
    response = api.patch(
        f"/api/message-templates/{created.pk}/", {"subject_ar": "{% for %}"}, format="json"
    )
    assert response.status_code == 400 and "subject_ar" in response.json()
    names = [row["name"] for row in api.get("/api/message-templates/").json()["results"]]
    assert names == ["Good", "Welcome call"]
    assert api.delete(f"/api/message-templates/{created.pk}/").status_code == 204


def test_rule_crud_with_field_errors(api, world):
    body = {
        "name": "Welcome",
        "event": "contact.created",
        "target": "representative",
        "due_in_days": 3,
        "template": world.welcome.pk,
        "conditions": [{"field": "lifecycle", "operator": "in", "values": ["target"]}],
    }
    bad = {**body, "conditions": [{"field": "assignee", "operator": "in", "values": [1]}]}
    response = api.post("/api/automatic-task-rules/", bad, format="json")
    assert response.status_code == 400, response.json()
    assert "conditions" in response.json()
    response = api.post("/api/automatic-task-rules/", {**body, "target": "role"}, format="json")
    assert response.status_code == 400 and "target_role" in response.json()
    response = api.post("/api/automatic-task-rules/", body, format="json")
    assert response.status_code == 201, response.json()
    rule = AutomaticTaskRule.objects.get()
    assert rule.company == world.company and rule.due_in_days == 3
    rows = api.get("/api/automatic-task-rules/").json()["results"]
    assert [row["name"] for row in rows] == ["Welcome"]


def test_previews_only_on_visible_records(api, world, new_contact):
    """Previews render on a record the user may view; a record they may not view answers 404
    like a missing one and is never named."""
    contact = new_contact(name="Api Co")
    body = {"kind": "contact", "subject_en": "Hi {{ contact.name }}", "record": contact.pk}
    response = api.post("/api/message-templates/preview/", body, format="json")
    assert response.status_code == 200
    assert response.json()["subject_en"]["text"] == "Hi Api Co"
    assert response.json()["subject_ar"]["fallback"] is True
    rule = api.post(
        "/api/automatic-task-rules/",
        {
            "name": "R",
            "event": "contact.created",
            "target": "representative",
            "template": world.welcome.pk,
        },
        format="json",
    ).json()
    answer = api.get(f"/api/automatic-task-rules/{rule['id']}/preview/", {"record": contact.pk})
    assert answer.status_code == 200
    tasks = answer.json()["tasks"]
    assert [(t["assignee"], t["title"]) for t in tasks] == [(world.rep.pk, "Welcome call: Api Co")]
    # Someone who may use the API but not view this contact.
    from django.contrib.auth.models import Permission

    world.blind.user.user_permissions.add(
        *Permission.objects.filter(codename__in=["view_automatictaskrule", "add_messagetemplate"])
    )
    blind = APIClient()
    blind.force_authenticate(world.blind.user)
    response = blind.post("/api/message-templates/preview/", body, format="json")
    assert response.status_code == 404 and "Api Co" not in response.content.decode()
    answer = blind.get(f"/api/automatic-task-rules/{rule['id']}/preview/", {"record": contact.pk})
    assert answer.status_code == 404 and "Api Co" not in answer.content.decode()

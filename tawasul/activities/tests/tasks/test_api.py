"""`/api/tasks/`: list through restrict, create, PATCH, the progress and forward actions,
field errors as JSON."""

import pytest
from rest_framework.test import APIClient

from tawasul.activities.models import Task
from tawasul.activities.tasks_services import task_create
from tawasul.contacts.tests.factories import make_contact


@pytest.fixture
def api():
    def as_(employee):
        client = APIClient()
        client.force_authenticate(employee.user)
        return client

    return as_


def test_list_and_filters(org, due, api):
    mine = task_create(actor=org.lead.user, assignees=[org.rep1], title="Mine", due_at=due)
    task_create(actor=org.lead.user, assignees=[org.rep2], title="Not mine", due_at=due)
    answer = api(org.rep1).get("/api/tasks/")
    assert answer.status_code == 200
    assert [row["id"] for row in answer.json()["results"]] == [mine.pk]
    answer = api(org.lead).get("/api/tasks/", {"scope": "mine"})
    assert answer.json()["results"] == []
    answer = api(org.lead).get("/api/tasks/", {"q": "not", "page_size": 1})
    assert [row["title"] for row in answer.json()["results"]] == ["Not mine"]


def test_create_with_copies_and_field_errors(org, due, api):
    client = api(org.lead)
    answer = client.post(
        "/api/tasks/",
        {"assignees": [org.rep1.pk, org.rep2.pk], "title": "Both", "due_at": due.isoformat()},
        format="json",
    )
    assert answer.status_code == 201, answer.content
    parent = Task.objects.get(pk=answer.json()["id"])
    assert parent.copies.count() == 2 and answer.json()["copy_count"] == 2
    answer = client.post("/api/tasks/", {"assignees": [], "title": ""}, format="json")
    assert answer.status_code == 400
    assert {"assignees", "title", "due_at"} <= set(answer.json())


def test_refused_assignee_is_a_field_error(org, due, api):
    from tawasul.access.services import rule_save

    rule_save(
        actor=None,
        company=org.company,
        name="Team only",
        model="activities.task",
        actions=["view", "change"],
        user=org.lead.user,
        conditions=[{"field": "assignee", "operator": "is_me_or_team", "values": []}],
    )
    answer = api(org.lead).post(
        "/api/tasks/",
        {"assignees": [org.peer.pk], "title": "X", "due_at": due.isoformat()},
        format="json",
    )
    assert answer.status_code == 400 and "assignees" in answer.json()
    assert not Task.objects.exists()


def test_progress_and_forward_actions(org, due, api):
    task = task_create(actor=org.lead.user, assignees=[org.rep1], title="Quote", due_at=due)
    client = api(org.rep1)
    answer = client.post(
        f"/api/tasks/{task.pk}/progress/",
        {"status": "in_progress", "remark": "Go"},
        format="json",
    )
    assert answer.status_code == 200 and answer.json()["status"] == "in_progress"
    answer = client.post(f"/api/tasks/{task.pk}/progress/", {"status": "open"}, format="json")
    assert answer.status_code == 400 and "status" in answer.json()
    answer = client.post(f"/api/tasks/{task.pk}/forward/", {"to": org.rep2.pk}, format="json")
    assert answer.status_code == 400 and "instruction" in answer.json()
    answer = client.post(
        f"/api/tasks/{task.pk}/forward/",
        {"to": org.rep2.pk, "instruction": "Yours"},
        format="json",
    )
    assert answer.status_code == 200 and answer.json()["assignee"] == org.rep2.pk
    # No longer the assignee: the task is still visible but no longer changeable.
    assert client.get(f"/api/tasks/{task.pk}/").status_code == 200
    answer = client.post(
        f"/api/tasks/{task.pk}/progress/", {"status": "done", "remark": ""}, format="json"
    )
    assert answer.status_code == 404
    # An unrelated colleague finds nothing.
    assert api(org.peer).get(f"/api/tasks/{task.pk}/").status_code == 404


def test_patch_by_initiator_only(org, due, api):
    task = task_create(actor=org.lead.user, assignees=[org.rep1], title="Quote", due_at=due)
    answer = api(org.lead).patch(f"/api/tasks/{task.pk}/", {"title": "Quote v2"}, format="json")
    assert answer.status_code == 200 and answer.json()["title"] == "Quote v2"
    answer = api(org.rep1).patch(f"/api/tasks/{task.pk}/", {"title": "Mine"}, format="json")
    assert answer.status_code == 403
    answer = api(org.lead).patch(f"/api/tasks/{task.pk}/", {"title": " "}, format="json")
    assert answer.status_code == 400 and "title" in answer.json()


def test_hidden_contact_not_named(org, due, api, customer_type):
    contact = make_contact(company=org.company, contact_type=customer_type, name="Zebra Hidden")
    task = task_create(
        actor=None,
        assignees=[org.rep1],
        title="About",
        due_at=due,
        record=contact,
        initiator=org.lead,
    )
    for url in ("/api/tasks/", f"/api/tasks/{task.pk}/"):
        body = api(org.rep1).get(url).content.decode()
        assert "Zebra Hidden" not in body and "not visible to you" in body
        assert f'"contact":{contact.pk}' not in body.replace(" ", "")

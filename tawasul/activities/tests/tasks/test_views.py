"""The task pages: list views (scopes, filters), record page (trail, copies, hidden record),
create and edit forms, and the htmx actions."""

import datetime as dt

import pytest
from django.urls import reverse

from tawasul.activities.models import Task
from tawasul.activities.tasks_services import task_create, task_forward, task_report
from tawasul.contacts.tests.factories import make_contact
from tawasul.core import clock


@pytest.fixture
def login(client):
    def as_(employee):
        client.force_login(employee.user)
        return client

    return as_


def listed(response):
    return response.content.decode()


def text(response) -> str:
    """A page's or a download's text."""
    if response.streaming:
        return response.getvalue().decode("utf-8-sig")
    return response.content.decode()


def test_list_scopes(org, due, login):
    mine = task_create(actor=org.lead.user, assignees=[org.rep1], title="For Rami", due_at=due)
    given = task_create(actor=org.rep1.user, assignees=[org.rep2], title="From Rami", due_at=due)
    other = task_create(actor=org.lead.user, assignees=[org.rep2], title="Not Rami", due_at=due)
    client = login(org.rep1)
    url = reverse("activities:task_list")
    body = listed(client.get(url))
    assert "For Rami" in body and "From Rami" in body and "Not Rami" not in body
    body = listed(client.get(url, {"scope": "mine"}))
    assert "For Rami" in body and "From Rami" not in body
    body = listed(client.get(url, {"scope": "initiated"}))
    assert "From Rami" in body and "For Rami" not in body
    client = login(org.lead)
    body = listed(client.get(url, {"scope": "team"}))
    assert "For Rami" in body and "Not Rami" in body and "From Rami" in body
    assert other.pk and mine.pk and given.pk


def test_list_filters(org, login):
    now = clock.now()
    task_create(
        actor=org.lead.user,
        assignees=[org.rep1],
        title="Late one",
        due_at=now - dt.timedelta(hours=2),
    )
    task_create(
        actor=org.lead.user,
        assignees=[org.rep1],
        title="Later one",
        due_at=now + dt.timedelta(days=20),
        priority="high",
    )
    client = login(org.lead)
    url = reverse("activities:task_list")
    body = listed(client.get(url, {"due": "overdue"}))
    assert "Late one" in body and "Later one" not in body
    body = listed(client.get(url, {"priority": "high"}))
    assert "Later one" in body and "Late one" not in body
    body = listed(client.get(url, {"q": "later"}))
    assert "Later one" in body and "Late one" not in body
    body = listed(client.get(url, {"assignee": org.rep2.pk}))
    assert "Late" not in body


def test_detail_shows_trail_copies_and_actions(org, due, login):
    parent = task_create(
        actor=org.lead.user, assignees=[org.rep1, org.rep2], title="Visit", due_at=due
    )
    copy = parent.copies.get(assignee=org.rep1)
    task_report(actor=org.rep1.user, task=copy, status="in_progress", remark="On my way")
    task_forward(actor=org.rep1.user, task=copy, to=org.peer, instruction="Near you")
    client = login(org.lead)
    body = listed(client.get(reverse("activities:task_detail", args=[parent.pk])))
    assert 'id="task-copies"' in body and "Pari Peer" in body and "Rana Two" in body
    body = listed(client.get(reverse("activities:task_detail", args=[copy.pk])))
    assert "On my way" in body and "Near you" in body and "Forwarded" in body
    assert "Rami One" in body and "Pari Peer" in body
    # The new assignee gets the report form; the initiator the cancel button.
    body = listed(login(org.peer).get(reverse("activities:task_detail", args=[copy.pk])))
    assert 'name="remark"' in body
    body = listed(login(org.lead).get(reverse("activities:task_detail", args=[copy.pk])))
    assert "Cancel task" in body


def test_unrelated_colleague_gets_404(org, due, login):
    task = task_create(actor=org.lead.user, assignees=[org.rep1], title="Secret", due_at=due)
    client = login(org.rep2)
    assert client.get(reverse("activities:task_detail", args=[task.pk])).status_code == 404
    response = client.post(
        reverse("activities:task_report", args=[task.pk]), {"status": "done", "remark": "x"}
    )
    assert response.status_code == 404
    task.refresh_from_db()
    assert task.status == "open"


def test_hidden_record_is_never_named(org, due, login, customer_type):
    contact = make_contact(company=org.company, contact_type=customer_type, name="Zebra Secret Co")
    task = task_create(
        actor=None,
        assignees=[org.rep1],
        title="About it",
        due_at=due,
        record=contact,
        initiator=org.lead,
    )
    client = login(org.rep1)  # sees the task, not the contact (no contact rule)
    for url in (
        reverse("activities:task_list"),
        reverse("activities:task_detail", args=[task.pk]),
        reverse("activities:task_export"),
    ):
        body = text(client.get(url))
        assert "Zebra Secret" not in body, url
        assert "not visible to you" in body, url
    assert f"/contacts/{contact.pk}/" not in listed(
        client.get(reverse("activities:task_detail", args=[task.pk]))
    )


def test_report_through_htmx_answers_the_fragment(org, due, login):
    task = task_create(actor=org.lead.user, assignees=[org.rep1], title="Quote", due_at=due)
    client = login(org.rep1)
    url = reverse("activities:task_report", args=[task.pk])
    response = client.post(url, {"status": "done", "remark": "Sent"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    body = response.content.decode()
    assert f'id="task-actions-{task.pk}"' in body and "Progress reported" in body
    assert response["HX-Trigger"] == "task-changed"
    task.refresh_from_db()
    assert task.status == "done"
    # A refused report comes back with the message at its field, nothing changed.
    response = client.post(url, {"status": "waiting", "remark": ""}, HTTP_HX_REQUEST="true")
    assert "invalid-feedback" in response.content.decode()
    task.refresh_from_db()
    assert task.status == "done"


def test_forward_without_htmx_redirects(org, due, login):
    task = task_create(actor=org.lead.user, assignees=[org.rep1], title="Quote", due_at=due)
    client = login(org.rep1)
    response = client.post(
        reverse("activities:task_forward", args=[task.pk]),
        {"to": org.rep2.pk, "instruction": "Yours"},
    )
    assert response.status_code == 302
    task.refresh_from_db()
    assert task.assignee == org.rep2


def test_create_form_with_copies_and_prefilled_contact(org, login, customer_type):
    from tawasul.conftest import grant_all_contacts

    contact = make_contact(company=org.company, contact_type=customer_type, name="Visible Co")
    grant_all_contacts(org.lead.user, org.company, actions=("view",))
    client = login(org.lead)
    url = reverse("activities:task_create")
    body = listed(client.get(url, {"contact": contact.pk}))
    assert "Visible Co" in body
    response = client.post(
        url,
        {
            "title": "Call them",
            "assignees": [org.rep1.pk, org.rep2.pk],
            "due_at": "2030-01-01T10:00",
            "priority": "high",
            "description": "",
            "contact": contact.pk,
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    parent = Task.objects.get(parent__isnull=True)
    assert parent.copies.count() == 2 and parent.contact_id == contact.pk


def test_create_form_refuses_a_colleague_out_of_reach(org, login):
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
    client = login(org.lead)
    response = client.post(
        reverse("activities:task_create"),
        {
            "title": "X",
            "assignees": [org.peer.pk],
            "due_at": "2030-01-01T10:00",
            "priority": "normal",
        },
    )
    assert response.status_code == 200 and "invalid-feedback" in response.content.decode()
    assert not Task.objects.exists()


def test_edit_form(org, due, login):
    task = task_create(actor=org.lead.user, assignees=[org.rep1], title="Quote", due_at=due)
    url = reverse("activities:task_update", args=[task.pk])
    client = login(org.lead)
    assert client.get(url).status_code == 200
    response = client.post(
        url, {"title": "Quote v2", "due_at": "2030-01-01T10:00", "priority": "low"}
    )
    assert response.status_code == 302
    task.refresh_from_db()
    assert task.title == "Quote v2" and task.priority == "low"


def test_contact_page_has_a_tasks_tab_and_timeline_entries(org, due, login, customer_type):
    from tawasul.conftest import grant_all_contacts

    contact = make_contact(company=org.company, contact_type=customer_type, name="Tabbed Co")
    grant_all_contacts(org.rep1.user, org.company, actions=("view",))
    task_create(
        actor=org.lead.user, assignees=[org.rep1], title="Seen task", due_at=due, record=None
    )
    seen = task_create(
        actor=None,
        assignees=[org.rep1],
        title="About Tabbed",
        due_at=due,
        record=contact,
        initiator=org.lead,
    )
    task_create(
        actor=None,
        assignees=[org.rep2],
        title="Not for Rami",
        due_at=due,
        record=contact,
        initiator=org.lead,
    )
    client = login(org.rep1)
    url = reverse("contacts:contact_detail", args=[contact.pk])
    body = listed(client.get(url))
    assert "About Tabbed" in body and "Not for Rami" not in body
    assert f"?contact={contact.pk}" in body
    from tawasul.core.timeline import timeline

    page = timeline(org.rep1.user, contact)
    titles = [e.title for e in page.entries if e.source == "tasks"]
    assert titles == ["Task: About Tabbed (Open)"]
    assert seen.pk


def test_calendar_source(org, due):
    from tawasul.core.registry import get_registry

    task = task_create(actor=org.lead.user, assignees=[org.rep1], title="Cal", due_at=due)
    source = get_registry().calendar_sources["tasks"]
    start, end = due - dt.timedelta(days=1), due + dt.timedelta(days=1)
    [entry] = source(org.rep1.user, start, end)
    assert entry["id"] == task.pk and entry["editable"] is False
    [entry] = source(org.lead.user, start, end)
    assert entry["editable"] is True
    assert source(org.rep2.user, start, end) == []
    later = due + dt.timedelta(hours=3)
    source.move(org.lead.user, task.pk, later)
    task.refresh_from_db()
    assert task.due_at == later


def test_assignee_picker_offers_whom_one_may_give_tasks_to(org, login):
    from tawasul.org.tests.factories import CompanyFactory, EmployeeFactory

    EmployeeFactory(company=CompanyFactory(code="OTH"), name="Rami Elsewhere")
    EmployeeFactory(company=org.company, user=None, name="Rami No Account")
    client = login(org.lead)
    answer = client.get(reverse("activities:task_assignee_autocomplete"), {"q": "Rami"})
    assert [row["value"] for row in answer.json()["results"]] == [org.rep1.pk]


def test_trail_refreshes_after_an_action(org, due, login):
    task = task_create(actor=org.lead.user, assignees=[org.rep1], title="Quote", due_at=due)
    body = listed(login(org.rep1).get(reverse("activities:task_detail", args=[task.pk])))
    assert 'hx-trigger="task-changed from:body"' in body and 'id="task-trail-box"' in body

"""The communication dashboard: each widget shows what its reader may see, acts in place, and
costs the same number of queries however many tasks there are."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tawasul.access.services import rule_save
from tawasul.activities.choices import TaskStatus
from tawasul.activities.followups_services import follow_up_create
from tawasul.activities.models import Task
from tawasul.activities.tasks_services import task_create, task_report
from tawasul.activities.tests.tasks.conftest import make_staff
from tawasul.contacts.tests.factories import make_contact
from tawasul.core import clock

pytestmark = pytest.mark.django_db


@pytest.fixture
def team(company):
    boss = make_staff(company, "boss1", "Bassam Boss")
    lead = make_staff(company, "lead", "Layla Lead", boss)
    rep1 = make_staff(company, "rep1", "Rami One", lead)
    rep2 = make_staff(company, "rep2", "Rana Two", lead)
    return boss, lead, rep1, rep2


@pytest.fixture
def contacts(company, customer_type, admin_user, team):
    """A contact rep1 may see (by a rule naming it) and one nobody but admins may."""
    seen = make_contact(
        company=company, contact_type=customer_type, actor=admin_user, name="Visible Trading"
    )
    hidden = make_contact(
        company=company, contact_type=customer_type, actor=admin_user, name="Secret Holdings"
    )
    rep1 = team[2]
    rule_save(
        actor=None,
        company=company,
        name="rep1 sees one",
        model="contacts.contact",
        actions=["view"],
        user=rep1.user,
        conditions=[{"field": "contact_type", "operator": "in", "values": [customer_type.pk]}],
    )
    return seen, hidden


def _home(client, user):
    client.force_login(user)
    response = client.get(reverse("home"))
    assert response.status_code == 200
    return response.content.decode()


def test_my_tasks_name_only_records_i_may_see(client, team, admin_user, company, customer_type):
    boss, lead, rep1, rep2 = team
    secret = make_contact(
        company=company, contact_type=customer_type, actor=admin_user, name="Secret Holdings"
    )
    due = clock.now() + dt.timedelta(days=1)
    task_create(
        actor=admin_user, assignees=[rep2], title="Call the secret one", due_at=due, record=secret
    )
    follow_up_create(
        actor=admin_user,
        assignee=rep2,
        due_at=clock.now() + dt.timedelta(minutes=5),
        purpose="Ring the secret one",
        channel="call",
        record=secret,
    )
    # rep2 hands a task about it to rep1: it shows among rep2's "initiated" too.
    task_create(actor=rep2.user, assignees=[rep1], title="Chase them", due_at=due, record=None)
    body = _home(client, rep2.user)
    assert "Call the secret one" in body and "Ring the secret one" in body
    assert "Chase them" in body
    assert "Secret Holdings" not in body and "not visible to you" in body
    # Someone outside the work sees none of it.
    outsider = _home(client, lead.user)
    assert "Ring the secret one" not in outsider


def test_widgets_show_my_work_and_my_team(client, team):
    boss, lead, rep1, rep2 = team
    due = clock.now() + dt.timedelta(hours=3)
    task_create(actor=lead.user, assignees=[rep1, rep2], title="Visit the fair", due_at=due)
    task_create(
        actor=lead.user,
        assignees=[rep2],
        title="Late report",
        due_at=clock.now() - dt.timedelta(hours=2),
    )
    follow_up_create(
        actor=rep1.user,
        assignee=rep1,
        due_at=clock.now() + dt.timedelta(minutes=30),
        purpose="Ring the buyer",
        channel="call",
    )
    rep1_home = _home(client, rep1.user)
    assert "Visit the fair" in rep1_home and "Ring the buyer" in rep1_home
    assert "Late report" not in rep1_home  # rep2's, not mine
    lead_home = _home(client, lead.user)
    # The lead initiated them: the parent shows its copies' progress; the team summary counts.
    assert "0 of 2 done" in lead_home and "Late report" in lead_home
    assert "Rami One" in lead_home and "Rana Two" in lead_home
    # rep1 has no reports: no team card.
    assert "Done this week" not in rep1_home and "Done this week" in lead_home


def test_done_and_progress_in_place(client, team):
    boss, lead, rep1, rep2 = team
    task = task_create(
        actor=lead.user,
        assignees=[rep1],
        title="Send the catalogue",
        due_at=clock.now() + dt.timedelta(days=1),
    )
    client.force_login(rep1.user)
    more = client.get(
        reverse("activities:dashboard_task_actions", args=[task.pk]), HTTP_HX_REQUEST="true"
    )
    assert more.status_code == 200 and f"task-actions-{task.pk}" in more.content.decode()
    done = client.post(
        reverse("activities:task_report", args=[task.pk]),
        {"status": "done", "remark": ""},
        HTTP_HX_REQUEST="true",
    )
    assert done.status_code == 200
    task.refresh_from_db()
    assert task.status == TaskStatus.DONE
    # Someone who may not change it gets nothing.
    client.force_login(rep2.user)
    other = client.get(reverse("activities:dashboard_task_actions", args=[task.pk]))
    assert other.status_code == 404


def test_the_dashboard_costs_the_same_with_many_tasks(client, team):
    boss, lead, rep1, rep2 = team

    def count():
        client.force_login(lead.user)
        client.get(reverse("home"))
        with CaptureQueriesContext(connection) as captured:
            assert client.get(reverse("home")).status_code == 200
        return len(captured)

    def work(n):
        task = task_create(
            actor=lead.user,
            assignees=[rep1, rep2],
            title=f"Task {n}",
            due_at=clock.now() + dt.timedelta(hours=n),
        )
        follow_up_create(
            actor=lead.user,
            assignee=lead,
            due_at=clock.now() + dt.timedelta(minutes=n),
            purpose=f"Follow {n}",
            channel="call",
        )
        copy = Task.objects.filter(parent=task, assignee=rep1).first()
        task_report(actor=rep1.user, task=copy, status="done", remark="")

    work(0)  # one of each kind of row the widgets show
    few = count()
    for n in range(1, 12):
        work(n)
    assert count() == few

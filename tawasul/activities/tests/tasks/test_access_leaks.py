"""Who sees which task, and that a task about a record its reader may not see never names it.

Three parts:
- the access kit (`tawasul.access.testkit`): drawn record rules over the task's declared link
  fields (assignee, initiator, the contact's link fields) against the kit's oracle on the list
  (every keyset page), each record page, the API list and records, and API PATCH. The kit's
  oracle knows rules, not the involvement clause, so the kit's tasks are given and done by
  people outside the kit user's reports-to subtree (its boss and its peer): involvement then
  adds nothing and the rules alone decide;
- the involvement clause (tasks_access.task_involvement), against its own oracle: initiator,
  assignees past and present, and their managers up the chain, for every pair of people;
- hidden records: a task about a contact its reader may not see shows "(not visible to you)"
  and never the contact's name on the list, page, actions' answers, API, export and timeline.
"""

import itertools

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from tawasul.access.testkit import LeakSpec, leak_tests
from tawasul.activities.models import Task, TaskParticipant
from tawasul.activities.tasks_selectors import record_timeline
from tawasul.activities.tasks_services import task_create, task_forward
from tawasul.contacts.tests import test_access_leaks as contact_kit
from tawasul.core import clock

pytestmark = pytest.mark.django_db

PREFIX = "contact__"


def _make(*, company, name, **links):
    """A task through the service, about a contact made with the drawn contact links."""
    contact_links = {k[len(PREFIX) :]: v for k, v in links.items() if k.startswith(PREFIX)}
    contact = contact_kit._make(company=company, name=f"Subject of {name[:6]}", **contact_links)
    assignee = links.get("assignee")
    if assignee is None:
        from tawasul.org.models import Employee

        assignee = Employee.objects.filter(company=company).order_by("pk").first()
    return task_create(
        actor=None,
        assignees=[assignee],
        title=name,
        due_at=clock.now(),
        record=contact,
        initiator=links.get("initiator"),
    )


def _values(company, world) -> dict[str, list]:
    contact = {f"{PREFIX}{k}": v for k, v in contact_kit._values(company, world).items()}
    outside = [world.employees["boss"].pk, world.employees["peer"].pk]
    employees = [e.pk for e in world.employees.values()]
    return {
        **contact,
        "assignee": outside,
        "initiator": outside,
        f"{PREFIX}representative": employees,
        f"{PREFIX}coordinator": employees,
        f"{PREFIX}manager": employees,
    }


def _make_in_kit(*, company, name, **links):
    if company.code != "KIT-A":  # the other company's tasks: its own employee
        from tawasul.org.tests.factories import EmployeeFactory

        links["assignee"] = EmployeeFactory(company=company, user=None, name=f"Other {name}")
    return _make(company=company, name=name, **links)


SPEC = LeakSpec(
    model=Task,
    make=_make_in_kit,
    link_values=_values,
    list_url="activities:task_list",
    detail_url="activities:task_detail",
    api_list="/api/tasks/",
    search_url=None,
    patch={"title": "Checked by the kit"},
    name=lambda task: task.title,
    export_name_column="Title",
)

kit_world, test_reads_match_the_rules, test_writes_match_the_rules = leak_tests(SPEC)


# --- involvement ------------------------------------------------------------------------


def _people(org):
    return [org.boss, org.lead, org.rep1, org.rep2, org.peer]


def _oracle(reader, task) -> bool:
    """Initiator or any assignee past or present, or a manager of one of them."""
    involved = TaskParticipant.objects.filter(task=task).select_related("employee")
    return any(p.employee.path.startswith(reader.path) for p in involved)


@pytest.fixture
def every_pair(org, due):
    made = []
    for initiator, assignee in itertools.product(_people(org), repeat=2):
        made.append(
            task_create(
                actor=initiator.user,
                assignees=[assignee],
                title=f"From {initiator.code} to {assignee.code}",
                due_at=due,
            )
        )
    # Forwards: the past assignee keeps seeing the task.
    for task in made[:5]:
        to = org.peer if task.assignee != org.peer else org.rep2
        task_forward(actor=task.assignee.user, task=task, to=to, instruction="Over to you")
    return made


def _walk(client, url) -> set[int]:
    ids, cursor = set(), None
    while True:
        page = client.get(url, {"cursor": cursor} if cursor else {})
        assert page.status_code == 200
        ids |= {row.pk for row in page.context["page"].rows}
        cursor = page.context["page"].next_cursor
        if not cursor:
            return ids


def test_involvement_matches_the_oracle(client, org, every_pair):
    api = APIClient()
    for reader in _people(org):
        expected = {t.pk for t in every_pair if _oracle(reader, t)}
        assert set(Task.objects.restrict(reader.user, "view").values_list("pk", flat=True)) == (
            expected
        ), reader.code
        client.force_login(reader.user)
        assert _walk(client, reverse("activities:task_list")) == expected, reader.code
        for task in every_pair:
            page = client.get(reverse("activities:task_detail", args=[task.pk]))
            assert page.status_code == (200 if task.pk in expected else 404)
        api.force_authenticate(reader.user)
        seen, url = set(), "/api/tasks/?page_size=7"
        while url:
            answer = api.get(url).json()
            seen |= {row["id"] for row in answer["results"]}
            url = answer["next"]
        assert seen == expected, reader.code


# --- hidden records -----------------------------------------------------------------------

HIDDEN = "Zebra Hidden Stores"


@pytest.fixture
def hidden_task(org, due, customer_type):
    contact = contact_kit.make_contact(company=org.company, contact_type=customer_type, name=HIDDEN)
    task = task_create(
        actor=None,
        assignees=[org.rep1],
        title="About a hidden contact",
        due_at=due,
        record=contact,
        initiator=org.lead,
    )
    return task, contact


def _text(response) -> str:
    if response.streaming:
        return response.getvalue().decode("utf-8-sig")
    return response.content.decode()


def test_hidden_contact_never_named(client, org, hidden_task):
    task, contact = hidden_task
    client.force_login(org.rep1.user)
    api = APIClient()
    api.force_authenticate(org.rep1.user)
    answers = [
        client.get(reverse("activities:task_list")),
        client.get(reverse("activities:task_list"), {"scope": "mine"}),
        client.get(reverse("activities:task_detail", args=[task.pk])),
        client.get(reverse("activities:task_export")),
        client.get(reverse("activities:task_export"), {"format": "csv", "pk": task.pk}),
        client.post(
            reverse("activities:task_report", args=[task.pk]),
            {"status": "in_progress", "remark": "Going"},
            HTTP_HX_REQUEST="true",
        ),
        client.post(
            reverse("activities:task_forward", args=[task.pk]),
            {"to": org.rep2.pk, "instruction": "Yours"},
            HTTP_HX_REQUEST="true",
        ),
        api.get("/api/tasks/"),
        api.get(f"/api/tasks/{task.pk}/"),
    ]
    for answer in answers:
        body = _text(answer)
        assert answer.status_code == 200, body[:500]
        assert HIDDEN not in body
        assert f"/contacts/{contact.pk}/" not in body
    assert "not visible to you" in _text(
        client.get(reverse("activities:task_detail", args=[task.pk]))
    )
    # The contact's timeline lists its tasks to readers of the contact, never the name itself.
    for entry in record_timeline(org.lead.user, contact, before=None, limit=10):
        assert HIDDEN not in entry.title


def test_notifications_never_name_the_hidden_contact(org, hidden_task):
    from tawasul.activities.models import Notification

    for note in Notification.objects.all():
        assert HIDDEN not in note.title and HIDDEN not in note.body

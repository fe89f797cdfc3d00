"""The task services: create (copies), report, forward, edit, parent closing, who sees what."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from tawasul.activities.models import Notification, Task, TaskEvent, TaskParticipant
from tawasul.activities.tasks_services import task_create, task_forward, task_report, task_update
from tawasul.contacts.tests.factories import make_contact
from tawasul.org.tests.factories import CompanyFactory, EmployeeFactory

from .conftest import make_staff


def visible(user):
    return set(Task.objects.restrict(user, "view").values_list("pk", flat=True))


def test_one_assignee_makes_one_task(org, due):
    task = task_create(actor=org.lead.user, assignees=[org.rep1], title="Call back", due_at=due)
    assert task.assignee == org.rep1 and task.initiator == org.lead and task.parent is None
    assert set(task.participants.values_list("employee_id", flat=True)) == {
        org.lead.pk,
        org.rep1.pk,
    }
    assert list(task.events.values_list("verb", flat=True)) == ["created"]
    note = Notification.objects.get(recipient=org.rep1.user)
    assert note.kind == "task.assigned" and "Call back" in note.title
    assert not Notification.objects.filter(recipient=org.lead.user).exists()


def test_several_assignees_make_a_parent_with_copies(org, due):
    parent = task_create(
        actor=org.lead.user, assignees=[org.rep1, org.rep2], title="Visit", due_at=due
    )
    assert parent.assignee is None and parent.is_parent
    copies = list(parent.copies.order_by("pk"))
    assert [c.assignee for c in copies] == [org.rep1, org.rep2]
    assert all(c.initiator == org.lead and c.title == "Visit" for c in copies)
    assert set(parent.participants.values_list("employee_id", flat=True)) == {
        org.lead.pk,
        org.rep1.pk,
        org.rep2.pk,
    }
    for copy in copies:
        assert set(copy.participants.values_list("employee_id", flat=True)) == {
            org.lead.pk,
            copy.assignee_id,
        }
    assert Notification.objects.filter(kind="task.assigned").count() == 2


def test_parent_closes_when_all_copies_are_done_or_cancelled(org, due):
    parent = task_create(
        actor=org.lead.user, assignees=[org.rep1, org.rep2], title="Visit", due_at=due
    )
    one, two = parent.copies.order_by("pk")
    task_report(actor=org.rep1.user, task=one, status="in_progress", remark="On my way")
    parent.refresh_from_db()
    assert parent.status == "in_progress"
    task_report(actor=org.rep1.user, task=one, status="done", remark="Visited")
    parent.refresh_from_db()
    assert parent.status == "in_progress"
    task_report(actor=org.rep2.user, task=two, status="cancelled", remark="Shop closed")
    parent.refresh_from_db()
    assert parent.status == "done" and parent.completed_at is not None
    assert parent.events.filter(verb="copies", to_status="done").exists()
    # A copy reopening reopens the parent.
    task_report(actor=org.rep1.user, task=one, status="open", remark="Forgot the invoice")
    parent.refresh_from_db()
    assert parent.status == "in_progress" and parent.completed_at is None


def test_parent_all_cancelled_is_cancelled(org, due):
    parent = task_create(
        actor=org.lead.user, assignees=[org.rep1, org.rep2], title="Visit", due_at=due
    )
    for copy in parent.copies.all():
        task_report(actor=copy.assignee.user, task=copy, status="cancelled", remark="No")
    parent.refresh_from_db()
    assert parent.status == "cancelled"


def test_initiator_cancelling_a_parent_cancels_its_open_copies(org, due):
    parent = task_create(
        actor=org.lead.user, assignees=[org.rep1, org.rep2], title="Visit", due_at=due
    )
    task_report(actor=org.lead.user, task=parent, status="cancelled", remark="Plan changed")
    assert set(parent.copies.values_list("status", flat=True)) == {"cancelled"}
    parent.refresh_from_db()
    assert parent.status == "cancelled"


def test_report_trail_and_initiator_told(org, due):
    task = task_create(actor=org.lead.user, assignees=[org.rep1], title="Quote", due_at=due)
    task_report(actor=org.rep1.user, task=task, status="in_progress", remark="Started")
    task_report(actor=org.rep1.user, task=task, status="in_progress", remark="Half way")
    task_report(actor=org.rep1.user, task=task, status="done", remark="Sent")
    trail = list(task.events.order_by("at", "pk").values_list("verb", "to_status", "remark"))
    assert trail == [
        ("created", "open", ""),
        ("start", "in_progress", "Started"),
        ("progress", "in_progress", "Half way"),
        ("done", "done", "Sent"),
    ]
    assert all(e.actor == org.rep1.user for e in task.events.exclude(verb="created"))
    task.refresh_from_db()
    assert task.status == "done" and task.completed_at is not None
    assert (
        Notification.objects.filter(recipient=org.lead.user, kind="task.status_changed").count()
        == 2
    )


def test_only_the_assignee_reports(org, due):
    task = task_create(actor=org.lead.user, assignees=[org.rep1], title="Quote", due_at=due)
    with pytest.raises(ValidationError) as err:
        task_report(actor=org.lead.user, task=task, status="done", remark="")
    assert "status" in err.value.message_dict
    with pytest.raises((ValidationError, PermissionDenied)):
        task_report(actor=org.peer.user, task=task, status="done", remark="")
    task.refresh_from_db()
    assert task.status == "open" and task.events.count() == 1
    # The initiator may cancel.
    task_report(actor=org.lead.user, task=task, status="cancelled", remark="Not needed")
    task.refresh_from_db()
    assert task.status == "cancelled"


def test_refused_move_is_a_field_error(org, due):
    task = task_create(actor=org.lead.user, assignees=[org.rep1], title="Quote", due_at=due)
    with pytest.raises(ValidationError) as err:
        task_report(actor=org.rep1.user, task=task, status="open", remark="")
    assert "remark" in err.value.message_dict  # the same status: a remark is the report
    task_report(actor=org.rep1.user, task=task, status="in_progress", remark="")
    with pytest.raises(ValidationError) as err:
        task_report(actor=org.rep1.user, task=task, status="open", remark="")
    assert "status" in err.value.message_dict
    with pytest.raises(ValidationError) as err:
        task_report(actor=org.rep1.user, task=task, status="bogus", remark="")
    assert "status" in err.value.message_dict


def test_forward_trail_participants_and_notices(org, due):
    task = task_create(actor=org.lead.user, assignees=[org.rep1], title="Quote", due_at=due)
    task_forward(actor=org.rep1.user, task=task, to=org.rep2, instruction="You know them")
    task.refresh_from_db()
    assert task.assignee == org.rep2
    step = task.events.get(verb="forward")
    assert step.data == {"from": org.rep1.pk, "to": org.rep2.pk}
    assert step.remark == "You know them" and step.actor == org.rep1.user
    assert TaskParticipant.objects.filter(task=task, employee=org.rep2).exists()
    assert Notification.objects.filter(recipient=org.rep2.user, kind="task.forwarded").exists()
    assert Notification.objects.filter(recipient=org.lead.user, kind="task.forwarded").exists()
    # The past assignee still sees it but no longer reports on it.
    assert task.pk in visible(org.rep1.user)
    with pytest.raises((ValidationError, PermissionDenied)):
        task_report(actor=org.rep1.user, task=task, status="done", remark="")
    task_report(actor=org.rep2.user, task=task, status="done", remark="Done")


def test_forward_refusals(org, due):
    task = task_create(actor=org.lead.user, assignees=[org.rep1], title="Quote", due_at=due)
    with pytest.raises(ValidationError) as err:
        task_forward(actor=org.lead.user, task=task, to=org.rep2, instruction="x")
    assert "to" in err.value.message_dict
    with pytest.raises(ValidationError) as err:
        task_forward(actor=org.rep1.user, task=task, to=org.rep2, instruction="")
    assert "instruction" in err.value.message_dict
    outsider = EmployeeFactory(company=CompanyFactory(code="OTH"), name="Other Co")
    with pytest.raises(ValidationError) as err:
        task_forward(actor=org.rep1.user, task=task, to=outsider, instruction="x")
    assert "to" in err.value.message_dict
    task.refresh_from_db()
    assert task.assignee == org.rep1 and not task.events.filter(verb="forward").exists()


def test_refused_assignees_change_nothing(org, due):
    outsider = EmployeeFactory(company=CompanyFactory(code="OTH"), name="Other Co")
    inactive = make_staff(org.company, "gone", "Gone Away", org.lead)
    inactive.is_active = False
    inactive.save()
    for bad in ([outsider], [inactive], [], [org.rep1, org.rep1]):
        with pytest.raises(ValidationError) as err:
            task_create(actor=org.lead.user, assignees=bad, title="X", due_at=due)
        assert "assignees" in err.value.message_dict
    with pytest.raises(ValidationError) as err:
        task_create(actor=org.lead.user, assignees=[org.rep1], title="X", due_at=None)
    assert "due_at" in err.value.message_dict
    assert not Task.objects.exists() and not Notification.objects.exists()


def test_a_record_rule_on_assignees_narrows_who_may_be_given_tasks(org, due):
    from tawasul.access.services import rule_save

    rule_save(
        actor=None,
        company=org.company,
        name="Tasks of my team",
        model="activities.task",
        actions=["view", "change"],
        user=org.lead.user,
        conditions=[{"field": "assignee", "operator": "is_me_or_team", "values": []}],
    )
    task_create(actor=org.lead.user, assignees=[org.rep1], title="Fine", due_at=due)
    with pytest.raises(ValidationError) as err:
        task_create(actor=org.lead.user, assignees=[org.peer], title="No", due_at=due)
    assert "assignees" in err.value.message_dict


def test_record_must_be_visible_to_the_actor(org, due, customer_type):
    contact = make_contact(company=org.company, contact_type=customer_type, name="Hidden Co")
    with pytest.raises(ValidationError) as err:
        task_create(
            actor=org.rep1.user, assignees=[org.rep2], title="X", due_at=due, record=contact
        )
    assert "record" in err.value.message_dict
    task = task_create(actor=None, assignees=[org.rep2], title="X", due_at=due, record=contact)
    assert task.contact_id == contact.pk and task.subject_id == contact.pk
    assert task.initiator is None


def test_who_sees_a_task(org, due):
    task = task_create(actor=org.lead.user, assignees=[org.rep1], title="Quote", due_at=due)
    for person in (org.lead, org.rep1, org.boss):
        assert task.pk in visible(person.user), person
    for person in (org.rep2, org.peer):
        assert task.pk not in visible(person.user), person
    task_forward(actor=org.rep1.user, task=task, to=org.peer, instruction="Please")
    assert task.pk in visible(org.peer.user)
    assert task.pk in visible(org.rep1.user)  # a past assignee
    assert task.pk not in visible(org.rep2.user)


def test_update_by_initiator_not_assignee(org, due):
    parent = task_create(
        actor=org.lead.user, assignees=[org.rep1, org.rep2], title="Visit", due_at=due
    )
    task_update(actor=org.lead.user, task=parent, title="Visit both", priority="high")
    assert set(parent.copies.values_list("title", "priority")) == {("Visit both", "high")}
    assert parent.events.filter(verb="updated").exists()
    copy = parent.copies.first()
    with pytest.raises(PermissionDenied):
        task_update(actor=copy.assignee.user, task=copy, title="Mine now")
    with pytest.raises(ValidationError) as err:
        task_update(actor=org.lead.user, task=parent, title=" ")
    assert "title" in err.value.message_dict


def test_trail_is_kept_in_order(org, due):
    task = task_create(actor=org.lead.user, assignees=[org.rep1], title="Quote", due_at=due)
    task_report(actor=org.rep1.user, task=task, status="waiting", remark="Waiting for price")
    task_forward(actor=org.rep1.user, task=task, to=org.rep2, instruction="Take over")
    task_report(actor=org.rep2.user, task=task, status="done", remark="Sent")
    verbs = list(
        TaskEvent.objects.filter(document=task).order_by("at", "pk").values_list("verb", flat=True)
    )
    assert verbs == ["created", "wait", "forward", "done"]


def test_cancelling_a_parent_with_a_done_copy_leaves_it_done(org, due):
    parent = task_create(
        actor=org.lead.user, assignees=[org.rep1, org.rep2], title="Visit", due_at=due
    )
    one = parent.copies.get(assignee=org.rep1)
    task_report(actor=org.rep1.user, task=one, status="done", remark="Visited")
    task_report(actor=org.lead.user, task=parent, status="cancelled", remark="Enough")
    assert dict(parent.copies.values_list("assignee_id", "status")) == {
        org.rep1.pk: "done",
        org.rep2.pk: "cancelled",
    }
    parent.refresh_from_db()
    assert parent.status == "done"


def test_a_task_is_refused_for_someone_who_cannot_sign_in_and_for_far_dates(org, due):
    org.rep2.user.is_active = False
    org.rep2.user.save()
    with pytest.raises(ValidationError) as refused:
        task_create(actor=org.lead.user, assignees=[org.rep2], title="Call", due_at=due)
    assert "assignees" in refused.value.message_dict
    task = task_create(actor=org.lead.user, assignees=[org.rep1], title="Call", due_at=due)
    with pytest.raises(ValidationError) as refused:
        task_forward(actor=org.rep1.user, task=task, to=org.rep2, instruction="yours")
    assert "to" in refused.value.message_dict
    for year in (1900, 9999):
        with pytest.raises(ValidationError) as refused:
            task_create(
                actor=org.lead.user,
                assignees=[org.rep1],
                title="Call",
                due_at=due.replace(year=year),
            )
        assert "due_at" in refused.value.message_dict

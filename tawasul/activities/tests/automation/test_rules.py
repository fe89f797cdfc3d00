"""Automatic task rules: the service's refusals at their fields, the editor's choices (only the
trigger's fields and people), conditions, targets, due dates in working days, and tasks made
once per event however often the job runs."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from tawasul.activities.automation_forms import AutomaticTaskRuleForm, ConditionForm
from tawasul.activities.automation_services import (
    automatic_task_rule_save,
    automatic_tasks_fire,
    conditions_hold,
    message_template_save,
)
from tawasul.activities.models import AutomaticTaskRule, Task
from tawasul.activities.tasks_services import task_create
from tawasul.activities.triggers import get_trigger, triggers
from tawasul.contacts.choices import Lifecycle
from tawasul.contacts.models import Contact
from tawasul.contacts.services import (
    contact_bulk_assign,
    contact_set_lifecycle,
    contact_update,
)
from tawasul.contacts.tests.factories import AreaFactory, make_contact
from tawasul.core import clock

pytestmark = pytest.mark.django_db


def _rule(world, **fields):
    values = {
        "company_id": world.company.pk,
        "name": "Welcome new contacts",
        "event": "contact.created",
        "target": "representative",
        "due_in_days": 2,
        "template": world.welcome,
        **fields,
    }
    return automatic_task_rule_save(actor=world.admin.user, **values)


def _created(world, new_contact, capture, **data):
    with capture(execute=True):
        return new_contact(**data)


def test_a_new_contact_gets_its_welcome_task_once(
    world, new_contact, django_capture_on_commit_callbacks, monday
):
    rule = _rule(world)
    contact = _created(world, new_contact, django_capture_on_commit_callbacks, name="Al Noor")
    task = Task.objects.get(rule=rule)
    assert task.assignee == world.rep
    assert task.title == "Welcome call: Al Noor"
    assert task.description == "Hello Rami,\nplease call Al Noor."
    assert task.contact_id == contact.pk and task.initiator is None
    # Monday + 2 working days (Sunday to Thursday): Wednesday, same time.
    assert task.due_at == monday + dt.timedelta(days=2)
    # The job runs again (a retry, a second worker): nothing new.
    again = automatic_tasks_fire(event="contact.created", payload={"contact_id": contact.pk})
    assert again == []
    assert Task.objects.filter(rule=rule).count() == 1


def test_a_rule_of_another_event_or_inactive_does_nothing(
    world, new_contact, django_capture_on_commit_callbacks
):
    _rule(world, name="Off", is_active=False)
    _rule(world, name="Lifecycle", event="contact.lifecycle_changed")
    _created(world, new_contact, django_capture_on_commit_callbacks)
    assert not Task.objects.exists()


def test_each_lifecycle_change_is_its_own_occurrence(
    world, new_contact, django_capture_on_commit_callbacks
):
    rule = _rule(world, event="contact.lifecycle_changed")
    contact = new_contact(lifecycle=Lifecycle.TARGET)
    for stage in (Lifecycle.PROSPECT, Lifecycle.TARGET):
        with django_capture_on_commit_callbacks(execute=True):
            contact_set_lifecycle(actor=world.admin.user, contact=contact, stage=stage)
    assert Task.objects.filter(rule=rule).count() == 2


def test_a_bulk_reassignment_gives_one_task_per_contact(
    world, new_contact, django_capture_on_commit_callbacks
):
    rule = _rule(world, event="contact.assigned", target="representative")
    first, second = new_contact(name="One"), new_contact(name="Two")
    with django_capture_on_commit_callbacks(execute=True):
        contact_bulk_assign(
            actor=None,
            contacts=Contact.objects.filter(pk__in=[first.pk, second.pk]),
            representative=world.blind,
        )
    tasks = Task.objects.filter(rule=rule)
    assert sorted(tasks.values_list("contact_id", flat=True)) == [first.pk, second.pk]
    assert {task.assignee for task in tasks} == {world.blind}


def test_editing_one_contacts_representative_is_a_reassignment(
    world, new_contact, django_capture_on_commit_callbacks
):
    rule = _rule(world, event="contact.assigned", target="representative")
    contact = new_contact(name="Alone")
    with django_capture_on_commit_callbacks(execute=True):
        contact_update(actor=None, contact=contact, data={"representative": world.blind})
    assert list(Task.objects.filter(rule=rule).values_list("contact_id", "assignee")) == [
        (contact.pk, world.blind.pk)
    ]
    # An edit that leaves the representative alone is no re-assignment.
    with django_capture_on_commit_callbacks(execute=True):
        contact_update(actor=None, contact=contact, data={"name": "Alone again"})
    assert Task.objects.filter(rule=rule).count() == 1


def test_conditions_on_the_records_link_fields(
    world, new_contact, django_capture_on_commit_callbacks
):
    riyadh = AreaFactory(company=world.company, name="Riyadh", level="region")
    olaya = AreaFactory(company=world.company, name="Olaya", parent=riyadh)
    jeddah = AreaFactory(company=world.company, name="Jeddah", level="region")
    rule = _rule(
        world,
        conditions=[
            {"field": "area", "operator": "in_subtree", "values": [riyadh.pk]},
            {"field": "lifecycle", "operator": "in", "values": ["target", "prospect"]},
        ],
    )
    trigger = get_trigger("contact.created")
    inside = new_contact(area=olaya, lifecycle=Lifecycle.PROSPECT)
    outside = new_contact(area=jeddah, lifecycle=Lifecycle.PROSPECT)
    customer = new_contact(area=riyadh, lifecycle=Lifecycle.CUSTOMER)
    assert conditions_hold(rule, trigger, inside)
    assert not conditions_hold(rule, trigger, outside)
    assert not conditions_hold(rule, trigger, customer)
    _created(world, new_contact, django_capture_on_commit_callbacks, area=olaya, name="In")
    _created(world, new_contact, django_capture_on_commit_callbacks, area=jeddah, name="Out")
    assert list(Task.objects.values_list("title", flat=True)) == ["Welcome call: In"]


@pytest.mark.parametrize(
    ("target", "expected"),
    [
        ("representative", ["rep"]),
        ("manager", ["manager"]),
        ("actor_manager", ["manager"]),
        ("user", ["admin"]),
        ("role", ["rep", "blind"]),
        ("coordinator", []),
    ],
)
def test_targets(world, new_contact, django_capture_on_commit_callbacks, target, expected):
    extra = {"target_user": world.admin} if target == "user" else {}
    if target == "role":
        extra = {"target_role": world.role}
    rule = _rule(world, target=target, **extra)
    with django_capture_on_commit_callbacks(execute=True):
        make_contact(
            company=world.company,
            contact_type=world.customer,
            actor=None,
            representative=world.rep,
        )
    # actor_manager needs an actor: fire again as the representative.
    if target == "actor_manager":
        contact = Contact.objects.get()
        automatic_tasks_fire(
            event="contact.created",
            payload={"contact_id": contact.pk, "actor_id": world.rep.user_id},
            origin_key="again",
        )
    people = {getattr(world, name).pk for name in expected}
    assert set(Task.objects.filter(rule=rule).values_list("assignee_id", flat=True)) == people


def test_the_rule_service_refuses_at_the_fields(world):
    world.blind.user.is_active = False
    world.blind.user.save()
    task_template = message_template_save(
        actor=None, company_id=world.company.pk, name="Task", kind="task", subject_en="T"
    )
    cases = [
        ({"event": "nothing.happened"}, "event"),
        ({"target": "user", "target_user": world.blind}, "target_user"),
        ({"target": "user"}, "target_user"),
        ({"target": "role"}, "target_role"),
        ({"target": "assignee"}, "target"),  # a task's person, not a contact's
        ({"template": task_template}, "template"),
        (
            {"conditions": [{"field": "assignee", "operator": "in", "values": [1]}]},
            "conditions.0.field",
        ),
        (
            {"conditions": [{"field": "area", "operator": "is_me", "values": []}]},
            "conditions.0.operator",
        ),
        (
            {"conditions": [{"field": "lifecycle", "operator": "in", "values": ["x"]}]},
            "conditions.0.values",
        ),
        (
            {"conditions": [{"field": "area", "operator": "in", "values": [999999]}]},
            "conditions.0.values",
        ),
    ]
    for fields, field in cases:
        with pytest.raises(ValidationError) as caught:
            _rule(world, **fields)
        assert field in caught.value.message_dict, (fields, caught.value.message_dict)
    assert not AutomaticTaskRule.objects.exists()


def test_a_template_used_by_a_rule_keeps_its_kind(world):
    _rule(world)
    with pytest.raises(ValidationError) as caught:
        message_template_save(actor=None, instance=world.welcome, kind="task")
    assert "kind" in caught.value.message_dict


def test_the_editor_offers_exactly_the_triggers_fields_and_people(world):
    assert {t.event for t in triggers()} >= {
        "contact.created",
        "contact.lifecycle_changed",
        "contact.assigned",
        "task.overdue",
    }
    overdue = get_trigger("task.overdue")
    fields = dict(ConditionForm(trigger=overdue, user=world.admin.user).fields["field"].choices)
    assert {"assignee", "initiator", "contact__area"} <= set(fields)
    assert "lifecycle" not in fields
    created = get_trigger("contact.created")
    fields = dict(ConditionForm(trigger=created, user=world.admin.user).fields["field"].choices)
    assert {"area", "lifecycle", "representative"} <= set(fields)
    assert "assignee" not in fields
    row = ConditionForm(
        {"field": "lifecycle"}, trigger=created, user=world.admin.user, company_id=world.company.pk
    )
    assert dict(row.fields["values"].choices) == dict(Lifecycle.choices)
    assert [op for op, _label in row.fields["operator"].choices] == ["in"]
    form = AutomaticTaskRuleForm(user=world.admin.user, trigger=overdue)
    targets = dict(form.fields["target"].choices)
    assert set(targets) == {"assignee", "initiator", "manager", "representative", "user", "role"}
    assert list(form.fields["template"].queryset) == []  # no template written for tasks
    form = AutomaticTaskRuleForm(user=world.admin.user, trigger=created)
    assert list(form.fields["template"].queryset) == [world.welcome]
    assert "actor_manager" in dict(form.fields["target"].choices)


def test_an_overdue_task_fires_its_rule(world, new_contact, django_capture_on_commit_callbacks):
    template = message_template_save(
        actor=None,
        company_id=world.company.pk,
        name="Late",
        kind="task",
        subject_en="Late: {{ task.title }} ({{ task.assignee.name }})",
    )
    rule = _rule(world, event="task.overdue", target="manager", template=template)
    task = task_create(
        actor=None, assignees=[world.rep], title="Quote", due_at=clock.now(), initiator=world.admin
    )
    made = automatic_tasks_fire(event="task.overdue", payload={"task_id": task.pk})
    assert [(t.assignee, t.title) for t in made] == [(world.manager, "Late: Quote (Rami Rep)")]
    assert automatic_tasks_fire(event="task.overdue", payload={"task_id": task.pk}) == []
    assert Task.objects.filter(rule=rule).count() == 1


def test_a_rule_created_after_the_event_does_not_act_on_it(world, new_contact):
    contact = new_contact(name="Before")
    with clock.frozen(clock.now() + dt.timedelta(hours=1)):
        _rule(world)
    made = automatic_tasks_fire(event="contact.created", payload={"contact_id": contact.pk})
    assert made == []

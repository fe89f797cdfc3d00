"""The automation part of the demo company: message templates in English and Arabic, automatic
task rules on the contacts' events, and a few contacts created, won and re-assigned through
the services so the rules have fired when the demo opens."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_noop

from tawasul.contacts.choices import Lifecycle
from tawasul.contacts.models import Contact, ContactType
from tawasul.contacts.services import contact_bulk_assign, contact_create, contact_set_lifecycle

from .automation_services import (
    automatic_task_rule_save,
    automatic_tasks_fire,
    message_template_save,
)
from .choices import Priority
from .triggers import get_trigger

TEMPLATES: dict[str, dict[str, Any]] = {
    "welcome": {
        "name": gettext_noop("Welcome call"),
        "kind": "contact",
        "subject_en": "Welcome call: {{ contact.name }}",
        "body_en": (
            "Hello {{ recipient.first_name }},\n\n"
            "{{ contact.name }} ({{ contact.code }}) is new in {{ contact.area|default('-') }}. "
            "Call them within a day, introduce yourself and note what they buy."
        ),
        "subject_ar": "مكالمة ترحيب: {{ contact.name }}",
        "body_ar": (
            "مرحبًا {{ recipient.first_name }}،\n\n"
            "{{ contact.name }} ({{ contact.code }}) جهة جديدة في {{ contact.area|default('-') }}. "
            "اتصل بها خلال يوم، وعرّف بنفسك وسجّل ما تشتريه."
        ),
    },
    "lifecycle": {
        "name": gettext_noop("Lifecycle change"),
        "kind": "contact",
        "subject_en": "{{ contact.name }} is now {{ change.new }}",
        "body_en": (
            "{{ contact.name }} moved from {{ change.old }} to {{ change.new }}"
            "{% if actor.name %} ({{ actor.name }}){% endif %}. "
            "Review the account with {{ contact.representative.name }}."
        ),
        "subject_ar": "{{ contact.name }} أصبح {{ change.new }}",
        "body_ar": (
            "انتقل {{ contact.name }} من {{ change.old }} إلى {{ change.new }}. "
            "راجع الحساب مع {{ contact.representative.name }}."
        ),
    },
    "handover": {
        "name": gettext_noop("Re-assignment handover"),
        "kind": "contact",
        "subject_en": "Handover: {{ contact.name }} is yours",
        "body_en": (
            "{{ contact.name }} is now represented by {{ contact.representative.name }}. "
            "Read the timeline and call them this week."
        ),
        "subject_ar": "تسليم: {{ contact.name }} أصبح لديك",
        "body_ar": (
            "يمثل {{ contact.representative.name }} الآن {{ contact.name }}. "
            "اقرأ السجل واتصل بهم هذا الأسبوع."
        ),
    },
    "overdue": {
        "name": gettext_noop("Overdue task"),
        "kind": "task",
        "subject_en": "Overdue: {{ task.title }} ({{ task.assignee.name }})",
        "body_en": (
            "{{ task.assignee.name }} has not finished “{{ task.title }}”, due "
            "{{ task.due|datetime }}{% if task.record %}, about {{ task.record }}{% endif %}."
        ),
        "subject_ar": "متأخرة: {{ task.title }} ({{ task.assignee.name }})",
        "body_ar": (
            "لم ينهِ {{ task.assignee.name }} المهمة «{{ task.title }}» المستحقة في "
            "{{ task.due|datetime }}."
        ),
    },
    "follow_up": {
        "name": gettext_noop("Follow-up purpose"),
        "kind": "follow_up",
        "subject_en": "{{ follow_up.channel }}: {{ follow_up.record }}",
        "body_en": "Check how the last order went and ask about next month's needs.",
        "subject_ar": "{{ follow_up.channel }}: {{ follow_up.record }}",
        "body_ar": "تحقق من سير آخر طلب واسأل عن احتياجات الشهر القادم.",
    },
    "reminder": {
        "name": gettext_noop("Reminder text"),
        "kind": "reminder",
        "subject_en": "Reminder: {{ reminder.title }}",
        "body_en": "{{ reminder.body|default('It is time.') }}",
        "subject_ar": "تذكير: {{ reminder.title }}",
        "body_ar": "{{ reminder.body|default('حان الوقت.') }}",
    },
}


def _fire(event: str, payload: dict) -> None:
    """Fire the rules now, under the key the after-commit handler will use (its job then finds
    the tasks made and creates nothing new)."""
    trigger = get_trigger(event)
    assert trigger is not None
    for single in trigger.payloads(payload):
        automatic_tasks_fire(event=event, payload=single, origin_key=trigger.key(single))


def build(demo) -> None:
    """Add the automation part of the demo (reads `demo.company`, `demo.employees`)."""
    company, employees = demo.company, demo.employees
    needed = ("rep.ahmed", "rep.khalid", "admin")
    customer = ContactType.objects.filter(company=company, code="customer").first()
    if customer is None or not all(name in employees for name in needed):
        return
    templates = {
        key: message_template_save(actor=None, company_id=company.pk, **fields)
        for key, fields in TEMPLATES.items()
    }
    rules = [
        ("Welcome call for new contacts", "contact.created", "representative", 1, "welcome", []),
        (
            "Account review when a contact becomes a customer",
            "contact.lifecycle_changed",
            "manager",
            2,
            "lifecycle",
            [{"field": "lifecycle", "operator": "in", "values": [Lifecycle.CUSTOMER]}],
        ),
        ("Handover after a re-assignment", "contact.assigned", "representative", 1, "handover", []),
        ("Tell the manager about overdue tasks", "task.overdue", "manager", 1, "overdue", []),
    ]
    for name, event, target, days, template, conditions in rules:
        automatic_task_rule_save(
            actor=None,
            company_id=company.pk,
            name=name,
            event=event,
            target=target,
            due_in_days=days,
            priority=Priority.HIGH if event == "task.overdue" else Priority.NORMAL,
            template=templates[template],
            conditions=conditions,
        )
    ahmed, khalid, admin = (employees[name] for name in needed)
    made = []
    for code, name, name_ar in (
        ("AUTO-1", "Al Waha Stationery", "الواحة للقرطاسية"),
        ("AUTO-2", "Najd Office Supplies", "نجد للمستلزمات المكتبية"),
        ("AUTO-3", "Red Sea Traders", "تجار البحر الأحمر"),
    ):
        contact = contact_create(
            actor=None,
            company=company,
            data={
                "contact_type": customer,
                "code": code,
                "name": name,
                "name_ar": name_ar,
                "representative": ahmed,
                "lifecycle": Lifecycle.PROSPECT,
            },
        )
        _fire("contact.created", {"contact_id": contact.pk, "actor_id": admin.user_id})
        made.append(contact)
    won = contact_set_lifecycle(actor=None, contact=made[0], stage=Lifecycle.CUSTOMER)
    _fire(
        "contact.lifecycle_changed",
        {
            "contact_id": won.pk,
            "actor_id": None,
            "old": Lifecycle.PROSPECT,
            "new": Lifecycle.CUSTOMER,
        },
    )
    moved = [made[2].pk]
    contact_bulk_assign(
        actor=None, contacts=Contact.objects.filter(pk__in=moved), representative=khalid
    )
    _fire(
        "contact.assigned", {"contact_ids": moved, "actor_id": None, "fields": ["representative"]}
    )

"""Message templates: validation at save (the line and the reason at the right field), the
recipient's language with the English fallback, the safe fallback of a broken template, and
contexts that never name a record the recipient may not view."""

import logging

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from tawasul.activities.automation_context import build_contact
from tawasul.activities.automation_services import (
    message_template_delete,
    message_template_preview,
    message_template_save,
)
from tawasul.activities.messages import render_message
from tawasul.activities.models import MessageTemplate
from tawasul.activities.tasks_services import task_create
from tawasul.core import clock, templating
from tawasul.core.models import UserPreference
from tawasul.core.widgets import HIDDEN_LABEL

pytestmark = pytest.mark.django_db


def _save(world, **texts):
    fields = {"subject_en": "Hello", "body_en": "", "subject_ar": "", "body_ar": "", **texts}
    return message_template_save(
        actor=world.admin.user, company_id=world.company.pk, name="T", kind="contact", **fields
    )


def test_an_unknown_placeholder_is_refused_at_its_field_with_the_line(world):
    with pytest.raises(ValidationError) as caught:
        _save(world, body_en="Dear {{ recipient.name }},\n\nCall {{ contact.phone_number }}.")
    errors = caught.value.message_dict
    assert list(errors) == ["body_en"]
    assert "Line 3" in errors["body_en"][0]
    assert "contact.phone_number" in errors["body_en"][0]
    assert not MessageTemplate.objects.filter(name="T").exists()


def test_a_syntax_error_in_the_arabic_subject_is_refused_there(world):
    with pytest.raises(ValidationError) as caught:
        _save(world, subject_ar="{% if contact.name %}مرحبا")
    assert list(caught.value.message_dict) == ["subject_ar"]
    assert "Line 1" in caught.value.message_dict["subject_ar"][0]


def test_reaching_python_internals_is_refused(world):
    with pytest.raises(ValidationError) as caught:
        _save(world, body_en="{{ ''.__class__ }}")
    assert "body_en" in caught.value.message_dict


def test_an_unknown_kind_is_refused_at_the_kind(world):
    with pytest.raises(ValidationError) as caught:
        message_template_save(
            actor=None, company_id=world.company.pk, name="X", kind="nope", subject_en="Hi"
        )
    assert list(caught.value.message_dict) == ["kind"]


def test_saving_stamps_the_history_with_who(world):
    template = _save(world, subject_en="Hi {{ contact.name }}")
    assert template.history.latest().history_user == world.admin.user
    template = message_template_save(actor=world.admin.user, instance=template, subject_en="Yo")
    assert template.history.count() == 2
    message_template_delete(actor=world.admin.user, template=template)
    assert not MessageTemplate.objects.filter(pk=template.pk).exists()


def test_render_in_the_recipients_language_with_english_standing_in(world, new_contact):
    contact = new_contact(name="Al Noor")
    subject, body = render_message(world.welcome, contact, recipient=world.rep.user)
    assert subject == "Welcome call: Al Noor"
    assert body == "Hello Rami,\nplease call Al Noor."
    UserPreference.objects.create(user=world.rep.user, language="ar")
    subject, body = render_message(world.welcome, contact, recipient=world.rep.user)
    assert subject == "مكالمة ترحيب: Al Noor"
    assert body == "Hello Rami,\nplease call Al Noor."  # no Arabic body: the English one


def test_a_broken_template_gives_its_name_and_a_warning_never_an_error(world, new_contact, caplog):
    broken = MessageTemplate.objects.create(
        company=world.company, name="Broken", kind="contact", subject_en="{{ contact.nope }"
    )
    with caplog.at_level(logging.WARNING, logger="tawasul.activities.messages"):
        result = render_message(broken, new_contact(), recipient=world.rep.user)
    assert result == ("Broken", "")
    assert "Broken" in caplog.text


def test_the_contact_is_named_only_to_a_recipient_who_may_view_it(world, new_contact):
    contact = new_contact(name="Secret Trading", code="SEC-1")
    shown = build_contact(contact, recipient=world.rep.user)["contact"]
    assert shown["name"] == "Secret Trading"
    hidden = build_contact(contact, recipient=world.blind.user)["contact"]
    assert hidden["name"] == str(HIDDEN_LABEL)
    assert "SEC-1" not in str(hidden) and "Secret" not in str(hidden)
    nobody = build_contact(contact, recipient=None)["contact"]
    assert nobody["name"] == str(HIDDEN_LABEL)
    subject, _body = render_message(world.welcome, contact, recipient=world.blind.user)
    assert "Secret" not in subject


def test_a_task_names_its_record_only_to_a_recipient_who_may_view_it(world, new_contact):
    contact = new_contact(name="Hidden Co")
    task = task_create(
        actor=None,
        assignees=[world.blind],
        title="Visit",
        due_at=clock.now(),
        record=contact,
        initiator=world.manager,
    )
    template = message_template_save(
        actor=None,
        company_id=world.company.pk,
        name="Task note",
        kind="task",
        subject_en="{{ task.title }} about {{ task.record }} for {{ task.assignee.name }}",
    )
    seen, _ = render_message(template, task, recipient=world.rep.user)
    assert seen == "Visit about Hidden Co for Badr Blind"
    blind, _ = render_message(template, task, recipient=world.blind.user)
    assert "Hidden Co" not in blind
    assert str(HIDDEN_LABEL) in blind


def test_every_kind_offers_the_people_and_validates_its_own_placeholders():
    for key, own in (
        ("contact", "contact.representative.name"),
        ("task", "task.due"),
        ("follow_up", "follow_up.purpose"),
        ("reminder", "reminder.title"),
    ):
        paths = templating.get_kind(key).paths
        assert {"recipient.name", "actor.name", own} <= paths
        assert templating.validate(key, "{{ " + own + " }} {{ recipient.name }}") == []


def test_preview_renders_english_and_arabic_on_a_real_record(world, new_contact):
    contact = new_contact(name="Preview Co")
    with translation.override("en"):
        found = message_template_preview(
            user=world.admin.user,
            kind="contact",
            texts={"subject_en": "Hi {{ contact.name }}", "subject_ar": "", "body_en": "B"},
            record=contact,
        )
    by_field = {preview.field: preview for preview in found}
    assert by_field["subject_en"].text == "Hi Preview Co"
    assert by_field["subject_ar"].text == "Hi Preview Co" and by_field["subject_ar"].fallback
    assert by_field["body_en"].text == "B"
    bad = message_template_preview(
        user=world.admin.user, kind="contact", texts={"body_en": "{{ x.y }}"}, record=contact
    )
    assert {p.field: p for p in bad}["body_en"].errors

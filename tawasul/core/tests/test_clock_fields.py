"""Automatic timestamps read the one clock (core.fields.ClockDateTimeField): a record created or
saved while a test holds the clock carries the test's time, not the wall clock's."""

from datetime import UTC, datetime

import pytest
from django.core.management import call_command
from django.db import models

from tawasul.access.services import rule_save
from tawasul.contacts.models import LifecycleChange
from tawasul.contacts.services import contact_set_lifecycle, contact_update
from tawasul.contacts.tests.factories import make_contact
from tawasul.core import clock
from tawasul.core.fields import ClockDateTimeField
from tawasul.core.models import SavedFilter, TimeStampedModel
from tawasul.org.tests.factories import UserFactory

CREATED = datetime(2031, 3, 10, 8, 0, tzinfo=UTC)
CHANGED = datetime(2031, 4, 2, 17, 45, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _real_time_after():
    yield
    clock.reset()


def test_created_and_updated_follow_the_clock(company, customer_type, staff_user):
    with clock.frozen(CREATED):
        contact = make_contact(company=company, contact_type=customer_type, name="Timed")
    contact.refresh_from_db()
    assert contact.created_at == contact.updated_at == CREATED
    assert company.created_at != CREATED  # made before the clock was set: the real time

    with clock.frozen(CHANGED):
        contact = contact_update(actor=staff_user, contact=contact, data={"name": "Timed again"})
        contact = contact_set_lifecycle(
            actor=staff_user, contact=contact, stage="rejected", reason="Too far"
        )
    contact.refresh_from_db()
    assert (contact.created_at, contact.updated_at) == (CREATED, CHANGED)
    moves = dict(
        LifecycleChange.objects.filter(contact=contact).values_list("to_stage", "changed_at")
    )
    assert moves == {"target": CREATED, "rejected": CHANGED}


def test_bulk_created_rows_are_stamped_by_the_clock(company, staff_user):
    with clock.frozen(CREATED):
        SavedFilter.objects.bulk_create(
            [SavedFilter(user=staff_user, view="contacts", name=f"View {n}") for n in range(3)]
        )
        rule = rule_save(
            actor=None,
            company=company,
            name="Timed rule",
            model="contacts.contact",
            actions=["view"],
            user=staff_user,
            all_records=True,
        )
    assert set(SavedFilter.objects.values_list("created_at", flat=True)) == {CREATED}
    rule.refresh_from_db()
    assert rule.created_at == rule.updated_at == CREATED


def test_a_timestamp_set_by_hand_stays_unless_the_field_is_automatic(company):
    user = UserFactory()
    with clock.frozen(CHANGED):
        saved = SavedFilter.objects.create(user=user, view="contacts", name="Mine")
        saved.created_at = CREATED
        saved.save()  # auto_now_add stamps only the first save
    saved.refresh_from_db()
    assert saved.created_at == CREATED


def test_every_automatic_timestamp_of_the_project_reads_the_clock():
    from django.apps import apps

    plain = [
        f"{model._meta.label}.{field.name}"
        for model in apps.get_models()
        if model.__module__.startswith("tawasul.")
        for field in model._meta.concrete_fields
        if isinstance(field, models.DateField)
        and (field.auto_now or field.auto_now_add)
        and not isinstance(field, ClockDateTimeField)
    ]
    assert plain == []
    base = {field.name: field for field in TimeStampedModel._meta.fields}
    assert isinstance(base["created_at"], ClockDateTimeField)
    assert isinstance(base["updated_at"], ClockDateTimeField)


def test_the_clock_field_is_a_datetime_column_to_migrations(db):
    """No migration names the field's class: changing to it writes none (SQLite would rebuild
    the table, dropping the triggers of the contacts' search index)."""
    name, path, _args, kwargs = ClockDateTimeField(auto_now=True).deconstruct()
    assert path == "django.db.models.DateTimeField"
    assert kwargs == {"auto_now": True}
    call_command("makemigrations", "--check", "--dry-run", verbosity=0)

"""An installation that had the default roles before the communicator gets its part, once."""

import importlib

import pytest
from django.apps import apps as django_apps
from django.contrib.auth.models import Group, Permission

from tawasul.access.default_rules import ensure_default_rules
from tawasul.access.models import RecordRule
from tawasul.access.roles import ensure_default_roles
from tawasul.org.tests.factories import CompanyFactory

pytestmark = pytest.mark.django_db

MIGRATION = importlib.import_module("tawasul.activities.migrations.0002_default_role_permissions")


def _state():
    return (
        sorted(
            Group.objects.filter(permissions__content_type__app_label="activities").values_list(
                "name", "permissions__codename"
            )
        ),
        sorted(
            RecordRule.objects.filter(model__startswith="activities.").values_list("pk", "name")
        ),
    )


def test_an_old_installation_gets_the_communicators_part_once():
    ensure_default_roles()
    companies = [CompanyFactory(code="OLD1"), CompanyFactory(code="OLD2")]
    for company in companies:
        ensure_default_rules(company)
    # As it stood before the module: no activities permission, no activities rule.
    for group in Group.objects.all():
        group.permissions.remove(*Permission.objects.filter(content_type__app_label="activities"))
    RecordRule.objects.filter(model__startswith="activities.").delete()
    manager = Group.objects.get(name="Representative")
    manager.permissions.add(Permission.objects.get(codename="view_contact"))  # theirs, kept

    MIGRATION.forwards(django_apps, None)

    representative = set(
        Group.objects.get(name="Representative").permissions.values_list("codename", flat=True)
    )
    assert set(MIGRATION.EVERYDAY) <= representative and "view_contact" in representative
    assert (
        not Group.objects.get(name="Administrator")
        .permissions.filter(content_type__app_label="activities")
        .exists()
    )  # administrators hold every permission by their role's definition
    for company in companies:
        names = set(
            RecordRule.objects.filter(company=company, role__name="General manager").values_list(
                "name", flat=True
            )
        )
        assert {"All tasks of the company", "All follow-ups of the company"} <= names
    # What the live definition would make now is what the migration made.
    for company in companies:
        made = ensure_default_rules(company)
        assert [r for r in made if r.model.startswith("activities.")] == []
    before = _state()
    MIGRATION.forwards(django_apps, None)
    assert _state() == before


def test_a_new_installation_is_left_to_the_default_roles():
    Group.objects.all().delete()
    MIGRATION.forwards(django_apps, None)
    assert not Group.objects.exists() and not RecordRule.objects.exists()

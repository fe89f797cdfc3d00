"""The default roles assembled from the modules' parts are exactly the table of before.

`default_roles_frozen.json` is the table as `access.roles` held it whole before the modules
declared their parts (issue 11): per role its name, label, who receives it, its permissions and
"every permission of" labels (as sets), its record rules in order, and its contact rights. A
change to the default roles changes this file on purpose, in the same commit.
"""

import json
from dataclasses import asdict
from pathlib import Path

import pytest
from django.utils import translation

from tawasul.access import roles
from tawasul.core.registry import get_registry


@pytest.fixture(autouse=True)
def _english():
    """Labels are compared in English, whatever language an earlier test left active."""
    with translation.override("en"):
        yield


FROZEN = json.loads((Path(__file__).parent / "default_roles_frozen.json").read_text("utf-8"))


def _row(role) -> dict:
    return {
        "name": role.name,
        "label": str(role.label),
        "given_to": [list(pair) for pair in role.given_to],
        "permissions": sorted(set(role.permissions)),
        "all_permissions_of": sorted(set(role.all_permissions_of)),
        "rules": [
            [
                spec.model,
                spec.name,
                list(spec.actions),
                spec.all_records,
                [
                    {**c, **({"codes": list(c["codes"])} if "codes" in c else {})}
                    for c in spec.conditions
                ],
            ]
            for spec in role.rules
        ],
        "contacts": asdict(role.contacts),
    }


def test_assembled_roles_are_the_frozen_table():
    assert [_row(role) for role in roles.default_roles()] == FROZEN


def test_every_role_part_names_a_default_role_and_every_rule_a_model():
    names = {role.name for role in roles.BASE_ROLES}
    for part in get_registry().role_parts:
        assert part.role in names, part
        for spec in part.rules:
            assert spec.model, (part.app, spec.name)


def test_access_keeps_names_of_modules_reachable():
    """Code written before the contacts part moved still finds its names through access."""
    from tawasul.access.default_rules import CONTACT
    from tawasul.access.roles import SCOPE_ALL, ContactRights

    assert CONTACT == "contacts.contact"
    assert ContactRights().scope != SCOPE_ALL
    assert roles.DEFAULT_ROLES == roles.default_roles()


def test_matrix_sections_offer_what_the_roles_page_offered(db):
    """The roles page's sections, in order, with the same permissions as when access named the
    apps itself (core, org, access, contacts, and auth's groups and users)."""
    from django.contrib.auth.models import Permission
    from django.db.models import Q

    from tawasul.access.services import matrix_permissions, matrix_sections

    before_modules = [
        ("contacts", "Contacts"),
        ("org", "Organization"),
        ("access", "Access control"),
        ("auth", "Roles and users"),
        ("core", "General"),
    ]
    sections = [(s.app_label, str(s.label)) for s in matrix_sections()]
    # Later modules add their own sections among these; those of before keep their order.
    assert [pair for pair in sections if pair in before_modules] == before_modules
    labels = ("core", "org", "access", "contacts")
    before = Permission.objects.filter(
        Q(content_type__app_label__in=labels)
        | Q(content_type__app_label="auth", content_type__model__in=("group", "user"))
    ).exclude(content_type__model__startswith="historical")
    offered = {p for p in matrix_permissions() if p.content_type.app_label in (*labels, "auth")}
    assert offered == set(before)
    words = {k: str(v) for s in matrix_sections() for k, v in s.permission_labels.items()}
    assert words == {
        "export_contact": "Export",
        "assign_contact": "Assign",
        "import_contact": "Import",
        "view_commission": "See commission rates",
        "view_audit": "See the access audit",
    }

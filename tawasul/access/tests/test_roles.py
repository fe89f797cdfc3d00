import pytest
from django.contrib.auth.models import Group, Permission
from django.db.models import Q

from tawasul.access.default_rules import ensure_default_rules
from tawasul.access.roles import (
    ADMINISTRATOR,
    PORTAL_ROLES,
    REPRESENTATIVE,
    ROLE_LABELS,
    SALES_MANAGER,
    ensure_default_roles,
    role_label,
)
from tawasul.contacts.models import Contact
from tawasul.contacts.tests.factories import make_contact
from tawasul.org.tests.factories import EmployeeFactory, UserFactory

pytestmark = pytest.mark.django_db


def _member(company, role: str, username: str):
    user = UserFactory(username=username)
    user.groups.add(Group.objects.get(name=role))
    EmployeeFactory(company=company, user=user, code=username[:20])
    return type(user).objects.get(pk=user.pk)  # fresh object: no cached permissions


def _codes(group: Group) -> set[int]:
    return set(group.permissions.values_list("pk", flat=True))


def test_creates_every_role_and_is_idempotent():
    first = ensure_default_roles()
    assert set(first) == set(ROLE_LABELS)
    before = {name: _codes(group) for name, group in first.items()}
    group_count = Group.objects.count()

    second = ensure_default_roles()
    assert Group.objects.count() == group_count
    assert {name: group.pk for name, group in second.items()} == {
        name: group.pk for name, group in first.items()
    }
    assert {name: _codes(group) for name, group in second.items()} == before


def test_rerun_restores_a_changed_role():
    groups = ensure_default_roles()
    rep = groups[REPRESENTATIVE]
    rep.permissions.add(Permission.objects.get(codename="delete_contact"))
    ensure_default_roles()
    assert not rep.permissions.filter(codename="delete_contact").exists()


def test_representative_views_and_adds_contacts_but_does_not_delete(company, customer_type):
    ensure_default_roles()
    user = _member(company, REPRESENTATIVE, "rep.one")
    assert user.has_perm("contacts.view_contact")
    assert user.has_perm("contacts.add_contact")
    assert user.has_perm("contacts.change_contact")
    assert user.has_perm("contacts.view_area")
    assert user.has_perm("org.view_employee")
    assert not user.has_perm("contacts.delete_contact")
    assert not user.has_perm("contacts.export_contact")
    assert not user.has_perm("contacts.assign_contact")

    # With the default record rules, a representative works on the contacts assigned to them.
    ensure_default_rules(company)
    contact = make_contact(
        company=company,
        contact_type=customer_type,
        name="Mine",
        actor=user,
        representative=user.employee,
    )
    other = make_contact(company=company, contact_type=customer_type, name="Not mine")
    visible = Contact.objects.restrict(user, "view")
    assert list(visible.filter(pk__in=[contact.pk, other.pk])) == [contact]
    assert not Contact.objects.restrict(user, "delete").exists()


def test_sales_manager_exports_assigns_and_imports(company):
    ensure_default_roles()
    user = _member(company, SALES_MANAGER, "manager.one")
    for perm in (
        "export_contact",
        "assign_contact",
        "import_contact",
        "view_commission",
        "add_contactcategory",
    ):
        assert user.has_perm(f"contacts.{perm}"), perm
    assert not user.has_perm("contacts.delete_contact")
    assert not user.has_perm("contacts.add_contacttype")


def test_administrator_holds_everything_of_the_crm_apps(company):
    groups = ensure_default_roles()
    expected = Permission.objects.filter(
        Q(content_type__app_label__in=["core", "org", "access", "contacts"])
        | Q(content_type__app_label="auth", content_type__model__in=["user", "group"])
    )
    held = groups[ADMINISTRATOR].permissions.all()
    assert set(expected.values_list("pk", flat=True)) <= set(held.values_list("pk", flat=True))

    user = _member(company, ADMINISTRATOR, "admin.one")
    assert not user.is_superuser
    for perm in ("delete_contact", "export_contact", "change_employee", "add_area"):
        assert user.has_perm(f"contacts.{perm}") or user.has_perm(f"org.{perm}"), perm
    assert user.has_perm("auth.change_user") and user.has_perm("auth.add_group")


def test_portal_roles_have_no_staff_permissions():
    groups = ensure_default_roles()
    for name in PORTAL_ROLES:
        assert not groups[name].permissions.exists()


def test_labels_are_translated():
    from django.utils import translation

    with translation.override("en"):
        assert role_label(SALES_MANAGER) == "Sales manager"
    assert role_label("Custom group") == "Custom group"


# --- role services across companies ---------------------------------------------------------------


@pytest.fixture
def two_companies(company, admin_user):
    from tawasul.org.tests.factories import CompanyFactory

    other = CompanyFactory(code="OTHER")
    group = Group.objects.create(name="Night shift")
    ours = _member(company, REPRESENTATIVE, "ours")
    theirs = _member(other, REPRESENTATIVE, "theirs")
    group.user_set.add(theirs)
    hidden = Permission.objects.get(codename="add_logentry")  # not on the roles page
    group.permissions.add(hidden)
    return company, other, group, ours, theirs, hidden


def test_role_save_keeps_what_other_companies_hold(two_companies, admin_user):
    from tawasul.access.models import AccessChange
    from tawasul.access.services import role_save

    company, other, group, ours, theirs, hidden = two_companies
    view_contact = Permission.objects.get(codename="view_contact")
    role_save(
        actor=admin_user,
        company=company,
        instance=group,
        name="Night shift",
        permissions=[view_contact],
        members=[ours],
    )
    assert set(group.user_set.all()) == {ours, theirs}
    assert set(group.permissions.all()) == {view_contact, hidden}
    assert AccessChange.objects.filter(kind="role.changed", company=company).count() == 1


@pytest.mark.parametrize(
    "change",
    [
        "member from another company",
        "permission not offered",
        "rename shared role",
        "rename default",
    ],
)
def test_role_save_refuses_reaching_beyond_the_company(two_companies, admin_user, change):
    from django.core.exceptions import ValidationError

    from tawasul.access.services import role_save

    company, other, group, ours, theirs, hidden = two_companies
    before = (set(group.user_set.all()), set(group.permissions.all()), group.name)
    kwargs = {"name": group.name, "instance": group, "members": [ours], "permissions": []}
    field = {
        "member from another company": "members",
        "permission not offered": "permissions",
        "rename shared role": "name",
        "rename default": "name",
    }[change]
    if change == "member from another company":
        kwargs["members"] = [ours, theirs]
    elif change == "permission not offered":
        kwargs["permissions"] = [hidden]
    elif change == "rename shared role":
        kwargs["name"] = "Day shift"
    else:
        kwargs.update(instance=Group.objects.get(name=SALES_MANAGER), name="Sales boss")
    with pytest.raises(ValidationError) as caught:
        role_save(actor=admin_user, company=company, **kwargs)
    assert field in caught.value.message_dict
    group.refresh_from_db()
    assert (set(group.user_set.all()), set(group.permissions.all()), group.name) == before
    assert Group.objects.filter(name=SALES_MANAGER).exists()


def test_role_delete_refuses_default_and_shared_roles(two_companies, admin_user):
    from django.core.exceptions import ValidationError

    from tawasul.access.services import role_delete

    company, other, group, ours, theirs, hidden = two_companies
    for role in (Group.objects.get(name=ADMINISTRATOR), group):
        with pytest.raises(ValidationError):
            role_delete(actor=admin_user, company=company, group=role)
        assert Group.objects.filter(pk=role.pk).exists()
    group.user_set.remove(theirs)
    role_delete(actor=admin_user, company=company, group=group)
    assert not Group.objects.filter(pk=group.pk).exists()

from io import StringIO

import phonenumbers
import pytest
from django.apps import apps
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.db import connection, transaction

from tawasul.access import roles
from tawasul.access.roles import employee_default_roles
from tawasul.contacts.choices import DEALER_TYPE_CODES, SYSTEM_CONTACT_TYPES, Lifecycle
from tawasul.contacts.demo import ContactsDemo
from tawasul.contacts.models import Contact, ContactType, LifecycleChange, Phone
from tawasul.contacts.services import contact_refresh_search
from tawasul.demo import builder
from tawasul.org.choices import DepartmentKind, JobRoleCode
from tawasul.org.models import Department, Employee, JobRole

pytestmark = pytest.mark.django_db


def _run(*args, **options) -> str:
    out = StringIO()
    call_command("demo", *args, stdout=out, **options)
    return out.getvalue()


def _row_counts() -> dict[str, int]:
    return {
        model._meta.label: model._default_manager.count()
        for app_label in ("auth", "org", "contacts", "core")
        for model in apps.get_app_config(app_label).get_models()
    }


@pytest.fixture(scope="module")
def built_demo(django_db_setup, django_db_blocker):
    """One small demo for the whole module, rolled back at its end; tests roll back their own."""
    with django_db_blocker.unblock(), transaction.atomic():
        _run(size="small")
        yield
        transaction.set_rollback(True)


@pytest.fixture
def demo(built_demo, db):
    return builder.demo_company()


def test_small_demo_has_the_whole_organisation(demo):
    assert demo.name == builder.COMPANY_NAME[0] and demo.name_ar
    assert demo.default_country == "SA" and demo.currency == "SAR"
    assert set(demo.branches.values_list("code", flat=True)) == {"RUH", "JED"}
    kinds = set(Department.objects.filter(company=demo).values_list("kind", flat=True))
    assert kinds == set(DepartmentKind.values)
    assert not Department.objects.filter(company=demo, name_ar="").exists()

    held = set(JobRole.objects.filter(employees__company=demo).values_list("code", flat=True))
    assert held == set(JobRoleCode.values)
    employees = Employee.objects.filter(company=demo)
    assert employees.count() == len(builder.STAFF) >= 30
    assert not employees.filter(name_ar="").exists()


def test_reports_to_hierarchy_and_coordinators(demo):
    by_user = {e.user.username: e for e in Employee.objects.select_related("user")}
    general = by_user["general.manager"]
    assert general.reports_to is None
    assert by_user["sales.manager"].reports_to == general
    rep = by_user["rep.ahmed"]
    assert [
        m.user.username
        for m in Employee.objects.filter(pk__in=rep.manager_ids)
        .select_related("user")
        .order_by("depth")
    ] == ["general.manager", "sales.manager", "riyadh.supervisor"]
    for department in ("sales", "customer_service", "collection", "maintenance"):
        staff = Employee.objects.filter(department__kind=department)
        reps = staff.filter(roles__code=JobRoleCode.REPRESENTATIVE)
        coordinators = staff.filter(roles__code=JobRoleCode.COORDINATOR)
        assert reps.exists() and coordinators.exists(), department
        for representative in reps:
            assert representative.coordinators.exists(), representative


def test_users_sign_in_with_demo_and_sit_in_their_role_groups(demo, client):
    users = get_user_model().objects.filter(employee__company=demo)
    assert users.count() == len(builder.STAFF)
    for user in users.select_related("employee__department").prefetch_related(
        "groups", "employee__roles"
    ):
        expected = set(employee_default_roles(user.employee))
        assert set(user.groups.values_list("name", flat=True)) == expected, user.username
    admin = users.get(username="admin")
    assert admin.is_superuser and admin.is_staff
    assert not users.exclude(username="admin").filter(is_superuser=True).exists()
    assert client.login(username="admin", password=builder.PASSWORD)
    assert client.login(username="rep.ahmed", password=builder.PASSWORD)
    assert not client.login(username="rep.ahmed", password="wrong")
    rep = users.get(username="rep.ahmed")
    assert rep.has_perm("contacts.add_contact") and not rep.has_perm("contacts.delete_contact")


# The communicator's demo step adds three contacts through the service ("AUTO-n"), to fire its
# automatic task rules on a real "contact created" event; the checks below are of the builder's.
COMMUNICATOR_CONTACTS = 3


def test_contacts_cover_every_type_with_consistent_links(demo):
    assert Contact.objects.filter(company=demo, code__startswith="AUTO-").count() == (
        COMMUNICATOR_CONTACTS
    )
    contacts = Contact.objects.filter(company=demo).exclude(code__startswith="AUTO-")
    assert contacts.count() == builder.SIZES["small"][0]
    for code, _name, _name_ar in SYSTEM_CONTACT_TYPES:
        contact_type = ContactType.objects.get(company=demo, code=code)
        assert contact_type.is_system
        assert contacts.filter(contact_type=contact_type).exists(), code
        assert contact_type.categories.count() >= 2
    assert contacts.filter(kind="organisation").exists()
    assert contacts.filter(kind="individual").exists()
    assert contacts.exclude(name_ar="").exists()

    for contact in contacts.filter(representative__isnull=False).select_related(
        "representative", "coordinator"
    ):
        assert contact.branch_id == contact.representative.branch_id
        assert contact.coordinator in contact.representative.coordinators.all()
        assert contact.manager_id is not None
        assert contact.search_text and contact.name_normalized

    rejected = contacts.filter(lifecycle=Lifecycle.REJECTED)
    assert rejected.exists() and not rejected.filter(rejection_reason="").exists()
    assert len({c.lifecycle for c in contacts}) >= 4
    for contact in contacts.filter(lifecycle=Lifecycle.RECOVERED):
        assert LifecycleChange.objects.filter(contact=contact, to_stage="rejected").exists()

    # Links point at contacts the creating representative could see: their own.
    for contact in contacts.exclude(dealer=None).select_related("dealer"):
        assert contact.dealer.representative_id == contact.representative_id
    for contact in contacts.exclude(referred_by_contact=None).select_related("referred_by_contact"):
        assert contact.referred_by_contact.representative_id == contact.representative_id

    dealers = contacts.filter(contact_type__code__in=DEALER_TYPE_CODES)
    for dealer in dealers:
        profile = dealer.dealer_profile
        assert profile.territories.exists() and profile.commission_rate > 0
        assert profile.agreement_end > profile.agreement_start

    for number in Phone.objects.filter(contact__company=demo).values_list("number", flat=True):
        assert phonenumbers.is_valid_number(phonenumbers.parse(number)), number


def test_contacts_written_in_bulk_look_like_the_services_own(demo):
    contacts = list(
        Contact.objects.filter(company=demo).exclude(code__startswith="AUTO-").order_by("pk")
    )
    assert len(contacts) > builder.SIZES["small"][1]  # some went the bulk way
    for contact in contacts:
        stored = (contact.name_normalized, contact.search_text)
        contact_refresh_search(contact=contact)
        contact.refresh_from_db()
        assert (contact.name_normalized, contact.search_text) == stored, contact.code
        assert contact.code.startswith("C-")
        assert contact.addresses.exists() and contact.phones.exists()
        assert contact.history.exists()
        stages = LifecycleChange.objects.filter(contact=contact).order_by("pk")
        assert stages.first().from_stage == "" and stages.last().to_stage == contact.lifecycle
        if contact.kind == "organisation":
            assert contact.persons.filter(is_primary=True).count() == 1
    codes = [c.code for c in contacts]
    assert len(set(codes)) == len(codes)


def test_building_again_changes_nothing(demo):
    before = _row_counts()
    assert "nothing to do" in _run(size="small")
    assert _run("--if-empty") == ""
    assert _row_counts() == before


def test_same_seed_builds_the_same_contacts():
    first = ContactsDemo(builder.DemoBuilder(contacts=5))
    second = ContactsDemo(builder.DemoBuilder(contacts=5))
    assert first._type_sequence() == second._type_sequence()
    assert builder.organisation_name(first.rng, 0) == builder.organisation_name(second.rng, 0)


def test_bulk_contacts_fill_search_columns_like_the_service(demo):
    out = _run(contacts=500, batch_size=200)
    assert "Added 500 contacts" in out
    bulk = Contact.objects.filter(company=demo, code__startswith="B")
    assert bulk.count() == 500
    assert not bulk.filter(search_text="").exists()
    assert not bulk.filter(name_normalized="").exists()
    assert Phone.objects.filter(contact__in=bulk).exists()
    for contact in bulk.order_by("pk")[:60]:
        stored = (contact.name_normalized, contact.search_text)
        contact_refresh_search(contact=contact)
        contact.refresh_from_db()
        assert (contact.name_normalized, contact.search_text) == stored, contact.code

    _run(contacts=20)
    assert Contact.objects.filter(company=demo).count() == (
        builder.SIZES["small"][0] + COMMUNICATOR_CONTACTS + 520
    )


def test_bulk_load_with_index_rebuild_keeps_every_index(demo):
    """On PostgreSQL the big load drops and rebuilds indexes; on SQLite it keeps them. Either
    way every index is there afterwards and the session settings are back to normal."""
    tables = [m._meta.db_table for m in builder.BULK_TABLES]

    def indexes():
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                cursor.execute(
                    "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = ANY(%s)",
                    [tables],
                )
            else:
                marks = ",".join("%s" for _ in tables)
                cursor.execute(
                    f"SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name IN ({marks})",
                    tables,
                )
            return set(cursor.fetchall())

    before = indexes()
    assert before
    added = builder.bulk_contacts_add(count=300, batch_size=100, rebuild_indexes=True)
    assert added == 300
    assert indexes() == before
    assert Contact.objects.filter(company=demo, code__startswith="B").count() == 300
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SHOW session_replication_role")
            assert cursor.fetchone()[0] == "origin"


def test_list_users(demo):
    lines = _run("--list-users").splitlines()
    assert len(lines) == len(builder.STAFF) + len(builder.PORTAL_USERS)
    assert any(line.startswith("portal.customer ") for line in lines)
    admin = next(line for line in lines if line.startswith("admin "))
    assert "Administrator" in admin and "General Management" in admin


def test_list_users_without_demo_fails_clearly(monkeypatch):
    monkeypatch.setattr(builder, "COMPANY_CODE", "NO-DEMO")
    with pytest.raises(CommandError):
        _run("--list-users")


def test_portal_users_see_their_own_contact(demo):
    from django.contrib.auth import get_user_model

    from tawasul.access.models import PortalAccount

    for username in builder.PORTAL_USERS:
        user = get_user_model().objects.get(username=username)
        account = PortalAccount.objects.get(user=user)
        assert user.check_password("demo")
        assert Contact.objects.restrict(user, "view").filter(pk=account.contact_id).exists()
    dealer = get_user_model().objects.get(username="portal.dealer")
    assert Contact.objects.restrict(dealer, "view").count() > 1  # its customers too


def test_department_managers_hold_their_department_roles(demo):
    """Only sales, the general manager and administrators reach every contact; other managers
    see what their department's work needs (docs/user/access.md, "Default roles")."""
    users = {u.username: u for u in get_user_model().objects.filter(employee__company=demo)}

    def held(username):
        return set(users[username].groups.values_list("name", flat=True))

    assert held("sales.manager") == {roles.SALES_MANAGER}
    assert held("general.manager") == {roles.GENERAL_MANAGER}
    assert held("hr.manager") == {roles.HR_MANAGER}
    assert held("cs.manager") == {roles.CUSTOMER_SERVICE_MANAGER}
    assert held("accounts.manager") == {roles.ACCOUNTS_MANAGER}
    everything = Contact.objects.filter(company=demo)
    for username in ("general.manager", "sales.manager"):
        assert Contact.objects.restrict(users[username], "view").count() == everything.count()
    for username in ("hr.manager", "qc.manager", "rnd.manager", "warehouse", "technician"):
        assert not Contact.objects.restrict(users[username], "view").exists(), username
    cs = users["cs.manager"]
    seen = Contact.objects.restrict(cs, "view")
    assert seen.exists()
    assert set(seen.values_list("contact_type__code", flat=True)) == {"customer"}
    assert set(seen.values_list("branch", flat=True)) == {cs.employee.branch_id}
    assert not cs.has_perm("contacts.export_contact")
    accounts = users["accounts.manager"]
    kinds = set(
        Contact.objects.restrict(accounts, "view").values_list("contact_type__code", flat=True)
    )
    assert kinds == {"customer", "dealer", "agent"}
    assert accounts.has_perm("contacts.view_commission")
    assert not accounts.has_perm("contacts.change_contact")

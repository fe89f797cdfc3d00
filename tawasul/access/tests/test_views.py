"""The access administration pages: rules with conditions and preview, roles, audit, portal."""

import re

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.test import Client
from django.urls import reverse

from tawasul.access.models import AccessChange, AccessDenial, PortalAccount, RecordRule
from tawasul.access.roles import ADMINISTRATOR, PORTAL_CUSTOMER, ensure_default_roles
from tawasul.access.services import rule_save
from tawasul.conftest import CONTACT_PERMS, ORG_VIEW_PERMS, grant_all_contacts
from tawasul.contacts.tests.factories import AreaFactory, IndustryFactory, make_contact
from tawasul.org.tests.factories import CompanyFactory, EmployeeFactory, UserFactory

pytestmark = pytest.mark.django_db

CONTACT = "contacts.contact"
ALONE = re.compile(r'id="preview-alone">([^<]+)<')
TOTAL = re.compile(r'id="preview-total">([^<]+)<')


@pytest.fixture
def admin_client(client, admin_user):
    client.force_login(admin_user)
    return client


@pytest.fixture
def world(company, customer_type):
    """Areas, industries, a representative and contacts spread over them."""
    saudi = AreaFactory(company=company, name="Saudi Arabia", level="country")
    central = AreaFactory(company=company, name="Central", level="region", parent=saudi)
    riyadh = AreaFactory(company=company, name="Riyadh", level="city", parent=central)
    jeddah = AreaFactory(company=company, name="Jeddah", level="city", parent=saudi)
    steel = IndustryFactory(company=company, name="Steel")
    food = IndustryFactory(company=company, name="Food")
    rep_user = UserFactory(username="ahmed", perms=["contacts.view_contact", *ORG_VIEW_PERMS])
    rep = EmployeeFactory(company=company, user=rep_user, name="Ahmed Ali", code="R001")

    def contact(name, area, industry, **extra):
        return make_contact(
            company=company,
            contact_type=customer_type,
            name=name,
            area=area,
            industry=industry,
            **extra,
        )

    contacts = {
        "riyadh_steel_1": contact("Riyadh Steel 1", riyadh, steel),
        "riyadh_steel_2": contact("Riyadh Steel 2", riyadh, steel),
        "central_steel": contact("Central Steel", central, steel),
        "riyadh_food": contact("Riyadh Food", riyadh, food),
        "jeddah_steel": contact("Jeddah Steel", jeddah, steel),
        "ahmeds_own": contact("Ahmed's Own", jeddah, food, representative=rep),
    }
    return {
        "saudi": saudi,
        "central": central,
        "riyadh": riyadh,
        "jeddah": jeddah,
        "steel": steel,
        "food": food,
        "rep_user": rep_user,
        "rep": rep,
        "contacts": contacts,
    }


def _rule_data(world, **overrides):
    data = {
        "name": "Central steel",
        "model": CONTACT,
        "actions": ["view", "change"],
        "role": "",
        "user": str(world["rep_user"].pk),
        "is_active": "on",
        "description": "Steel makers of the central region",
        "conditions-TOTAL_FORMS": "2",
        "conditions-INITIAL_FORMS": "0",
        "conditions-MIN_NUM_FORMS": "0",
        "conditions-MAX_NUM_FORMS": "30",
        "conditions-0-field": "area",
        "conditions-0-operator": "in_subtree",
        "conditions-0-values": [str(world["central"].pk)],
        "conditions-0-shown_field": "area",
        "conditions-1-field": "industry",
        "conditions-1-operator": "in",
        "conditions-1-values": [str(world["steel"].pk)],
        "conditions-1-shown_field": "industry",
    }
    data.update(overrides)
    return data


# --- rules -----------------------------------------------------------------------------------


def test_rule_form_offers_only_declared_fields_with_their_operators(admin_client, world):
    response = admin_client.get(reverse("access:rule_create"))
    assert response.status_code == 200
    body = response.content.decode()
    assert '<option value="area">Area</option>' in body
    assert '<option value="lifecycle">Lifecycle</option>' in body
    assert 'value="name"' not in body.split('id="conditions"')[1]  # no raw model fields
    assert "Contacts" in body  # kind of record by its plural name


def test_create_rule_with_conditions_through_the_page(admin_client, world):
    response = admin_client.post(reverse("access:rule_create"), _rule_data(world))
    assert response.status_code == 302, response.content.decode()[:3000]
    rule = RecordRule.objects.get(name="Central steel")
    assert rule.user == world["rep_user"] and rule.role is None
    assert rule.actions == ["view", "change"]
    conditions = {c.field: (c.operator, c.values) for c in rule.conditions.all()}
    assert conditions == {
        "area": ("in_subtree", [world["central"].pk]),
        "industry": ("in", [world["steel"].pk]),
    }
    change = AccessChange.objects.get(kind="rule.created")
    assert change.subject == "Central steel" and change.after["user"] == world["rep_user"].pk

    # The rule works: the representative sees exactly the central steel makers (and not more).
    visible = set(
        type(world["contacts"]["central_steel"])
        .objects.restrict(get_user_model().objects.get(pk=world["rep_user"].pk), "view")
        .values_list("name", flat=True)
    )
    assert visible == {"Riyadh Steel 1", "Riyadh Steel 2", "Central Steel"}

    listing = admin_client.get(reverse("access:rule_list")).content.decode()
    assert "Central steel" in listing
    assert "Area is within Saudi Arabia › Central · Region" in listing
    assert "Industry is one of Steel" in listing


def test_edit_rule_keeps_its_conditions_and_logs_the_change(
    admin_client, world, admin_user, company
):
    rule = rule_save(
        actor=admin_user,
        company=company,
        name="Steel",
        model=CONTACT,
        actions=["view"],
        user=world["rep_user"],
        conditions=[{"field": "industry", "operator": "in", "values": [world["steel"].pk]}],
    )
    page = admin_client.get(reverse("access:rule_update", args=[rule.pk])).content.decode()
    assert 'value="Steel"' in page
    steel = f'<option value="{world["steel"].pk}" selected data-search="steel">Steel</option>'
    assert steel in page
    data = _rule_data(world, name="Steel and food", **{"conditions-TOTAL_FORMS": "1"})
    data["conditions-0-field"] = "industry"
    data["conditions-0-operator"] = "in"
    data["conditions-0-values"] = [str(world["steel"].pk), str(world["food"].pk)]
    response = admin_client.post(reverse("access:rule_update", args=[rule.pk]), data)
    assert response.status_code == 302, response.content.decode()[:3000]
    rule.refresh_from_db()
    assert rule.name == "Steel and food"
    assert list(rule.conditions.values_list("values", flat=True)) == [
        sorted([world["steel"].pk, world["food"].pk])
    ]
    change = AccessChange.objects.filter(kind="rule.changed").get()
    assert change.before["name"] == "Steel" and change.after["name"] == "Steel and food"


@pytest.mark.parametrize(
    "overrides, message, row",
    [
        (
            {"conditions-1-field": "secret_salary", "conditions-1-shown_field": "secret_salary"},
            "“secret_salary” is not a declared link field of this kind of record.",
            1,
        ),
        (
            {"conditions-1-values": ["987654"]},
            "These values of Industry do not exist: 987654.",
            1,
        ),
        (
            {"conditions-0-operator": "is_me"},
            "“is_me” does not apply to Area.",
            0,
        ),
        (
            {"conditions-TOTAL_FORMS": "0"},
            "A rule needs at least one condition, or “all records” ticked.",
            None,
        ),
    ],
    ids=["undeclared-field", "nonexistent-value", "wrong-operator", "empty-rule"],
)
def test_bad_rule_input_shows_a_message_and_saves_nothing(
    admin_client, world, overrides, message, row
):
    response = admin_client.post(reverse("access:rule_create"), _rule_data(world, **overrides))
    assert response.status_code == 200
    body = response.content.decode()
    assert "Please correct the errors below. Nothing was saved." in body
    if row is None:
        section = body.split('id="conditions"')[1]
        assert 'id="conditions-error">' + message in section
    else:
        block = body.split(f'id="row-conditions-{row}"')[1].split('id="row-conditions-')[0]
        assert message in block
        assert "border-danger" in body.split(f'id="row-conditions-{row}"')[0][-200:]
    assert 'value="Central steel"' in body  # what was typed is kept
    assert not RecordRule.objects.exists()
    assert not AccessChange.objects.exists()


def test_grantee_must_be_exactly_one(admin_client, world):
    group = Group.objects.create(name="Field team")
    response = admin_client.post(
        reverse("access:rule_create"), _rule_data(world, role=str(group.pk))
    )
    assert response.status_code == 200
    assert "Grant the rule to a role or to a user (one of them)." in response.content.decode()
    response = admin_client.post(reverse("access:rule_create"), _rule_data(world, user=""))
    assert "Grant the rule to a role or to a user (one of them)." in response.content.decode()
    assert not RecordRule.objects.exists()


def test_delete_rule_asks_then_deletes_and_logs(admin_client, world, admin_user, company):
    rule = rule_save(
        actor=admin_user,
        company=company,
        name="Doomed",
        model=CONTACT,
        actions=["view"],
        user=world["rep_user"],
        all_records=True,
    )
    page = admin_client.get(reverse("access:rule_delete", args=[rule.pk])).content.decode()
    assert "Delete “<bdi>Doomed</bdi>”?" in page  # the name isolated from the text
    response = admin_client.post(reverse("access:rule_delete", args=[rule.pk]))
    assert response.status_code == 302
    assert not RecordRule.objects.exists()
    assert AccessChange.objects.filter(kind="rule.deleted", subject="Doomed").exists()


def test_rules_of_another_company_are_not_listed_nor_editable(admin_client, world):
    other = CompanyFactory(code="OTHER")
    other_user = UserFactory(username="stranger")
    EmployeeFactory(company=other, user=other_user, code="X1")
    foreign = rule_save(
        actor=None,
        company=other,
        name="Foreign rule",
        model=CONTACT,
        actions=["view"],
        user=other_user,
        all_records=True,
    )
    assert "Foreign rule" not in admin_client.get(reverse("access:rule_list")).content.decode()
    assert admin_client.get(reverse("access:rule_update", args=[foreign.pk])).status_code == 404
    assert admin_client.post(reverse("access:rule_delete", args=[foreign.pk])).status_code == 404
    assert RecordRule.objects.filter(pk=foreign.pk).exists()


# --- condition rows (htmx) ---------------------------------------------------------------------


def test_condition_row_follows_the_chosen_field(admin_client, world):
    url = reverse("access:condition_row")
    html = admin_client.get(
        url,
        {
            "row": "conditions-0",
            "model": CONTACT,
            "conditions-0-field": "area",
            "conditions-0-shown_field": "",
        },
    ).content.decode()
    assert '<option value="in_subtree" selected>is within</option>' in html
    assert "Saudi Arabia › Central › Riyadh · City" in html  # areas by path and level
    assert f'hx-get="{url}"' in html

    html = admin_client.get(
        url, {"row": "conditions-0", "model": CONTACT, "conditions-0-field": "lifecycle"}
    ).content.decode()
    assert "is one of" in html and "is within" not in html
    assert '<option value="customer" data-search="customer">Customer</option>' in html

    html = admin_client.get(
        url,
        {
            "row": "conditions-0",
            "model": CONTACT,
            "conditions-0-field": "representative",
            "conditions-0-shown_field": "representative",
            "conditions-0-operator": "is_me",
        },
    ).content.decode()
    assert '<option value="is_me" selected>is me</option>' in html
    assert "relative to whoever signs in" in html
    assert 'name="conditions-0-values"' not in html

    # Changing the field resets the operator and the values.
    html = admin_client.get(
        url,
        {
            "row": "conditions-0",
            "model": CONTACT,
            "conditions-0-field": "industry",
            "conditions-0-shown_field": "area",
            "conditions-0-operator": "in_subtree",
            "conditions-0-values": [str(world["central"].pk)],
        },
    ).content.decode()
    assert '<option value="in" selected>is one of</option>' in html
    assert " selected>Steel" not in html


def test_add_condition_returns_a_new_row_and_the_new_total(admin_client, world):
    html = admin_client.get(
        reverse("access:condition_row"),
        {"add": "1", "model": CONTACT, "conditions-TOTAL_FORMS": "2"},
    ).content.decode()
    assert 'id="row-conditions-2"' in html
    assert 'name="conditions-2-field"' in html
    assert 'id="id_conditions-TOTAL_FORMS" hx-swap-oob="true"' in html and 'value="3"' in html


def test_condition_row_rejects_bad_input(admin_client, world):
    url = reverse("access:condition_row")
    assert admin_client.get(url, {"row": "conditions-0", "model": "no.such"}).status_code == 400
    assert admin_client.get(url, {"row": "x; drop", "model": CONTACT}).status_code == 400


# --- preview -----------------------------------------------------------------------------------


def test_preview_counts_the_rule_alone_and_with_other_rules(
    admin_client, world, admin_user, company
):
    rule_save(
        actor=admin_user,
        company=company,
        name="Ahmed's own",
        model=CONTACT,
        actions=["view"],
        user=world["rep_user"],
        conditions=[{"field": "representative", "operator": "is_me", "values": []}],
    )
    data = _rule_data(world, preview_user=str(world["rep_user"].pk))
    html = admin_client.post(reverse("access:rule_preview"), data).content.decode()
    assert "As Ahmed Ali (ahmed), this rule alone shows" in html
    assert ALONE.search(html).group(1) == "3"
    assert TOTAL.search(html).group(1) == "4"
    assert not RecordRule.objects.filter(name="Central steel").exists()  # nothing saved

    # Without the area condition: every steel maker.
    data = _rule_data(
        world, preview_user=str(world["rep_user"].pk), **{"conditions-TOTAL_FORMS": "2"}
    )
    data["conditions-0-field"] = ""
    html = admin_client.post(reverse("access:rule_preview"), data).content.decode()
    assert ALONE.search(html).group(1) == "4"


def test_preview_as_someone_without_the_permission_says_so(admin_client, world, company):
    clerk = UserFactory(username="clerk")
    EmployeeFactory(company=company, user=clerk, name="Clerk", code="C001")
    data = _rule_data(world, preview_user=str(clerk.pk))
    html = admin_client.post(reverse("access:rule_preview"), data).content.decode()
    assert ALONE.search(html).group(1) == "3"
    assert TOTAL.search(html).group(1) == "0"
    assert "does not hold the permission to view contacts" in html
    assert "The rule is granted to Ahmed Ali (ahmed), not to Clerk (clerk)." in html


def test_preview_shows_validation_errors_instead_of_a_count(admin_client, world):
    data = _rule_data(world, **{"conditions-1-values": ["987654"]})
    html = admin_client.post(reverse("access:rule_preview"), data).content.decode()
    assert 'id="preview-errors"' in html
    assert "Condition 2: These values of Industry do not exist: 987654." in html
    assert "preview-alone" not in html


# --- roles -------------------------------------------------------------------------------------


def _perm(app_label, codename):
    return Permission.objects.get(content_type__app_label=app_label, codename=codename)


def test_role_create_and_edit_with_members_and_permissions(
    admin_client, world, admin_user, company
):
    view = _perm("contacts", "view_contact")
    export = _perm("contacts", "export_contact")
    page = admin_client.get(reverse("access:role_create")).content.decode()
    assert 'id="permission-matrix"' in page
    assert f'value="{export.pk}"' in page and "Export" in page

    response = admin_client.post(
        reverse("access:role_create"),
        {
            "name": "Key accounts",
            "permissions": [view.pk, export.pk],
            "members": [world["rep_user"].pk],
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    group = Group.objects.get(name="Key accounts")
    assert set(group.permissions.all()) == {view, export}
    assert list(group.user_set.all()) == [world["rep_user"]]
    created = AccessChange.objects.get(kind="role.created")
    assert created.after["members"] == ["ahmed"]
    assert sorted(created.after["permissions"]) == [
        "contacts.export_contact",
        "contacts.view_contact",
    ]

    # A member of another company and a permission the page does not show are kept on edit.
    other = CompanyFactory(code="OTHER")
    outsider = UserFactory(username="outsider")
    EmployeeFactory(company=other, user=outsider, code="O1")
    group.user_set.add(outsider)
    hidden = _perm("sessions", "view_session")
    group.permissions.add(hidden)

    clerk = UserFactory(username="clerk")
    EmployeeFactory(company=company, user=clerk, name="Clerk", code="C001")
    response = admin_client.post(
        reverse("access:role_update", args=[group.pk]),
        {"name": "Key accounts", "permissions": [view.pk], "members": [clerk.pk]},
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    assert set(group.user_set.all()) == {clerk, outsider}
    assert set(group.permissions.all()) == {view, hidden}
    changed = AccessChange.objects.get(kind="role.changed")
    assert "ahmed" in changed.before["members"] and "ahmed" not in changed.after["members"]
    assert "contacts.export_contact" not in changed.after["permissions"]

    listing = admin_client.get(reverse("access:role_list")).content.decode()
    row = listing.split("Key accounts")[1].split("</tr>")[0]
    assert re.findall(r">(\d+)</td>", row)[0] == "1"  # one member in this company

    history = admin_client.get(reverse("access:audit"), {"tab": "changes"}).content.decode()
    assert (
        "Role changed" in history
        and "− <bdi>ahmed</bdi>" in history
        and "+ <bdi>clerk</bdi>" in history
    )


def test_role_name_clash_is_a_field_error(admin_client, world):
    Group.objects.create(name="Taken")
    response = admin_client.post(reverse("access:role_create"), {"name": "Taken"})
    assert response.status_code == 200
    assert "A role with this name already exists." in response.content.decode()
    assert Group.objects.filter(name="Taken").count() == 1


def test_default_roles_keep_their_name_and_cannot_be_deleted(admin_client, world):
    groups = ensure_default_roles()
    admin_group = groups[ADMINISTRATOR]
    page = admin_client.get(reverse("access:role_update", args=[admin_group.pk])).content.decode()
    assert 'name="name"' in page and "disabled" in page.split('name="name"')[1][:200]
    response = admin_client.post(reverse("access:role_delete", args=[admin_group.pk]))
    assert response.status_code == 302
    assert Group.objects.filter(pk=admin_group.pk).exists()


def test_role_with_rules_cannot_be_deleted(admin_client, world, admin_user, company):
    group = Group.objects.create(name="Temporary")
    rule_save(
        actor=admin_user,
        company=company,
        name="Temp",
        model=CONTACT,
        actions=["view"],
        role=group,
        all_records=True,
    )
    response = admin_client.post(reverse("access:role_delete", args=[group.pk]), follow=True)
    assert "Delete or reassign this role" in response.content.decode()
    assert Group.objects.filter(pk=group.pk).exists()
    RecordRule.objects.all().delete()
    response = admin_client.post(reverse("access:role_delete", args=[group.pk]))
    assert response.status_code == 302
    assert not Group.objects.filter(pk=group.pk).exists()
    assert AccessChange.objects.filter(kind="role.deleted", subject="Temporary").exists()


# --- audit -------------------------------------------------------------------------------------


def test_audit_lists_a_denied_attempt_on_another_companys_contact(admin_client, world, company):
    rep_user = world["rep_user"]
    rule_save(
        actor=None,
        company=company,
        name="Ahmed's own",
        model=CONTACT,
        actions=["view"],
        user=rep_user,
        conditions=[{"field": "representative", "operator": "is_me", "values": []}],
    )
    other = CompanyFactory(code="OTHER")
    foreign = make_contact(company=other, name="Foreign Co")
    rep_client = Client()
    rep_client.force_login(rep_user)
    assert rep_client.get(reverse("contacts:contact_detail", args=[foreign.pk])).status_code == 404
    denial = AccessDenial.objects.get()
    assert (denial.user, denial.model, denial.object_id) == (rep_user, CONTACT, str(foreign.pk))

    # A denial by a user of another company is not this company's business.
    stranger = UserFactory(username="stranger")
    EmployeeFactory(company=other, user=stranger, code="X1")
    AccessDenial.objects.create(user=stranger, model=CONTACT, object_id="424242", action="view")

    page = admin_client.get(reverse("access:audit")).content.decode()
    table = page.split('id="denial-table"')[1]
    assert "Ahmed Ali (ahmed)" in table
    assert "Contacts" in table
    assert f">{foreign.pk}<" in table
    assert f"/contacts/{foreign.pk}/" in table
    assert "424242" not in table and "stranger" not in table


def test_audit_change_log_shows_rule_changes(admin_client, world, admin_user, company):
    rule_save(
        actor=admin_user,
        company=company,
        name="Steel",
        model=CONTACT,
        actions=["view"],
        user=world["rep_user"],
        conditions=[{"field": "industry", "operator": "in", "values": [world["steel"].pk]}],
    )
    page = admin_client.get(reverse("access:audit"), {"tab": "changes"}).content.decode()
    table = page.split('id="change-table"')[1]
    assert "Rule created" in table and "Steel" in table and "Boss (boss)" in table
    assert "Industry is one of Steel" in table
    assert "Ahmed Ali (ahmed)" in table  # the grantee by name, not by id


# --- permissions -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name, args",
    [
        ("access:rule_list", []),
        ("access:rule_create", []),
        ("access:role_list", []),
        ("access:role_create", []),
        ("access:audit", []),
        ("access:portal_account_list", []),
        ("access:portal_account_create", []),
        ("access:user_autocomplete", []),
    ],
)
def test_pages_refuse_staff_without_the_permission(client, staff_user, name, args):
    client.force_login(staff_user)
    assert client.get(reverse(name, args=args)).status_code == 403


def test_pages_need_sign_in(client):
    response = client.get(reverse("access:rule_list"))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_an_administrator_by_role_works_within_the_company(client, world, company):
    ensure_default_roles()
    user = UserFactory(username="admin2")
    user.groups.add(Group.objects.get(name=ADMINISTRATOR))
    EmployeeFactory(company=company, user=user, name="Second Admin", code="A002")
    client.force_login(user)
    assert client.get(reverse("access:rule_list")).status_code == 200
    response = client.post(reverse("access:rule_create"), _rule_data(world))
    assert response.status_code == 302, response.content.decode()[:3000]
    found = client.get(reverse("access:user_autocomplete"), {"q": "ahmed"}).json()["results"]
    assert found == [{"value": world["rep_user"].pk, "text": "Ahmed Ali (ahmed)"}]


def test_view_permission_alone_does_not_allow_writing(client, world, company):
    user = UserFactory(username="auditor", perms=["access.view_recordrule"])
    EmployeeFactory(company=company, user=user, code="AU1")
    client.force_login(user)
    assert client.get(reverse("access:rule_list")).status_code == 200
    assert client.post(reverse("access:rule_create"), _rule_data(world)).status_code == 403
    assert not RecordRule.objects.exists()


def test_superuser_without_employee_is_told_why_nothing_shows(client):
    user = UserFactory(username="root")
    user.is_superuser = True
    user.save()
    client.force_login(user)
    response = client.get(reverse("access:rule_list"))
    assert response.status_code == 200 and 'id="no-company"' in response.content.decode()


# --- portal accounts ---------------------------------------------------------------------------


def test_portal_account_creation(admin_client, world, company):
    ensure_default_roles()
    customer = world["contacts"]["riyadh_steel_1"]
    role = Group.objects.get(name=PORTAL_CUSTOMER)
    page = admin_client.get(reverse("access:portal_account_create")).content.decode()
    assert 'data-autocomplete-url="/contacts/autocomplete/contact/"' in page

    response = admin_client.post(
        reverse("access:portal_account_create"),
        {"contact": customer.pk, "username": "riyadhsteel", "password": "123", "role": role.pk},
    )
    assert response.status_code == 200
    assert "This password is too short" in response.content.decode()
    assert not PortalAccount.objects.exists()
    assert not get_user_model().objects.filter(username="riyadhsteel").exists()

    response = admin_client.post(
        reverse("access:portal_account_create"),
        {
            "contact": customer.pk,
            "username": "riyadhsteel",
            "password": "Qx7-long-secret",
            "role": role.pk,
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    account = PortalAccount.objects.get()
    assert account.contact == customer and account.user.username == "riyadhsteel"
    assert account.user.check_password("Qx7-long-secret")
    assert list(account.user.groups.all()) == [role]
    assert AccessChange.objects.filter(
        kind="portal_account.created", subject="riyadhsteel"
    ).exists()

    listing = admin_client.get(reverse("access:portal_account_list")).content.decode()
    assert "riyadhsteel" in listing and "Riyadh Steel 1" in listing

    again = admin_client.post(
        reverse("access:portal_account_create"),
        {
            "contact": customer.pk,
            "username": "RiyadhSteel",
            "password": "Qx7-long-secret",
            "role": role.pk,
        },
    )
    assert "A user with this username already exists." in again.content.decode()
    assert PortalAccount.objects.count() == 1


def test_portal_account_for_a_contact_out_of_reach_is_refused(client, world, company):
    ensure_default_roles()
    user = UserFactory(
        username="portaladmin",
        perms=[
            *CONTACT_PERMS,
            *ORG_VIEW_PERMS,
            "access.add_portalaccount",
            "access.view_portalaccount",
        ],
    )
    EmployeeFactory(company=company, user=user, code="PA1")
    rule_save(
        actor=None,
        company=company,
        name="Food only",
        model=CONTACT,
        actions=["view"],
        user=user,
        conditions=[{"field": "industry", "operator": "in", "values": [world["food"].pk]}],
    )
    client.force_login(user)
    steel = world["contacts"]["riyadh_steel_1"]
    response = client.post(
        reverse("access:portal_account_create"),
        {
            "contact": steel.pk,
            "username": "sneaky",
            "password": "Qx7-long-secret",
            "role": Group.objects.get(name=PORTAL_CUSTOMER).pk,
        },
    )
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    assert not PortalAccount.objects.exists()


def test_value_autocomplete_searches_the_declared_field(admin_client, world):
    url = reverse("access:value_autocomplete", args=[CONTACT, "area"])
    rows = admin_client.get(url, {"q": "riy"}).json()["results"]
    assert rows == [{"value": world["riyadh"].pk, "text": "Saudi Arabia › Central › Riyadh · City"}]
    url = reverse("access:value_autocomplete", args=[CONTACT, "no_such_field"])
    assert admin_client.get(url).json()["results"] == []


def test_grant_all_contacts_helper_still_lists_as_all_records(admin_client, world, company):
    grant_all_contacts(world["rep_user"], company)
    listing = admin_client.get(reverse("access:rule_list")).content.decode()
    assert "All records of the company" in listing


def test_kind_of_record_change_redraws_actions_and_conditions(admin_client, world):
    url = reverse("access:rule_model_parts")
    html = admin_client.get(url, {"model": CONTACT}).content.decode()
    for action in ("View", "Change", "Delete", "Export", "Assign"):
        assert f"> {action}</label>" in html or f">{action}</label>" in html
    assert 'name="conditions-TOTAL_FORMS"' in html and 'id="row-conditions-0"' in html
    assert admin_client.get(url, {"model": "auth.user"}).status_code == 400


def test_rule_for_a_role_over_all_records(admin_client, world):
    group = Group.objects.create(name="Back office")
    data = _rule_data(world, user="", role=str(group.pk), all_records="on")
    data["conditions-TOTAL_FORMS"] = "1"
    data["conditions-0-field"] = ""  # a blank row is ignored
    response = admin_client.post(reverse("access:rule_create"), data)
    assert response.status_code == 302, response.content.decode()[:3000]
    rule = RecordRule.objects.get()
    assert (rule.role, rule.user, rule.all_records) == (group, None, True)
    assert not rule.conditions.exists()

"""Focused tests of the record-rule engine: operators, union, deny by default, stale values,
the shape and cost of the SQL, and the validation of rules before they are saved."""

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tawasul.access.models import AccessChange, RecordRule, RuleCondition
from tawasul.access.services import rule_save
from tawasul.access.tests.oracle import Oracle
from tawasul.contacts.models import Area, Contact, Industry
from tawasul.contacts.tests.factories import (
    AreaFactory,
    ContactTypeFactory,
    IndustryFactory,
    ProductGroupFactory,
    make_contact,
)
from tawasul.org.services import employee_save
from tawasul.org.tests.factories import BranchFactory, CompanyFactory, EmployeeFactory

pytestmark = pytest.mark.django_db

CONTACT = "contacts.contact"
PERMS = [f"contacts.{a}_contact" for a in ("view", "add", "change", "delete", "export", "assign")]


class Org:
    """A small company: areas, industries, product groups, branches, a hierarchy, contacts."""

    def __init__(self):
        self.company = CompanyFactory(code="ACME")
        self.other = CompanyFactory(code="OTHER")
        company = self.company
        self.perms = list(
            Permission.objects.filter(
                content_type__app_label="contacts",
                codename__in=[p.split(".")[1] for p in PERMS],
            )
        )
        self.ksa = AreaFactory(company=company, name="KSA", level="country")
        self.riyadh = AreaFactory(company=company, name="Riyadh", parent=self.ksa)
        self.olaya = AreaFactory(company=company, name="Olaya", parent=self.riyadh, level="zone")
        self.jeddah = AreaFactory(company=company, name="Jeddah", parent=self.ksa)
        self.unused = AreaFactory(company=company, name="Unused", parent=self.riyadh, level="zone")
        self.steel, self.food, self.spare = (IndustryFactory(company=company) for _ in range(3))
        self.pipes, self.valves, self.pumps = (
            ProductGroupFactory(company=company) for _ in range(3)
        )
        self.north = BranchFactory(company=company)
        self.south = BranchFactory(company=company)
        self.customer = ContactTypeFactory(company=company, code="customer")
        self.dealer_type = ContactTypeFactory(company=company, code="dealer")

        self.boss = self.employee("boss", branch=self.north)
        self.sup = self.employee("sup", reports_to=self.boss, branch=self.north)
        self.rep = self.employee("rep", reports_to=self.sup, branch=self.south)
        self.peer = self.employee("peer", reports_to=self.boss)
        self.coord = self.employee("coord", reports_to=self.boss)
        employee_save(actor=None, instance=self.coord, coordinated_representatives=[self.rep])
        self.outsider = EmployeeFactory(
            company=self.other, user=self.user("outsider"), code="OUT", name="Outsider"
        )

        def contact(code, **data):
            return make_contact(
                company=company, contact_type=self.customer, name=code, code=code, **data
            )

        self.dealer = make_contact(
            company=company,
            contact_type=self.dealer_type,
            name="D1",
            code="D1",
            representative=self.rep,
        )
        self.peer_dealer = make_contact(
            company=company,
            contact_type=self.dealer_type,
            name="D2",
            code="D2",
            representative=self.peer,
        )
        self.c_olaya = contact(
            "C-OLAYA",
            area=self.olaya,
            industry=self.steel,
            representative=self.rep,
            branch=self.south,
            lifecycle="prospect",
            dealer=self.dealer,
            product_groups=[self.pipes, self.valves],
        )
        self.c_riyadh = contact(
            "C-RIYADH",
            area=self.riyadh,
            industry=self.food,
            representative=self.sup,
            branch=self.north,
            coordinator=self.coord,
            product_groups=[self.valves],
        )
        self.c_jeddah = contact(
            "C-JEDDAH",
            area=self.jeddah,
            industry=self.steel,
            representative=self.peer,
            manager=self.boss,
            lifecycle="customer",
            dealer=self.peer_dealer,
            product_groups=[self.pumps],
        )
        self.c_bare = contact("C-BARE")
        other_type = ContactTypeFactory(company=self.other, code="customer")
        self.c_other = make_contact(
            company=self.other,
            contact_type=other_type,
            name="O1",
            code="O1",
            representative=self.outsider,
        )

    def user(self, username, perms=True):
        user = get_user_model().objects.create_user(username=username)
        if perms:
            user.user_permissions.set(self.perms)
        return user

    def employee(self, name, **fields):
        return EmployeeFactory(
            company=self.company,
            user=self.user(name),
            code=name.upper(),
            name=name.title(),
            **fields,
        )

    def fresh(self, employee_or_user):
        user = getattr(employee_or_user, "user", employee_or_user)
        return get_user_model().objects.get(pk=user.pk)

    def rule(self, grantee, *conditions, actions=("view",), all_records=False, company=None):
        grant = {"role": grantee} if isinstance(grantee, Group) else {"user": self.fresh(grantee)}
        return rule_save(
            actor=None,
            company=company or self.company,
            name="Rule",
            model=CONTACT,
            actions=list(actions),
            all_records=all_records,
            conditions=[{"field": f, "operator": op, "values": list(v)} for f, op, v in conditions],
            **grant,
        )

    def codes(self, who, action="view") -> set[str]:
        """Codes of the contacts `who` may act on, checked against the oracle on the way."""
        user = self.fresh(who)
        got = set(Contact.objects.restrict(user, action).values_list("pk", flat=True))
        assert got == Oracle().allowed(user, action)
        return set(Contact._base_manager.filter(pk__in=got).values_list("code", flat=True))


@pytest.fixture
def org(db):
    return Org()


# --- operators ------------------------------------------------------------------------------------


def test_area_within_a_subtree_includes_everything_below(org):
    org.rule(org.rep, ("area", "in_subtree", [org.riyadh.pk]))
    assert org.codes(org.rep) == {"C-OLAYA", "C-RIYADH"}


def test_area_is_one_of_matches_only_those_areas(org):
    org.rule(org.rep, ("area", "in", [org.riyadh.pk, org.jeddah.pk]))
    assert org.codes(org.rep) == {"C-RIYADH", "C-JEDDAH"}


def test_master_value_is_one_of(org):
    org.rule(org.rep, ("industry", "in", [org.steel.pk]))
    assert org.codes(org.rep) == {"C-OLAYA", "C-JEDDAH"}


def test_product_groups_include_any_of(org):
    org.rule(org.rep, ("product_groups", "any", [org.valves.pk, org.pumps.pk]))
    assert org.codes(org.rep) == {"C-OLAYA", "C-RIYADH", "C-JEDDAH"}


def test_representative_is_me(org):
    org.rule(org.rep, ("representative", "is_me", []))
    assert org.codes(org.rep) == {"C-OLAYA", "D1"}


def test_representative_is_me_or_my_team(org):
    org.rule(org.sup, ("representative", "is_me_or_team", []))
    assert org.codes(org.sup) == {"C-OLAYA", "C-RIYADH", "D1"}
    org.rule(org.rep, ("representative", "is_me_or_team", []))
    assert org.codes(org.rep) == {"C-OLAYA", "D1"}  # never upwards
    org.rule(org.boss, ("representative", "is_me_or_team", []))
    assert org.codes(org.boss) == {"C-OLAYA", "C-RIYADH", "C-JEDDAH", "D1", "D2"}


def test_representative_coordinated_by_me(org):
    org.rule(org.coord, ("representative", "coordinated_by_me", []))
    assert org.codes(org.coord) == {"C-OLAYA", "D1"}


def test_employee_is_one_of(org):
    org.rule(org.rep, ("manager", "in", [org.boss.pk]))
    assert org.codes(org.rep) == {"C-JEDDAH"}


def test_coordinator_is_me(org):
    org.rule(org.coord, ("coordinator", "is_me", []))
    assert org.codes(org.coord) == {"C-RIYADH"}


def test_branch_is_my_branch(org):
    org.rule(org.sup, ("branch", "is_my_branch", []))
    assert org.codes(org.sup) == {"C-RIYADH"}
    # An employee with no branch has no "my branch": nothing, not "contacts without a branch".
    org.rule(org.peer, ("branch", "is_my_branch", []))
    assert org.codes(org.peer) == set()


def test_branch_is_one_of(org):
    org.rule(org.rep, ("branch", "in", [org.south.pk]))
    assert org.codes(org.rep) == {"C-OLAYA"}


def test_lifecycle_is_one_of(org):
    org.rule(org.rep, ("lifecycle", "in", ["prospect", "customer"]))
    assert org.codes(org.rep) == {"C-OLAYA", "C-JEDDAH"}


def test_dealer_represented_by_me_or_my_team(org):
    org.rule(org.sup, ("dealer", "represented_by_me", []))
    assert org.codes(org.sup) == {"C-OLAYA"}  # D1 is represented by sup's report
    org.rule(org.peer, ("dealer", "represented_by_me", []))
    assert org.codes(org.peer) == {"C-JEDDAH"}


def test_dealer_is_one_of(org):
    org.rule(org.rep, ("dealer", "in", [org.peer_dealer.pk]))
    assert org.codes(org.rep) == {"C-JEDDAH"}


def test_relative_operators_need_an_employee(org):
    loner = org.user("loner")  # permissions, but no employee record and so no company
    rule_save(
        actor=None,
        company=org.company,
        name="Mine",
        model=CONTACT,
        actions=["view"],
        role=_group_of(loner),
        conditions=[{"field": "representative", "operator": "is_me"}],
    )
    assert org.codes(loner) == set()


def _group_of(user) -> Group:
    group = Group.objects.create(name=f"group of {user.username}")
    user.groups.add(group)
    return group


# --- union, intersection, deny by default ---------------------------------------------------------


def test_conditions_of_one_rule_must_all_hold(org):
    org.rule(org.rep, ("industry", "in", [org.steel.pk]), ("area", "in_subtree", [org.riyadh.pk]))
    assert org.codes(org.rep) == {"C-OLAYA"}


def test_a_user_gets_the_union_of_their_rules_and_their_roles_rules(org):
    group = _group_of(org.rep.user)
    org.rule(org.rep, ("area", "in", [org.jeddah.pk]))
    org.rule(group, ("industry", "in", [org.food.pk]))
    assert org.codes(org.rep) == {"C-JEDDAH", "C-RIYADH"}


def test_deny_by_default(org):
    assert org.codes(org.rep) == set()  # no rule, no row
    org.rule(org.rep, all_records=True, actions=["export"])
    assert org.codes(org.rep, "view") == set()  # a rule for another action
    rule = org.rule(org.rep, all_records=True)
    RecordRule.objects.filter(pk=rule.pk).update(is_active=False)
    assert org.codes(org.rep) == set()  # an inactive rule
    org.rule(org.sup, all_records=True)
    assert org.codes(org.rep) == set()  # somebody else's rule
    group = _group_of(org.outsider.user)
    org.rule(group, all_records=True)
    assert org.codes(org.outsider) == set()  # a rule of another company's role


def test_no_model_permission_no_rows_whatever_the_rules(org):
    org.rule(org.rep, all_records=True, actions=["view", "change"])
    org.rep.user.user_permissions.remove(Permission.objects.get(codename="view_contact"))
    assert org.codes(org.rep, "view") == set()
    assert org.codes(org.rep, "change") == {"C-OLAYA", "C-RIYADH", "C-JEDDAH", "C-BARE", "D1", "D2"}


def test_all_records_means_all_of_my_company_only(org):
    org.rule(org.rep, all_records=True)
    assert "O1" not in org.codes(org.rep)
    assert len(org.codes(org.rep)) == 6


def test_adding_is_judged_by_the_change_rules(org):
    org.rule(org.rep, ("representative", "is_me", []), actions=["view", "change"])
    assert org.codes(org.rep, "add") == {"C-OLAYA", "D1"}


def test_superuser_sees_everything_of_their_company(org):
    root = org.user("root", perms=False)
    root.is_superuser = True
    root.save()
    assert len(org.codes(root)) == 7  # works for no company: every company's contacts
    EmployeeFactory(company=org.company, user=root, code="ROOT", name="Root")
    assert len(org.codes(root)) == 6 and "O1" not in org.codes(root)


def test_inactive_account_sees_nothing(org):
    org.rule(org.rep, all_records=True)
    user = org.fresh(org.rep)
    user.is_active = False
    user.save()
    assert org.codes(user) == set()


# --- a master value deleted after a rule names it never widens the rule -------------------------


def test_deleted_area_of_a_subtree_rule_grants_nothing(org):
    org.rule(org.rep, ("area", "in_subtree", [org.unused.pk]))
    assert org.codes(org.rep) == set()
    Area.objects.filter(pk=org.unused.pk).delete()
    assert org.codes(org.rep) == set()  # not "every area", not "contacts without an area"


def test_deleted_area_beside_a_live_one_keeps_only_the_live_one(org):
    org.rule(org.rep, ("area", "in_subtree", [org.unused.pk, org.jeddah.pk]))
    Area.objects.filter(pk=org.unused.pk).delete()
    assert org.codes(org.rep) == {"C-JEDDAH"}


def test_deleted_industry_grants_nothing_and_keeps_the_rule_narrow(org):
    org.rule(
        org.rep,
        ("industry", "in", [org.spare.pk]),
        ("lifecycle", "in", ["target"]),
    )
    Industry.objects.filter(pk=org.spare.pk).delete()
    assert org.codes(org.rep) == set()


def test_values_that_never_existed_or_unknown_fields_grant_nothing(org):
    """Conditions written around the service (old data, hand edits) never widen a rule."""
    rule = org.rule(org.rep, ("lifecycle", "in", ["target"]))
    assert org.codes(org.rep) == {"C-RIYADH", "C-BARE", "D1", "D2"}
    condition = rule.conditions.get()
    for field, operator, values in (
        ("area", "in_subtree", [987654]),
        ("industry", "in", ["not-a-number"]),
        ("industry", "in", []),
        ("no_such_field", "in", [1]),
        ("industry", "no_such_operator", [org.steel.pk]),
        ("lifecycle", "in", ["no-such-stage"]),
        ("representative", "in_subtree", [org.rep.pk]),
    ):
        RuleCondition.objects.filter(pk=condition.pk).update(
            field=field, operator=operator, values=values
        )
        RecordRule.objects.get(pk=rule.pk).save()  # changes bump the rules' cache
        assert org.codes(org.rep) == set(), (field, operator, values)


# --- the SQL ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("listed", [True, False])
def test_product_groups_rule_yields_each_contact_once_without_distinct(org, monkeypatch, listed):
    from tawasul.access import rules

    if not listed:  # more linked records than the rules list as keys: a subquery instead
        monkeypatch.setattr(rules, "LINKED_CAP", 0)
    org.rule(org.rep, ("product_groups", "any", [org.pipes.pk, org.valves.pk]))
    queryset = Contact.objects.restrict(org.fresh(org.rep), "view")
    ids = list(queryset.values_list("pk", flat=True))
    assert sorted(ids) == sorted({org.c_olaya.pk, org.c_riyadh.pk})  # C-OLAYA has both groups
    assert queryset.count() == 2
    sql = str(queryset.query)
    assert "DISTINCT" not in sql.upper()
    through = Contact.product_groups.through._meta.db_table
    if listed:
        assert through not in sql and "JOIN" not in sql.upper()
    else:
        subquery = sql.upper().index("IN (SELECT")
        assert '"contacts_contact"."id" IN (SELECT' in sql
        assert sql.index(through) > subquery  # joined only inside the subquery


def test_rules_are_read_once_per_user_object(org):
    org.rule(org.rep, ("area", "in_subtree", [org.riyadh.pk]), actions=["view", "change"])
    org.rule(org.rep, ("representative", "is_me", []), actions=["view", "export"])
    user = org.fresh(org.rep)
    with CaptureQueriesContext(connection) as captured:
        for action in ("view", "change", "export", "view", "delete"):
            list(Contact.objects.restrict(user, action))
    rule_reads = [q for q in captured.captured_queries if '"access_recordrule"' in q["sql"]]
    condition_reads = [
        q for q in captured.captured_queries if 'FROM "access_rulecondition"' in q["sql"]
    ]
    assert len(rule_reads) == 1
    assert len(condition_reads) == 1


def _queries(user, action="view") -> int:
    with CaptureQueriesContext(connection) as captured:
        list(Contact.objects.restrict(user, action))
    return len(captured.captured_queries)


def test_query_count_does_not_grow_with_the_number_of_rules(org):
    # Each kind of lookup a rule needs (subtrees, the team, linked keys) is one query when rules
    # are compiled, however many rules use it; later calls reuse the compiled condition.
    org.rule(org.rep, ("area", "in_subtree", [org.riyadh.pk]))
    org.rule(org.rep, ("representative", "is_me_or_team", []))
    org.rule(org.rep, ("product_groups", "any", [org.valves.pk]))
    user = org.fresh(org.rep)
    first_one, then_one = _queries(user), _queries(user)
    for area in (org.jeddah, org.olaya, org.ksa):
        org.rule(org.rep, ("area", "in_subtree", [area.pk]), ("industry", "in", [org.steel.pk]))
    org.rule(
        org.rep, ("representative", "is_me_or_team", []), ("product_groups", "any", [org.pipes.pk])
    )
    user = org.fresh(org.rep)
    first_many, then_many = _queries(user), _queries(user)
    assert first_many == first_one
    assert then_many == then_one
    assert then_one < first_one  # later calls reuse the rules read by the first


def test_a_changed_rule_reaches_a_user_object_already_in_use(org):
    user = org.fresh(org.rep)
    assert not Contact.objects.restrict(user, "view").exists()
    org.rule(org.rep, ("area", "in", [org.jeddah.pk]))
    assert set(Contact.objects.restrict(user, "view")) == {org.c_jeddah}
    group = Group.objects.create(name="Jeddah watchers")
    org.rule(group, ("area", "in", [org.riyadh.pk]))
    assert set(Contact.objects.restrict(user, "view")) == {org.c_jeddah}
    org.rep.user.groups.add(group)  # membership changes reach it too
    assert set(Contact.objects.restrict(user, "view")) == {org.c_jeddah, org.c_riyadh}


# --- validation of rule_save ------------------------------------------------------------------------


def _counts():
    return RecordRule.objects.count(), RuleCondition.objects.count(), AccessChange.objects.count()


def _refused(org, **overrides) -> dict[str, list[str]]:
    """Save a rule that must be refused; returns the errors, having checked nothing changed."""
    params = {
        "actor": None,
        "company": org.company,
        "name": "Bad",
        "model": CONTACT,
        "actions": ["view"],
        "user": org.fresh(org.rep),
        "conditions": [{"field": "industry", "operator": "in", "values": [org.steel.pk]}],
    }
    params.update(overrides)
    before = _counts()
    with pytest.raises(ValidationError) as caught:
        rule_save(**params)
    assert _counts() == before
    return caught.value.message_dict


def test_an_undeclared_field_is_refused_by_name(org):
    errors = _refused(
        org,
        conditions=[
            {"field": "industry", "operator": "in", "values": [org.steel.pk]},
            {"field": "tax_number", "operator": "in", "values": ["1"]},
        ],
    )
    assert list(errors) == ["conditions.1"]
    assert "tax_number" in errors["conditions.1"][0]


def test_a_value_that_does_not_exist_is_refused_by_id(org):
    errors = _refused(
        org, conditions=[{"field": "area", "operator": "in_subtree", "values": [987654]}]
    )
    assert list(errors) == ["conditions.0"]
    assert "987654" in errors["conditions.0"][0] and "Area" in errors["conditions.0"][0]


def test_a_value_of_another_company_is_refused(org):
    foreign = IndustryFactory(company=org.other)
    errors = _refused(
        org,
        conditions=[{"field": "industry", "operator": "in", "values": [org.steel.pk, foreign.pk]}],
    )
    assert list(errors) == ["conditions.0"]
    message = errors["conditions.0"][0]
    assert "Industry" in message and message.endswith(f": {foreign.pk}.")


def test_an_empty_rule_is_refused(org):
    errors = _refused(org, conditions=[])
    assert list(errors) == ["conditions"]
    assert "all records" in errors["conditions"][0]


def test_a_bad_operator_is_refused_by_name(org):
    errors = _refused(org, conditions=[{"field": "industry", "operator": "is_me", "values": []}])
    assert list(errors) == ["conditions.0"]
    assert "is_me" in errors["conditions.0"][0] and "Industry" in errors["conditions.0"][0]


def test_other_malformed_rules_are_refused(org):
    assert "actions" in _refused(org, actions=[])
    assert "actions" in _refused(org, actions=["view", "approve"])
    assert "role" in _refused(org, user=None)
    assert "role" in _refused(org, role=Group.objects.create(name="Both"))
    assert "user" in _refused(org, user=org.fresh(org.outsider))
    assert "model" in _refused(org, model="org.employee")
    assert "name" in _refused(org, name="  ")
    errors = _refused(org, conditions=[{"field": "lifecycle", "operator": "in", "values": ["x"]}])
    assert "x" in errors["conditions.0"][0]
    errors = _refused(
        org, conditions=[{"field": "industry", "operator": "in", "values": ["steel"]}]
    )
    assert list(errors) == ["conditions.0"]
    errors = _refused(org, conditions=[{"field": "industry", "operator": "in", "values": []}])
    assert list(errors) == ["conditions.0"]


def test_a_refused_edit_leaves_the_saved_rule_as_it_was(org):
    rule = org.rule(org.rep, ("industry", "in", [org.steel.pk]))
    _refused(
        org, instance=rule, conditions=[{"field": "area", "operator": "in", "values": [987654]}]
    )
    rule.refresh_from_db()
    assert [(c.field, c.operator, c.values) for c in rule.conditions.all()] == [
        ("industry", "in", [org.steel.pk])
    ]


def test_audit_rows_carry_their_company(db):
    """Audit pages list a company's own rows only; rows know their company."""
    from django.http import Http404

    from tawasul.access.models import AccessChange, AccessDenial
    from tawasul.access.querysets import get_restricted_or_404
    from tawasul.access.services import rule_save
    from tawasul.contacts.models import Contact
    from tawasul.contacts.tests.factories import ContactTypeFactory, make_contact
    from tawasul.org.tests.factories import CompanyFactory, EmployeeFactory, UserFactory

    mine, theirs = CompanyFactory(code="MINE"), CompanyFactory(code="THEIRS")
    user = UserFactory(username="auditee", perms=["contacts.view_contact"])
    EmployeeFactory(company=mine, user=user)
    rule_save(
        actor=None,
        company=mine,
        name="Mine",
        model="contacts.contact",
        actions=["view"],
        user=user,
        all_records=True,
    )
    assert AccessChange.objects.get(subject="Mine").company == mine
    hidden = make_contact(company=theirs, contact_type=ContactTypeFactory(company=theirs), name="X")
    with pytest.raises(Http404):
        get_restricted_or_404(Contact.objects.all(), user, "view", pk=hidden.pk)
    assert AccessDenial.objects.get(object_id=str(hidden.pk)).company == mine


def test_a_changed_tree_or_team_reaches_a_user_object_already_in_use(org):
    """Compiled rules hold subtree and team keys; changing either recompiles them."""
    from tawasul.contacts.services import masterdata_save

    org.rule(org.rep, ("area", "in_subtree", [org.riyadh.pk]))
    org.rule(org.sup, ("representative", "is_me_or_team", []))
    rep, sup = org.fresh(org.rep), org.fresh(org.sup)
    assert set(Contact.objects.restrict(rep, "view")) == {org.c_olaya, org.c_riyadh}
    # Jeddah moves under Riyadh: its contact falls within the rule from now on.
    masterdata_save(actor=None, model=Area, instance=org.jeddah, parent=org.riyadh)
    assert set(Contact.objects.restrict(rep, "view")) == {org.c_olaya, org.c_riyadh, org.c_jeddah}

    assert set(Contact.objects.restrict(sup, "view")) == {org.c_olaya, org.c_riyadh, org.dealer}
    # The peer now reports to the supervisor: the peer's contacts join the team's.
    employee_save(actor=None, instance=org.peer, reports_to=org.sup)
    assert set(Contact.objects.restrict(sup, "view")) == {
        org.c_olaya,
        org.c_riyadh,
        org.dealer,
        org.c_jeddah,
        org.peer_dealer,
    }


def test_subtree_and_team_conditions_are_key_lists_without_joins(org):
    org.rule(org.rep, ("area", "in_subtree", [org.riyadh.pk]), ("industry", "in", [org.steel.pk]))
    org.rule(org.rep, ("representative", "is_me_or_team", []))
    sql = str(Contact.objects.restrict(org.fresh(org.rep), "view").query)
    assert "JOIN" not in sql.upper()
    assert "contacts_area" not in sql and "org_employee" not in sql


def test_product_group_conditions_list_keys_and_fall_back_to_a_subquery(org, monkeypatch):
    from tawasul.access import rules
    from tawasul.contacts.services import contact_update

    org.rule(org.rep, ("product_groups", "any", [org.valves.pk]), actions=("view", "change"))
    org.rule(org.rep, ("area", "in", [org.jeddah.pk]), actions=("view", "change"))
    rep = org.fresh(org.rep)
    sql = str(Contact.objects.restrict(rep, "view").query)
    assert "contacts_contact_product_groups" not in sql  # a plain list of keys
    assert org.codes(org.rep) == {"C-OLAYA", "C-RIYADH", "C-JEDDAH"}
    # One edit moves the Jeddah contact out of Jeddah and into the valves group: the re-check
    # after saving must see the new group membership, with the same user object.
    contact_update(
        actor=rep, contact=org.c_jeddah, data={"area": org.olaya}, product_groups=[org.valves]
    )
    assert set(Contact.objects.restrict(rep, "view")) == {org.c_olaya, org.c_riyadh, org.c_jeddah}
    # Leaving the group takes it out of sight for the same user object.
    org.c_riyadh.product_groups.remove(org.valves)
    assert set(Contact.objects.restrict(rep, "view")) == {org.c_olaya, org.c_jeddah}
    monkeypatch.setattr(rules, "LINKED_CAP", 1)
    rep = org.fresh(org.rep)
    sql = str(Contact.objects.restrict(rep, "view").query)
    assert "contacts_contact_product_groups" in sql and "DISTINCT" not in sql.upper()
    assert org.codes(org.rep) == {"C-OLAYA", "C-JEDDAH"}


def test_the_contact_name_index_carries_every_column_a_rule_may_test():
    """Keys of a list page come from an index-only scan only if no rule column is missing."""
    from tawasul.access.registry import MANY, governed
    from tawasul.contacts.models import RULE_COLUMNS

    index = next(i for i in Contact._meta.indexes if i.name == "contact_company_name_cover")
    tested = {d.lookup for d in governed(Contact).fields.values() if d.kind != MANY}
    assert tested <= set(index.include) == set(RULE_COLUMNS)


def test_lookups_behind_the_rules_run_once_for_every_action(org):
    org.rule(org.rep, ("area", "in_subtree", [org.riyadh.pk]), actions=["view", "change"])
    org.rule(org.rep, ("representative", "is_me_or_team", []), actions=["view", "export"])
    org.rule(org.rep, ("product_groups", "any", [org.pipes.pk]), actions=["change"])
    user = org.fresh(org.rep)
    with CaptureQueriesContext(connection) as captured:
        for action in ("view", "change", "export"):
            list(Contact.objects.restrict(user, action))
    sqls = [q["sql"] for q in captured.captured_queries]
    assert sum('FROM "contacts_area"' in sql for sql in sqls) == 1
    team_lookups = [s for s in sqls if 'FROM "org_employee"' in s and "LIKE" in s.upper()]
    assert len(team_lookups) == 1
    assert sum('FROM "contacts_contact_product_groups"' in sql for sql in sqls) == 1

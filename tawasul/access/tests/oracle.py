"""A deliberately naive second implementation of the record-rule semantics, for tests.

The application turns rules into SQL (`tawasul.access.rules`); this module answers the same
question in plain Python, one contact and one condition at a time, from rows read straight out
of the tables. It shares no code with the engine: the link fields of a contact are declared here
again, trees are walked parent by parent instead of matched by materialised path, and the
reports-to hierarchy is walked manager by manager. Property tests compare the two answers.

The semantics, as the architecture states them:
- nobody signed in, or an inactive account: nothing;
- a portal account: its own contact, plus (dealers and agents) the contacts it serves, for
  "view" and "change" only, and only with the model permission;
- a superuser: everything of their own company when they work for one, else everything;
- no model permission for the action: nothing;
- otherwise only contacts of the user's company, and only those some rule reaching the user
  (directly or through a group) grants for the action ("add" is judged by "change" rules);
  a rule with "all records" grants every contact of its company; a rule without conditions
  grants nothing; within a rule every condition must hold; a condition the oracle cannot
  resolve (unknown field, unknown operator, values that no longer exist) holds for nothing.
"""

from dataclasses import dataclass, field, replace

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission

# The contact's link fields as the specification lists them: name -> (kind, attribute).
CONTACT_FIELDS: dict[str, tuple[str, str]] = {
    "area": ("tree", "area_id"),
    "industry": ("master", "industry_id"),
    "segment": ("master", "segment_id"),
    "size": ("master", "size_id"),
    "product_groups": ("many", "product_group_ids"),
    "contact_type": ("master", "contact_type_id"),
    "category": ("master", "category_id"),
    "referral_source": ("master", "referral_source_id"),
    "branch": ("branch", "branch_id"),
    "representative": ("employee", "representative_id"),
    "coordinator": ("employee", "coordinator_id"),
    "manager": ("employee", "manager_id"),
    "lifecycle": ("choice", "lifecycle"),
    "dealer": ("dealer", "dealer_id"),
}
LIFECYCLE_VALUES = {"target", "prospect", "customer", "rejected", "recovered"}
PORTAL_ACTIONS = {"view", "change"}
DEALER_CODES = {"dealer", "agent"}
CONTACT_KEY = "contacts.contact"


@dataclass(frozen=True)
class ContactFacts:
    """What the rules may look at on one contact."""

    id: int
    company_id: int
    contact_type_code: str
    area_id: int | None = None
    industry_id: int | None = None
    segment_id: int | None = None
    size_id: int | None = None
    contact_type_id: int | None = None
    category_id: int | None = None
    referral_source_id: int | None = None
    branch_id: int | None = None
    representative_id: int | None = None
    coordinator_id: int | None = None
    manager_id: int | None = None
    lifecycle: str = "target"
    dealer_id: int | None = None
    product_group_ids: frozenset = field(default_factory=frozenset)

    def but(self, **changes) -> "ContactFacts":
        """The same contact with some link values changed (for "what if I saved this")."""
        return replace(self, **changes)


@dataclass
class UserFacts:
    pk: int | None
    is_active: bool
    is_superuser: bool
    permissions: set[str]
    group_ids: set[int]
    employee_id: int | None
    company_id: int | None
    branch_id: int | None
    portal_contact_id: int | None


def _as_int(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


class Snapshot:
    """Every row the rules can depend on, read once with plain queries."""

    def __init__(self) -> None:
        from tawasul.contacts.models import Area, Contact
        from tawasul.org.models import Employee

        self._users: dict[int, UserFacts] = {}
        self.area_parent: dict[int, int | None] = dict(
            Area._base_manager.values_list("pk", "parent_id")
        )
        self.employees: dict[int, dict] = {
            row["pk"]: row
            for row in Employee._base_manager.values(
                "pk", "company_id", "user_id", "branch_id", "reports_to_id"
            )
        }
        through = Employee.coordinated_representatives.through
        self.coordinates: dict[int, set[int]] = {}
        for coordinator_id, rep_id in through.objects.values_list(
            "from_employee_id", "to_employee_id"
        ):
            self.coordinates.setdefault(coordinator_id, set()).add(rep_id)
        groups: dict[int, set[int]] = {}
        pg_through = Contact.product_groups.through
        for contact_id, group_id in pg_through.objects.values_list("contact_id", "productgroup_id"):
            groups.setdefault(contact_id, set()).add(group_id)
        self.contacts: dict[int, ContactFacts] = {}
        for row in Contact._base_manager.values(
            "pk",
            "company_id",
            "contact_type__code",
            "area_id",
            "industry_id",
            "segment_id",
            "size_id",
            "contact_type_id",
            "category_id",
            "referral_source_id",
            "branch_id",
            "representative_id",
            "coordinator_id",
            "manager_id",
            "lifecycle",
            "dealer_id",
        ):
            pk = row.pop("pk")
            code = row.pop("contact_type__code")
            self.contacts[pk] = ContactFacts(
                id=pk,
                contact_type_code=code,
                product_group_ids=frozenset(groups.get(pk, ())),
                **row,
            )

    # --- the user --------------------------------------------------------------------------

    def user_facts(self, user) -> UserFacts:
        """Who the user is, read once per snapshot."""
        if user is None or not getattr(user, "pk", None):
            return UserFacts(None, False, False, set(), set(), None, None, None, None)
        if user.pk not in self._users:
            self._users[user.pk] = self._read_user(user)
        return self._users[user.pk]

    def _read_user(self, user) -> UserFacts:
        from tawasul.access.models import PortalAccount

        row = (
            get_user_model()
            ._base_manager.filter(pk=user.pk)
            .values("is_active", "is_superuser")
            .get()
        )
        group_ids = set(
            get_user_model()
            .groups.through.objects.filter(user_id=user.pk)
            .values_list("group_id", flat=True)
        )
        perms = set()
        for app_label, codename in Permission.objects.filter(user=user.pk).values_list(
            "content_type__app_label", "codename"
        ):
            perms.add(f"{app_label}.{codename}")
        for app_label, codename in Permission.objects.filter(group__in=group_ids).values_list(
            "content_type__app_label", "codename"
        ):
            perms.add(f"{app_label}.{codename}")
        employee = next((e for e in self.employees.values() if e["user_id"] == user.pk), None)
        portal = (
            PortalAccount._base_manager.filter(user_id=user.pk, is_active=True)
            .values_list("contact_id", flat=True)
            .first()
        )
        return UserFacts(
            pk=user.pk,
            is_active=row["is_active"],
            is_superuser=row["is_superuser"],
            permissions=perms,
            group_ids=group_ids,
            employee_id=employee["pk"] if employee else None,
            company_id=employee["company_id"] if employee else None,
            branch_id=employee["branch_id"] if employee else None,
            portal_contact_id=portal,
        )

    # --- walks -----------------------------------------------------------------------------

    def area_within(self, area_id: int | None, root_id: int) -> bool:
        """Is `area_id` the area `root_id` or below it, walking up parent by parent."""
        seen = set()
        while area_id is not None and area_id not in seen:
            if area_id == root_id:
                return True
            seen.add(area_id)
            area_id = self.area_parent.get(area_id)
        return False

    def reports_to_me(self, employee_id: int | None, me: int) -> bool:
        """Is `employee_id` me or anyone below me, walking up the reports-to chain."""
        seen = set()
        while employee_id is not None and employee_id not in seen:
            if employee_id == me:
                return True
            seen.add(employee_id)
            row = self.employees.get(employee_id)
            employee_id = row["reports_to_id"] if row else None
        return False


class Oracle:
    """Which contacts a user may act on, by brute force."""

    def __init__(self, snapshot: Snapshot | None = None) -> None:
        self.snapshot = snapshot or Snapshot()

    def allowed(self, user, action: str) -> set[int]:
        """Ids of every contact `user` may perform `action` on."""
        judge = self.judge(user, action)
        return {pk for pk, facts in self.snapshot.contacts.items() if judge(facts)}

    def allows(self, user, action: str, facts: ContactFacts) -> bool:
        """Would `user` have `action` on a contact with these facts (real or hypothetical)."""
        return self.judge(user, action)(facts)

    def judge(self, user, action: str):
        """A predicate over contact facts for this user and action (rules read once)."""
        from tawasul.access.models import RecordRule, RuleCondition

        snap = self.snapshot
        me = snap.user_facts(user)
        if me.pk is None or not me.is_active:
            return lambda facts: False
        if me.portal_contact_id is not None:
            own = me.portal_contact_id
            if action not in PORTAL_ACTIONS or f"contacts.{action}_contact" not in me.permissions:
                return lambda facts: False
            own_facts = snap.contacts.get(own)
            serves = own_facts is not None and own_facts.contact_type_code in DEALER_CODES
            return lambda facts: facts.id == own or (serves and facts.dealer_id == own)
        if me.is_superuser:
            if me.company_id is None:
                return lambda facts: True
            return lambda facts: facts.company_id == me.company_id
        if f"contacts.{action}_contact" not in me.permissions:
            return lambda facts: False
        if me.company_id is None:
            return lambda facts: False
        rule_action = "change" if action == "add" else action
        rules = []
        for rule in RecordRule._base_manager.filter(
            model=CONTACT_KEY, is_active=True, company_id=me.company_id
        ).values("pk", "user_id", "role_id", "actions", "all_records"):
            reaches = rule["user_id"] == me.pk or rule["role_id"] in me.group_ids
            if reaches and rule_action in (rule["actions"] or []):
                rules.append(rule)
        conditions: dict[int, list[dict]] = {}
        for row in RuleCondition._base_manager.filter(rule_id__in=[r["pk"] for r in rules]).values(
            "rule_id", "field", "operator", "values"
        ):
            conditions.setdefault(row["rule_id"], []).append(row)

        def judge(facts: ContactFacts) -> bool:
            if facts.company_id != me.company_id:
                return False
            for rule in rules:
                if rule["all_records"]:
                    return True
                mine = conditions.get(rule["pk"], [])
                if mine and all(self._holds(c, facts, me) for c in mine):
                    return True
            return False

        return judge

    def _holds(self, condition: dict, facts: ContactFacts, me: UserFacts) -> bool:
        snap = self.snapshot
        declared = CONTACT_FIELDS.get(condition["field"])
        if declared is None:
            return False
        kind, attribute = declared
        op = condition["operator"]
        raw_values = condition["values"] or []
        ids = {i for i in (_as_int(v) for v in raw_values) if i is not None}
        value = getattr(facts, attribute)
        if kind == "tree" and op == "in_subtree":
            roots = [i for i in ids if i in snap.area_parent]  # a deleted area grants nothing
            return any(snap.area_within(value, root) for root in roots)
        if kind == "tree" and op == "in":
            return value is not None and value in ids
        if kind == "master" and op == "in":
            return value is not None and value in ids
        if kind == "many" and op == "any":
            return bool(value & ids)
        if kind == "employee":
            if op == "in":
                return value is not None and value in ids
            if me.employee_id is None or value is None:
                return False
            if op == "is_me":
                return value == me.employee_id
            if op == "is_me_or_team":
                return snap.reports_to_me(value, me.employee_id)
            if op == "coordinated_by_me":
                return value in snap.coordinates.get(me.employee_id, set())
            return False
        if kind == "branch":
            if op == "in":
                return value is not None and value in ids
            if op == "is_my_branch":
                return me.branch_id is not None and value == me.branch_id
            return False
        if kind == "choice" and op == "in":
            return value in {str(v) for v in raw_values} & LIFECYCLE_VALUES
        if kind == "dealer":
            if op == "in":
                return value is not None and value in ids
            if op == "represented_by_me":
                if me.employee_id is None or value is None:
                    return False
                dealer = snap.contacts.get(value)
                return dealer is not None and snap.reports_to_me(
                    dealer.representative_id, me.employee_id
                )
            return False
        return False

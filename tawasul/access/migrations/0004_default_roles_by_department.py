"""Default roles per department: bring an existing installation in line, once.

Until now every manager, of any department, was given the sales manager's role, and custodians,
warehouse keepers and technicians saw every contact of their branch. This migration:
1. changes the permissions of the default roles whose definition changed (only the permissions
   that changed: what an administrator added or removed otherwise stays);
2. creates the new default roles (general manager, customer service, collection, maintenance,
   accounts, warehouse, quality control, R&D, HR, management staff, staff);
3. moves each employee who holds the role their job used to give them to the role of their
   department (an HR manager from "Sales manager" to "HR manager"); employees without a
   department, and roles given by hand, are left as they are;
4. in every company, brings the default record rules in line: changed rules are rewritten,
   retired ones deleted, new ones created. Rules about customers name the company's "customer"
   contact type; a company without one gets them once the type exists (see
   `contacts.handlers`), and its cashiers' old rule is switched off meanwhile.
Every change is written to the access audit. Running it twice changes nothing.

The definitions are frozen here as they stand in `access.roles` at this migration, so later
changes to the live table do not change what this step did.
"""

from django.conf import settings
from django.db import migrations

# --- frozen definitions --------------------------------------------------------------------

MASTER_MODELS = (
    "area",
    "industry",
    "segment",
    "size",
    "productgroup",
    "referralsource",
    "contacttype",
    "contactcategory",
)
ORG_LOOKUPS = [f"org.view_{m}" for m in ("company", "branch", "department", "employee", "jobrole")]
MASTER_LOOKUPS = [f"contacts.view_{m}" for m in MASTER_MODELS]
CONTACT_READ = [
    "contacts.view_contact",
    "contacts.view_lifecyclechange",
    *(
        f"contacts.view_{m}"
        for m in ("contactperson", "address", "phone", "email", "dealerprofile")
    ),
]
CONTACT_VIEWER = [*ORG_LOOKUPS, *MASTER_LOOKUPS, *CONTACT_READ]

# Changes to roles that existed before: (added, removed).
CHANGED_ROLES = {
    "Supervisor": (["contacts.assign_contact"], []),
    "Coordinator": ([], ["contacts.add_contact"]),
    "Custodian": ([], [*MASTER_LOOKUPS, *CONTACT_READ]),
    "Warehouse keeper": ([], [*MASTER_LOOKUPS, *CONTACT_READ]),
    "Technician": ([], [*MASTER_LOOKUPS, *CONTACT_READ]),
}
# New roles: (permissions, apps all of whose permissions the role holds).
NEW_ROLES = {
    "General manager": (["access.view_audit"], ["org", "contacts"]),
    "Customer service manager": (CONTACT_VIEWER, []),
    "Customer service staff": (CONTACT_VIEWER, []),
    "Collection manager": (CONTACT_VIEWER, []),
    "Collection staff": (CONTACT_VIEWER, []),
    "Maintenance manager": (CONTACT_VIEWER, []),
    "Maintenance staff": (CONTACT_VIEWER, []),
    "Accounts manager": (
        [*CONTACT_VIEWER, "contacts.export_contact", "contacts.view_commission"],
        [],
    ),
    "Accounts staff": (CONTACT_VIEWER, []),
    "Warehouse manager": (ORG_LOOKUPS, []),
    "Warehouse staff": (ORG_LOOKUPS, []),
    "Quality control manager": (ORG_LOOKUPS, []),
    "Quality control staff": (ORG_LOOKUPS, []),
    "R&D manager": (ORG_LOOKUPS, []),
    "R&D staff": (ORG_LOOKUPS, []),
    "HR manager": (ORG_LOOKUPS, []),
    "HR staff": (ORG_LOOKUPS, []),
    "Management staff": (ORG_LOOKUPS, []),
    "Staff": (ORG_LOOKUPS, []),
}
# The role each job role used to give, whatever the department.
OLD_JOB_ROLES = {
    "administrator": "Administrator",
    "manager": "Sales manager",
    "supervisor": "Supervisor",
    "representative": "Representative",
    "coordinator": "Coordinator",
    "custodian": "Custodian",
    "warehouse_keeper": "Warehouse keeper",
    "cashier": "Cashier",
    "technician": "Technician",
}
# The roles given now: by department and job; by job in any department; by department.
STAFF_JOBS = ("supervisor", "representative", "coordinator")
BY_DEPARTMENT_AND_JOB = {
    ("management", "manager"): "General manager",
    ("sales", "manager"): "Sales manager",
    ("sales", "supervisor"): "Supervisor",
    ("sales", "representative"): "Representative",
    ("sales", "coordinator"): "Coordinator",
    **{
        (kind, job): f"{name} {'manager' if job == 'manager' else 'staff'}"
        for kind, name in (
            ("customer_service", "Customer service"),
            ("collection", "Collection"),
            ("maintenance", "Maintenance"),
            ("accounts", "Accounts"),
            ("warehouse", "Warehouse"),
            ("qc", "Quality control"),
            ("rnd", "R&D"),
            ("hr", "HR"),
        )
        for job in ("manager", *STAFF_JOBS)
    },
    **{("management", job): "Management staff" for job in STAFF_JOBS},
}
BY_JOB = {
    "administrator": "Administrator",
    "cashier": "Cashier",
    "warehouse_keeper": "Warehouse keeper",
    "custodian": "Custodian",
    "technician": "Technician",
}
BY_DEPARTMENT = {"other": "Staff"}

CONTACT = "contacts.contact"
ALL = ["view", "change", "delete", "export", "assign"]
MY_BRANCH = {"field": "branch", "operator": "is_my_branch", "values": []}
CUSTOMERS = {"field": "contact_type", "operator": "in", "codes": ["customer"]}
BRANCH_CUSTOMERS = ("Customers of my branch", ["view"], False, [MY_BRANCH, CUSTOMERS])
# Rules to hold in every company: (role, name, actions, all records, conditions, rewrite).
# `rewrite`: an existing rule of that role and name is brought to this definition (its
# definition changed); otherwise an existing rule is left as the administrator keeps it.
RULES = [
    ("General manager", "All contacts of the company", ALL, True, [], False),
    (
        "Supervisor",
        "My team's contacts",
        ["view", "change", "assign"],
        False,
        [{"field": "representative", "operator": "is_me_or_team", "values": []}],
        True,
    ),
    ("Cashier", *BRANCH_CUSTOMERS, True),
    *(
        (role, *BRANCH_CUSTOMERS, False)
        for role in (
            "Customer service manager",
            "Customer service staff",
            "Collection manager",
            "Collection staff",
            "Maintenance manager",
            "Maintenance staff",
            "Accounts staff",
        )
    ),
    (
        "Accounts manager",
        "Customers, dealers and agents of the company",
        ["view", "export"],
        False,
        [{"field": "contact_type", "operator": "in", "codes": ["customer", "dealer", "agent"]}],
        False,
    ),
]
RETIRED_RULES = [
    ("Custodian", "Customers of my branch"),
    ("Warehouse keeper", "Customers of my branch"),
    ("Technician", "Customers of my branch"),
]


def new_role(kind, job):
    return (
        BY_DEPARTMENT_AND_JOB.get((kind, job))
        or BY_JOB.get(job)
        or BY_DEPARTMENT.get(kind)
        or "Staff"
    )


# --- the step ------------------------------------------------------------------------------


class _Step:
    def __init__(self, apps):
        self.Group = apps.get_model("auth", "Group")
        self.Permission = apps.get_model("auth", "Permission")
        self.User = apps.get_model(settings.AUTH_USER_MODEL)
        self.Company = apps.get_model("org", "Company")
        self.Employee = apps.get_model("org", "Employee")
        self.ContactType = apps.get_model("contacts", "ContactType")
        self.RecordRule = apps.get_model("access", "RecordRule")
        self.RuleCondition = apps.get_model("access", "RuleCondition")
        self.AccessChange = apps.get_model("access", "AccessChange")

    def log(self, kind, subject, before, after, company=None):
        self.AccessChange.objects.create(
            kind=kind, subject=subject, before=before, after=after, company=company
        )

    def permissions(self, dotted, apps_whole=()):
        found = []
        for code in dotted:
            app_label, codename = code.split(".", 1)
            found.extend(
                self.Permission.objects.filter(content_type__app_label=app_label, codename=codename)
            )
        for app_label in apps_whole:
            found.extend(self.Permission.objects.filter(content_type__app_label=app_label))
        return found

    def codes(self, group):
        return sorted(
            f"{app}.{code}"
            for app, code in group.permissions.values_list("content_type__app_label", "codename")
        )

    def roles(self):
        for name, (added, removed) in CHANGED_ROLES.items():
            group = self.Group.objects.filter(name=name).first()
            if group is None:
                continue
            before = self.codes(group)
            group.permissions.remove(*self.permissions(removed))
            group.permissions.add(*self.permissions(added))
            after = self.codes(group)
            if after != before:
                self.log("role.changed", name, {"permissions": before}, {"permissions": after})
        for name, (dotted, apps_whole) in NEW_ROLES.items():
            group, created = self.Group.objects.get_or_create(name=name)
            if created:
                group.permissions.set(self.permissions(dotted, apps_whole))
                self.log("role.created", name, {}, {"name": name, "permissions": self.codes(group)})

    def memberships(self):
        groups = {g.name: g for g in self.Group.objects.all()}
        moves = {}  # (company id, role) -> (members before, members after)
        employees = (
            self.Employee.objects.filter(user__isnull=False, department__isnull=False)
            .select_related("user", "department")
            .prefetch_related("roles", "user__groups")
            .order_by("pk")
        )
        for employee in employees:
            user, kind = employee.user, employee.department.kind
            held = {g.name for g in user.groups.all()}
            jobs = [role.code for role in employee.roles.all()]
            wanted = {new_role(kind, job) for job in jobs}
            drop, add = set(), set()
            for job in jobs:
                old, new = OLD_JOB_ROLES.get(job), new_role(kind, job)
                if old and old != new and old in held:
                    add.add(new)
                    if old not in wanted:
                        drop.add(old)
            add -= held
            if not add and not drop:
                continue
            for name in sorted(drop | add):
                group = groups[name]
                key = (employee.company_id, name)
                if key not in moves:
                    members = set(
                        group.user_set.filter(employee__company_id=employee.company_id).values_list(
                            "username", flat=True
                        )
                    )
                    moves[key] = (members, set(members))
                if name in drop:
                    moves[key][1].discard(user.username)
                else:
                    moves[key][1].add(user.username)
            user.groups.remove(*(groups[name] for name in drop))
            user.groups.add(*(groups[name] for name in add))
        for (company_id, name), (before, after) in sorted(moves.items()):
            self.log(
                "role.changed",
                name,
                {"members": sorted(before)},
                {"members": sorted(after)},
                company=self.Company.objects.get(pk=company_id),
            )

    def snapshot(self, rule):
        return {
            "name": rule.name,
            "model": rule.model,
            "actions": list(rule.actions or []),
            "role": rule.role_id,
            "user": rule.user_id,
            "all_records": rule.all_records,
            "is_active": rule.is_active,
            "conditions": [
                {"field": c.field, "operator": c.operator, "values": c.values}
                for c in rule.conditions.order_by("pk")
            ],
        }

    def conditions(self, company, conditions):
        out = []
        for condition in conditions:
            values = list(condition.get("values", []))
            if condition.get("codes"):
                values = sorted(
                    self.ContactType.objects.filter(
                        company=company, code__in=condition["codes"]
                    ).values_list("pk", flat=True)
                )
                if not values:
                    return None
            out.append(
                {"field": condition["field"], "operator": condition["operator"], "values": values}
            )
        return out

    def rules(self, company):
        groups = {g.name: g for g in self.Group.objects.all()}
        for role, name, actions, all_records, conditions, rewrite in RULES:
            group = groups.get(role)
            if group is None:
                continue
            rule = self.RecordRule.objects.filter(
                company=company, role=group, name=name, model=CONTACT
            ).first()
            wanted = self.conditions(company, conditions)
            if wanted is None:
                # The company holds no contact type the rule names: it cannot be stated, and a
                # rule left as it was would grant more than its role should see.
                if rule is not None and rule.is_active:
                    before = self.snapshot(rule)
                    rule.is_active = False
                    rule.save(update_fields=["is_active"])
                    self.log("rule.changed", name, before, self.snapshot(rule), company)
                continue
            if rule is not None and not rewrite:
                continue
            before = self.snapshot(rule) if rule is not None else {}
            if rule is None:
                rule = self.RecordRule(company=company, role=group, name=name, model=CONTACT)
            rule.actions, rule.all_records, rule.is_active = list(actions), all_records, True
            rule.save()
            held = [
                {"field": c["field"], "operator": c["operator"], "values": c["values"]}
                for c in before.get("conditions", [])
            ]
            if held != wanted:
                rule.conditions.all().delete()
                for condition in wanted:
                    self.RuleCondition.objects.create(rule=rule, **condition)
            after = self.snapshot(rule)
            if after != before:
                self.log("rule.changed" if before else "rule.created", name, before, after, company)
        for role, name in RETIRED_RULES:
            group = groups.get(role)
            for rule in self.RecordRule.objects.filter(
                company=company, role=group, name=name, model=CONTACT
            ):
                before = self.snapshot(rule)
                rule.delete()
                self.log("rule.deleted", name, before, {}, company)


def forwards(apps, schema_editor):
    step = _Step(apps)
    if not step.Group.objects.filter(name__in=OLD_JOB_ROLES.values()).exists():
        return  # a new installation: the roles are made from the live definition after migrate
    step.roles()
    step.memberships()
    for company in step.Company.objects.order_by("pk"):
        step.rules(company)


class Migration(migrations.Migration):
    dependencies = [
        ("access", "0003_api_token"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contacts", "0003_alter_contact_options"),
        ("org", "0003_department_kind_hr"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]

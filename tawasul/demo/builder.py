"""The demo company: a realistic data set for trying Tawasul, built through the services.

Each module builds its part in its own `demo.py` and registers the step in its `module.py`
(`registry.demo_builder`); `DemoBuilder.build` runs the steps in layer order (organisation,
access, contacts, portal...) in one transaction, each reading what the steps before it made
from the `DemoBuilder` it is given (`company`, `employees`, `users`...) and the one seeded
`rng`. Everything is drawn from `random.Random` with a fixed seed, so two builds on empty
databases hold the same records (only timestamps and password salts differ).
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from tawasul.contacts.demo import (  # noqa: F401  (the demo's names, as other code knows them)
    BULK_TABLES,
    bulk_contacts_load,
    organisation_name,
    person_name,
)
from tawasul.core.registry import get_registry
from tawasul.org.demo import (  # noqa: F401
    COMPANY_CODE,
    COMPANY_NAME,
    EMAIL_DOMAIN,
    PASSWORD,
    SEED,
    STAFF,
)
from tawasul.org.models import Company, Employee
from tawasul.portal.demo import PORTAL_USERS

# Contacts in the demo, and how many of them go through `contact_create` one by one (with
# their change history and lifecycle moves); the rest are written in bulk from the same
# generated data, which keeps `manage.py demo` well under a minute on SQLite.
SIZES = {"small": (80, 50), "full": (2000, 400)}

Say = Callable[[str], None]

# --- queries about the demo ---------------------------------------------------------------


def demo_company() -> Company | None:
    """The demo company, if it has been built."""
    return Company.objects.filter(code=COMPANY_CODE).first()


@dataclass(frozen=True)
class DemoUser:
    username: str
    role: str
    department: str


def demo_users() -> list[DemoUser]:
    """The demo's sign-in accounts with their job roles and department, in `STAFF` order,
    then the portal accounts."""
    company = demo_company()
    if company is None:
        return []
    employees = {
        e.user.username: e
        for e in Employee.objects.filter(company=company, user__isnull=False)
        .select_related("user", "department")
        .prefetch_related("roles")
    }
    rows = []
    for member in STAFF:
        employee = employees.get(member.username)
        if employee is None:
            continue
        roles = ", ".join(str(role) for role in employee.roles.all())
        department = str(employee.department) if employee.department else ""
        rows.append(DemoUser(member.username, roles, department))
    from tawasul.access.models import PortalAccount

    for account in (
        PortalAccount.objects.filter(contact__company=company, user__username__in=PORTAL_USERS)
        .select_related("user", "contact")
        .prefetch_related("user__groups")
        .order_by("user__username")
    ):
        role = ", ".join(g.name for g in account.user.groups.all())
        rows.append(DemoUser(account.user.username, role, f"portal: {account.contact.name}"))
    return rows


# --- building ------------------------------------------------------------------------------


class DemoBuilder:
    """The demo being built: what every step reads (the seeded `rng`, `say`, the sizes) and
    what the steps record for the ones after them (`company`, then each module's own)."""

    def __init__(
        self,
        *,
        contacts: int,
        through_services: int | None = None,
        say: Say | None = None,
        seed: int = SEED,
    ) -> None:
        self.contact_count = contacts
        self.through_services = contacts if through_services is None else through_services
        self.rng = random.Random(seed)
        self.say = say or (lambda message: None)
        self.company: Company
        self.employees: dict[str, Employee] = {}
        self.users: dict[str, Any] = {}

    def build(self) -> Company:
        """Run every module's demo step (`registry.demo_builder`) in layer order, in one
        transaction; returns the demo company."""
        registry = get_registry()
        with transaction.atomic():
            for step in registry.demo_builders:
                registry.resolve(step.build)(self)
        return self.company

    @staticmethod
    def since(started: float) -> str:
        """The time since `started` (`time.perf_counter()`), to say after a step."""
        return _("%(seconds).1f s") % {"seconds": time.perf_counter() - started}


def demo_build(
    *, size: str = "full", say: Say | None = None, seed: int = SEED
) -> tuple[Company, bool]:
    """Build the demo company unless it exists; returns it and whether it was built now."""
    existing = demo_company()
    if existing is not None:
        return existing, False
    contacts, through_services = SIZES[size]
    builder = DemoBuilder(contacts=contacts, through_services=through_services, say=say, seed=seed)
    return builder.build(), True


def bulk_contacts_add(
    *,
    count: int,
    batch_size: int = 20_000,
    say: Say | None = None,
    seed: int | None = None,
    rebuild_indexes: bool | None = None,
) -> int:
    """Add `count` generated contacts to the demo company, building the company first if it is
    absent; the load itself is `contacts.demo.bulk_contacts_load` (see there). Returns the
    number added."""
    say = say or (lambda message: None)
    company, _built = demo_build(say=say)
    return bulk_contacts_load(
        company,
        count=count,
        batch_size=batch_size,
        say=say,
        seed=seed,
        rebuild_indexes=rebuild_indexes,
    )

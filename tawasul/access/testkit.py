"""Leak tests any governed model gets by declaring itself: a reusable kit for module tests.

A module that declares a model to the access engine (`tawasul.access.registry.govern`) writes
one `LeakSpec` in its own test file: how to make a record (its service, through a factory), the
values its non-org link fields may take in a company, and the URL names of its pages. The kit
then builds a world (two companies, a reports-to tree, branches, a user with every permission of
the model), draws record rules over the model's *declared* link fields with Hypothesis, and
compares every surface with a naive second implementation of the rule semantics written here:

- the list page (every keyset page), each record page, the global search, the picker's
  autocomplete, the CSV export, the API list (every page) and each API record: exactly the
  records the rules allow;
- an API write (PATCH of one harmless field) succeeds exactly on records the change rules
  allow, and changes nothing elsewhere;
- a colleague without the model's permissions is refused everywhere and finds nothing.

Usage, in `tawasul/<module>/tests/test_access_leaks.py`::

    SPEC = LeakSpec(model=Quotation, make=make_quotation, link_values=quotation_values,
                    list_url="sales:quotation_list", detail_url="sales:quotation_detail",
                    api_list="/api/quotations/", export_url="sales:quotation_export",
                    patch={"notes": "x"})
    test_reads_match_the_rules, test_writes_match_the_rules = leak_tests(SPEC)

The kit is test code (imported by tests only); the oracle shares nothing with the engine in
`tawasul.access.rules`: trees are walked parent by parent, hierarchies manager by manager.
"""

from __future__ import annotations

import csv
import html
import io
import random
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.db import models, transaction
from django.test import Client
from django.urls import reverse
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from rest_framework.test import APIClient

from tawasul.access.registry import (
    BRANCH,
    CHOICE,
    DEALER,
    EMPLOYEE,
    MANY,
    OPERATORS,
    RELATIVE,
    Governed,
    LinkField,
    governed,
)
from tawasul.access.services import rule_save
from tawasul.org.models import Employee

NEXT_PAGE = re.compile(r'id="next-page" href="([^"]+)"')
ACTIONS = ("view", "change", "export")
# Hypothesis: the world is built once per test function; examples roll back (see _Example).
KIT_SETTINGS = settings(
    deadline=None,
    database=None,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@dataclass
class LeakSpec:
    """What a module declares to get its leak tests.

    `make(company=..., **links) -> record` creates a record through the module's service; links
    are model instances (lists for many-to-many) or choice values, keyed by declared field name.
    `link_values(company, world) -> {field name: [ids or choice values]}` gives the values of the
    link fields the kit does not know (employee and branch fields are the world's; choice fields
    their declared choices). `name` reads the record's display name (searched and exported).
    """

    model: type[models.Model]
    make: Callable[..., models.Model]
    link_values: Callable[[Any, World], dict[str, list]]
    list_url: str
    detail_url: str
    api_list: str | None = None
    export_url: str | None = None
    search_url: str | None = "global_search"
    # The picker's endpoint (core.autocomplete's JSON: {"results": [{"value": pk}, ...]}).
    autocomplete_url: str | None = None
    patch: dict[str, Any] = field(default_factory=dict)
    records: int = 14
    name: Callable[[models.Model], str] = lambda record: str(record.name)  # type: ignore[attr-defined]
    export_name_column: str = "Name"

    @property
    def governed(self) -> Governed:
        entry = governed(self.model)
        assert entry is not None, f"{self.model.__name__} is not declared to the access engine"
        return entry

    def perm(self, action: str) -> str:
        meta = self.model._meta
        return f"{meta.app_label}.{action}_{meta.model_name}"


# --- the world ---------------------------------------------------------------------------------


@dataclass
class World:
    """Two companies; in the first a reports-to tree boss > me > report, a peer, two branches."""

    company: Any
    other: Any
    employees: dict[str, Any]
    branches: list[Any]
    user: Any
    group: Group
    values: dict[str, list] = field(default_factory=dict)
    records: list[int] = field(default_factory=list)
    other_records: list[int] = field(default_factory=list)
    names: dict[int, str] = field(default_factory=dict)
    stranger: Any = None  # the peer's account: an employee without the model's permissions

    @property
    def all_records(self) -> list[int]:
        return self.records + self.other_records


TOKENS = ("amber", "cobalt")


def build_world(spec: LeakSpec, seed: int = 11) -> World:
    """Make the world and `spec.records` records of the first company (2 of the other)."""
    from tawasul.org.tests.factories import BranchFactory, CompanyFactory, EmployeeFactory

    rng = random.Random(seed)
    company = CompanyFactory(code="KIT-A", name="Kit A")
    other = CompanyFactory(code="KIT-B", name="Kit B")
    branches: list[Any] = [BranchFactory(company=company, code=f"KB{n}") for n in range(2)]
    user = get_user_model().objects.create_user(username="kit-user")
    stranger = get_user_model().objects.create_user(username="kit-stranger")
    group = Group.objects.create(name="Kit role")
    codenames = [spec.perm(a) for a in spec.governed.actions] + [spec.perm("add")]
    for code in codenames:
        app_label, codename = code.split(".")
        found = Permission.objects.filter(content_type__app_label=app_label, codename=codename)
        group.permissions.add(*found)
    user.groups.add(group)
    employees: dict[str, Any] = {}
    for name, boss, branch in (
        ("boss", None, 0),
        ("me", "boss", 0),
        ("report", "me", 1),
        ("peer", "boss", 1),
    ):
        employees[name] = EmployeeFactory(
            company=company,
            user={"me": user, "peer": stranger}.get(name),
            name=f"Kit {name}",
            code=f"KIT-{name.upper()}",
            reports_to=employees.get(boss) if boss else None,
            branch=branches[branch],
        )
    employees["me"].coordinated_representatives.add(employees["peer"])
    world = World(company, other, employees, branches, user, group, stranger=stranger)

    declared = spec.governed.fields
    given_values = spec.link_values(company, world)
    for name, link in declared.items():
        if name in given_values:
            world.values[name] = list(given_values[name])
        elif link.kind == EMPLOYEE:
            world.values[name] = [e.pk for e in employees.values()]
        elif link.kind == BRANCH:
            world.values[name] = [b.pk for b in branches]
        elif link.kind == CHOICE:
            world.values[name] = [value for value, _label in link.choices]

    def draw_links() -> dict[str, Any]:
        links: dict[str, Any] = {}
        for name, link in declared.items():
            pool = world.values.get(name)
            if not pool or name in spec_fixed(spec):
                continue
            if link.kind == MANY:
                ids = rng.sample(pool, rng.randint(0, min(2, len(pool))))
                links[name] = list(_target(link)._base_manager.filter(pk__in=ids))
            elif link.kind == CHOICE:
                links[name] = rng.choice(pool)
            elif rng.random() < 0.8:
                links[name] = _target(link)._base_manager.get(pk=rng.choice(pool))
        return links

    for index in range(spec.records):
        spec.make(company=company, name=f"Kit {index:02d} {TOKENS[index % 2]}", **draw_links())
    for index in range(2):
        spec.make(company=other, name=f"Kit other {index} {TOKENS[index % 2]}")
    # Every record of the model counts, also those link_values made (a dealer, say).
    for record in spec.model._base_manager.filter(company__in=[company, other]).order_by("pk"):
        mine = record.company_id == company.pk  # type: ignore[attr-defined]
        (world.records if mine else world.other_records).append(record.pk)
        world.names[record.pk] = spec.name(record)
    return world


def spec_fixed(spec: LeakSpec) -> set[str]:
    """Link fields the factory sets itself (none by default; a hook for specs that need it)."""
    return set(getattr(spec, "fixed_links", ()))


def _target(link: LinkField) -> type[models.Model]:
    """The model a link field's values come from (every kind but a choice has one)."""
    assert link.model is not None, f"{link.name} names no model"
    return link.model


# --- the oracle -------------------------------------------------------------------------------


class Oracle:
    """Which records of `spec.model` the world's user may act on, by brute force."""

    def __init__(self, spec: LeakSpec, world: World) -> None:
        self.spec, self.world = spec, world
        self.fields = spec.governed.fields
        model = spec.model
        self.company_of = dict(model._base_manager.values_list("pk", "company_id"))
        self.values: dict[int, dict[str, Any]] = {pk: {} for pk in self.company_of}
        for name, link in self.fields.items():
            if link.kind == MANY:
                for pk, value in model._base_manager.values_list("pk", link.lookup):
                    self.values[pk].setdefault(name, set())
                    if value is not None:
                        self.values[pk][name].add(value)
            else:
                lookup = link.lookup if link.kind == CHOICE else f"{link.lookup}_id"
                for pk, value in model._base_manager.values_list("pk", lookup):
                    self.values[pk][name] = value
        self.employees: dict[int, Any] = {
            row["pk"]: row
            for row in Employee._base_manager.values("pk", "user_id", "branch_id", "reports_to_id")
        }
        through = Employee.coordinated_representatives.through
        self.coordinates: dict[int, set[int]] = {}
        for boss, rep in through.objects.values_list("from_employee_id", "to_employee_id"):
            self.coordinates.setdefault(boss, set()).add(rep)
        self.me = world.employees["me"].pk

    def _below_me(self, employee_id: int | None) -> bool:
        seen: set[int] = set()
        while employee_id is not None and employee_id not in seen:
            if employee_id == self.me:
                return True
            seen.add(employee_id)
            employee_id = self.employees.get(employee_id, {}).get("reports_to_id")
        return False

    def _in_tree(self, link, value: int | None, root: int) -> bool:
        seen: set[int] = set()
        while value is not None and value not in seen:
            if value == root:
                return True
            seen.add(value)
            value = (
                _target(link)._base_manager.filter(pk=value).values_list("parent_id", flat=True)[0]
            )
        return False

    def _holds(self, condition: dict, pk: int) -> bool:
        link = self.fields.get(condition["field"])
        if link is None:
            return False
        op, raw = condition["operator"], condition["values"] or []
        ids = {int(v) for v in raw if str(v).isdigit()}
        value = self.values[pk].get(link.name)
        if op == "in":
            if link.kind == CHOICE:
                return value in {str(v) for v in raw}
            return value is not None and value in ids
        if op == "any":
            return bool((value or set()) & ids)
        if op == "in_subtree":
            return any(self._in_tree(link, value, root) for root in ids)
        if value is None:
            return False
        if op == "is_me":
            return value == self.me
        if op == "is_me_or_team":
            return self._below_me(value)
        if op == "coordinated_by_me":
            return value in self.coordinates.get(self.me, set())
        if op == "is_my_branch":
            return value == self.employees[self.me]["branch_id"]
        if op == "represented_by_me" and link.kind == DEALER:
            served_by = (
                _target(link)
                ._base_manager.filter(pk=value)
                .values_list("representative_id", flat=True)[0]
            )
            return self._below_me(served_by)
        return False

    def allowed(self, rules: list[dict], action: str) -> set[int]:
        """Records the user may `action`, under `rules` (as drawn, all reaching the user)."""
        mine = [r for r in rules if r["is_active"] and action in r["actions"]]
        found = set()
        for pk in self.world.records:
            for rule in mine:
                if rule["all_records"] or (
                    rule["conditions"] and all(self._holds(c, pk) for c in rule["conditions"])
                ):
                    found.add(pk)
                    break
        return found


# --- drawing rules ----------------------------------------------------------------------------


def draw_rules(data, spec: LeakSpec, world: World) -> list[dict]:
    """One to three rules over the declared link fields, to the user or their role."""
    rules = []
    names = sorted(spec.governed.fields)
    for _ in range(data.draw(st.integers(1, 3), label="rules")):
        conditions = []
        all_records = data.draw(st.integers(0, 9), label="all") == 0
        for _ in range(data.draw(st.integers(0 if all_records else 1, 2), label="conditions")):
            name = data.draw(st.sampled_from(names), label="field")
            link = spec.governed.fields[name]
            pool = world.values.get(name) or []
            # Without values in the world only the operators relative to the user can be drawn.
            operators = [op for op in OPERATORS[link.kind] if pool or op in RELATIVE]
            if not operators:
                continue
            op = data.draw(st.sampled_from(operators), label="operator")
            values: list = []
            if op not in RELATIVE:
                values = data.draw(
                    st.lists(st.sampled_from(pool), min_size=1, max_size=3, unique=True),
                    label="values",
                )
            conditions.append({"field": name, "operator": op, "values": values})
        if not conditions and not all_records:
            continue
        rules.append(
            {
                "actions": data.draw(
                    st.lists(st.sampled_from(ACTIONS), min_size=1, unique=True), label="actions"
                ),
                "all_records": all_records,
                "conditions": conditions,
                "is_active": data.draw(st.integers(0, 6), label="active") != 0,
                "to_role": data.draw(st.booleans(), label="to role"),
            }
        )
    return rules


class _Example:
    """One example's rules, inside a savepoint rolled back afterwards."""

    def __init__(self, spec: LeakSpec, world: World, rules: list[dict]) -> None:
        self.spec, self.world, self.rules = spec, world, rules

    def __enter__(self) -> _Example:
        self.atomic = transaction.atomic()
        self.atomic.__enter__()
        for index, rule in enumerate(self.rules):
            rule_save(
                actor=None,
                company=self.world.company,
                name=f"Kit rule {index}",
                model=self.spec.governed.key,
                actions=rule["actions"],
                user=None if rule["to_role"] else self.world.user,
                role=self.world.group if rule["to_role"] else None,
                all_records=rule["all_records"],
                conditions=rule["conditions"],
                is_active=rule["is_active"],
            )
        return self

    def __exit__(self, *exc) -> None:
        transaction.set_rollback(True)
        self.atomic.__exit__(*exc)


def describe(rules: list[dict]) -> str:
    return "\n".join(
        f"  {'role' if r['to_role'] else 'user'} {r['actions']} all={r['all_records']} "
        f"active={r['is_active']} {r['conditions']}"
        for r in rules
    )


# --- the surfaces -----------------------------------------------------------------------------


def _row_link(spec: LeakSpec) -> re.Pattern:
    sample = reverse(spec.detail_url, args=[987654321])
    return re.compile('href="' + re.escape(sample).replace("987654321", r"(\d+)") + '"')


def walk_list(client: Client, url: str, row_link: re.Pattern) -> tuple[int, set[int]]:
    """Every record linked from the rows of a list page, following the keyset pages."""
    ids: set[int] = set()
    path = url.split("?")[0]
    for _ in range(30):
        response = client.get(url)
        if response.status_code != 200:
            return response.status_code, ids
        body = response.content.decode()
        ids |= {int(pk) for pk in row_link.findall(body)}
        following = NEXT_PAGE.search(body)
        if not following:
            return 200, ids
        href = html.unescape(following.group(1))
        url = path + href if href.startswith("?") else href
    raise AssertionError(f"{url}: more pages than the world has records")


def walk_api(client: APIClient, url: str) -> tuple[int, set[int]]:
    ids: set[int] = set()
    for _ in range(30):
        response = client.get(url)
        if response.status_code != 200:
            return response.status_code, ids
        page = response.json()
        ids |= {row["id"] for row in page["results"]}
        url = page["next"]
        if not url:
            return 200, ids
    raise AssertionError("more API pages than the world has records")


def check_reads(spec: LeakSpec, world: World, allowed: dict[str, set[int]], why) -> int:
    """Every read surface answers exactly the allowed records; returns the assertions made."""
    client = Client()
    client.force_login(world.user)
    row_link = _row_link(spec)
    checks = 0
    status, ids = walk_list(client, reverse(spec.list_url), row_link)
    assert (status, ids) == (200, allowed["view"]), why("list page")
    checks += 1
    for pk in world.all_records:
        expected = 200 if pk in allowed["view"] else 404
        response = client.get(reverse(spec.detail_url, args=[pk]))
        assert response.status_code == expected, why(f"record page of {pk}")
        checks += 1
    if spec.search_url:
        for token in TOKENS:
            response = client.get(reverse(spec.search_url), {"q": token})
            found = {int(pk) for pk in row_link.findall(response.content.decode())}
            wanted = {pk for pk in allowed["view"] if token in world.names[pk]}
            assert found == wanted, why(f"global search {token!r}")
            checks += 1
    if spec.autocomplete_url:
        for token in TOKENS:
            response = client.get(spec.autocomplete_url, {"q": token})
            found = {row["value"] for row in response.json()["results"]}
            wanted = {pk for pk in allowed["view"] if token in world.names[pk]}
            assert found == wanted, why(f"autocomplete {token!r}")
            checks += 1
    if spec.export_url:
        response = client.get(reverse(spec.export_url), {"format": "csv"})
        assert response.status_code == 200, why("export")
        text = response.getvalue().decode("utf-8-sig")
        names = {row[spec.export_name_column] for row in csv.DictReader(io.StringIO(text))}
        by_name = {name: pk for pk, name in world.names.items()}
        assert {by_name[n] for n in names} == allowed["export"], why("CSV export")
        checks += 1
    if spec.api_list:
        api = APIClient()
        api.force_authenticate(world.user)
        status, ids = walk_api(api, f"{spec.api_list}?page_size=5")
        assert (status, ids) == (200, allowed["view"]), why("API list")
        checks += 1
        for pk in world.all_records:
            expected = 200 if pk in allowed["view"] else 404
            answer = api.get(f"{spec.api_list}{pk}/")
            assert answer.status_code == expected, why(f"API record {pk}")
            checks += 1
    return checks + check_without_permission(spec, world, why)


def check_without_permission(spec: LeakSpec, world: World, why) -> int:
    """An employee of the company without the model's permissions is refused (403) on every
    surface, whatever the rules say, and finds nothing by search."""
    client = Client()
    client.force_login(world.stranger)
    status, _ids = walk_list(client, reverse(spec.list_url), _row_link(spec))
    assert status == 403, why("list page without permission")
    checks = 1
    for pk in world.records[:3]:
        response = client.get(reverse(spec.detail_url, args=[pk]))
        assert response.status_code == 403, why(f"record page of {pk} without permission")
        checks += 1
    if spec.search_url:
        response = client.get(reverse(spec.search_url), {"q": TOKENS[0]})
        found = _row_link(spec).findall(response.content.decode())
        assert found == [], why("global search without permission")
        checks += 1
    if spec.export_url:
        response = client.get(reverse(spec.export_url), {"format": "csv"})
        assert response.status_code == 403, why("export without permission")
        checks += 1
    if spec.api_list:
        api = APIClient()
        api.force_authenticate(world.stranger)
        assert api.get(spec.api_list).status_code == 403, why("API list without permission")
        for pk in world.records[:3]:
            answer = api.get(f"{spec.api_list}{pk}/")
            assert answer.status_code == 403, why(f"API record {pk} without permission")
        checks += 4
    return checks


def _rows(spec: LeakSpec, ids: list[int]) -> dict[int, dict]:
    return {row["id"]: row for row in spec.model._base_manager.filter(pk__in=ids).values()}


def check_writes(spec: LeakSpec, world: World, allowed: dict[str, set[int]], why) -> int:
    """A harmless API PATCH succeeds exactly on changeable records; nothing else changes."""
    if not (spec.api_list and spec.patch):
        return 0
    api = APIClient()
    api.force_authenticate(world.user)
    checks = 0
    for pk in world.all_records:
        before = _rows(spec, world.all_records)
        response = api.patch(f"{spec.api_list}{pk}/", spec.patch, format="json")
        if pk in allowed["change"]:
            assert response.status_code == 200, why(f"PATCH {pk}: {response.content[:300]}")
            spec.model._base_manager.filter(pk=pk).update(
                **{k: v for k, v in before[pk].items() if k in spec.patch}
            )
        else:
            # Outside the change set is "not found", whether or not the record may be viewed.
            assert response.status_code == 404, why(f"PATCH {pk}: {response.content[:300]}")
        after = _rows(spec, world.all_records)
        after[pk] = {k: v for k, v in after[pk].items() if k not in {"updated_at"}}
        before[pk] = {k: v for k, v in before[pk].items() if k not in {"updated_at"}}
        assert after == before, why(f"PATCH {pk} changed something")
        checks += 2
    return checks


# --- the tests a module takes ------------------------------------------------------------------


def leak_tests(spec: LeakSpec, *, max_examples: int = 8):
    """Two pytest test functions for `spec`: reads and writes against the oracle.

    Assign them to module globals named `test_...` so pytest collects them; they need the `db`
    fixture only (the world is built inside, once per test function).
    """
    import pytest

    def _run(data, world, check) -> None:
        rules = draw_rules(data, spec, world)
        with _Example(spec, world, rules):
            oracle = Oracle(spec, world)
            allowed = {action: oracle.allowed(rules, action) for action in ACTIONS}

            def why(what: str) -> str:
                return f"{what} of {spec.model.__name__} under rules:\n{describe(rules)}"

            check(spec, world, allowed, why)

    @pytest.fixture
    def kit_world(db):
        return build_world(spec)

    @settings(KIT_SETTINGS, max_examples=max_examples)
    @given(data=st.data())
    def test_reads_match_the_rules(kit_world, data):
        _run(data, kit_world, check_reads)

    @settings(KIT_SETTINGS, max_examples=max_examples)
    @given(data=st.data())
    def test_writes_match_the_rules(kit_world, data):
        _run(data, kit_world, check_writes)

    return kit_world, test_reads_match_the_rules, test_writes_match_the_rules

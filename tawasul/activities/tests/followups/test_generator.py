"""The follow-up generator: cadences (since the last follow-up, since the last activity, days
of the month with month ends), criteria, assignees, reruns and two generators at once making
each follow-up once, one open follow-up per rule and contact, and registered sources."""

import datetime as dt
import threading

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import IntegrityError, connection, connections, transaction

from tawasul.activities.automation_services import message_template_save
from tawasul.activities.choices import AssignTo, Cadence, FollowUpStatus
from tawasul.activities.followups_generator import (
    follow_ups_generate,
    rule_preview,
    working_due_at,
)
from tawasul.activities.followups_rules import (
    criteria_clean,
    follow_up_rule_save,
    next_day_of_month,
    next_due_on,
)
from tawasul.activities.followups_services import follow_up_complete
from tawasul.activities.followups_sources import Proposal, register_source, unregister_source
from tawasul.activities.followups_tasks import follow_ups_generate_daily
from tawasul.activities.models import FollowUp, FollowUpRule
from tawasul.contacts.tests.factories import AreaFactory, ContactTypeFactory, make_contact
from tawasul.core import clock
from tawasul.org.tests.factories import CompanyFactory, EmployeeFactory
from tawasul.org.worktime import calendar_for, is_working_day

# A Monday at noon UTC (a working day under the default Sunday-Thursday week).
NOW = dt.datetime(2027, 3, 1, 12, 0, tzinfo=dt.UTC)


def _rule(org, **fields):
    fields.setdefault("name", "Customers monthly")
    fields.setdefault("cadence", Cadence.SINCE_FOLLOW_UP)
    if fields["cadence"] != Cadence.DAYS_OF_MONTH:
        fields.setdefault("interval_days", 30)
    fields.setdefault("criteria", {"contact_type": [org.customer.pk]})
    return follow_up_rule_save(actor=org.boss.user, **fields)


# --- pure cadence arithmetic -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("days", "start", "expected"),
    [
        ([15], dt.date(2027, 3, 1), dt.date(2027, 3, 15)),
        ([15], dt.date(2027, 3, 16), dt.date(2027, 4, 15)),
        ([1, 15], dt.date(2027, 3, 15), dt.date(2027, 3, 15)),
        ([31], dt.date(2027, 2, 1), dt.date(2027, 2, 28)),
        ([30], dt.date(2028, 2, 1), dt.date(2028, 2, 29)),
        ([31], dt.date(2027, 4, 1), dt.date(2027, 4, 30)),
        ([31], dt.date(2027, 12, 31), dt.date(2027, 12, 31)),
        ([5], dt.date(2027, 12, 6), dt.date(2028, 1, 5)),
        ([29, 31], dt.date(2027, 2, 28), dt.date(2027, 2, 28)),
    ],
)
def test_next_day_of_month(days, start, expected):
    assert next_day_of_month(days, start) == expected


def test_next_due_on_per_cadence():
    today = dt.date(2027, 3, 1)
    since = FollowUpRule(cadence=Cadence.SINCE_FOLLOW_UP, interval_days=30)
    assert next_due_on(since, today=today) == today  # never followed up: at once
    assert next_due_on(since, today=today, last_done=dt.date(2027, 2, 20)) == dt.date(2027, 3, 22)
    assert next_due_on(since, today=today, last_done=dt.date(2026, 12, 1)) == today  # late: today
    activity = FollowUpRule(cadence=Cadence.SINCE_ACTIVITY, interval_days=10)
    assert next_due_on(activity, today=today, last_activity=dt.date(2027, 2, 25)) == dt.date(
        2027, 3, 7
    )
    monthly = FollowUpRule(cadence=Cadence.DAYS_OF_MONTH, days_of_month=[1, 31])
    assert next_due_on(monthly, today=today) == today
    assert next_due_on(monthly, today=today, last_due=today) == dt.date(2027, 3, 31)
    assert next_due_on(monthly, today=dt.date(2027, 4, 2), last_due=dt.date(2027, 3, 31)) == (
        dt.date(2027, 4, 30)
    )


# --- the generator -----------------------------------------------------------------------------


@pytest.mark.django_db
def test_rerun_creates_nothing_new(org):
    rule = _rule(org)
    made = follow_ups_generate(now=NOW)
    assert made == {f"rule:{rule.pk}": 1}
    follow_up = FollowUp.objects.get()
    assert follow_up.rule == rule
    assert follow_up.contact_id == org.acme.pk
    assert follow_up.subject_id == org.acme.pk
    assert follow_up.assignee == org.rep1
    assert follow_up.purpose == rule.name
    assert follow_up.status == FollowUpStatus.OPEN
    assert follow_up.set_by is None
    assert follow_ups_generate(now=NOW) == {f"rule:{rule.pk}": 0}
    assert follow_ups_generate(now=NOW + dt.timedelta(days=40)) == {f"rule:{rule.pk}": 0}
    assert FollowUp.objects.count() == 1


@pytest.mark.django_db
def test_never_a_new_one_while_one_is_open_then_the_cadence_counts_from_its_completion(org):
    rule = _rule(org)
    follow_ups_generate(now=NOW)
    first = FollowUp.objects.get()
    with clock.frozen(NOW + dt.timedelta(hours=1)):
        follow_up_complete(actor=org.rep1.user, follow_up=first, outcome="Spoke to the buyer")
    # done on March 1st: the next is 30 days later, made LEAD_DAYS (7) before
    assert follow_ups_generate(now=NOW + dt.timedelta(days=20)) == {f"rule:{rule.pk}": 0}
    assert follow_ups_generate(now=NOW + dt.timedelta(days=25)) == {f"rule:{rule.pk}": 1}
    second = FollowUp.objects.exclude(pk=first.pk).get()
    expected_day, expected_at = working_due_at(calendar_for(org.company.pk), dt.date(2027, 3, 31))
    assert second.due_on == expected_day
    assert second.due_at == expected_at


@pytest.mark.django_db
def test_the_open_constraint_holds_in_the_database(org):
    rule = _rule(org)
    follow_ups_generate(now=NOW)
    first = FollowUp.objects.get()
    clone = FollowUp(
        company=org.company,
        assignee=org.rep1,
        due_at=first.due_at + dt.timedelta(days=3),
        due_on=first.due_on + dt.timedelta(days=3),
        purpose="again",
        rule=rule,
        contact=org.acme,
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        clone.save()
    first.status = FollowUpStatus.CANCELLED
    first.save()
    # and one per (rule, contact, day) even when the first is no longer open
    clone.due_at, clone.due_on = first.due_at, first.due_on
    with pytest.raises(IntegrityError), transaction.atomic():
        clone.save()


@pytest.mark.django_db
def test_days_of_month_follow_each_other_and_skip_days_off(org):
    rule = _rule(org, cadence=Cadence.DAYS_OF_MONTH, days_of_month=[5, 31])
    schedule = calendar_for(org.company.pk)
    follow_ups_generate(now=NOW)  # the 5th of March is within a week
    first = FollowUp.objects.get()
    assert first.due_on == working_due_at(schedule, dt.date(2027, 3, 5))[0]
    follow_up_complete(actor=org.rep1.user, follow_up=first, outcome="ok")
    assert follow_ups_generate(now=NOW) == {f"rule:{rule.pk}": 0}  # the 31st is too far
    assert follow_ups_generate(now=NOW + dt.timedelta(days=26)) == {f"rule:{rule.pk}": 1}
    second = FollowUp.objects.get(status=FollowUpStatus.OPEN)
    assert second.due_on == working_due_at(schedule, dt.date(2027, 3, 31))[0]
    follow_up_complete(actor=org.rep1.user, follow_up=second, outcome="ok")
    # April has 30 days: "31" falls on the 30th; the 5th of April comes first
    follow_ups_generate(now=dt.datetime(2027, 4, 1, 9, tzinfo=dt.UTC))
    third = FollowUp.objects.get(status=FollowUpStatus.OPEN)
    assert third.due_on == working_due_at(schedule, dt.date(2027, 4, 5))[0]
    assert is_working(schedule, third.due_on)


def is_working(schedule, day):
    return is_working_day(schedule, day)


@pytest.mark.django_db
def test_since_the_last_activity_counts_a_contact_update(org):
    rule = _rule(org, cadence=Cadence.SINCE_ACTIVITY, interval_days=20)
    # the contact was created (its last activity) "now", so its first follow-up is 20 days on
    with clock.frozen(NOW):
        fresh = make_contact(
            company=org.company, contact_type=org.customer, name="Fresh", representative=org.rep1
        )
    follow_ups_generate(now=NOW)
    assert not FollowUp.objects.filter(contact=fresh).exists()
    follow_ups_generate(now=NOW + dt.timedelta(days=14))
    made = FollowUp.objects.get(contact=fresh)
    assert made.rule == rule
    assert made.due_on >= dt.date(2027, 3, 21)


@pytest.mark.django_db
def test_criteria_pick_by_type_area_subtree_and_lifecycle(org):
    region = AreaFactory(company=org.company, name="Riyadh region", level="region")
    city = AreaFactory(company=org.company, name="Riyadh", parent=region)
    elsewhere = AreaFactory(company=org.company, name="Jeddah")
    inside = make_contact(
        company=org.company,
        contact_type=org.customer,
        name="Inside",
        area=city,
        representative=org.rep1,
    )
    make_contact(
        company=org.company,
        contact_type=org.customer,
        name="Outside",
        area=elsewhere,
        representative=org.rep1,
    )
    rule = _rule(org, criteria={"contact_type": [org.customer.pk], "area": [region.pk]})
    matching, rows = rule_preview(rule, NOW)
    assert matching == 1
    assert [r[0] for r in rows] == [inside.pk]
    follow_ups_generate(now=NOW)
    assert list(FollowUp.objects.values_list("contact_id", flat=True)) == [inside.pk]


@pytest.mark.django_db
def test_criteria_are_checked_against_the_company(org):
    other = ContactTypeFactory(company=CompanyFactory(code="OTH", name="Other"), code="x")
    with pytest.raises(ValidationError):
        criteria_clean(org.company.pk, {"contact_type": [other.pk]})
    with pytest.raises(ValidationError):
        criteria_clean(org.company.pk, {"colour": ["red"]})
    with pytest.raises(ValidationError):
        criteria_clean(org.company.pk, {"lifecycle": ["sleeping"]})
    assert criteria_clean(org.company.pk, {"lifecycle": ["customer"], "area": []}) == {
        "lifecycle": ["customer"]
    }


@pytest.mark.django_db
def test_assignees_coordinator_named_user_and_nobody(org):
    make_contact(
        company=org.company,
        contact_type=org.dealer,
        name="Coordinated",
        representative=org.rep1,
        coordinator=org.lead,
    )
    by_coordinator = _rule(
        org,
        name="Dealers",
        criteria={"contact_type": [org.dealer.pk]},
        assign_to=AssignTo.COORDINATOR,
    )
    named = _rule(
        org,
        name="Named",
        criteria={"contact_type": [org.dealer.pk]},
        assign_to=AssignTo.USER,
        user=org.peer,
    )
    made = follow_ups_generate(now=NOW)
    # Zed Dealers has no coordinator: skipped by that rule
    assert made[f"rule:{by_coordinator.pk}"] == 1
    assert made[f"rule:{named.pk}"] == 2
    assert set(
        FollowUp.objects.filter(rule=by_coordinator).values_list("assignee_id", flat=True)
    ) == {org.lead.pk}
    assert set(FollowUp.objects.filter(rule=named).values_list("assignee_id", flat=True)) == {
        org.peer.pk
    }


@pytest.mark.django_db
def test_an_inactive_rule_or_representative_makes_nothing(org):
    rule = _rule(org, is_active=False)
    assert follow_ups_generate(now=NOW) == {}
    follow_up_rule_save(actor=org.boss.user, rule=rule, is_active=True)
    org.rep1.is_active = False
    org.rep1.save()
    assert follow_ups_generate(now=NOW) == {f"rule:{rule.pk}": 0}


@pytest.mark.django_db
def test_only_the_rules_company_contacts(org):
    other = CompanyFactory(code="OTH", name="Other")
    rep = EmployeeFactory(company=other, name="Other rep")
    make_contact(
        company=other,
        contact_type=ContactTypeFactory(company=other, code="customer"),
        name="Theirs",
        representative=rep,
    )
    _rule(org, criteria={})
    follow_ups_generate(now=NOW)
    assert set(FollowUp.objects.values_list("company_id", flat=True)) == {org.company.pk}


@pytest.mark.django_db
def test_the_management_command(org, capsys):
    rule = _rule(org)
    with clock.frozen(NOW):
        call_command("generate_follow_ups", "--rule", str(rule.pk))
    assert "1 follow-ups made" in capsys.readouterr().out
    assert FollowUp.objects.count() == 1


@pytest.mark.django_db
def test_the_periodic_task_runs_the_generator(org):
    _rule(org)
    with clock.frozen(NOW):
        follow_ups_generate_daily.call_local()
    assert FollowUp.objects.count() == 1


# --- registered sources ------------------------------------------------------------------------


@pytest.fixture
def contract_source(org):
    due = NOW + dt.timedelta(days=3)

    def source(*, now):
        yield Proposal.about(
            org.zed, assignee_id=org.rep2.pk, due_at=due, purpose="Renew the annual contract"
        )
        yield Proposal.about(org.acme, assignee_id=org.rep1.pk, due_at=due, purpose="Renew")
        # nobody can take this one (inactive or unknown): dropped
        yield Proposal.about(org.acme, assignee_id=999999, due_at=due, purpose="Nobody")

    register_source("test.contract", source)
    yield source
    unregister_source("test.contract")


@pytest.mark.django_db
def test_a_registered_source_adds_follow_ups_once(org, contract_source):
    made = follow_ups_generate(now=NOW)
    assert made["test.contract"] == 2
    assert follow_ups_generate(now=NOW)["test.contract"] == 0
    rows = FollowUp.objects.filter(source="test.contract")
    assert {(f.contact_id, f.assignee_id) for f in rows} == {
        (org.zed.pk, org.rep2.pk),
        (org.acme.pk, org.rep1.pk),
    }


@pytest.mark.django_db
def test_a_failing_source_does_not_stop_the_rules(org):
    def broken(*, now):
        raise RuntimeError("the orders module is down")

    rule = _rule(org)
    register_source("test.broken", broken)
    try:
        made = follow_ups_generate(now=NOW)
    finally:
        unregister_source("test.broken")
    assert made[f"rule:{rule.pk}"] == 1


def test_source_keys_are_checked():
    with pytest.raises(ValueError):
        register_source("rules", lambda *, now: [])
    with pytest.raises(ValueError):
        register_source("x" * 41, lambda *, now: [])


# --- two generators at once --------------------------------------------------------------------


def _generate(errors, start):
    try:
        start.wait()
        follow_ups_generate(now=NOW)
    except BaseException as exc:  # noqa: BLE001 - reported to the test's thread
        errors.append(exc)
    finally:
        if threading.current_thread() is not threading.main_thread():
            connections.close_all()


@pytest.mark.django_db(transaction=True)
def test_two_generators_at_once_make_each_follow_up_once(org):
    for n in range(30):
        make_contact(
            company=org.company,
            contact_type=org.customer,
            name=f"Shop {n}",
            representative=org.rep1 if n % 2 else org.rep2,
        )
    rule = _rule(org)
    _rule(org, name="Monthly too", cadence=Cadence.DAYS_OF_MONTH, days_of_month=[2, 16])
    errors: list[BaseException] = []
    if connection.vendor == "postgresql":
        # Real concurrency: each thread has its own connection and transactions.
        start = threading.Barrier(3)
        threads = [threading.Thread(target=_generate, args=(errors, start)) for _ in range(3)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)
    else:
        # SQLite serialises writers: the same generators one after another.
        for _ in range(3):
            _generate(errors, threading.Barrier(1))
    assert not errors, errors
    assert FollowUp.objects.filter(rule=rule).count() == 31
    assert FollowUp.objects.count() == 62
    pairs = list(FollowUp.objects.values_list("rule_id", "contact_id"))
    assert len(pairs) == len(set(pairs))


@pytest.mark.django_db
def test_the_purpose_comes_from_the_rules_template_in_the_assignees_words(org):
    template = message_template_save(
        actor=None,
        company_id=org.company.pk,
        name="Follow-up purpose",
        kind="follow_up",
        subject_en="{{ follow_up.channel }}: {{ follow_up.record }}",
        body_en="Ask about next month",
    )
    _rule(org, template=template, channel="visit", criteria={})
    follow_ups_generate(now=NOW)
    purposes = dict(FollowUp.objects.values_list("contact_id", "purpose"))
    # rep1 sees Acme; rep2 may see no contact, so Zed's follow-up does not name it
    assert purposes[org.acme.pk] == "Visit: Acme Stores"
    assert "Zed" not in purposes[org.zed.pk]
    assert purposes[org.zed.pk].startswith("Visit: ")

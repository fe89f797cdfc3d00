"""The follow-up services: who may set, complete, forward, postpone and cancel; the trail, the
next follow-up, notifications, and the overdue sweep telling once."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.http import Http404

from tawasul.activities.choices import FollowUpStatus
from tawasul.activities.followups_services import (
    follow_up_cancel,
    follow_up_complete,
    follow_up_create,
    follow_up_forward,
    follow_up_postpone,
    follow_ups_flag_overdue,
)
from tawasul.activities.models import FollowUp, Notification
from tawasul.contacts.tests.factories import make_contact
from tawasul.core import clock
from tawasul.org.tests.factories import CompanyFactory, EmployeeFactory

pytestmark = pytest.mark.django_db


def _set(org, due, *, actor=None, assignee=None, record=None, **extra):
    actor = actor or org.lead.user
    return follow_up_create(
        actor=actor,
        assignee=assignee or org.rep1,
        due_at=due,
        purpose=extra.pop("purpose", "Ask about the spring order"),
        channel=extra.pop("channel", "call"),
        record=record if record is not None else org.acme,
        **extra,
    )


def test_create_sets_the_fields_the_trail_and_tells_the_assignee(org, due):
    follow_up = _set(org, due)
    assert follow_up.company == org.company
    assert follow_up.set_by == org.lead
    assert follow_up.assignee == org.rep1
    assert follow_up.contact_id == org.acme.pk
    assert follow_up.subject_id == org.acme.pk
    assert [e.verb for e in follow_up.events.all()] == ["create"]
    told = Notification.objects.get(recipient=org.rep1.user)
    assert told.kind == "follow_up.assigned"
    assert not Notification.objects.filter(recipient=org.lead.user).exists()


def test_due_on_is_the_date_in_the_company_zone(org):
    org.company.timezone = "Asia/Riyadh"
    org.company.save()
    # 22:30 UTC is already the next day in Riyadh (UTC+3).
    moment = (clock.now() + dt.timedelta(days=3)).replace(hour=22, minute=30, second=0)
    follow_up = _set(org, moment)
    assert follow_up.due_on == (moment + dt.timedelta(hours=3)).date()


def test_for_oneself_is_not_notified(org, due):
    _set(org, due, actor=org.rep1.user, assignee=org.rep1)
    assert not Notification.objects.exists()


@pytest.mark.parametrize("field", ["assignee", "purpose", "channel", "due_at", "record"])
def test_bad_input_is_refused_at_its_field_and_changes_nothing(org, due, field, company):
    kwargs = {}
    if field == "assignee":
        other = CompanyFactory(code="OTHER", name="Other")
        kwargs["assignee"] = EmployeeFactory(company=other, name="Stranger")
    elif field == "purpose":
        kwargs["purpose"] = "   "
    elif field == "channel":
        kwargs["channel"] = "pigeon"
    elif field == "due_at":
        due = clock.now() - dt.timedelta(days=3)
    elif field == "record":
        # rep2 may not see any contact: a follow-up about one is refused.
        kwargs["actor"] = org.rep2.user
        kwargs["assignee"] = org.rep2
        kwargs["record"] = make_contact(company=company, name="Hidden", contact_type=org.customer)
    with pytest.raises(ValidationError) as caught:
        _set(org, due, **kwargs)
    assert field in caught.value.message_dict
    assert not FollowUp.objects.exists()


def test_an_inactive_assignee_is_refused(org, due):
    org.rep1.is_active = False
    org.rep1.save()
    with pytest.raises(ValidationError) as caught:
        _set(org, due)
    assert "assignee" in caught.value.message_dict


def test_complete_records_the_outcome_and_schedules_the_next(org, due):
    follow_up = _set(org, due)
    later = due + dt.timedelta(days=30)
    done = follow_up_complete(
        actor=org.rep1.user,
        follow_up=follow_up,
        outcome="Ordered 20 boxes",
        next_due_at=later,
        next_channel="visit",
    )
    assert done.status == FollowUpStatus.DONE
    assert done.outcome == "Ordered 20 boxes"
    assert done.completed_at is not None
    following = done.next
    assert following.status == FollowUpStatus.OPEN
    assert following.due_at == later
    assert following.channel == "visit"
    assert following.purpose == follow_up.purpose
    assert following.assignee == org.rep1
    assert following.contact_id == org.acme.pk
    assert following.previous == done
    assert [e.verb for e in done.events.order_by("at", "pk")] == ["create", "complete"]
    # who set it hears it was done
    assert Notification.objects.filter(recipient=org.lead.user, kind="follow_up.completed").exists()


def test_complete_needs_an_outcome_and_a_later_next(org, due):
    follow_up = _set(org, due)
    with pytest.raises(ValidationError) as caught:
        follow_up_complete(actor=org.rep1.user, follow_up=follow_up, outcome="")
    assert "outcome" in caught.value.message_dict
    with pytest.raises(ValidationError) as caught:
        follow_up_complete(
            actor=org.rep1.user,
            follow_up=follow_up,
            outcome="ok",
            next_due_at=clock.now() - dt.timedelta(hours=1),
        )
    assert "next_due_at" in caught.value.message_dict
    follow_up.refresh_from_db()
    assert follow_up.status == FollowUpStatus.OPEN


def test_done_is_final(org, due):
    follow_up = _set(org, due)
    follow_up_complete(actor=org.rep1.user, follow_up=follow_up, outcome="ok")
    for call in (
        lambda: follow_up_complete(actor=org.rep1.user, follow_up=follow_up, outcome="again"),
        lambda: follow_up_cancel(actor=org.rep1.user, follow_up=follow_up),
        lambda: follow_up_postpone(
            actor=org.rep1.user, follow_up=follow_up, due_at=due + dt.timedelta(days=1), remark="x"
        ),
    ):
        with pytest.raises(ValidationError) as caught:
            call()
        assert "status" in caught.value.message_dict


def test_only_the_involved_may_act(org, due):
    follow_up = _set(org, due)
    # the peer is outside the lead's subtree and neither assignee nor setter
    with pytest.raises(Http404):
        follow_up_complete(actor=org.peer.user, follow_up=follow_up, outcome="not mine")
    # the boss manages the lead: allowed
    follow_up_postpone(
        actor=org.boss.user, follow_up=follow_up, due_at=due + dt.timedelta(days=1), remark="busy"
    )


def test_forward_moves_it_records_and_tells(org, due):
    follow_up = _set(org, due)
    forwarded = follow_up_forward(
        actor=org.rep1.user, follow_up=follow_up, to=org.rep2, instruction="You know them"
    )
    assert forwarded.assignee == org.rep2
    event = forwarded.events.get(verb="forward")
    assert event.data == {"from": org.rep1.pk, "to": org.rep2.pk}
    assert event.actor == org.rep1.user
    assert event.remark == "You know them"
    assert Notification.objects.filter(recipient=org.rep2.user, kind="follow_up.forwarded")
    with pytest.raises(ValidationError) as caught:
        follow_up_forward(actor=org.lead.user, follow_up=follow_up, to=org.rep2, instruction="x")
    assert "to" in caught.value.message_dict


def test_postpone_moves_due_and_needs_a_reason_and_a_future_time(org, due):
    follow_up = _set(org, due)
    with pytest.raises(ValidationError) as caught:
        follow_up_postpone(
            actor=org.rep1.user,
            follow_up=follow_up,
            due_at=clock.now() - dt.timedelta(minutes=5),
            remark="late",
        )
    assert "due_at" in caught.value.message_dict
    with pytest.raises(ValidationError) as caught:
        follow_up_postpone(
            actor=org.rep1.user, follow_up=follow_up, due_at=due + dt.timedelta(days=1), remark=""
        )
    assert "remark" in caught.value.message_dict
    later = due + dt.timedelta(days=4)
    moved = follow_up_postpone(
        actor=org.rep1.user, follow_up=follow_up, due_at=later, remark="Customer travelling"
    )
    assert moved.due_at == later
    assert moved.events.get(verb="postpone").remark == "Customer travelling"


def test_cancel(org, due):
    follow_up = _set(org, due)
    cancelled = follow_up_cancel(actor=org.lead.user, follow_up=follow_up, remark="Closed")
    assert cancelled.status == FollowUpStatus.CANCELLED
    assert cancelled.events.get(verb="cancel").remark == "Closed"


def test_overdue_is_told_once_and_again_after_a_postpone(org, due):
    follow_up = _set(org, due)
    Notification.objects.all().delete()
    assert follow_ups_flag_overdue(now=due - dt.timedelta(minutes=1)) == 0
    later = due + dt.timedelta(minutes=1)
    assert follow_ups_flag_overdue(now=later) == 1
    assert follow_ups_flag_overdue(now=later + dt.timedelta(hours=1)) == 0
    told = Notification.objects.filter(kind="follow_up.overdue")
    assert sorted(n.recipient_id for n in told) == sorted([org.rep1.user_id, org.lead.user_id])
    follow_up.refresh_from_db()
    assert follow_up.overdue_notified_at == later
    with clock.frozen(later):
        follow_up_postpone(
            actor=org.rep1.user,
            follow_up=follow_up,
            due_at=later + dt.timedelta(days=1),
            remark="again",
        )
    assert follow_ups_flag_overdue(now=later + dt.timedelta(days=2)) == 1


def test_overdue_sweep_in_batches(org, due):
    for n in range(5):
        _set(org, due, purpose=f"Call {n}")
    assert follow_ups_flag_overdue(now=due + dt.timedelta(hours=1), batch=2) == 5
    assert not FollowUp.objects.filter(overdue_notified_at__isnull=True).exists()

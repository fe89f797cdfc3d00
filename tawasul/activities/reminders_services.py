"""Every write on reminders, and the sweep that fires them.

    reminder = reminder_save(actor=user, title="Weekly sales meeting", starts_at=monday_9am,
                             recurrence=Recurrence(WEEKLY, weekdays=(1,)), users=[user])
    reminders_fire_due()          # run every minute by the consumer (reminders_tasks)

A reminder fires at each occurrence of its recurrence (`reminders_recurrence`), for its
recipients resolved at that moment (named users, and the current members of its roles). Each
occurrence that fires is a `ReminderOccurrence` row, unique per (reminder, due time): however
many sweeps or consumers reach it, it fires once.
"""

from __future__ import annotations

import datetime as dt
import functools
import logging
from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ObjectDoesNotExist, PermissionDenied, ValidationError
from django.core.mail import send_mass_mail
from django.db import IntegrityError, models, transaction
from django.db.models import Exists, F, OuterRef, Q
from django.urls import reverse
from django.utils.translation import gettext as _

from tawasul.access.roles import PORTAL_ROLES
from tawasul.core import clock, events
from tawasul.core.access import user_company_id, verify_within
from tawasul.core.timezones import as_zone, zone_for
from tawasul.org.models import Company

from .models import MessageTemplate, Reminder, ReminderOccurrence, ReminderRecipient
from .notify import notify_many
from .reminders_recurrence import (
    AFTER_COUNT,
    DAY_OF_MONTH,
    MAX_COUNT,
    MAX_INTERVAL,
    MONTHLY,
    ON_DATE,
    WEEKLY,
    Recurrence,
    Schedule,
    schedule_for,
    working_day_test,
)
from .subjects import subject_fields

logger = logging.getLogger("tawasul.activities.reminders")
User = get_user_model()

events.declare("reminder.saved", "A reminder was created or changed.")
events.declare("reminder.fired", "An occurrence of a reminder fired (once per due time).")

MANAGE = "activities.manage_reminder"
MAILS_PER_TASK = 200
PLACEHOLDER = 987654321987
TEMPLATE_KIND = "reminder"


# --- who may do what ----------------------------------------------------------------------------


def is_reminder_admin(user) -> bool:
    """Administrators see and change every reminder of their company."""
    return bool(user and (user.is_superuser or user.has_perm(MANAGE)))


def receives_q(user) -> Q:
    """Reminders for `user`: by name or by one of their roles."""
    receives = ReminderRecipient.objects.filter(reminder=OuterRef("pk")).filter(
        Q(user=user) | Q(role__in=user.groups.all())
    )
    return Q(Exists(receives))


def for_user_q(user) -> Q:
    """Reminders `user` wrote or receives."""
    return Q(author=user) | receives_q(user)


def needs_attention_q() -> Q:
    """Reminders whose author or a named recipient is deactivated, or whose last occurrence
    reached nobody or skipped someone."""
    inactive = ReminderRecipient.objects.filter(
        reminder=OuterRef("pk"), user__isnull=False, user__is_active=False
    )
    return Q(needs_attention=True) | Q(author__is_active=False) | Q(Exists(inactive))


def visible_reminders(user, action: str = "view") -> models.QuerySet:
    """The reminders `user` may `action`: through `restrict` (the company), then their own and
    those for them (view), or their own (change, delete); administrators: the company's."""
    queryset = Reminder.objects.restrict(user, action)
    if is_reminder_admin(user):
        return queryset
    if action == "view":
        return queryset.filter(for_user_q(user))
    return queryset.filter(author=user)


def can_change(user, reminder: Reminder) -> bool:
    return reminder.author_id == getattr(user, "pk", None) or is_reminder_admin(user)


# --- checks -------------------------------------------------------------------------------------


def staff_users(company_id: int) -> models.QuerySet:
    """Active users working for the company (active employees)."""
    return User.objects.filter(
        is_active=True, employee__company_id=company_id, employee__is_active=True
    )


def offered_roles() -> models.QuerySet:
    """The roles a reminder may be for: every staff role (not the portal's)."""
    return Group.objects.exclude(name__in=PORTAL_ROLES).order_by("name")


def _check_recurrence(recurrence: Recurrence, starts_local: dt.date) -> None:
    errors: dict[str, str] = {}
    if recurrence.repeats and not 1 <= (recurrence.interval or 0) <= MAX_INTERVAL:
        errors["interval"] = _("Repeat every 1 to %(max)s periods.") % {"max": MAX_INTERVAL}
    if recurrence.frequency == WEEKLY and not set(recurrence.weekdays) <= set(range(1, 8)):
        errors["weekdays"] = _("Choose days of the week.")
    if recurrence.frequency == MONTHLY and recurrence.month_mode == DAY_OF_MONTH:
        if not recurrence.month_day or not 1 <= recurrence.month_day <= 31:
            errors["month_day"] = _("Choose a day of the month from 1 to 31.")
    if recurrence.repeats and recurrence.ends == ON_DATE:
        if recurrence.until is None:
            errors["until"] = _("Choose the date it ends on.")
        elif recurrence.until < starts_local:
            errors["until"] = _("The end date is before the first date.")
    if recurrence.repeats and recurrence.ends == AFTER_COUNT:
        if not recurrence.count or not 1 <= recurrence.count <= MAX_COUNT:
            errors["count"] = _("Say how many times, from 1 to %(max)s.") % {"max": MAX_COUNT}
    if errors:
        raise ValidationError(errors)


def _no_occurrence_field(recurrence: Recurrence) -> str:
    """The field that explains a recurrence without any occurrence."""
    if recurrence.ends == ON_DATE:
        return "until"
    if recurrence.ends == AFTER_COUNT:
        return "count"
    if recurrence.frequency == MONTHLY and recurrence.month_mode == DAY_OF_MONTH:
        return "month_day"
    if recurrence.frequency == WEEKLY:
        return "weekdays"
    return "frequency"


def _recipients(
    company_id: int, author, users: Iterable, roles: Iterable
) -> tuple[list, list[Group]]:
    users = list({u.pk: u for u in users if u is not None}.values())
    roles = list({r.pk: r for r in roles if r is not None}.values())
    if not users and not roles:
        users = [author] if author is not None else []
    if not users and not roles:
        raise ValidationError({"users": _("Choose who the reminder is for.")})
    allowed = set(
        staff_users(company_id).filter(pk__in=[u.pk for u in users]).values_list("pk", flat=True)
    )
    refused = [u for u in users if u.pk not in allowed]
    if refused:
        raise ValidationError({"users": _("Reminders are for active staff of your company only.")})
    allowed_roles = set(
        offered_roles().filter(pk__in=[r.pk for r in roles]).values_list("pk", flat=True)
    )
    if any(r.pk not in allowed_roles for r in roles):
        raise ValidationError({"roles": _("Choose roles of staff only.")})
    return users, roles


def _check_template(company_id: int, template: MessageTemplate | None) -> None:
    if template is None:
        return
    if template.company_id != company_id or not template.is_active:
        raise ValidationError({"template": _("Choose an active template of your company.")})
    if template.kind != TEMPLATE_KIND:
        raise ValidationError({"template": _("Choose a template written for reminders.")})


def _check_record(actor, company_id: int, record) -> None:
    if record is None or actor is None:
        return
    manager = getattr(type(record), "objects", None)
    if manager is None or not hasattr(manager, "restrict"):
        raise ValidationError({"record": _("This record cannot carry reminders.")})
    if not manager.restrict(actor, "view").filter(pk=record.pk).exists():
        raise ValidationError({"record": _("You may not see this record.")})


# --- writes -------------------------------------------------------------------------------------


# The last year a reminder may start in (recurrences run on from it).
LATEST_YEAR = 2199


def reminder_save(
    *,
    actor,
    reminder: Reminder | None = None,
    title: str,
    starts_at: dt.datetime,
    recurrence: Recurrence | None = None,
    body: str = "",
    template: MessageTemplate | None = None,
    timezone: str = "",
    users: Sequence = (),
    roles: Sequence[Group] = (),
    notify: bool = True,
    email: bool = False,
    create_task: bool = False,
    record: models.Model | None = None,
    company: Company | None = None,
    author=None,
) -> Reminder:
    """Create (`reminder` None) or change a reminder. Refusals are field errors:
    `starts_at` for a new reminder whose first occurrence is not in the future, the recurrence
    fields for a rule that never happens, `users`/`roles` for recipients outside the company's
    active staff. Changing a reminder never fires an occurrence that already passed: the next
    one is the first after both now and the last that fired. `actor` None is the system (the
    demo), which names the `company` and `author`."""
    recurrence = recurrence or Recurrence()
    creating = reminder is None
    company_id: int | None
    if actor is not None:
        if reminder is not None and not can_change(actor, reminder):
            raise PermissionDenied(_("You may not change this reminder."))
        company_id = user_company_id(actor)
        if company_id is None:
            raise PermissionDenied(_("You do not work for a company."))
        author = actor if reminder is None else reminder.author
    elif reminder is None:
        if company is None or author is None:
            raise ValueError("the system names the company and the author")
        company_id = company.pk
    else:
        company_id = reminder.company_id
        author = reminder.author
    if reminder is not None and reminder.company_id != company_id:
        raise PermissionDenied(_("You may not change this reminder."))
    assert company_id is not None

    errors: dict[str, Any] = {}
    title = (title or "").strip()
    if not title and template is None:
        errors["title"] = _("Give the reminder a title.")
    if starts_at is None or starts_at.utcoffset() is None:
        errors["starts_at"] = _("Choose the date and time it is first due.")
    elif starts_at.year > LATEST_YEAR:
        # Occurrences are counted forwards from here; the calendar's last years cannot hold them.
        errors["starts_at"] = _("Choose a first time before %(year)s.") % {"year": LATEST_YEAR}
    zone_name = timezone or (reminder.timezone if reminder else "") or zone_for(author).key
    zone = as_zone(zone_name)
    if zone is None:
        errors["timezone"] = _("Choose a time zone such as Asia/Riyadh.")
    if errors:
        raise ValidationError(errors)
    assert isinstance(zone, ZoneInfo)
    _check_recurrence(recurrence, starts_at.astimezone(zone).date())
    _check_template(company_id, template)
    _check_record(actor, company_id, record)
    users, roles = _recipients(company_id, author, users, roles)

    now = clock.now()
    rrule_text = recurrence.to_rrule()
    is_working_day = working_day_test(company_id) if recurrence.working_day_back else None
    schedule = Schedule(rrule_text, starts_at, zone, is_working_day)
    first = schedule.first()
    if first is None:
        raise ValidationError(
            {_no_occurrence_field(recurrence): _("This recurrence never happens; change it.")}
        )

    with transaction.atomic():
        if reminder is None:
            if first <= now:
                raise ValidationError(
                    {
                        "starts_at": _(
                            "The first reminder would be in the past; choose a later time."
                        )
                    }
                )
            reminder = Reminder(company_id=company_id, author=author)
            next_at: dt.datetime | None = first
        else:
            reminder = Reminder.objects.select_for_update().get(pk=reminder.pk)
            floor = max(now, reminder.last_due_at) if reminder.last_due_at else now
            next_at = schedule.next_after(floor)
            schedule_changed = (
                reminder.rrule != rrule_text
                or reminder.starts_at != starts_at
                or reminder.timezone != zone_name
                or reminder.working_day_back != recurrence.working_day_back
            )
            if next_at is None and schedule_changed:
                raise ValidationError(
                    {"starts_at": _("It would never fire again; choose a later time.")}
                )
        reminder.title = title or (template.name if template else "")
        reminder.body = (body or "").strip()
        reminder.template = template
        reminder.starts_at = starts_at
        reminder.timezone = zone_name
        reminder.rrule = rrule_text
        reminder.working_day_back = recurrence.working_day_back
        reminder.next_at = next_at
        reminder.notify = notify
        reminder.email = email
        reminder.create_task = create_task
        for name, value in subject_fields(record).items():
            setattr(reminder, name, value)
        reminder.full_clean(exclude=["company", "author", "template", "subject_type", "contact"])
        reminder.save()
        _set_recipients(reminder, users, roles)
        verify_within(actor, reminder, "change" if not creating else "add")
        events.emit("reminder.saved", reminder_id=reminder.pk, actor_id=getattr(actor, "pk", None))
    return reminder


def _set_recipients(reminder: Reminder, users: list, roles: list[Group]) -> None:
    wanted = {("u", u.pk) for u in users} | {("r", r.pk) for r in roles}
    have = {
        (("u", row.user_id) if row.user_id else ("r", row.role_id)): row.pk
        for row in reminder.recipients.all()
    }
    stale = [pk for key, pk in have.items() if key not in wanted]
    if stale:
        ReminderRecipient.objects.filter(pk__in=stale).delete()
    ReminderRecipient.objects.bulk_create(
        [
            ReminderRecipient(
                reminder=reminder,
                user_id=pk if kind == "u" else None,
                role_id=pk if kind == "r" else None,
            )
            for kind, pk in sorted(wanted - set(have))
        ]
    )


def reminder_set_active(*, actor, reminder: Reminder, active: bool) -> Reminder:
    """Pause or resume a reminder. Resuming never fires a passed occurrence: it goes on from
    the first occurrence after now."""
    if actor is not None and not can_change(actor, reminder):
        raise PermissionDenied(_("You may not change this reminder."))
    with transaction.atomic():
        reminder = Reminder.objects.select_for_update().get(pk=reminder.pk)
        if reminder.is_active == active:
            return reminder
        reminder.is_active = active
        if active:
            now = clock.now()
            floor = max(now, reminder.last_due_at) if reminder.last_due_at else now
            reminder.next_at = schedule_for(reminder).next_after(floor)
        reminder.save(update_fields=["is_active", "next_at", "updated_at"])
        verify_within(actor, reminder, "change")
    return reminder


def reminder_delete(*, actor, reminder: Reminder) -> None:
    """Delete a reminder and its occurrences."""
    if actor is not None and not can_change(actor, reminder):
        raise PermissionDenied(_("You may not delete this reminder."))
    with transaction.atomic():
        verify_within(actor, reminder, "delete")
        reminder.delete()


# --- firing -------------------------------------------------------------------------------------


def resolve_batch(reminders: Sequence[Reminder]) -> dict[int, tuple[list, list[int]]]:
    """For each reminder (by key): the users to deliver to, and the ids of users it names who
    are deactivated (or left the company). Named users and the current members of its roles
    who work for the reminder's company; four queries for the whole batch."""
    named: dict[int, set[int]] = defaultdict(set)
    by_role: dict[int, set[int]] = defaultdict(set)
    for reminder_id, user_id, role_id in ReminderRecipient.objects.filter(
        reminder_id__in=[r.pk for r in reminders]
    ).values_list("reminder_id", "user_id", "role_id"):
        if user_id:
            named[reminder_id].add(user_id)
        else:
            by_role[reminder_id].add(role_id)
    members: dict[int, set[int]] = defaultdict(set)
    role_ids = set().union(*by_role.values()) if by_role else set()
    if role_ids:
        through = User.groups.through
        for group_id, user_id in through.objects.filter(group_id__in=role_ids).values_list(
            "group_id", "user_id"
        ):
            members[group_id].add(user_id)
    wanted = set().union(*named.values(), *members.values())
    users = {u.pk: u for u in User.objects.filter(pk__in=wanted).select_related("employee")}
    resolved = {}
    for reminder in reminders:
        by_name = named.get(reminder.pk, set())
        ids = set(by_name)
        for role_id in by_role.get(reminder.pk, ()):
            ids |= members.get(role_id, set())
        active, skipped = [], []
        for user_id in sorted(ids):
            user = users.get(user_id)
            employee = _employee_of(user)
            if (
                user is not None
                and user.is_active
                and employee is not None
                and employee.is_active
                and employee.company_id == reminder.company_id
            ):
                active.append(user)
            elif user_id in by_name:
                skipped.append(user_id)
        resolved[reminder.pk] = (active, skipped)
    return resolved


def _employee_of(user):
    if user is None:
        return None
    try:
        return user.employee
    except ObjectDoesNotExist:
        return None


def resolve_recipients(reminder: Reminder) -> tuple[list, list[int]]:
    """(users to deliver to, ids of deactivated users it names), resolved now."""
    return resolve_batch([reminder])[reminder.pk]


def _message(reminder: Reminder, user) -> tuple[str, str]:
    if reminder.template is not None:
        try:
            from .messages import render_message
        except ImportError:  # the message builder is not installed: plain text
            pass
        else:
            subject, body = render_message(reminder.template, reminder, recipient=user, actor=None)
            return subject or reminder.title, body or reminder.body
    return reminder.title, reminder.body


class _Delivery:
    """What a batch of firings sends, written at once: notifications (one insert), e-mails
    (after commit), tasks (each through `task_create`, in its own savepoint)."""

    def __init__(self) -> None:
        self.notifications: list[dict] = []
        self.mails: list[tuple[str, str, str]] = []

    def add(self, reminder: Reminder, due: dt.datetime, users: list) -> bool:
        """Queue what `reminder` sends to `users`; False when its task was refused."""
        url = reminder_url(reminder.pk)
        record = _subject_record(reminder)
        # One message for everyone, unless a template words it for each reader.
        worded: dict[tuple[str, str], list] = {}
        for user in users:
            worded.setdefault(_message(reminder, user), []).append(user)
        for (title, body), readers in worded.items():
            if reminder.notify:
                self.notifications.append(
                    {
                        "recipients": readers,
                        "kind": "reminder.fired",
                        "title": title,
                        "body": body,
                        "record": record,
                        "url": url,
                    }
                )
            if reminder.email:
                self.mails += [(title, body, user.email) for user in readers if user.email]
        if not (reminder.create_task and users):
            return True
        from .tasks_services import task_create

        try:
            with transaction.atomic():
                task_create(
                    actor=None,
                    assignees=[user.employee for user in users],
                    title=reminder.title,
                    due_at=due,
                    description=reminder.body,
                    record=record,
                    initiator=_employee_of(reminder.author),
                    origin_key=f"reminder:{reminder.pk}:{due.isoformat()}",
                )
        except (ValidationError, PermissionDenied):
            logger.warning("reminder %s: its task was refused", reminder.pk, exc_info=True)
            return False
        return True

    def send(self) -> None:
        if self.notifications:
            notify_many(self.notifications)
        if self.mails:
            mails = list(self.mails)
            transaction.on_commit(lambda: _queue_mails(mails))


def _queue_mails(mails: list[tuple[str, str, str]]) -> None:
    """Hand the e-mails to the consumer (they never hold up the sweep)."""
    from .reminders_tasks import reminder_emails_task

    for start in range(0, len(mails), MAILS_PER_TASK):
        reminder_emails_task([list(m) for m in mails[start : start + MAILS_PER_TASK]])


def reminder_emails_send(mails: Iterable[Sequence[str]]) -> int:
    """Send (subject, body, address) e-mails through Django's mail backend on one connection;
    a refused batch is logged, never raised (the reminders already fired)."""
    messages = [(subject, body, settings.DEFAULT_FROM_EMAIL, [to]) for subject, body, to in mails]
    try:
        return send_mass_mail(messages, fail_silently=False)
    except Exception:  # noqa: BLE001 - a mail server down never undoes a fired reminder
        logger.exception("reminder e-mails could not be sent (%s)", len(messages))
        return 0


@functools.cache
def _url_pattern() -> str:
    return reverse("activities:reminder_detail", args=[PLACEHOLDER])


def reminder_url(pk: int) -> str:
    """The reminder's page (reversed once per process: a sweep names thousands)."""
    return _url_pattern().replace(str(PLACEHOLDER), str(pk))


def _subject_record(reminder: Reminder):
    if reminder.subject_type_id is None or reminder.subject_id is None:
        return None
    model = ContentType.objects.get_for_id(reminder.subject_type_id).model_class()
    if model is None:
        return None
    return model._base_manager.filter(pk=reminder.subject_id).first()


def _fire_claimed(reminders: list[Reminder], now: dt.datetime) -> int:
    """Fire reminders claimed in the caller's transaction: the occurrence rows (unique), what
    they send, their next occurrence. Raises on any failure (the caller's transaction is then
    rolled back and nothing of the batch is kept)."""
    if not reminders:
        return 0
    resolved = resolve_batch(reminders)
    delivery = _Delivery()
    occurrences = []
    for reminder in reminders:
        schedule = schedule_for(reminder)
        assert reminder.next_at is not None  # claimed as due
        due = schedule.latest_until(reminder.next_at, now) or reminder.next_at
        users, skipped = resolved[reminder.pk]
        reminder.next_at = due  # what a message template names as `reminder.next`
        occurrences.append(
            ReminderOccurrence(
                reminder=reminder,
                due_at=due,
                fired_at=now,
                delivered=len(users),
                skipped=skipped,
            )
        )
        delivered = delivery.add(reminder, due, users)
        reminder.last_due_at = due
        reminder.next_at = schedule.next_after(max(now, due))
        reminder.fired_count += 1
        reminder.needs_attention = bool(skipped) or not users or not delivered
    ReminderOccurrence.objects.bulk_create(occurrences)
    delivery.send()
    # Reminders due at the same time with the same rule move alike: one UPDATE per group.
    groups: dict[tuple, list[int]] = defaultdict(list)
    for reminder in reminders:
        key = (reminder.last_due_at, reminder.next_at, reminder.needs_attention)
        groups[key].append(reminder.pk)
    for (last_due_at, next_at, needs_attention), keys in groups.items():
        Reminder.objects.filter(pk__in=keys).update(
            last_due_at=last_due_at,
            next_at=next_at,
            needs_attention=needs_attention,
            fired_count=F("fired_count") + 1,
            updated_at=now,
        )
    for reminder, occurrence in zip(reminders, occurrences, strict=True):
        events.emit("reminder.fired", reminder_id=reminder.pk, due_at=occurrence.due_at.isoformat())
    return len(reminders)


def _claim(now: dt.datetime, limit: int, exclude: Iterable[int] = (), pk: int | None = None):
    """Due reminders, locked for this transaction; rows another consumer holds are skipped
    (PostgreSQL; SQLite takes no row locks and serialises writers instead)."""
    queryset = (
        Reminder.objects.select_for_update(skip_locked=True, of=("self",))
        .select_related("author__employee", "template")
        .filter(is_active=True, next_at__lte=now)
    )
    if pk is not None:
        queryset = queryset.filter(pk=pk)
    elif exclude:
        queryset = queryset.exclude(pk__in=list(exclude))
    return list(queryset.order_by("next_at", "pk")[:limit])


def reminder_fire(reminder_id: int, *, now: dt.datetime) -> bool:
    """Fire one due reminder in its own transaction: claim it (skipped if another consumer
    holds it), record the occurrence (unique: a second attempt changes nothing), deliver it,
    and move `next_at` to the first occurrence after `now`. Returns whether it fired."""
    try:
        with transaction.atomic():
            return _fire_claimed(_claim(now, 1, pk=reminder_id), now) == 1
    except IntegrityError:
        # The occurrence exists: another consumer fired it between our read and our insert
        # (SQLite takes no row locks). Nothing of this attempt was kept.
        return False


def reminders_fire_due(now: dt.datetime | None = None, batch: int = 500) -> int:
    """Fire every reminder due at `now` (default: the clock); returns how many fired.

    Each round claims up to `batch` due reminders (SKIP LOCKED: rows another consumer holds
    are left to it) and fires them in one transaction, writing the occurrences, notifications
    and next occurrences with one statement each. If anything in the round fails, the round
    is rolled back and its reminders are fired one by one, each in its own transaction, so
    one broken reminder never holds back the others. Of several occurrences missed while no
    consumer ran, only the latest fires. A crash mid-sweep loses nothing: what was not
    committed is still due for the next sweep, and the unique occurrence row keeps a
    reminder from firing twice for the same time.
    """
    now = now or clock.now()
    fired = 0
    passed: set[int] = set()
    while True:
        keys: list[int] = []
        try:
            with transaction.atomic():
                claimed = _claim(now, batch, exclude=passed)
                keys = [r.pk for r in claimed]
                if not claimed:
                    return fired
                fired += _fire_claimed(claimed, now)
            continue
        except Exception:  # noqa: BLE001 - the round is retried reminder by reminder
            if not keys:
                raise
            logger.warning("reminders sweep: a batch failed; firing one by one", exc_info=True)
        for key in keys:
            try:
                done = reminder_fire(key, now=now)
            except Exception:  # one broken reminder never stops the others
                logger.exception("reminder %s could not fire", key)
                done = False
            if done:
                fired += 1
            else:
                passed.add(key)

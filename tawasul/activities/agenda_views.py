"""The calendar page, its entries, moving an entry, and each user's private `.ics` feed.

The page (FullCalendar from the npm registry) shows what every registered calendar source
(`registry.calendar_source`) gives the signed-in user: tasks, follow-ups, reminders, and later
visits. Times travel as wall-clock times of the user's time zone (the calendar runs in "UTC"
so it shows them as they are), so the page agrees with the rest of the app whatever the
browser's zone.
"""

from __future__ import annotations

import datetime as dt
import logging
import secrets

from django.contrib.auth.mixins import LoginRequiredMixin, PermissionRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import TemplateView

from tawasul.core import clock
from tawasul.core.access import get_restricted_or_404
from tawasul.core.calendar import CalendarEntry, as_entry
from tawasul.core.cleaning import parse_id
from tawasul.core.registry import get_registry

from .models import CalendarFeed, Task
from .tasks_views import task_actions_context

logger = logging.getLogger("tawasul.activities")

MAX_RANGE = dt.timedelta(days=62)  # the widest window one request may ask (a month view: 42)
FEED_PAST = dt.timedelta(days=30)
FEED_AHEAD = dt.timedelta(days=180)
CALENDAR_PERMISSION = "activities.view_task"


def calendar_entries(user, start: dt.datetime, end: dt.datetime) -> list[CalendarEntry]:
    """Every entry the registered sources give `user` between `start` and `end` (aware,
    end exclusive), in time order. A failing source is logged and left out, so one module's
    error never empties the whole calendar."""
    entries: list[CalendarEntry] = []
    for key, source in get_registry().calendar_sources.items():
        try:
            entries += [as_entry(key, item) for item in source(user, start, end)]
        except Exception:
            logger.exception("calendar source %s failed", key)
    return sorted(entries, key=lambda e: (_moment(e.start), e.kind, e.pk))


def _moment(value) -> dt.datetime:
    if isinstance(value, dt.datetime):
        return value
    return timezone.make_aware(dt.datetime.combine(value, dt.time.min))


def _wall_clock(value: str | None) -> dt.datetime | None:
    """A time the calendar sent ("2026-12-01T09:00:00Z" or "2026-12-01"): the user's wall clock
    (the calendar runs in UTC), as an aware datetime of the user's zone. None when unreadable."""
    if not value:
        return None
    value = value.strip().replace(" ", "+")
    moment = parse_datetime(value)
    if moment is None:
        day = parse_date(value)
        if day is None:
            return None
        moment = dt.datetime.combine(day, dt.time.min)
    try:
        return timezone.make_aware(moment.replace(tzinfo=None))
    except (ValueError, OverflowError):
        return None


def _to_wall_clock(value) -> str:
    if isinstance(value, dt.datetime):
        return timezone.localtime(value).replace(tzinfo=None).isoformat()
    return value.isoformat()


class CalendarView(LoginRequiredMixin, PermissionRequiredMixin, TemplateView):
    """The calendar page: day, week, month and list views of the user's entries."""

    permission_required = CALENDAR_PERMISSION
    template_name = "activities/agenda/calendar.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["feed"] = CalendarFeed.objects.filter(user=self.request.user).first()
        return ctx


class CalendarEventsView(LoginRequiredMixin, PermissionRequiredMixin, View):
    """JSON for the calendar: `?start=&end=` (the calendar's window, at most 62 days)."""

    permission_required = CALENDAR_PERMISSION

    def get(self, request):
        start = _wall_clock(request.GET.get("start"))
        end = _wall_clock(request.GET.get("end"))
        if start is None or end is None or end <= start:
            return JsonResponse({"error": _("Give a start and an end.")}, status=400)
        if end - start > MAX_RANGE:
            return JsonResponse({"error": _("Ask for at most 62 days at a time.")}, status=400)
        data = [
            {
                "id": f"{e.kind}:{e.pk}",
                "title": e.title,
                "start": _to_wall_clock(e.start),
                "end": _to_wall_clock(e.end) if e.end else None,
                "allDay": e.all_day,
                "url": e.url,
                "editable": e.editable,
                "classNames": [f"cal-{e.kind}", f"cal-status-{e.status}" if e.status else ""],
                "extendedProps": {"kind": e.kind, "pk": e.pk},
            }
            for e in calendar_entries(request.user, start, end)
        ]
        return JsonResponse(data, safe=False)


class CalendarMoveView(LoginRequiredMixin, PermissionRequiredMixin, View):
    """POST `kind`, `pk`, `start`: move an entry the user may change (the source's `move`)."""

    permission_required = CALENDAR_PERMISSION

    def post(self, request):
        kind = request.POST.get("kind", "")
        pk = parse_id(request.POST.get("pk"))
        start = _wall_clock(request.POST.get("start"))
        source = get_registry().calendar_sources.get(kind)
        move = getattr(source, "move", None)
        if move is None or pk is None:
            return JsonResponse({"error": _("This entry cannot be moved.")}, status=400)
        if start is None:
            return JsonResponse({"start": [_("Enter a valid date and time.")]}, status=400)
        try:
            move(request.user, pk, start)
        except ValidationError as error:
            messages = error.messages if hasattr(error, "messages") else [str(error)]
            return JsonResponse({"error": " ".join(messages)}, status=400)
        except (PermissionDenied, Http404):
            return JsonResponse({"error": _("You may not move this entry.")}, status=403)
        return HttpResponse(status=204)


def feed_token() -> str:
    """A new random feed token (256 bits, URL-safe)."""
    return secrets.token_urlsafe(32)


class CalendarFeedView(LoginRequiredMixin, PermissionRequiredMixin, View):
    """POST `action`: "create" (or renew: a new address, the old one stops) or "revoke"."""

    permission_required = CALENDAR_PERMISSION

    def post(self, request):
        action = request.POST.get("action")
        if action == "revoke":
            CalendarFeed.objects.filter(user=request.user).delete()
        elif action == "create":
            CalendarFeed.objects.update_or_create(
                user=request.user, defaults={"token": feed_token()}
            )
        return redirect(reverse("activities:calendar") + "#feed")


class IcsFeedView(View):
    """The private `.ics` feed of the user whose token is in the address: read-only, no
    sign-in (calendar programs cannot sign in); what that user may see today, 30 days back
    and 180 days ahead. An unknown or revoked token, or an inactive user: 404."""

    def get(self, request, token: str):
        feed = (
            CalendarFeed.objects.select_related("user", "user__employee")
            .filter(token=token)
            .first()
        )
        if feed is None or not feed.user.is_active:
            raise Http404
        from icalendar import Calendar, Event

        now = clock.now()
        calendar = Calendar()
        calendar.add("prodid", "-//Tawasul//Calendar//EN")
        calendar.add("version", "2.0")
        calendar.add("x-wr-calname", _("Tawasul"))
        host = request.get_host()
        for entry in calendar_entries(feed.user, now - FEED_PAST, now + FEED_AHEAD):
            event = Event()
            event.add("uid", f"{entry.kind}-{entry.pk}@{host}")
            event.add("summary", entry.title)
            event.add("dtstamp", now)
            if isinstance(entry.start, dt.datetime):
                end = entry.end if isinstance(entry.end, dt.datetime) else None
                event.add("dtstart", entry.start.astimezone(dt.UTC))
                event.add(
                    "dtend", (end or entry.start + dt.timedelta(minutes=30)).astimezone(dt.UTC)
                )
            else:
                event.add("dtstart", entry.start)
            if entry.url:
                event.add("url", request.build_absolute_uri(entry.url))
            if entry.description:
                event.add("description", entry.description)
            calendar.add_component(event)
        response = HttpResponse(calendar.to_ical(), content_type="text/calendar; charset=utf-8")
        response["Cache-Control"] = "private, no-store"
        response["X-Content-Type-Options"] = "nosniff"
        return response


class DashboardTaskActionsView(LoginRequiredMixin, PermissionRequiredMixin, View):
    """GET: a task's full actions (report progress, forward) in place of the dashboard row's
    short buttons; the forms post to the tasks' own actions, which answer the same fragment."""

    permission_required = "activities.change_task"

    def get(self, request, pk: int):
        task = get_restricted_or_404(
            Task.objects.select_related("assignee", "initiator"), request.user, "change", pk=pk
        )
        return TemplateResponse(
            request, "activities/tasks/_actions.html", task_actions_context(request, task)
        )

"""Pages of the notifications area: the inbox, the bell, e-mail preferences, conversations."""

from __future__ import annotations

from typing import Any, ClassVar

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin, PermissionRequiredMixin
from django.core.exceptions import ValidationError
from django.db.models import OuterRef, Prefetch, Subquery
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View
from django.views.generic import TemplateView

from tawasul.core.autocomplete import AutocompleteView
from tawasul.core.cleaning import parse_id
from tawasul.core.errors import apply_error
from tawasul.core.http import local_path, safe_next
from tawasul.core.lists import Column, ListPage, render_rows
from tawasul.core.pagination import InvalidCursor, keyset_paginate
from tawasul.org.models import Employee

from .models import InternalMessage, ThreadParticipant
from .notifications_filtersets import NotificationFilterSet
from .notifications_forms import MessageNewForm, MessageReplyForm, NotificationPreferenceForm
from .notifications_selectors import (
    NotificationShown,
    bell_rows,
    message_recipients,
    notification_get,
    notification_queryset,
    notifications_shown,
    thread_get,
    thread_queryset,
    unread_count,
)
from .notifications_services import (
    message_reply,
    message_thread_mark_read,
    message_thread_start,
    notification_mark_all_read,
    notification_mark_read,
    notification_preference_get,
    notification_preference_save,
)

BELL_ID = "notification-bell"


def when(moment) -> str:
    """A moment in the reader's zone, short."""
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M")


# --- the inbox -----------------------------------------------------------------------------


def _title_cell(item: NotificationShown):
    url = reverse("activities:notification_open", args=[item.pk])
    body = (
        format_html(
            '<div class="small text-secondary text-truncate"><bdi>{}</bdi></div>', item.body
        )
        if item.body
        else ""
    )
    unread = (
        format_html('<span class="badge text-bg-primary me-1">{}</span>', _("New"))
        if item.unread
        else ""
    )
    return format_html(
        '{}<a href="{}" class="notification-title"><bdi>{}</bdi></a>{}',
        unread,
        url,
        item.title,
        body,
    )


def _subject_cell(item: NotificationShown):
    subject = item.subject
    if not subject.label:
        return "—"
    if subject.hidden or not subject.url:
        return format_html('<span class="text-secondary"><bdi>{}</bdi></span>', subject.label)
    return format_html('<a href="{}"><bdi>{}</bdi></a>', subject.url, subject.label)


def _read_cell(item: NotificationShown):
    if not item.unread:
        return ""
    return format_html(
        '<button type="button" class="btn btn-sm btn-outline-secondary text-nowrap" '
        'hx-post="{}" hx-target="closest tr" hx-swap="outerHTML" '
        'id="notification-read-{}">{}</button>',
        reverse("activities:notification_read", args=[item.pk]),
        item.pk,
        _("Mark read"),
    )


INBOX_COLUMNS = [
    Column("title", gettext_lazy("Notification"), cell=_title_cell, primary=True),
    Column("subject", gettext_lazy("Record"), cell=_subject_cell, th_class="col-name"),
    Column("kind", gettext_lazy("Kind"), cell=lambda item: item.kind_label, th_class="col-badge"),
    Column(
        "created_at",
        gettext_lazy("When"),
        cell=lambda item: format_html("<bdi>{}</bdi>", when(item.notification.created_at)),
        sort="created_at",
        descending_first=True,
        th_class="text-nowrap",
        td_class="text-nowrap",
    ),
    Column("read", gettext_lazy("Mark read"), cell=_read_cell, label_hidden=True),
]


def _row_class(item: NotificationShown) -> str:
    return "notification-unread fw-semibold" if item.unread else "notification-read"


class NotificationList(ListPage):
    """The user's inbox: their notifications, newest first."""

    permission_required = "activities.view_notification"
    template_name = "activities/notifications/list.html"
    filterset_class = NotificationFilterSet
    list_key = "notifications"
    list_url_name = "activities:notification_list"
    title = gettext_lazy("Inbox")
    columns: ClassVar[list[Column]] = INBOX_COLUMNS
    default_sort = "-created_at"
    search_field = ""
    empty_text = gettext_lazy("No notifications yet.")
    empty_filtered_text = gettext_lazy("No notifications match these filters.")

    def base_queryset(self, action: str = "view"):
        return notification_queryset(self.request.user, action)

    def prepare_rows(self, rows: list) -> list:
        return notifications_shown(self.request.user, rows)

    def row_name(self, row: Any) -> str:
        return row.title

    def row_class(self, row: Any) -> str:
        return _row_class(row)


class NotificationRead(LoginRequiredMixin, PermissionRequiredMixin, View):
    """Mark one notification read (htmx: answers its inbox row, or the bell)."""

    permission_required = "activities.change_notification"

    def post(self, request, pk):
        key = parse_id(pk)
        notification = notification_get(request.user, key) if key else None
        if notification is None:
            raise Http404
        notification_mark_read(actor=request.user, notification_ids=[key])
        notification.refresh_from_db(fields=["read_at"])
        if request.htmx:
            if request.htmx.target == BELL_ID:
                return NotificationBell.as_view()(request)
            item = notifications_shown(request.user, [notification])[0]
            row = render_rows(INBOX_COLUMNS, [item], select=None, row_class=_row_class)
            response = HttpResponse(row)
            response["HX-Trigger"] = "notifications-changed"
            return response
        return redirect(safe_next(request, "activities:notification_list"))


class NotificationReadAll(LoginRequiredMixin, PermissionRequiredMixin, View):
    """Mark every notification of the user read."""

    permission_required = "activities.change_notification"

    def post(self, request):
        count = notification_mark_all_read(actor=request.user)
        if request.htmx and request.htmx.target == BELL_ID:
            return NotificationBell.as_view()(request)
        messages.success(request, _("%(count)s notifications marked read.") % {"count": count})
        return redirect(safe_next(request, "activities:notification_list"))


class NotificationOpen(LoginRequiredMixin, PermissionRequiredMixin, View):
    """Open a notification: mark it read, then go to its page (only a path on this site, and
    only while its record may be seen), else back to the inbox."""

    permission_required = "activities.view_notification"

    def get(self, request, pk):
        key = parse_id(pk)
        notification = notification_get(request.user, key) if key else None
        if notification is None:
            raise Http404
        if request.user.has_perm("activities.change_notification"):
            notification_mark_read(actor=request.user, notification_ids=[notification.pk])
        item = notifications_shown(request.user, [notification])[0]
        target = local_path(item.url)
        if target:
            return HttpResponseRedirect(target)
        return redirect("activities:notification_list")


class NotificationBell(LoginRequiredMixin, PermissionRequiredMixin, TemplateView):
    """The top bar's bell (loaded by htmx after the page): the unread count and the latest
    notifications. One query for the count (partial index), one for the latest rows, and the
    naming of their records."""

    permission_required = "activities.view_notification"
    template_name = "activities/notifications/_bell.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        user = self.request.user
        count, more = unread_count(user)
        ctx.update(
            bell_id=BELL_ID,
            count=count,
            more=more,
            items=notifications_shown(user, bell_rows(user)),
            can_change=user.has_perm("activities.change_notification"),
        )
        return ctx

    def post(self, request, *args, **kwargs):  # answered after a mark-read from the bell
        return self.get(request, *args, **kwargs)


class NotificationPreferences(LoginRequiredMixin, PermissionRequiredMixin, TemplateView):
    """How the user wants e-mail copies of their notifications."""

    permission_required = "activities.view_notification"
    template_name = "activities/notifications/preferences.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        if "form" not in ctx:
            preference = notification_preference_get(self.request.user)
            ctx["form"] = NotificationPreferenceForm(initial={"email_copy": preference.email_copy})
        return ctx

    def post(self, request):
        form = NotificationPreferenceForm(request.POST, user=request.user)
        if form.is_valid():
            try:
                notification_preference_save(
                    actor=request.user, email_copy=form.cleaned_data["email_copy"]
                )
            except ValidationError as exc:
                apply_error(form, exc)
            else:
                messages.success(request, _("Your e-mail preference is saved."))
                return redirect("activities:notification_preferences")
        return self.render_to_response(self.get_context_data(form=form))


# --- conversations -------------------------------------------------------------------------

THREAD_PAGE = 25
UNREAD_SHOWN = 50


def _threads(user):
    last = InternalMessage.objects.filter(thread=OuterRef("pk")).order_by("-created_at", "-id")
    people = ThreadParticipant.objects.select_related("user__employee").order_by("user_id")
    return (
        thread_queryset(user)
        .annotate(
            last_body=Subquery(last.values("body")[:1]),
            last_sender=Subquery(last.values("sender_id")[:1]),
        )
        .prefetch_related(Prefetch("participants", queryset=people))
    )


class MessageList(LoginRequiredMixin, PermissionRequiredMixin, TemplateView):
    """The conversations the user takes part in: unread ones first, then the others, newest
    first in keyset pages."""

    permission_required = "activities.view_messagethread"
    template_name = "activities/notifications/message_list.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        user = self.request.user
        cursor = self.request.GET.get("cursor")
        unread = []
        if not cursor:
            unread = list(
                _threads(user)
                .filter(unread=True)
                .order_by("-last_message_at", "-id")[:UNREAD_SHOWN]
            )
        page_error = ""
        rest = _threads(user).exclude(pk__in=[t.pk for t in unread])
        try:
            page = keyset_paginate(rest, sort="-last_message_at", cursor=cursor, size=THREAD_PAGE)
        except InvalidCursor:
            page_error = _("That page link is no longer valid; showing the first page.")
            page = keyset_paginate(rest, sort="-last_message_at", cursor=None, size=THREAD_PAGE)
        ctx.update(
            title=_("Messages"),
            unread_threads=unread,
            threads=page.rows,
            page=page,
            page_error=page_error,
            can_add=user.has_perms(
                ["activities.add_messagethread", "activities.add_internalmessage"]
            ),
        )
        return ctx


class MessageThreadView(LoginRequiredMixin, PermissionRequiredMixin, TemplateView):
    """One conversation (404 unless the user takes part in it): its messages and a reply."""

    permission_required = "activities.view_messagethread"
    template_name = "activities/notifications/message_thread.html"

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            key = parse_id(kwargs["pk"])
            self.thread = thread_get(request.user, key) if key else None
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        thread = self.thread
        if thread is None:
            raise Http404
        user = self.request.user
        ctx.update(
            thread=thread,
            thread_messages=list(
                thread.messages.select_related("sender__employee").order_by("created_at", "id")
            ),
            participants=list(
                thread.participants.select_related("user__employee").order_by("user_id")
            ),
            can_reply=user.has_perm("activities.add_internalmessage"),
        )
        ctx.setdefault("form", MessageReplyForm(user=user))
        return ctx

    def get(self, request, *args, **kwargs):
        if self.thread is None:
            raise Http404
        response = super().get(request, *args, **kwargs)
        message_thread_mark_read(actor=request.user, thread=self.thread)
        return response

    def post(self, request, *args, **kwargs):
        if self.thread is None:
            raise Http404
        form = MessageReplyForm(request.POST, user=request.user)
        if form.is_valid():
            try:
                message = message_reply(
                    actor=request.user, thread_id=self.thread.pk, body=form.cleaned_data["body"]
                )
            except ValidationError as exc:
                apply_error(form, exc)
            else:
                url = reverse("activities:message_thread", args=[self.thread.pk])
                return redirect(f"{url}#message-{message.pk}")
        return self.render_to_response(self.get_context_data(form=form))


class MessageNew(LoginRequiredMixin, PermissionRequiredMixin, TemplateView):
    """Start a conversation with one or several colleagues."""

    permission_required = ("activities.add_messagethread", "activities.add_internalmessage")
    template_name = "activities/notifications/message_new.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx.setdefault("form", MessageNewForm(user=self.request.user))
        return ctx

    def post(self, request):
        form = MessageNewForm(request.POST, user=request.user)
        if form.is_valid():
            data = form.cleaned_data
            try:
                thread = message_thread_start(
                    actor=request.user,
                    recipients=[employee.user for employee in data["recipients"]],
                    subject=data["subject"],
                    body=data["body"],
                )
            except ValidationError as exc:
                apply_error(form, exc)
            else:
                messages.success(request, _("Message sent."))
                return redirect("activities:message_thread", pk=thread.pk)
        return self.render_to_response(self.get_context_data(form=form))


class MessageRecipientSearch(AutocompleteView):
    """Colleagues the user may write to, matching what they type."""

    model = Employee

    def get_queryset(self):
        if not self.request.user.has_perm("activities.add_messagethread"):
            return Employee.objects.none()
        return message_recipients(self.request.user)

    def label(self, obj) -> str:
        return obj.display_name

"""The edit and delete pages every module builds on.

`ServiceFormView` shows a record's form with inline child forms (formsets), calls the module's
service to save them, and puts the service's refusal at the fields and rows it names
(`tawasul.core.errors.apply_error`). `ServiceDeleteView` asks before deleting through the
service, and when other records still point to the record (a protecting foreign key) says which,
naming only those the user may view.
"""

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin, PermissionRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.db.models import ProtectedError, RestrictedError
from django.http import HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.generic import TemplateView

from .access import action_permission, get_restricted_or_404
from .errors import apply_error, live_forms


def formset_rows(
    formset: forms.BaseFormSet, convert: Callable[[dict[str, Any]], dict[str, Any]] | None = None
) -> list[dict[str, Any]]:
    """The rows a service is given for a valid formset: the cleaned data of each of its
    `live_forms` (filled in, not deleted), without the delete box, each passed through
    `convert` when given. A service's error at row `n` is about the `n`th of these."""
    rows = []
    for form in live_forms(formset):
        row = {k: v for k, v in form.cleaned_data.items() if k != "DELETE"}
        if not row.get("id"):
            row.pop("id", None)
        rows.append(convert(row) if convert else row)
    return rows


class ServiceFormView(LoginRequiredMixin, PermissionRequiredMixin, TemplateView):
    """Create (no `pk` in the URL) or edit (`pk`) one record and its inline rows through a service.

    A module sets `model`, `form_class`, `template_name`, `formset_classes` (context name, which
    is also the formset's prefix and the service's error path -> formset class) and writes
    `save(parts)`, which calls the service and returns the record. The form is given the user
    and the record (`instance`, None when creating); each formset its prefix. The page's context
    holds `form`, each formset by its name, and `object`.

    A `ValidationError` from the service lands at the fields and rows it names, and the page
    comes back with everything typed; a `PermissionDenied` answers 403 (see `denied_message`).
    `check(parts)` may stop a save to ask first (possible duplicates).
    """

    model: Any = None  # the record's model class, set by each subclass
    form_class: Any = None  # its form class
    formset_classes: dict[str, type[forms.BaseFormSet]] = {}
    # Service fields whose errors show at another form field (`apply_error`'s `aliases`).
    error_aliases: dict[str, str] = {}
    # A `PermissionDenied` from the service answers 403, unless this is set: then it shows
    # above the form (its own message, else this one) with everything typed kept.
    denied_message: str | None = None

    def get_permission_required(self):
        return [action_permission(self.model, "change" if "pk" in self.kwargs else "add")]

    def get_object(self) -> models.Model | None:
        """The record edited (None when creating): one the user may change, else 404."""
        if "pk" not in self.kwargs:
            return None
        return get_restricted_or_404(
            self.model._default_manager.all(), self.request.user, "change", pk=self.kwargs["pk"]
        )

    def get_form_kwargs(self) -> dict[str, Any]:
        return {"user": self.request.user, "instance": self.object}

    def get_formset_kwargs(self, name: str) -> dict[str, Any]:
        return {"prefix": name}

    def build(self, data=None, files=None) -> dict[str, Any]:
        """The form (`"form"`) and each formset by its name, bound to `data` when posted."""
        parts: dict[str, Any] = {"form": self.form_class(data, files, **self.get_form_kwargs())}
        for name, formset_class in self.formset_classes.items():
            parts[name] = formset_class(data, files, **self.get_formset_kwargs(name))
        return parts

    def formsets(self, parts: dict[str, Any]) -> dict[str, forms.BaseFormSet]:
        return {name: parts[name] for name in self.formset_classes}

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["object"] = self.object
        return ctx

    def get(self, request, *args, **kwargs):
        self.object = self.get_object()
        return self.render_to_response(self.get_context_data(**self.build()))

    def post(self, request, *args, **kwargs):
        self.object = self.get_object()
        parts = self.build(request.POST, request.FILES)
        if all(part.is_valid() for part in parts.values()):
            stop = self.check(parts)
            if stop is not None:
                return self.render_to_response(self.get_context_data(**parts, **stop))
            form = parts["form"]
            try:
                with transaction.atomic():
                    record = self.save(parts)
            except ValidationError as exc:
                apply_error(form, exc, self.formsets(parts), aliases=self.error_aliases)
            except PermissionDenied as exc:
                if self.denied_message is None:
                    raise
                form.add_error(None, str(exc) or self.denied_message)
            else:
                return self.saved(record, created=self.object is None)
        return self.render_to_response(self.get_context_data(**parts))

    def check(self, parts: dict[str, Any]) -> dict[str, Any] | None:
        """Context that stops a valid save to show the page again (e.g. possible duplicates to
        confirm), or None to save."""
        return None

    def save(self, parts: dict[str, Any]) -> models.Model:
        """Call the service with the valid `parts`; return the saved record."""
        raise NotImplementedError

    def saved(self, record: models.Model, *, created: bool) -> HttpResponse:
        """The answer after a save: a short message and the record's page."""
        messages.success(self.request, self.success_message(record, created=created))
        return redirect(self.get_success_url(record))

    def success_message(self, record: models.Model, *, created: bool) -> str:
        name = str(self.model._meta.verbose_name).capitalize()
        if created:
            return _("%(kind)s “%(name)s” created.") % {"kind": name, "name": record}
        return _("%(kind)s “%(name)s” saved.") % {"kind": name, "name": record}

    def get_success_url(self, record: Any) -> str:
        return record.get_absolute_url()


# Records named per kind on a refused delete; the rest are counted.
LINKS_NAMED = 10


@dataclass
class ProtectedLinks:
    """The records of one kind that still point to a record being deleted."""

    label: str  # the kind, plural or singular by `count`
    count: int
    named: list[Any] = field(default_factory=list)  # the first ones the user may view
    hidden: int = 0  # how many of them the user may not view (never named)

    @property
    def more(self) -> int:
        """Viewable ones beyond those named."""
        return self.count - self.hidden - len(self.named)


def protected_links(user, blockers: Iterable[models.Model]) -> list[ProtectedLinks]:
    """What keeps a record from being deleted (Django's `ProtectedError.protected_objects`),
    grouped by kind: each kind's count, and the first `LINKS_NAMED` of them `user` may view.
    A kind read without `restrict` (a child row, a history row) is only counted."""
    by_model: dict[type[models.Model], list[Any]] = defaultdict(list)
    for obj in blockers:
        by_model[type(obj)].append(obj.pk)
    found = []
    for model, keys in sorted(by_model.items(), key=lambda item: item[0]._meta.label):
        meta = model._meta
        label = meta.verbose_name if len(keys) == 1 else meta.verbose_name_plural
        links = ProtectedLinks(label=str(label), count=len(keys), hidden=len(keys))
        queryset = model._default_manager.filter(pk__in=keys)
        if hasattr(queryset, "restrict"):
            visible = queryset.restrict(user, "view")
            links.hidden = len(keys) - visible.count()
            links.named = list(visible.order_by("pk")[:LINKS_NAMED])
        found.append(links)
    return found


class ServiceDeleteView(LoginRequiredMixin, PermissionRequiredMixin, TemplateView):
    """Ask (GET), then delete (POST) one record through its service.

    A module sets `model` and `success_url_name` and writes `delete(record)` (the service
    call). Only a record the user may delete is found (404 alike for missing and forbidden). A
    record others still point to is kept and the page lists them (`protected_links`); a
    `ValidationError` from the service is shown as the reason.
    """

    model: Any = None  # the record's model class, set by each subclass
    template_name = "core/confirm_delete.html"
    success_url_name = ""
    consequence = ""  # what deleting does, said before asking
    deleted_message = ""  # the toast after deleting (else "<Kind> “<name>” deleted.")

    def get_permission_required(self):
        return [action_permission(self.model, "delete")]

    def get_object(self) -> models.Model:
        return get_restricted_or_404(
            self.model._default_manager.all(), self.request.user, "delete", pk=self.kwargs["pk"]
        )

    def delete(self, record: models.Model) -> None:
        raise NotImplementedError

    def get_cancel_url(self, record: Any) -> str:
        return record.get_absolute_url()

    def get_success_url(self) -> str:
        return reverse(self.success_url_name)

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        record = self.object
        ctx.update(
            object=record,
            verbose_name=self.model._meta.verbose_name,
            consequence=self.consequence,
            cancel_url=self.get_cancel_url(record),
            breadcrumbs=self.get_breadcrumbs(record),
        )
        return ctx

    def get_breadcrumbs(self, record: models.Model) -> list[tuple[str, str]]:
        """(label, url) pairs leading to the record, shown before "Delete"."""
        return [(str(record), self.get_cancel_url(record))]

    def get(self, request, *args, **kwargs):
        self.object = self.get_object()
        return self.render_to_response(self.get_context_data())

    def post(self, request, *args, **kwargs):
        self.object = self.get_object()
        try:
            with transaction.atomic():
                self.delete(self.object)
        except (ProtectedError, RestrictedError) as exc:
            if isinstance(exc, ProtectedError):
                blockers = exc.protected_objects
            else:
                blockers = exc.restricted_objects
            links = protected_links(request.user, blockers)
            return self.render_to_response(self.get_context_data(protected=links), status=409)
        except ValidationError as exc:
            return self.render_to_response(self.get_context_data(refused=exc.messages), status=409)
        kind = str(self.model._meta.verbose_name).capitalize()
        messages.success(
            request,
            self.deleted_message
            or _("%(kind)s “%(name)s” deleted.") % {"kind": kind, "name": self.object},
        )
        return redirect(self.get_success_url())

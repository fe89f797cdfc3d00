"""Contact import pages: upload, column mapping, dry run or import, progress and report.

The pages call the contacts' import services (`imports`), which run the generic importer
(`tawasul.core.importer`); its preview, progress and report counts are read from it directly.
"""

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin, PermissionRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext, pgettext
from django.utils.translation import gettext_lazy as _
from django.views import View
from django.views.generic import FormView, TemplateView

from tawasul.access.querysets import user_company_id
from tawasul.core.errors import apply_error
from tawasul.core.export import csv_response
from tawasul.core.importer.progress import job_progress
from tawasul.core.importer.reading import preview as table_preview
from tawasul.core.importer.runner import error_counts
from tawasul.org.models import Company

from .imports import (
    import_job_create,
    import_job_set_mapping,
    import_job_set_policies,
    import_job_start,
    import_job_summary,
    import_sample_rows,
    target_choices,
)
from .models import ContactType, ImportJob

REPORT_SHOWN = 500
RUNNING = {ImportJob.Status.QUEUED, ImportJob.Status.RUNNING}


def _user_jobs(user):
    """The import jobs this user may see: their own, through the access entry point."""
    return ImportJob.objects.restrict(user, "view").filter(created_by=user)


def _job_or_404(user, pk) -> ImportJob:
    """404 alike for a missing job and for someone else's."""
    return get_object_or_404(_user_jobs(user).select_related("company"), pk=pk)


class ImportUploadForm(forms.Form):
    file = forms.FileField(
        label=_("File"),
        widget=forms.ClearableFileInput(
            attrs={
                "accept": ".csv,.txt,.xlsx,text/csv,application/vnd.openxmlformats-"
                "officedocument.spreadsheetml.sheet"
            }
        ),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["file"].help_text = _(
            "A CSV file (UTF-8, or Windows-1256 for Arabic) or an Excel .xlsx workbook of at "
            "most %(size)s MB and %(rows)s rows, with the column names in the first row."
        ) % {
            "size": f"{settings.IMPORT_MAX_BYTES / (1024 * 1024):g}",
            "rows": f"{settings.IMPORT_MAX_ROWS:,}",
        }


class ImportMappingForm(forms.Form):
    """One select per column of the file (which field it feeds) and a default contact type."""

    contact_type = forms.ModelChoiceField(
        label=_("Contact type for rows without one"),
        queryset=ContactType.objects.none(),
        required=False,
        help_text=_("Used when the file has no type column or a row leaves it empty."),
    )
    duplicate_policy = forms.ChoiceField(
        label=_("Rows that match an existing contact or an earlier row"),
        choices=ImportJob.DuplicatePolicy.choices,
        required=False,  # left out: unchanged
        widget=forms.RadioSelect(attrs={"class": "form-check-input"}),
        help_text=_(
            "A row matches when its code, a phone, an e-mail or its name (English or Arabic, "
            "spelling variants folded) is the same. The check lists every match by row."
        ),
    )
    error_policy = forms.ChoiceField(
        label=_("When some rows have problems"),
        choices=ImportJob.ErrorPolicy.choices,
        required=False,
        widget=forms.RadioSelect(attrs={"class": "form-check-input"}),
    )

    def __init__(self, *args, job: ImportJob, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.job = job
        columns = job.mapping.get("columns") or {}
        choices = target_choices(columns)  # address and person groups the file uses
        for index, header in enumerate(job.headers):
            self.fields[f"column_{index}"] = forms.ChoiceField(
                label=header or gettext("Column %(n)s") % {"n": index + 1},
                choices=choices,
                required=False,
                initial=columns.get(str(index), ""),
            )
        field = self.fields["contact_type"]
        field.queryset = ContactType.objects.restrict(user, "view").filter(
            company=job.company, is_active=True
        )
        field.initial = job.mapping.get("contact_type")
        self.fields["duplicate_policy"].initial = job.duplicate_policy
        self.fields["error_policy"].initial = job.error_policy
        # Shown last, under the columns.
        self.order_fields(
            [f"column_{i}" for i in range(len(job.headers))]
            + ["contact_type", "duplicate_policy", "error_policy"]
        )

    def column_fields(self):
        return [self[f"column_{i}"] for i in range(len(self.job.headers))]

    def columns(self) -> dict[int, str]:
        return {i: self.cleaned_data.get(f"column_{i}") or "" for i in range(len(self.job.headers))}


class ImportPermissionMixin(LoginRequiredMixin, PermissionRequiredMixin):
    permission_required = "contacts.import_contact"


class ImportListView(ImportPermissionMixin, TemplateView):
    """The signed-in user's imports, newest first."""

    template_name = "contacts/import/list.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        jobs = list(_user_jobs(self.request.user).order_by("-created_at", "-pk")[:100])
        for job in jobs:
            job.summary = import_job_summary(job)
        ctx["jobs"] = jobs
        return ctx


class ImportUploadView(ImportPermissionMixin, FormView):
    """Upload a CSV or XLSX file; it is checked at once and its columns are guessed."""

    template_name = "contacts/import/upload.html"
    form_class = ImportUploadForm

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and user_company_id(request.user) is None:
            raise PermissionDenied(gettext("Only employees of a company can import contacts."))
        return super().dispatch(request, *args, **kwargs)

    def form_valid(self, form):
        company = Company.objects.get(pk=user_company_id(self.request.user))
        try:
            job = import_job_create(
                actor=self.request.user, company=company, uploaded_file=form.cleaned_data["file"]
            )
        except ValidationError as exc:
            apply_error(form, exc)
            return self.form_invalid(form)
        return redirect("contacts:import_mapping", pk=job.pk)


class ImportMappingView(ImportPermissionMixin, TemplateView):
    """Say which column feeds which field, then check (dry run) or import."""

    template_name = "contacts/import/mapping.html"

    def get(self, request, *args, **kwargs):
        self.job = _job_or_404(request.user, kwargs["pk"])
        if self.job.status not in {
            ImportJob.Status.UPLOADED,
            ImportJob.Status.VALIDATED,
            ImportJob.Status.FAILED,
        }:
            return redirect("contacts:import_detail", pk=self.job.pk)
        form = ImportMappingForm(job=self.job, user=request.user)
        return self.render_to_response(self.get_context_data(form=form))

    def post(self, request, *args, **kwargs):
        self.job = _job_or_404(request.user, kwargs["pk"])
        form = ImportMappingForm(request.POST, job=self.job, user=request.user)
        dry_run = request.POST.get("action") != "import"
        if form.is_valid():
            try:
                # One transaction: the mapping is kept only if the run could be queued.
                with transaction.atomic():
                    job = import_job_set_mapping(
                        actor=request.user,
                        job=self.job,
                        columns=form.columns(),
                        contact_type=form.cleaned_data["contact_type"],
                        duplicate_policy=form.cleaned_data["duplicate_policy"] or None,
                        error_policy=form.cleaned_data["error_policy"] or None,
                    )
                    import_job_start(actor=request.user, job=job, dry_run=dry_run)
            except ValidationError as exc:
                apply_error(form, exc)
            else:
                return redirect("contacts:import_detail", pk=self.job.pk)
        return self.render_to_response(self.get_context_data(form=form), status=422)

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        form = kwargs["form"]
        preview = table_preview(job=self.job)
        ctx["job"] = self.job
        ctx["preview"] = preview
        ctx["columns"] = [
            (field, [cells[index] for _number, cells in preview if cells[index]][:3])
            for index, field in enumerate(form.column_fields())
        ]
        ctx["has_errors"] = bool(form.errors)
        ctx["policy_fields"] = [form["duplicate_policy"], form["error_policy"]]
        return ctx


DUPLICATE_REASONS = {
    "code": _("code"),
    "name": _("name"),
    "phone": _("phone"),
    "email": _("e-mail"),
}


class _ListSeparator:
    """ ", " in English, "، " in Arabic: the active language's separator of listed words."""

    def join(self, words) -> str:
        return pgettext("list separator", ", ").join(words)


LIST_SEPARATOR = _ListSeparator()


def _duplicates_shown(job: ImportJob) -> list[dict]:
    """The job's duplicate rows with their reasons translated, for the report."""

    def labels(reasons):
        return LIST_SEPARATOR.join(str(DUPLICATE_REASONS.get(r, r)) for r in reasons)

    shown = []
    for entry in job.duplicates[:REPORT_SHOWN]:
        matches = [{**m, "reason_text": labels(m.get("reasons", []))} for m in entry["matches"]]
        shown.append(
            {
                **entry,
                "matches": matches,
                "earlier_text": labels(entry.get("earlier_reasons", [])),
                "outcome": _duplicate_outcome(job, entry),
            }
        )
    return shown


def _duplicate_outcome(job: ImportJob, entry: dict) -> str:
    """What happens (a check: will happen) to a duplicate row, in words."""
    action, check = entry["action"], job.dry_run
    if action == "skip":
        return gettext("Will be skipped") if check else gettext("Skipped")
    if action == "repeat":
        text = (
            gettext("Will be skipped: repeats row %(row)s")
            if check
            else gettext("Skipped: repeats row %(row)s")
        )
        return text % {"row": entry.get("repeats") or entry.get("earlier_row")}
    if action == "ambiguous":
        return gettext("Not imported: several contacts match")
    if action == "unseen":
        return gettext("Not imported: matches a contact the check did not show")
    if action == "failed":
        return gettext("Not imported: see the row's problems")
    if action == "update":
        code = next((m["code"] for m in entry["matches"] if m["id"] == entry["target"]), "")
        if code:
            text = gettext("Will update %(code)s") if check else gettext("Updated %(code)s")
            return text % {"code": code}
        text = (
            gettext("Will update the contact of row %(row)s")
            if check
            else gettext("Updated the contact of row %(row)s")
        )
        return text % {"row": entry["earlier_row"]}
    return (
        gettext("Will be imported as a new contact")
        if check
        else gettext("Imported as a new contact")
    )


def _status_context(job: ImportJob) -> dict:
    processed = job_progress(job)
    percent = min(100, round(100 * processed / job.total_rows)) if job.total_rows else 0
    problems, rows = error_counts(job.errors)
    valid_rows = job.error_policy == ImportJob.ErrorPolicy.VALID_ROWS
    writable = job.created_count + job.updated_count
    # Lines a quote left open read into one cell: importing "the valid rows" would leave them
    # out unseen, so it is not offered until the file is corrected.
    swallowed = [e["swallowed"] for e in job.errors if e.get("swallowed")]
    return {
        "job": job,
        "summary": import_job_summary(job),
        "running": job.status in RUNNING,
        "processed": processed,
        "percent": percent,
        "problems": problems,
        "problem_rows": rows,
        "errors_shown": job.errors[:REPORT_SHOWN],
        "errors_hidden": max(0, problems - REPORT_SHOWN),
        "can_import": job.status == ImportJob.Status.VALIDATED
        and (not job.errors or (valid_rows and writable > 0 and not swallowed)),
        "swallowed": swallowed,
        "cleaned": [
            {**c, "chars_text": LIST_SEPARATOR.join(c["chars"])}
            for c in (job.mapping.get("cleaned") or [])[:REPORT_SHOWN]
        ],
        "import_count": writable if job.errors or job.duplicates else job.total_rows,
        # After a check with problems, all or nothing: offer to import the rows that passed.
        "can_import_valid": job.status == ImportJob.Status.VALIDATED
        and bool(job.errors)
        and not valid_rows
        and not swallowed
        and problems < job.total_rows,
        "duplicates_shown": _duplicates_shown(job),
        "duplicates_hidden": max(0, len(job.duplicates) - REPORT_SHOWN),
        "duplicate_policies": ImportJob.DuplicatePolicy.choices,
        "can_change": job.status
        in {ImportJob.Status.UPLOADED, ImportJob.Status.VALIDATED, ImportJob.Status.FAILED},
    }


class ImportDetailView(ImportPermissionMixin, TemplateView):
    """One import: its progress while it runs, then the report."""

    template_name = "contacts/import/detail.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx.update(_status_context(_job_or_404(self.request.user, kwargs["pk"])))
        return ctx


class ImportProgressView(ImportDetailView):
    """The status block alone, polled by htmx every second until the job has finished; the
    heading's status badge comes along out of band, so it changes with the block."""

    template_name = "contacts/import/_progress.html"


class ImportStartView(ImportPermissionMixin, View):
    """Run the check again, or import after a clean check, with the stored mapping."""

    def post(self, request, pk):
        job = _job_or_404(request.user, pk)
        action = request.POST.get("action")
        dry_run = action not in {"import", "import_valid"}
        try:
            with transaction.atomic():
                # The report's buttons may change the policies first (duplicates; "import the
                # valid rows" after a check found problems).
                duplicate_policy = request.POST.get("duplicate_policy") or None
                error_policy = (
                    ImportJob.ErrorPolicy.VALID_ROWS if action == "import_valid" else None
                )
                if duplicate_policy or error_policy:
                    job = import_job_set_policies(
                        actor=request.user,
                        job=job,
                        duplicate_policy=duplicate_policy,
                        error_policy=error_policy,
                    )
                import_job_start(actor=request.user, job=job, dry_run=dry_run)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        return redirect("contacts:import_detail", pk=job.pk)


class ImportReportView(ImportPermissionMixin, View):
    """Every problem of a check or import as CSV (cells guarded against formula injection)."""

    def get(self, request, pk):
        job = _job_or_404(request.user, pk)
        header = [gettext("Row"), gettext("Column"), gettext("Problem"), gettext("Value")]
        rows = ([e["row"], e["column"], e["message"], e.get("value", "")] for e in job.errors)
        return csv_response(f"import-{job.pk}-report.csv", header, rows)


class ImportSampleView(ImportPermissionMixin, View):
    """A sample CSV with the columns the import understands and two example rows."""

    def get(self, request):
        company_id = user_company_id(request.user)
        company = Company.objects.filter(pk=company_id).first() if company_id else None
        header, rows = import_sample_rows(company=company)
        return csv_response("contacts-import-sample.csv", header, rows)

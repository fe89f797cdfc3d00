"""API plumbing shared by every module: keyset pagination and JSON error bodies."""

from typing import Any, cast

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError, models
from django.http import Http404
from django.utils.translation import gettext as _
from rest_framework import exceptions, serializers
from rest_framework.pagination import BasePagination
from rest_framework.parsers import JSONParser
from rest_framework.response import Response
from rest_framework.utils.urls import remove_query_param, replace_query_param

from .access import log_denial, record_exists, request_action
from .cleaning import ControlCharacterValidator
from .countries import country_code
from .errors import api_errors
from .pagination import InvalidCursor, keyset_paginate, narrow_to_keys
from .search import ranked_sort
from .timezones import UserTimeZoneMixin


class CleanCharField(serializers.CharField):
    """A text field that refuses control characters (see `tawasul.core.cleaning`)."""

    multiline = False

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.validators.append(ControlCharacterValidator(multiline=self.multiline))


class CleanTextField(CleanCharField):
    """Multi-line text: tab, line feed and carriage return are allowed."""

    multiline = True


class CountryCodeField(CleanCharField):
    """An ISO 3166-1 alpha-2 country code; lower case is accepted and stored upper case."""

    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 20)
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        value = super().to_internal_value(data)
        try:
            return country_code(value)
        except DjangoValidationError as exc:
            raise serializers.ValidationError(exc.messages)


class ModelSerializer(serializers.ModelSerializer):
    """The base of every model serializer: text columns refuse control characters."""

    serializer_field_mapping = {
        **serializers.ModelSerializer.serializer_field_mapping,
        models.CharField: CleanCharField,
        models.TextField: CleanTextField,
    }

    def get_unique_together_validators(self):
        # Uniqueness over several columns is checked by the model (every service calls
        # full_clean), which reports it at its field (`core.constraints`); DRF's own check would
        # answer the same message among the errors of no field.
        return []


MAX_JSON_DEPTH = 64


def _json_depth_exceeds(data: Any, limit: int) -> bool:
    """Whether lists and objects in `data` nest deeper than `limit` (walked without recursion)."""
    stack = [(data, 1)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, dict):
            children = list(value.values())
        elif isinstance(value, list):
            children = value
        else:
            continue
        if depth > limit:
            return True
        stack.extend((child, depth + 1) for child in children)
    return False


class BoundedJSONParser(JSONParser):
    """JSON bodies nested at most `MAX_JSON_DEPTH` levels deep; deeper ones answer 400.

    Python's decoder recurses once per level, so a body of a few kilobytes of brackets would
    otherwise exhaust the stack; and no request of this API nests more than a few levels.
    """

    def parse(self, stream, media_type=None, parser_context=None):
        try:
            data = super().parse(stream, media_type, parser_context)
        except RecursionError:
            data = None
            too_deep = True
        else:
            too_deep = _json_depth_exceeds(data, MAX_JSON_DEPTH)
        if too_deep:
            raise exceptions.ParseError(
                _("JSON parse error - nested more than %(max)s levels deep.")
                % {"max": MAX_JSON_DEPTH}
            )
        return data


class RestrictedViewSetMixin(UserTimeZoneMixin):
    """Every viewset of a governed or company-scoped model reads through `restrict`.

    Dates are read and written in the requesting user's time zone (`zone_for`), token or not.

    Reads use the "view" action, updates "change", deletes "delete" (`request_action`): a
    record the user may see but not change answers 404 to a PATCH. Forbidden-but-existing
    records are logged through the access policy (`tawasul.core.access.log_denial`).
    """

    def get_queryset(self):
        queryset = super().get_queryset()
        return queryset.restrict(self.request.user, request_action(self.request, self))

    def get_object(self):
        try:
            return super().get_object()
        except Http404:
            lookup = self.kwargs.get(self.lookup_url_kwarg or self.lookup_field)
            model = self.queryset.model
            if record_exists(model, lookup):
                log_denial(
                    user=self.request.user,
                    model=model,
                    object_id=lookup,
                    action=request_action(self.request, self),
                    request=self.request,
                )
            raise


class KeysetCursorPagination(BasePagination):
    """`{"results": [...], "next": url, "previous": url}` pages addressed by an opaque cursor."""

    cursor_query_param = "cursor"
    page_size_query_param = "page_size"
    max_page_size = 200
    default_sort = "-pk"

    def get_page_size(self, request) -> int:
        default = cast(int, settings.REST_FRAMEWORK.get("PAGE_SIZE", 50))
        raw = request.query_params.get(self.page_size_query_param)
        if raw is None:
            return default
        try:
            size = int(raw)
        except ValueError:
            raise exceptions.ValidationError({"page_size": ["A whole number is required."]})
        if not 1 <= size <= self.max_page_size:
            raise exceptions.ValidationError(
                {"page_size": [f"Must be between 1 and {self.max_page_size}."]}
            )
        return size

    def get_sort(self, request, view) -> str:
        allowed = list(getattr(view, "ordering_fields", None) or [])
        raw = request.query_params.get("ordering")
        if raw:
            name = raw.split(",")[0].strip()
            if name.lstrip("-") not in allowed:
                raise exceptions.ValidationError(
                    {"ordering": [f"Sort by one of: {', '.join(allowed) or 'none'}."]}
                )
            return name
        ordering = getattr(view, "ordering", None) or self.default_sort
        return ordering if isinstance(ordering, str) else ordering[0]

    def paginate_queryset(self, queryset, request, view=None):
        self.request = request
        size = self.get_page_size(request)
        sort = self.get_sort(request, view)
        if not request.query_params.get("ordering"):
            sort = ranked_sort(queryset, sort)  # a ranked search: best matches first
        reserved = {self.cursor_query_param, self.page_size_query_param, "ordering", "format"}
        if any(value for key, value in request.query_params.items() if key not in reserved):
            queryset, _count = narrow_to_keys(queryset)
        try:
            self.page = keyset_paginate(
                queryset,
                sort=sort,
                cursor=request.query_params.get(self.cursor_query_param),
                size=size,
                keys_first=getattr(view, "keys_first", False),
            )
        except InvalidCursor:
            raise exceptions.ValidationError({"cursor": ["Invalid cursor."]})
        return self.page.rows

    def _link(self, cursor: str | None) -> str | None:
        if cursor is None:
            return None
        url = self.request.build_absolute_uri()
        return replace_query_param(url, self.cursor_query_param, cursor)

    def get_paginated_response(self, data) -> Response:
        return Response(
            {
                "next": self._link(self.page.next_cursor),
                "previous": self._link(self.page.previous_cursor),
                "results": data,
            }
        )

    def get_paginated_response_schema(self, schema: dict[str, Any]) -> dict[str, Any]:
        return {
            "type": "object",
            "required": ["results"],
            "properties": {
                "next": {"type": "string", "nullable": True, "format": "uri"},
                "previous": {"type": "string", "nullable": True, "format": "uri"},
                "results": schema,
            },
        }

    def get_schema_operation_parameters(self, view) -> list[dict[str, Any]]:
        return [
            {
                "name": self.cursor_query_param,
                "required": False,
                "in": "query",
                "description": "Opaque cursor from a previous page's next or previous link.",
                "schema": {"type": "string"},
            },
            {
                "name": self.page_size_query_param,
                "required": False,
                "in": "query",
                "description": f"Rows per page, 1 to {self.max_page_size}.",
                "schema": {"type": "integer"},
            },
        ]

    def first_page_link(self) -> str:
        return remove_query_param(self.request.build_absolute_uri(), self.cursor_query_param)


def exception_handler(exc, context):
    """DRF's handler, extended so model validation and integrity errors answer 400 with fields:
    a service's `ValidationError` becomes the API's field errors, nested rows as DRF nests them
    (`tawasul.core.errors.api_errors`)."""
    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(api_errors(exc))
    elif isinstance(exc, IntegrityError):
        exc = exceptions.ValidationError(
            {"non_field_errors": ["This change conflicts with an existing record."]}
        )
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()
    # Imported here: rest_framework.views reads the API settings, which name classes of this
    # module, when it is first imported (a cycle when this module is imported first).
    from rest_framework.views import exception_handler as drf_exception_handler

    return drf_exception_handler(exc, context)

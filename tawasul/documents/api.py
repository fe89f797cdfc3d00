"""REST API of attachments and notes: `/api/attachments/` and `/api/notes/`.

Lists hold only rows whose record the user may view (`selectors.documents_visible`,
`notes_visible`), filtered by `record_type` ("contacts.contact") and `record_id`. Files are
uploaded as multipart form data and downloaded from each version's `download_url` (the same
checked view as the pages).
"""

from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.exceptions import ValidationError as APIValidationError
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response

from tawasul.core.api import CleanCharField, CleanTextField, ModelSerializer, RestrictedViewSetMixin
from tawasul.core.cleaning import parse_id

from . import selectors, services
from .filtersets import DocumentFilterSet, NoteFilterSet
from .models import Document, DocumentVersion, Note
from .views import file_response

NO_RECORD = "No record of this kind with this key is visible to you."


def _parent(request, data: dict) -> Any:
    """The record named by `record_type` and `record_id`, if the user may view it."""
    try:
        return selectors.parent_or_404(request.user, data["record_type"], data["record_id"])
    except Http404:
        raise APIValidationError({"record_id": [NO_RECORD]}) from None


class VersionSerializer(ModelSerializer):
    download_url = serializers.SerializerMethodField()

    class Meta:
        model = DocumentVersion
        fields = [
            "id",
            "number",
            "original_name",
            "size",
            "media_type",
            "sha256",
            "uploaded_by",
            "uploaded_at",
            "download_url",
        ]

    @extend_schema_field(serializers.URLField())
    def get_download_url(self, version) -> str:
        url = reverse("attachment-download", args=[version.document_id])
        url += f"?version={version.number}"
        request = self.context.get("request")
        return request.build_absolute_uri(url) if request else url


class DocumentSerializer(ModelSerializer):
    record_type = CleanCharField(max_length=100, write_only=True)
    record_id = serializers.IntegerField(min_value=1, max_value=10**18 - 1, write_only=True)
    record = serializers.SerializerMethodField()
    file = serializers.FileField(write_only=True)
    versions = VersionSerializer(many=True, read_only=True)
    download_url = serializers.SerializerMethodField()

    class Meta:
        model = Document
        fields = [
            "id",
            "record_type",
            "record_id",
            "record",
            "title",
            "file",
            "file_name",
            "size",
            "media_type",
            "version_count",
            "created_by",
            "created_at",
            "download_url",
            "versions",
        ]
        read_only_fields = [
            "file_name",
            "size",
            "media_type",
            "version_count",
            "created_by",
            "created_at",
        ]

    @extend_schema_field(
        {
            "type": "object",
            "properties": {"type": {"type": "string"}, "id": {"type": "integer"}},
        }
    )
    def get_record(self, document) -> dict:
        return {
            "type": document.content_type.model_class()._meta.label_lower,
            "id": document.object_id,
        }

    @extend_schema_field(serializers.URLField())
    def get_download_url(self, document) -> str:
        url = reverse("attachment-download", args=[document.pk])
        request = self.context.get("request")
        return request.build_absolute_uri(url) if request else url


class NewVersionSerializer(serializers.Serializer):
    file = serializers.FileField()


class DocumentViewSet(
    RestrictedViewSetMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    """Files attached to records the user may view; upload (multipart), new versions, delete."""

    queryset = Document.objects.select_related("content_type").prefetch_related("versions")
    serializer_class = DocumentSerializer
    filterset_class = DocumentFilterSet
    parser_classes = [MultiPartParser, FormParser]
    ordering_fields = ["created_at", "id"]
    ordering = "-created_at"

    def get_queryset(self):
        visible = selectors.documents_visible(user=self.request.user).values("pk")
        return super().get_queryset().filter(pk__in=visible)

    def perform_create(self, serializer):
        data = serializer.validated_data
        record = _parent(self.request, data)
        try:
            document = services.attachment_add(
                actor=self.request.user,
                record=record,
                upload=data["file"],
                title=data.get("title", ""),
            )
        except PermissionDenied:
            raise APIValidationError(
                {"record_id": ["You may not add files to this record."]}
            ) from None
        serializer.instance = self.queryset.get(pk=document.pk)

    def perform_destroy(self, instance):
        try:
            services.attachment_delete(actor=self.request.user, document=instance)
        except PermissionDenied:
            raise Http404 from None

    @extend_schema(
        request={"multipart/form-data": NewVersionSerializer}, responses=VersionSerializer
    )
    @action(detail=True, methods=["post"], serializer_class=NewVersionSerializer)
    def versions(self, request, pk=None):
        """Upload a new version of the file; it becomes the current one."""
        document = self.get_object()
        serializer = NewVersionSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            version = services.attachment_add_version(
                actor=request.user, document=document, upload=serializer.validated_data["file"]
            )
        except PermissionDenied:
            raise Http404 from None
        return Response(VersionSerializer(version, context={"request": request}).data, status=201)

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "version", int, description="The version's number (default: the current one)."
            )
        ],
        responses={(200, "*/*"): OpenApiTypes.BINARY},
    )
    @action(detail=True, methods=["get"])
    def download(self, request, pk=None):
        """The file (the current version, or `?version=<number>`), decrypted, as a download."""
        document = self.get_object()
        number = (
            parse_id(request.query_params.get("version", ""))
            if "version" in (request.query_params)
            else document.version_count
        )
        version = document.versions.filter(number=number or 0).first()
        if version is None:
            raise NotFound()
        return file_response(version)


class NoteSerializer(ModelSerializer):
    record_type = CleanCharField(max_length=100, write_only=True)
    record_id = serializers.IntegerField(min_value=1, max_value=10**18 - 1, write_only=True)
    record = serializers.SerializerMethodField()
    body = CleanTextField(max_length=services.NOTE_LIMIT)

    class Meta:
        model = Note
        fields = [
            "id",
            "record_type",
            "record_id",
            "record",
            "body",
            "author",
            "created_at",
            "edited_at",
        ]
        read_only_fields = ["author", "created_at", "edited_at"]

    @extend_schema_field(
        {
            "type": "object",
            "properties": {"type": {"type": "string"}, "id": {"type": "integer"}},
        }
    )
    def get_record(self, note) -> dict:
        return {"type": note.content_type.model_class()._meta.label_lower, "id": note.object_id}

    def get_fields(self):
        fields = super().get_fields()
        if self.instance is not None and not isinstance(self.instance, list | tuple):
            # A note stays on its record: only the text changes.
            for name in ("record_type", "record_id"):
                fields[name].required = False
                fields[name].read_only = True
        return fields


class NoteViewSet(
    RestrictedViewSetMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    """Notes on records the user may view; authors edit and delete their own."""

    queryset = Note.objects.select_related("content_type")
    serializer_class = NoteSerializer
    filterset_class = NoteFilterSet
    ordering_fields = ["created_at", "id"]
    ordering = "-created_at"
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    @property
    def access_action(self) -> str | None:
        # An author edits and deletes their own note without `change_note`/`delete_note`: the
        # service decides (`services.can_edit_note`); the row must be one the user may view.
        request = getattr(self, "request", None)
        return "view" if request is not None and request.method in ("PATCH", "DELETE") else None

    def get_queryset(self):
        visible = selectors.notes_visible(user=self.request.user).values("pk")
        return super().get_queryset().filter(pk__in=visible)

    def perform_create(self, serializer):
        data = serializer.validated_data
        record = _parent(self.request, data)
        try:
            note = services.note_add(actor=self.request.user, record=record, body=data["body"])
        except PermissionDenied:
            raise APIValidationError(
                {"record_id": ["You may not add notes to this record."]}
            ) from None
        serializer.instance = self.queryset.get(pk=note.pk)

    def perform_update(self, serializer):
        body = serializer.validated_data.get("body", serializer.instance.body)
        try:
            services.note_edit(actor=self.request.user, note=serializer.instance, body=body)
        except PermissionDenied:
            raise Http404 from None
        serializer.instance = self.queryset.get(pk=serializer.instance.pk)

    def perform_destroy(self, instance):
        try:
            services.note_delete(actor=self.request.user, note=instance)
        except PermissionDenied:
            raise Http404 from None


def register(router) -> None:
    router.register("attachments", DocumentViewSet, basename="attachment")
    router.register("notes", NoteViewSet, basename="note")

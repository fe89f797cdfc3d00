"""API of the notifications area: `/api/notifications/` (the caller's own, with `read` and
`read-all`) and `/api/internal-messages/` (conversations the caller takes part in, with their
messages; start one; `reply`)."""

from django.db.models import Prefetch
from django.http import Http404
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from tawasul.core.api import CleanCharField, CleanTextField, RestrictedViewSetMixin
from tawasul.core.cleaning import parse_id

from .models import InternalMessage, MessageThread, Notification, ThreadParticipant
from .notifications_filtersets import MessageThreadFilterSet, NotificationFilterSet
from .notifications_selectors import (
    notification_queryset,
    notifications_shown,
    thread_queryset,
)
from .notifications_services import (
    BODY_MAX,
    SUBJECT_MAX,
    message_reply,
    message_thread_start,
    notification_mark_all_read,
    notification_mark_read,
)


class SubjectSerializer(serializers.Serializer):
    label = serializers.CharField()  # type: ignore[assignment]  # a field named "label"
    url = serializers.CharField()
    hidden = serializers.BooleanField()


class NotificationSerializer(serializers.Serializer):
    """A notification as the caller may see it now (`notifications_selectors.shown_one`): a
    record hidden from them is never named, in the subject, the title or the body."""

    id = serializers.IntegerField(source="pk")
    kind = serializers.CharField(source="notification.kind")
    kind_label = serializers.CharField()
    title = serializers.CharField()
    body = serializers.CharField()
    url = serializers.CharField()
    subject = SubjectSerializer()
    created_at = serializers.DateTimeField(source="notification.created_at")
    read_at = serializers.DateTimeField(source="notification.read_at", allow_null=True)


class NotificationViewSet(RestrictedViewSetMixin, viewsets.ReadOnlyModelViewSet):
    queryset = Notification.objects.all()
    serializer_class = NotificationSerializer
    filterset_class = NotificationFilterSet
    ordering_fields = ["created_at"]
    ordering = ["-created_at"]

    @property
    def access_action(self):
        # Marking read changes the caller's own rows: the "change" permission, not "add".
        return "change" if getattr(self, "action", None) in ("read", "read_all") else None

    def get_queryset(self):
        user = self.request.user
        return notification_queryset(user, "change" if self.access_action else "view")

    def list(self, request, *args, **kwargs):
        queryset = self.filter_queryset(self.get_queryset())
        page = self.paginate_queryset(queryset)
        rows = notifications_shown(request.user, page)
        return self.get_paginated_response(self.get_serializer(rows, many=True).data)

    def retrieve(self, request, *args, **kwargs):
        item = notifications_shown(request.user, [self.get_object()])[0]
        return Response(self.get_serializer(item).data)

    @extend_schema(request=None)
    @action(detail=True, methods=["post"])
    def read(self, request, pk=None):
        """Mark this notification read."""
        notification = self.get_object()
        notification_mark_read(actor=request.user, notification_ids=[notification.pk])
        notification.refresh_from_db(fields=["read_at"])
        item = notifications_shown(request.user, [notification])[0]
        return Response(self.get_serializer(item).data)

    @extend_schema(
        request=None,
        responses=inline_serializer("ReadAll", {"marked": serializers.IntegerField()}),
    )
    @action(detail=False, methods=["post"], url_path="read-all")
    def read_all(self, request):
        """Mark every unread notification of the caller read."""
        return Response({"marked": notification_mark_all_read(actor=request.user)})


class MessageSerializer(serializers.ModelSerializer):
    class Meta:
        model = InternalMessage
        fields = ["id", "sender", "body", "created_at"]


class ParticipantSerializer(serializers.ModelSerializer):
    class Meta:
        model = ThreadParticipant
        fields = ["user", "last_read_at"]


class ThreadSerializer(serializers.ModelSerializer):
    unread = serializers.BooleanField(read_only=True)
    participants = ParticipantSerializer(many=True, read_only=True)
    messages = MessageSerializer(many=True, read_only=True)

    class Meta:
        model = MessageThread
        fields = [
            "id",
            "subject",
            "started_by",
            "created_at",
            "last_message_at",
            "unread",
            "participants",
            "messages",
        ]


class ThreadCreateSerializer(serializers.Serializer):
    recipients = serializers.ListField(child=serializers.IntegerField(), allow_empty=False)
    subject = CleanCharField(max_length=SUBJECT_MAX)
    body = CleanTextField(max_length=BODY_MAX)


class ReplySerializer(serializers.Serializer):
    body = CleanTextField(max_length=BODY_MAX)


class InternalMessageViewSet(
    RestrictedViewSetMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """Conversations the caller takes part in (a conversation of others answers 404)."""

    queryset = MessageThread.objects.all()
    serializer_class = ThreadSerializer
    filterset_class = MessageThreadFilterSet
    ordering_fields = ["last_message_at"]
    ordering = ["-last_message_at"]

    @property
    def access_action(self):
        # A reply needs the conversation in view (the service checks the message permission).
        return "view" if getattr(self, "action", None) == "reply" else None

    def get_queryset(self):
        return thread_queryset(self.request.user).prefetch_related(
            Prefetch("participants", queryset=ThreadParticipant.objects.order_by("user_id")),
            Prefetch("messages", queryset=InternalMessage.objects.order_by("created_at", "id")),
        )

    def get_object(self):
        if parse_id(self.kwargs.get("pk")) is None:
            raise Http404
        return super().get_object()

    @extend_schema(request=ThreadCreateSerializer, responses={201: ThreadSerializer})
    def create(self, request, *args, **kwargs):
        """Start a conversation: `recipients` (user ids of colleagues), `subject`, `body`."""
        data = ThreadCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        thread = message_thread_start(
            actor=request.user,
            recipients=data.validated_data["recipients"],
            subject=data.validated_data["subject"],
            body=data.validated_data["body"],
        )
        thread = self.get_queryset().get(pk=thread.pk)
        return Response(self.get_serializer(thread).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=ReplySerializer, responses={201: MessageSerializer})
    @action(detail=True, methods=["post"])
    def reply(self, request, pk=None):
        """Add a message to this conversation."""
        thread = self.get_object()
        data = ReplySerializer(data=request.data)
        data.is_valid(raise_exception=True)
        message = message_reply(
            actor=request.user, thread_id=thread.pk, body=data.validated_data["body"]
        )
        return Response(MessageSerializer(message).data, status=status.HTTP_201_CREATED)


def register(router) -> None:
    router.register("notifications", NotificationViewSet, basename="notification")
    router.register("internal-messages", InternalMessageViewSet, basename="internal-message")

"""The API's token endpoints: sign in for a new token, list one's tokens, revoke them.

POST   /api/auth/token/            username + password (+ otp, + name) -> a NEW token, shown once
GET    /api/auth/tokens/           one's own tokens (never their keys)
DELETE /api/auth/tokens/<id>/      revoke one of one's tokens
DELETE /api/auth/tokens/current/   revoke the token this request was made with (sign out)
"""

from axes.utils import reset as axes_reset
from django.contrib.auth import authenticate
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from tawasul.core.auth_views import lockout_response

from .accounts import IsStaffUser, is_portal_user
from .mfa import count_failure, mfa_enabled, mfa_enrolment_missing, verify_code
from .models import ApiToken
from .tokens import (
    NAME_MAX_LENGTH,
    ApiTokenAuthentication,
    api_token_create,
    api_token_revoke,
    api_tokens_of,
    token_expiry,
)


class ApiTokenSerializer(serializers.ModelSerializer):
    """A token as its owner sees it: never its key, which only its creation answer carries."""

    expires_at = serializers.SerializerMethodField()

    class Meta:
        model = ApiToken
        fields = ["id", "name", "prefix", "created_at", "last_used_at", "expires_at"]
        read_only_fields = fields

    @extend_schema_field(OpenApiTypes.DATETIME)
    def get_expires_at(self, token):
        expiry = token_expiry(token)
        return serializers.DateTimeField().to_representation(expiry) if expiry else None


class SignInSerializer(serializers.Serializer):
    username = serializers.CharField(max_length=150)
    password = serializers.CharField(max_length=4096, trim_whitespace=False)
    otp = serializers.CharField(
        max_length=32,
        required=False,
        allow_blank=True,
        help_text=_(
            "For accounts with two-factor authentication: the code the authenticator app shows, "
            "or one of the recovery codes. Without it such an account gets a 400 answer with an "
            "error on this field."
        ),
    )
    name = serializers.CharField(
        max_length=NAME_MAX_LENGTH,
        required=False,
        allow_blank=True,
        help_text=_("A label to recognise the token by in your list of tokens."),
    )


class NewTokenSerializer(ApiTokenSerializer):
    token = serializers.CharField(
        source="key", help_text=_("The key: shown this once, never again.")
    )

    class Meta(ApiTokenSerializer.Meta):
        fields = ["token", *ApiTokenSerializer.Meta.fields]
        read_only_fields = fields


class ObtainTokenView(APIView):
    """Exchange a username and password for a new API token (each call makes another one).

    Failures count towards the sign-in lockout of that user name from this address, as on the
    sign-in page. Portal accounts get no token: the portal offers no API.
    """

    permission_classes = [AllowAny]
    authentication_classes: list = []
    throttle_classes: list = []

    @extend_schema(request=SignInSerializer, responses={200: NewTokenSerializer})
    def post(self, request):
        data = SignInSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        username = data.validated_data["username"]
        # Django's own request, so that django-axes sees (and flags) the attempt as on the
        # sign-in page.
        django_request = request._request
        user = authenticate(
            django_request, username=username, password=data.validated_data["password"]
        )
        # A portal account gets the same answer as a wrong password: a different one would tell
        # whoever guesses that the name is a portal account and the password is right.
        if user is None or is_portal_user(user):
            if getattr(django_request, "axes_locked_out", False):
                return lockout_response(django_request)
            return Response(
                {"non_field_errors": [_("Unable to sign in with the given credentials.")]},
                status=status.HTTP_400_BAD_REQUEST,
            )
        refused = self._second_factor(django_request, user, username, data.validated_data)
        if refused is not None:
            return refused
        address = getattr(django_request, "axes_ip_address", None)
        if address:  # as a sign-in on the page does: this user name from this address only
            axes_reset(ip=address, username=username)
        try:
            token, key = api_token_create(actor=user, name=data.validated_data.get("name", ""))
        except ValidationError as exc:
            return Response({"non_field_errors": exc.messages}, status=400)
        token.key = key  # in this answer only; never stored
        return Response(NewTokenSerializer(token).data)

    @staticmethod
    def _second_factor(django_request, user, username: str, data: dict):
        """None when `user` may have a token; else the answer: the code is missing or wrong
        (wrong codes count towards the lockout, as on the sign-in page), or an administrator
        must set up two-factor authentication first."""
        if not mfa_enabled(user):
            if mfa_enrolment_missing(user):
                return Response(
                    {"detail": _("Set up two-factor authentication before using the API.")},
                    status=status.HTTP_403_FORBIDDEN,
                )
            return None
        otp = data.get("otp", "")
        if not otp.strip():
            return Response(
                {"otp": [_("This account uses two-factor authentication: send its code.")]},
                status=status.HTTP_400_BAD_REQUEST,
            )
        if verify_code(user, otp) is None:
            count_failure(django_request, username)
            if getattr(django_request, "axes_locked_out", False):
                return lockout_response(django_request)
            return Response(
                {"otp": [_("That code is not right.")]}, status=status.HTTP_400_BAD_REQUEST
            )
        return None


class TokenListView(APIView):
    """The signed-in user's API tokens, newest first."""

    permission_classes = [IsStaffUser]

    @extend_schema(responses={200: ApiTokenSerializer(many=True)})
    def get(self, request):
        return Response(ApiTokenSerializer(api_tokens_of(request.user), many=True).data)


class TokenDetailView(APIView):
    """One of the signed-in user's tokens; DELETE revokes it."""

    permission_classes = [IsStaffUser]

    def _token(self, request, pk) -> ApiToken:
        token = api_tokens_of(request.user).filter(pk=pk).first()
        if token is None:
            raise Http404
        return token

    @extend_schema(responses={200: ApiTokenSerializer})
    def get(self, request, pk: int):
        return Response(ApiTokenSerializer(self._token(request, pk)).data)

    @extend_schema(responses={204: None})
    def delete(self, request, pk: int):
        try:
            api_token_revoke(actor=request.user, token=self._token(request, pk))
        except PermissionDenied:
            raise Http404
        return Response(status=status.HTTP_204_NO_CONTENT)


class CurrentTokenView(APIView):
    """DELETE revokes the token this request carries: an API client's sign-out."""

    permission_classes = [IsStaffUser]
    authentication_classes = [ApiTokenAuthentication]

    @extend_schema(responses={204: None})
    def delete(self, request):
        api_token_revoke(actor=request.user, token=request.auth)
        return Response(status=status.HTTP_204_NO_CONTENT)

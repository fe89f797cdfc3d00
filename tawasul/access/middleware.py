"""Request-wide access plumbing: the current request for audit rows, portal isolation, 403 log."""

from django.http import Http404, HttpResponseRedirect, JsonResponse

from .accounts import is_portal_user
from .audit import log_denial
from .current import REQUEST, current_request  # noqa: F401  (re-exported)

# The only paths a portal account may reach; everything else answers 404.
PORTAL_PATHS = ("/portal/", "/accounts/", "/i18n/", "/static/", "/preferences/")


class AccessMiddleware:
    """Keep portal accounts inside the portal and log refused (403) requests."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = REQUEST.set(request)
        try:
            refused = self._portal_gate(request)
            if refused is not None:
                return refused
            response = self.get_response(request)
        finally:
            REQUEST.reset(token)
        if (
            response.status_code == 403
            and getattr(request, "user", None)
            and request.user.is_authenticated
        ):
            match = getattr(request, "resolver_match", None)
            log_denial(
                user=request.user,
                model=match.view_name if match else "",
                request=request,
                status=403,
            )
        return response

    def _portal_gate(self, request):
        # Any portal account, even a deactivated one, is kept out of the staff side (the
        # sign-in backend already ends such sessions; this never lets one through as staff).
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated or not is_portal_user(user):
            return None
        path = request.path
        if path == "/":
            return HttpResponseRedirect("/portal/")
        if path.startswith(PORTAL_PATHS):
            return None
        if path.startswith("/api/"):
            return JsonResponse({"detail": "Not found."}, status=404)
        raise Http404("Not found")

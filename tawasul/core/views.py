"""Pages of the frame: home dashboard, global search, user preferences."""

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.shortcuts import redirect
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.generic import FormView, TemplateView

from .dashboard import widgets_for
from .forms import PreferencesForm
from .http import safe_next
from .middleware import SESSION_LANGUAGE, SESSION_TIMEZONE
from .search import providers
from .services import user_preference_save


class HomeView(LoginRequiredMixin, TemplateView):
    """The signed-in user's dashboard; modules add widgets through `dashboard_widgets`."""

    template_name = "core/home.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["widgets"] = widgets_for(self.request.user)
        return ctx


class GlobalSearchView(LoginRequiredMixin, TemplateView):
    """Search every registered kind of record the user may see; grouped by kind."""

    template_name = "core/search.html"

    def get_template_names(self):
        if self.request.htmx:
            return ["core/_search_results.html"]
        return [self.template_name]

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        query = self.request.GET.get("q", "").strip()[:100]
        limit = 5 if self.request.htmx else 25
        groups = []
        if query:
            for provider in providers().values():
                hits = provider.search(self.request.user, query, limit)
                groups.append(
                    {
                        "label": provider.label,
                        "icon": provider.icon,
                        "hits": hits,
                        "more_url": provider.more_url(query),
                    }
                )
        ctx.update(query=query, groups=groups)
        return ctx


class PreferencesView(LoginRequiredMixin, FormView):
    """Language and time zone of the signed-in user."""

    template_name = "core/preferences.html"
    form_class = PreferencesForm

    def get_initial(self):
        pref = getattr(self.request.user, "preference", None)
        if pref is None:
            return {"language": self.request.LANGUAGE_CODE}
        return {"language": pref.language, "timezone": pref.timezone}

    def form_valid(self, form):
        language = form.cleaned_data["language"]
        # The language switch in the user menu sends only the language.
        tz = form.cleaned_data["timezone"] if "timezone" in self.request.POST else None
        tz = user_preference_save(user=self.request.user, language=language, timezone=tz).timezone
        self.request.session[SESSION_LANGUAGE] = language
        if tz:
            self.request.session[SESSION_TIMEZONE] = tz
        else:
            self.request.session.pop(SESSION_TIMEZONE, None)
        translation.activate(language)
        messages.success(self.request, _("Preferences saved."))
        response = redirect(safe_next(self.request, "preferences"))
        response.set_cookie("django_language", language, samesite="Lax")
        return response

"""Sign-in with a second factor, and the two-factor page (under /accounts/)."""

from django.urls import path

from . import mfa_views

urlpatterns = [
    path("login/", mfa_views.SignInView.as_view(), name="login"),
    path("login/code/", mfa_views.SignInCodeView.as_view(), name="login_code"),
    path("two-factor/", mfa_views.TwoFactorView.as_view(), name="mfa_overview"),
    path("two-factor/set-up/", mfa_views.TwoFactorSetupView.as_view(), name="mfa_setup"),
    path(
        "two-factor/recovery-codes/",
        mfa_views.RecoveryCodesRenewView.as_view(),
        name="mfa_recovery_codes",
    ),
    path("two-factor/turn-off/", mfa_views.TwoFactorDisableView.as_view(), name="mfa_disable"),
]

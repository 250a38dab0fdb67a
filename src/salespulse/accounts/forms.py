from __future__ import annotations

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _

from salespulse.accounts import throttle


class SignInForm(AuthenticationForm):
    """Django's sign-in form with clearer messages and a per-username failure limit."""

    error_messages = {
        "invalid_login": _(
            "The username or password is incorrect. "
            "Check both and try again; the password is case-sensitive."
        ),
        "inactive": _("This account is disabled. Ask your administrator to enable it."),
        "locked": _(
            "Too many failed sign-ins for %(username)s. Wait %(minutes)s minutes and try again, "
            "or ask your administrator to reset the password."
        ),
    }

    def clean(self):
        username = self.cleaned_data.get("username") or ""
        if username and throttle.is_locked(username):
            raise forms.ValidationError(
                self.error_messages["locked"],
                code="locked",
                params={"username": username, "minutes": throttle.LOCKOUT_SECONDS // 60},
            )
        try:
            cleaned = super().clean()
        except forms.ValidationError:
            if username:
                throttle.record_failure(username)
            raise
        throttle.reset(username)
        return cleaned

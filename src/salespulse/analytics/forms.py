"""The home page's period picker."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.utils.translation import gettext_lazy as _

from salespulse.accounts.models import User
from salespulse.analytics.selectors import Period, PeriodPreset, default_period, period_for_preset

# Maximum length of a custom period, so one request cannot ask for centuries of year buckets.
MAX_PERIOD_DAYS = 366 * 12


class PeriodForm(forms.Form):
    preset = forms.ChoiceField(
        label=_("Period"), choices=PeriodPreset.choices, required=False, initial=PeriodPreset.RECENT
    )
    start = forms.DateField(label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("start"), cleaned.get("end")
        if start and end:
            if start > end:
                raise forms.ValidationError(
                    _("The start date %(start)s is after the end date %(end)s."),
                    params={"start": start.isoformat(), "end": end.isoformat()},
                )
            if (end - start).days > MAX_PERIOD_DAYS:
                raise forms.ValidationError(_("Choose a period of at most 12 years."))
        return cleaned

    def period(self, user: User, today: dt.date) -> Period:
        """Return the chosen period: custom dates win over the preset; invalid input gives the default."""
        if not self.is_bound or not self.is_valid():
            return default_period(user, today)
        start, end = self.cleaned_data.get("start"), self.cleaned_data.get("end")
        if start and end:
            return Period(start, end)
        return period_for_preset(user, self.cleaned_data.get("preset") or PeriodPreset.RECENT, today)

"""Forms of the rebate calculator, the finance list and the reversal dialog.

Amounts are typed as text and parsed with ``imports.normalize.parse_amount``, so
"12.5万", "¥500,000" and full-width digits work; a value is never read as a float.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from salespulse.imports.normalize import ValueProblem, parse_amount
from salespulse.rebates.models import MONEY, ConfirmationStatus, RebateAgreement

MAX_PAYMENTS = 20


class PaymentsWidget(forms.Widget):
    """Widget that reads every ``payment`` input of the form; the template renders the inputs itself."""

    def value_from_datadict(self, data, files, name):
        if hasattr(data, "getlist"):
            return data.getlist(name)
        value = data.get(name)
        if isinstance(value, list):
            return value
        return [value] if value else []


class PaymentsField(forms.Field):
    """One or more payment amounts; blank inputs are skipped, the rest must all parse."""

    widget = PaymentsWidget

    def to_python(self, value) -> list[Decimal]:
        texts = [str(text).strip() for text in (value or []) if str(text or "").strip()]
        if len(texts) > MAX_PAYMENTS:
            raise forms.ValidationError(
                _("Enter at most %(count)s payments; add larger ones together first.") % {"count": MAX_PAYMENTS}
            )
        amounts = []
        for text in texts:
            try:
                amounts.append(
                    parse_amount(text, max_digits=MONEY["max_digits"], allow_negative=False)
                )
            except ValueProblem as problem:
                raise forms.ValidationError(
                    _(
                        "The payment %(value)s is not a valid amount: %(problem)s "
                        "Enter an amount such as 125000 or 12.5万."
                    )
                    % {"value": text, "problem": problem.message}
                ) from problem
        return amounts

    def validate(self, value: list[Decimal]) -> None:
        if self.required and not value:
            raise forms.ValidationError(_("Enter the collected amount."))


def period_choices(period_kind: str, today: dt.date) -> list[tuple[str, str]]:
    """Return the current and the previous period as ``(start date ISO, label)`` choices.

    The previous period is offered because collections of a month are often confirmed
    in the first days of the next one.
    """
    from salespulse.rebates.calculation import period_bounds
    from salespulse.rebates.presenters import period_label

    current_start, _current_end = period_bounds(period_kind, today)
    previous_start, _previous_end = period_bounds(period_kind, current_start - dt.timedelta(days=1))
    return [
        (current_start.isoformat(), period_label(period_kind, current_start)),
        (previous_start.isoformat(), period_label(period_kind, previous_start)),
    ]


class QuoteForm(forms.Form):
    """Products, period and payments for one agreement; the customer and agreement come from the URL."""

    # Optional while quoting; ``confirm`` requires at least one product.
    products = forms.ModelMultipleChoiceField(
        label=gettext_lazy("Products collected in this period"),
        queryset=None,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    period = forms.ChoiceField(label=gettext_lazy("Period"))
    payment = PaymentsField(label=gettext_lazy("Collected amount"))

    def __init__(self, agreement: RebateAgreement, today: dt.date, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["products"].queryset = agreement.products.order_by("code")
        self.fields["period"].choices = period_choices(agreement.period_kind, today)
        self.fields["period"].initial = self.fields["period"].choices[0][0]

    def clean_period(self) -> dt.date:
        return dt.date.fromisoformat(self.cleaned_data["period"])


class FinanceFilterForm(forms.Form):
    """Filters of the finance list; every field is optional."""

    number = forms.CharField(label=gettext_lazy("Number"), required=False, max_length=32)
    customer = forms.CharField(label=gettext_lazy("Customer"), required=False, max_length=80)
    status = forms.ChoiceField(
        label=gettext_lazy("Status"),
        required=False,
        choices=[("", gettext_lazy("All statuses")), *ConfirmationStatus.choices],
    )
    date_from = forms.DateField(
        label=gettext_lazy("Confirmed from"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(
        label=gettext_lazy("Confirmed to"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("date_from"), cleaned.get("date_to")
        if start and end and end < start:
            self.add_error(
                "date_to",
                _("The end date %(end)s is before the start date %(start)s. Pick a later end date.")
                % {"end": end.isoformat(), "start": start.isoformat()},
            )
        return cleaned


class ReverseForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("Reason for the reversal"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": gettext_lazy("Write why the document is reversed.")},
    )


class VerifyForm(forms.Form):
    code = forms.CharField(
        label=gettext_lazy("Verification code"),
        max_length=32,
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "characters"}),
        error_messages={"required": gettext_lazy("Enter the verification code printed on the document.")},
    )

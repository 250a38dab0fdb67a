"""Forms of the quick-capture page and the signal list."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.utils.translation import gettext_lazy as _

from salespulse.accounts.models import User
from salespulse.crm.models import InteractionChannel
from salespulse.pipeline.models import ObjectionCategory
from salespulse.signals import selectors
from salespulse.signals.models import CaptureDraft, SignalStatus, TagDefinition
from salespulse.signals.services_capture import MAX_SNIPPET_CHARS

DATETIME_LOCAL = "%Y-%m-%dT%H:%M"


class SnippetForm(forms.Form):
    text = forms.CharField(
        label=_("Chat snippet or quote"),
        max_length=MAX_SNIPPET_CHARS,
        widget=forms.Textarea(attrs={"rows": 7, "autofocus": True, "placeholder": _("Paste the copied messages here")}),
    )


class CustomerChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        return obj.name


class OpportunityChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        return f"{obj.customer.name if obj.customer else ''} · {obj.name}"


class CaptureConfirmForm(forms.Form):
    """The pre-filled record; the action comes from the button the rep taps."""

    draft = forms.IntegerField(widget=forms.HiddenInput)
    customer = CustomerChoiceField(
        label=_("Customer"), queryset=None, required=False, empty_label=_("No match: create a pending lead")
    )
    opportunity = OpportunityChoiceField(
        label=_("Opportunity"), queryset=None, required=False, empty_label=_("None")
    )
    nickname = forms.CharField(label=_("Counterpart"), max_length=200, required=False)
    occurred_at = forms.DateTimeField(
        label=_("Time"),
        input_formats=[DATETIME_LOCAL, "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format=DATETIME_LOCAL),
    )
    channel = forms.ChoiceField(label=_("Channel"), choices=InteractionChannel.choices)
    inbound = forms.TypedChoiceField(
        label=_("Who wrote it"),
        choices=[("1", _("The customer")), ("0", _("I did"))],
        coerce=lambda value: value == "1",
    )
    text = forms.CharField(label=_("Text"), max_length=MAX_SNIPPET_CHARS, widget=forms.Textarea(attrs={"rows": 4}))
    objection_category = forms.ChoiceField(
        label=_("Objection category"), choices=ObjectionCategory.choices, required=False
    )

    def __init__(self, user: User, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["customer"].queryset = selectors.capture_customers(user)
        self.fields["opportunity"].queryset = selectors.capture_opportunities(user)

    @classmethod
    def initial_from(cls, user: User, draft: CaptureDraft) -> CaptureConfirmForm:
        extracted = draft.extracted
        occurred_at = dt.datetime.fromisoformat(extracted["occurred_at"])
        from salespulse.core.timeutil import to_local

        return cls(
            user,
            initial={
                "draft": draft.pk,
                "customer": extracted.get("customer_id"),
                "opportunity": extracted.get("opportunity_id"),
                "nickname": extracted.get("nickname", ""),
                "occurred_at": to_local(occurred_at).replace(tzinfo=None, second=0, microsecond=0),
                "channel": extracted.get("channel") or InteractionChannel.WECHAT,
                "inbound": "1" if extracted.get("inbound", True) else "0",
                "text": extracted.get("text") or draft.raw_text,
                "objection_category": extracted.get("objection_category") or ObjectionCategory.OTHER,
            },
        )


class SignalFilterForm(forms.Form):
    tag = forms.ChoiceField(label=_("Tag"), required=False)
    status = forms.ChoiceField(
        label=_("Review"), required=False, choices=[("", _("Not rejected")), *SignalStatus.choices]
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        names = selectors.tag_names()
        self.fields["tag"].choices = [("", _("All tags")), *((code, name) for code, name in names.items())]

    def to_filter(self) -> selectors.SignalFilter:
        data = self.cleaned_data if self.is_bound and self.is_valid() else {}
        return selectors.SignalFilter(tag=data.get("tag", ""), status=data.get("status", ""))


class MissedTagForm(forms.Form):
    tag = forms.ModelChoiceField(
        label=_("Missed tag"), queryset=TagDefinition.objects.filter(enabled=True), to_field_name="code"
    )
    evidence = forms.CharField(label=_("Evidence (optional)"), max_length=300, required=False)

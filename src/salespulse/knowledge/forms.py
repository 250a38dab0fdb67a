from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from salespulse.core.templatetags.display import localized_name
from salespulse.crm.models import ProductLine
from salespulse.knowledge.models import TalkTrackStatus
from salespulse.knowledge.services import TITLE_MAX_LENGTH
from salespulse.pipeline.models import ObjectionCategory


class ProductLineField(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        return localized_name(obj)


class PlaybookSearchForm(forms.Form):
    q = forms.CharField(
        label=_("Search"),
        required=False,
        max_length=100,
        widget=forms.TextInput(attrs={"type": "search", "placeholder": _("e.g. LIS interface, too expensive, budget")}),
    )
    category = forms.ChoiceField(
        label=_("Category"), required=False, choices=[("", _("All")), *ObjectionCategory.choices]
    )


class TalkTrackForm(forms.Form):
    category = forms.ChoiceField(label=_("Category"), choices=ObjectionCategory.choices)
    title = forms.CharField(label=_("Title"), max_length=TITLE_MAX_LENGTH)
    objection_text = forms.CharField(
        label=_("Customer's words"),
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("What customers say, in their words; recommendations match new objections against it."),
    )
    response = forms.CharField(label=_("Response script"), widget=forms.Textarea(attrs={"rows": 6}))
    product_line = ProductLineField(
        ProductLine.objects.all(), label=_("Product line"), required=False, empty_label=_("All product lines")
    )
    status = forms.ChoiceField(label=_("Status"), choices=TalkTrackStatus.choices)


class PromoteForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=TITLE_MAX_LENGTH, required=False)

"""Forms of the tagger settings page (operations and administrators)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from salespulse.crm.models import InteractionChannel
from salespulse.signals.models import Speaker, TagDefinition


class TagForm(forms.Form):
    code = forms.SlugField(label=_("Code"), max_length=40)
    name = forms.CharField(label=_("Chinese name"), max_length=80)
    name_en = forms.CharField(label=_("English name"), max_length=80, required=False)
    description = forms.CharField(label=_("Definition"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    enabled = forms.BooleanField(label=_("Enabled"), required=False, initial=True)


class PhraseForm(forms.Form):
    tag = forms.ModelChoiceField(label=_("Tag"), queryset=TagDefinition.objects.all(), to_field_name="code")
    phrase = forms.CharField(label=_("Phrase"), max_length=120)
    blocks = forms.TypedChoiceField(
        label=_("Effect"),
        choices=[("0", _("Triggers the tag")), ("1", _("Suppresses the tag"))],
        coerce=lambda value: value == "1",
        initial="0",
    )


class CompetitorForm(forms.Form):
    name = forms.CharField(label=_("Competitor"), max_length=80)
    aliases = forms.CharField(
        label=_("Aliases"), required=False, max_length=1000,
        help_text=_("Separate aliases with commas, for example: 迈瑞医疗, Mindray"),
    )
    enabled = forms.BooleanField(label=_("Enabled"), required=False, initial=True)


class ExampleForm(forms.Form):
    text = forms.CharField(label=_("Text"), max_length=5000, widget=forms.Textarea(attrs={"rows": 2}))
    tags = forms.MultipleChoiceField(label=_("Tags"), required=False, widget=forms.CheckboxSelectMultiple)
    channel = forms.ChoiceField(label=_("Channel"), required=False, choices=[("", "—"), *InteractionChannel.choices])
    speaker = forms.ChoiceField(label=_("Speaker"), choices=Speaker.choices, initial=Speaker.CUSTOMER)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["tags"].choices = list(TagDefinition.objects.values_list("code", "name"))


class PreviewForm(forms.Form):
    text = forms.CharField(
        label=_("Try a message"), required=False, max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3, "placeholder": _("Type or paste a message to see its tags")}),
    )
    channel = forms.ChoiceField(label=_("Channel"), required=False, choices=[("", "—"), *InteractionChannel.choices])
    speaker = forms.ChoiceField(label=_("Speaker"), choices=Speaker.choices, initial=Speaker.CUSTOMER, required=False)

"""Forms of the campaign editor and the case upload page."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from salespulse.accounts.models import Region, Team
from salespulse.campaigns.models import Campaign, RepRank, Scene
from salespulse.crm.models import Channel, Product, ProductLine


class CampaignForm(forms.Form):
    product = forms.ModelChoiceField(label=_("Product"), queryset=Product.objects.all())
    name = forms.CharField(label=_("Name"), max_length=120)
    description = forms.CharField(label=_("Description"), widget=forms.Textarea(attrs={"rows": 4}), required=False)
    starts_on = forms.DateField(label=_("Starts on"), widget=forms.DateInput(attrs={"type": "date"}))
    ends_on = forms.DateField(label=_("Ends on"), widget=forms.DateInput(attrs={"type": "date"}))
    weekly_quota = forms.IntegerField(label=_("Cases per rep per week"), min_value=1, max_value=50, initial=1)
    regions = forms.ModelMultipleChoiceField(
        label=_("Regions"),
        queryset=Region.objects.all(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Leave empty for all regions."),
    )
    teams = forms.ModelMultipleChoiceField(
        label=_("Teams"),
        queryset=Team.objects.all(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Leave empty for all teams."),
    )
    ranks = forms.MultipleChoiceField(
        label=_("Rep ranks"),
        choices=RepRank.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Leave empty for all ranks. Reps without a recorded rank count as junior."),
    )
    scenes = forms.CharField(
        label=_("Scenes wanted"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("One scene per line, e.g. 科室主任拜访."),
    )

    @classmethod
    def initial_for(cls, campaign: Campaign) -> dict:
        return {
            "product": campaign.product_id,
            "name": campaign.name,
            "description": campaign.description,
            "starts_on": campaign.starts_on,
            "ends_on": campaign.ends_on,
            "weekly_quota": campaign.weekly_quota,
            "regions": list(campaign.regions.all()),
            "teams": list(campaign.teams.all()),
            "ranks": campaign.ranks,
            "scenes": "\n".join(scene.name for scene in campaign.scenes.all()),
        }


class CaseForm(forms.Form):
    video = forms.FileField(
        label=_("Video"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": "video/mp4,video/quicktime,video/webm,.mp4,.mov,.webm"}),
        help_text=_("MP4, MOV or WebM, checked by its content."),
    )
    script = forms.CharField(label=_("Script"), widget=forms.Textarea(attrs={"rows": 8}), required=False)
    scene = forms.ModelChoiceField(label=_("Scene"), queryset=Scene.objects.none(), required=False)
    product_lines = forms.ModelMultipleChoiceField(
        label=_("Product lines"),
        queryset=ProductLine.objects.all(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    channel = forms.ModelChoiceField(label=_("Customer channel"), queryset=Channel.objects.all(), required=False)
    upload_token = forms.UUIDField(required=False, widget=forms.HiddenInput)

    def __init__(self, campaign: Campaign, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        scenes = campaign.scenes.all()
        self.fields["scene"].queryset = scenes if scenes.exists() else Scene.objects.all()

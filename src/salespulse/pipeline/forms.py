from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from salespulse.accounts.models import Team, User
from salespulse.pipeline.selectors import KanbanFilter, kanban_filter_choices


class KanbanFilterForm(forms.Form):
    owner = forms.ModelChoiceField(
        User.objects.none(), label=_("Owner"), required=False, empty_label=_("All")
    )
    team = forms.ModelChoiceField(
        Team.objects.none(), label=_("Team"), required=False, empty_label=_("All")
    )

    def __init__(self, user: User, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        owners, teams = kanban_filter_choices(user)
        self.fields["owner"].queryset = owners
        self.fields["team"].queryset = teams

    def to_filter(self) -> KanbanFilter:
        owner = self.cleaned_data.get("owner")
        team = self.cleaned_data.get("team")
        return KanbanFilter(owner_id=owner.pk if owner else None, team_id=team.pk if team else None)


class MoveForm(forms.Form):
    """The kanban's move request: stage ids as the board showed them."""

    to_stage = forms.IntegerField()
    expected_stage = forms.IntegerField()
    reason = forms.CharField(required=False, max_length=500)

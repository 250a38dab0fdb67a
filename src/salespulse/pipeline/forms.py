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
    loss_reason = forms.CharField(required=False, max_length=16)


class IdListField(forms.Field):
    """Repeated ``ids`` parameters as a list of integers."""

    widget = forms.MultipleHiddenInput

    def to_python(self, value) -> list[int]:
        try:
            return [int(item) for item in value or []]
        except (TypeError, ValueError):
            raise forms.ValidationError(_("The selection contains an id that is not a number; reload the board."))


class BulkMoveForm(forms.Form):
    """The kanban's bulk change request: the selected cards and one target stage code.

    Ids the user may not see are not filtered here: ``bulk_move_opportunities`` reports them.
    """

    ids = IdListField(required=False)
    stage_code = forms.SlugField(max_length=40)
    reason = forms.CharField(required=False, max_length=500)

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from salespulse.accounts.models import Region, User
from salespulse.accounts.scopes import visible_users
from salespulse.core.templatetags.display import localized_name
from salespulse.crm.models import (
    Channel,
    Contact,
    Customer,
    CustomerTier,
    LossReason,
    Opportunity,
    ProductLine,
)
from salespulse.crm.selectors import CustomerFilter, CustomerKind, visible_customers
from salespulse.pipeline.models import DocumentType, ObjectionCategory, Stage


class LocalizedChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        return localized_name(obj)


class CustomerFilterForm(forms.Form):
    q = forms.CharField(
        label=_("Search"),
        required=False,
        max_length=100,
        widget=forms.TextInput(
            attrs={
                "type": "search",
                "placeholder": _("Name, short name, external id or contact phone"),
            }
        ),
    )
    channel = LocalizedChoiceField(
        Channel.objects.all(), label=_("Channel"), required=False, empty_label=_("All")
    )
    region = forms.ModelChoiceField(
        Region.objects.all(), label=_("Region"), required=False, empty_label=_("All")
    )
    owner = forms.ModelChoiceField(
        User.objects.none(), label=_("Owner"), required=False, empty_label=_("All")
    )
    tier = forms.ModelChoiceField(
        CustomerTier.objects.all(), label=_("Tier"), required=False, empty_label=_("All")
    )
    kind = forms.ChoiceField(
        label=_("New or repeat"), required=False, choices=[("", _("All")), *CustomerKind.choices]
    )

    def __init__(self, user: User, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = visible_users(user).order_by("display_name", "username")

    def to_filter(self) -> CustomerFilter:
        data = self.cleaned_data
        return CustomerFilter(
            query=data.get("q") or "",
            channel_id=data["channel"].pk if data.get("channel") else None,
            region_id=data["region"].pk if data.get("region") else None,
            owner_id=data["owner"].pk if data.get("owner") else None,
            tier_id=data["tier"].pk if data.get("tier") else None,
            kind=data.get("kind") or "",
        )


class StageChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        return localized_name(obj)


class OpportunityForm(forms.Form):
    """Edits an opportunity's fields and, through the transition service, its stage."""

    name = forms.CharField(label=_("Name"), max_length=200)
    customer = forms.ModelChoiceField(Customer.objects.none(), label=_("Customer"), required=False)
    product_line = LocalizedChoiceField(
        ProductLine.objects.all(), label=_("Product line"), required=False
    )
    expected_amount = forms.DecimalField(
        label=_("Expected amount (CNY)"),
        required=False,
        max_digits=16,
        decimal_places=2,
        min_value=0,
    )
    expected_close_date = forms.DateField(
        label=_("Expected close date"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    stage = StageChoiceField(Stage.objects.none(), label=_("Stage"), empty_label=None)
    # The stage the form was rendered with; the transition service rejects the move with a
    # conflict when someone else moved the deal in between.
    expected_stage = forms.ModelChoiceField(Stage.objects.none(), widget=forms.HiddenInput)
    reason = forms.CharField(
        label=_("Reason for moving back"),
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Required when the new stage is earlier than the current one."),
    )
    won_amount = forms.DecimalField(
        label=_("Won amount (CNY)"),
        required=False,
        max_digits=16,
        decimal_places=2,
        min_value=0,
        help_text=_("Only for a move to a won stage; empty means the expected amount."),
    )
    signed_date = forms.DateField(
        label=_("Signing date"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    decision_maker = forms.ModelChoiceField(
        Contact.objects.none(), label=_("Decision-maker contact"), required=False
    )
    loss_reason = forms.ChoiceField(
        label=_("Loss reason"), required=False, choices=[("", "—"), *LossReason.choices]
    )
    loss_note = forms.CharField(label=_("Loss note"), required=False, max_length=500)

    def __init__(self, user: User, opportunity: Opportunity, *args, **kwargs) -> None:
        kwargs.setdefault(
            "initial",
            {
                "name": opportunity.name,
                "customer": opportunity.customer_id,
                "product_line": opportunity.product_line_id,
                "expected_amount": opportunity.expected_amount,
                "expected_close_date": opportunity.expected_close_date,
                "signed_date": opportunity.signed_date,
                "decision_maker": opportunity.decision_maker_id,
                "stage": opportunity.stage_id,
                "expected_stage": opportunity.stage_id,
            },
        )
        super().__init__(*args, **kwargs)
        stages = opportunity.pipeline.stages.order_by("position")
        self.fields["stage"].queryset = stages
        self.fields["expected_stage"].queryset = stages
        self.fields["decision_maker"].queryset = Contact.objects.filter(
            customer_id=opportunity.customer_id
        ).order_by("-is_decision_maker", "name")
        customers = visible_customers(user)
        if opportunity.customer_id:
            # Keep the current customer selectable even if it is owned outside the user's scope.
            customers = customers | Customer.objects.filter(pk=opportunity.customer_id)
        # TODO: a select lists every visible customer; replace it with a search-as-you-type
        # picker before workspaces with thousands of customers use this form.
        self.fields["customer"].queryset = customers.order_by("name")


class AttachmentForm(forms.Form):
    """Uploads one evidence file; ``pipeline.evidence.add_attachment`` checks its content."""

    document_type = LocalizedChoiceField(
        DocumentType.objects.order_by("name"), label=_("Document type"), empty_label=None
    )
    file = forms.FileField(label=_("File"), help_text=_("PDF, JPEG or PNG scan."))


class ObjectionForm(forms.Form):
    category = forms.ChoiceField(label=_("Category"), choices=ObjectionCategory.choices)
    customer_words = forms.CharField(
        label=_("Customer's words"), widget=forms.Textarea(attrs={"rows": 2}), max_length=2000
    )
    response = forms.CharField(
        label=_("Response"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=2000,
        help_text=_("Only objections with a response count toward a stage gate."),
    )


class ObjectionResponseForm(forms.Form):
    response = forms.CharField(
        label=_("Response"), widget=forms.Textarea(attrs={"rows": 2}), max_length=2000
    )
    resolved = forms.BooleanField(label=_("Resolved"), required=False)

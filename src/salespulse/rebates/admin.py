"""Admin for rebate agreements (ops configure them here) and read-only document views."""

from django.contrib import admin
from django.core.exceptions import ValidationError
from django.forms.models import BaseInlineFormSet
from django.utils.translation import gettext as _

from salespulse.rebates.models import (
    CustomerGroup,
    RebateAgreement,
    RebateAuditEvent,
    RebateConfirmation,
    RebateSigningKey,
    RebateTier,
)


def _has_documents(agreement: RebateAgreement | None) -> bool:
    return agreement is not None and agreement.pk is not None and agreement.confirmations.exists()


class RebateTierFormSet(BaseInlineFormSet):
    def clean(self) -> None:
        super().clean()
        tiers = [
            (form.cleaned_data["threshold"], form.cleaned_data["rate"])
            for form in self.forms
            if form.cleaned_data and not form.cleaned_data.get("DELETE")
        ]
        ordered = sorted(tiers)
        if any(later[1] < earlier[1] for earlier, later in zip(ordered, ordered[1:], strict=False)):
            raise ValidationError(_("Rates must not fall as the threshold rises; fix the tier table."))


class RebateTierInline(admin.TabularInline):
    model = RebateTier
    formset = RebateTierFormSet
    extra = 1

    def has_change_permission(self, request, obj=None):
        return not _has_documents(obj) and super().has_change_permission(request, obj)

    def has_add_permission(self, request, obj=None):
        return not _has_documents(obj) and super().has_add_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return not _has_documents(obj) and super().has_delete_permission(request, obj)


@admin.register(RebateAgreement)
class RebateAgreementAdmin(admin.ModelAdmin):
    """An agreement version that documents were issued on is read-only: import a new version."""

    list_display = ["code", "version", "customer", "customer_group", "period_kind", "mode", "status", "effective_from"]
    list_filter = ["status", "mode", "period_kind"]
    search_fields = ["code", "name", "customer__name"]
    filter_horizontal = ["products"]
    inlines = [RebateTierInline]

    def has_change_permission(self, request, obj=None):
        return not _has_documents(obj) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return not _has_documents(obj) and super().has_delete_permission(request, obj)


@admin.register(CustomerGroup)
class CustomerGroupAdmin(admin.ModelAdmin):
    list_display = ["code", "name"]
    filter_horizontal = ["customers"]


class ReadOnlyAdmin(admin.ModelAdmin):
    """Documents, audit events and keys are written by services only."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(RebateConfirmation)
class RebateConfirmationAdmin(ReadOnlyAdmin):
    list_display = ["number", "customer", "rebate_amount", "status", "confirmed_by", "confirmed_at"]
    list_filter = ["status"]
    search_fields = ["number", "verification_code", "customer__name"]


@admin.register(RebateAuditEvent)
class RebateAuditEventAdmin(ReadOnlyAdmin):
    list_display = ["at", "action", "document", "agreement", "actor"]


@admin.register(RebateSigningKey)
class RebateSigningKeyAdmin(ReadOnlyAdmin):
    list_display = ["key_id", "created_at", "retired_at"]

"""Admin for rebate agreements (ops configure them here) and read-only document views."""

from django.contrib import admin

from salespulse.rebates.models import (
    CustomerGroup,
    RebateAgreement,
    RebateAuditEvent,
    RebateConfirmation,
    RebateSigningKey,
    RebateTier,
)


class RebateTierInline(admin.TabularInline):
    model = RebateTier
    extra = 1


@admin.register(RebateAgreement)
class RebateAgreementAdmin(admin.ModelAdmin):
    list_display = ["code", "version", "customer", "customer_group", "period_kind", "mode", "status", "effective_from"]
    list_filter = ["status", "mode", "period_kind"]
    search_fields = ["code", "name", "customer__name"]
    filter_horizontal = ["products"]
    inlines = [RebateTierInline]


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

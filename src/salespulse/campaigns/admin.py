"""Admin for rep ranks (ops set them here) and read-mostly views of campaigns and cases."""

from django.contrib import admin

from salespulse.campaigns.models import Campaign, CaseSubmission, RepRankAssignment, Scene


@admin.register(RepRankAssignment)
class RepRankAssignmentAdmin(admin.ModelAdmin):
    list_display = ("user", "rank")
    list_filter = ("rank",)
    search_fields = ("user__username", "user__display_name")
    raw_id_fields = ("user",)


@admin.register(Scene)
class SceneAdmin(admin.ModelAdmin):
    search_fields = ("name",)


@admin.register(Campaign)
class CampaignAdmin(admin.ModelAdmin):
    list_display = ("name", "product", "starts_on", "ends_on", "weekly_quota", "status")
    list_filter = ("status",)
    search_fields = ("name",)


@admin.register(CaseSubmission)
class CaseSubmissionAdmin(admin.ModelAdmin):
    list_display = ("pk", "campaign", "rep", "status", "submitted_at", "view_count")
    list_filter = ("status", "campaign")
    readonly_fields = (
        "video",
        "poster",
        "video_content_type",
        "video_size",
        "source_case",
        "submitted_at",
        "view_count",
    )

from django.urls import path

from salespulse.pipeline import config_views, report_views, views

app_name = "pipeline"

urlpatterns = [
    path("kanban/", views.kanban, name="kanban_default"),
    path("<slug:code>/kanban/", views.kanban, name="kanban"),
    path("opportunities/<int:pk>/move/", views.move_opportunity, name="move_opportunity"),
    path("opportunities/bulk-move/", views.bulk_move, name="bulk_move"),
    # Pipeline settings for ops and admin users: gates, document types, templates.
    path("settings/", config_views.pipeline_settings, name="config_settings_default"),
    path("<slug:code>/settings/", config_views.pipeline_settings, name="config_settings"),
    path("<slug:code>/settings/gates/<slug:stage_code>/", config_views.gate_edit, name="config_gate_edit"),
    path("<slug:code>/settings/gates/<slug:stage_code>/switch/", config_views.gate_switch, name="config_gate_switch"),
    path("document-types/", config_views.document_type_list, name="config_document_types"),
    path("document-types/new/", config_views.document_type_edit, name="config_document_type_create"),
    path("document-types/<int:pk>/", config_views.document_type_edit, name="config_document_type_edit"),
    path("templates/", config_views.template_page, name="config_templates"),
    path("templates/import/", config_views.template_import, name="config_template_import"),
    path("<slug:code>/template.json", config_views.template_export, name="config_template_export"),
    path("template-schema.json", config_views.template_schema, name="template_schema"),
    path("reports/fake-progress/", report_views.fake_progress, name="report_fake_progress"),
]

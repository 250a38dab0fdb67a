
app_name = "signals"

urlpatterns: list = []

# --- Signals on the record, corrections, quick capture, tagger settings -------------------
from django.urls import path  # noqa: E402

from salespulse.signals import views_capture, views_settings, views_signals  # noqa: E402

urlpatterns += [
    path("", views_signals.inbox, name="inbox"),
    path("<int:pk>/review/", views_signals.review, name="signal_review"),
    path("<int:pk>/tick/", views_signals.tick_gate_item, name="tick_gate_item"),
    path("interactions/<int:interaction_pk>/tags/", views_signals.add_tag, name="add_tag"),
    path("capture/", views_capture.capture, name="capture"),
    path("capture/<int:pk>/", views_capture.capture_confirm, name="capture_confirm"),
    path("settings/", views_settings.settings_page, name="settings"),
    path("settings/tags/", views_settings.tag_save, name="tag_save"),
    path("settings/tags/<slug:code>/switch/", views_settings.tag_toggle, name="tag_toggle"),
    path("settings/phrases/", views_settings.phrase_add, name="phrase_add"),
    path("settings/phrases/<int:pk>/delete/", views_settings.phrase_delete, name="phrase_delete"),
    path("settings/competitors/", views_settings.competitor_save, name="competitor_add"),
    path("settings/competitors/<int:pk>/", views_settings.competitor_save, name="competitor_save"),
    path("settings/competitors/<int:pk>/delete/", views_settings.competitor_delete, name="competitor_delete"),
    path("settings/examples/", views_settings.example_add, name="example_add"),
    path("settings/examples/<int:pk>/delete/", views_settings.example_delete, name="example_delete"),
    path("settings/preview/", views_settings.preview, name="preview"),
    path("settings/retrain/", views_settings.retrain, name="retrain"),
    path("settings/retag/", views_settings.retag, name="retag"),
    path("settings/jobs/<str:kind>/", views_settings.job_progress, name="job_progress"),
]

# --- Ingestion runs, the identity review queue and ingested messages ---------------------
from salespulse.signals import views_ingest  # noqa: E402

urlpatterns += [
    path("ingest/", views_ingest.ingest, name="ingest"),
    path("ingest/<int:pk>/", views_ingest.job_detail, name="ingest_job"),
    path("review/", views_ingest.review_queue, name="review"),
    path("review/<int:pk>/link/", views_ingest.link_identity, name="link_identity"),
    path("messages/", views_ingest.message_list, name="messages"),
]

from django.urls import path

from salespulse.knowledge import views

app_name = "knowledge"

urlpatterns = [
    path("", views.playbook, name="playbook"),
    path("tracks/new/", views.track_create, name="track_create"),
    path("tracks/<int:pk>/edit/", views.track_edit, name="track_edit"),
    path("tracks/<int:pk>/use/", views.use_track, name="use_track"),
    path("uses/<int:pk>/resolved/", views.use_resolved, name="use_resolved"),
    path("promote/", views.promote_list, name="promote_list"),
    path("promote/<int:objection_id>/", views.promote, name="promote"),
]

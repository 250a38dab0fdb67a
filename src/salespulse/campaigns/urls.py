from django.urls import path

from salespulse.campaigns import views

app_name = "campaigns"

urlpatterns = [
    path("", views.board, name="board"),
    path("scoring/", views.scoring, name="scoring"),
    path("ranks/", views.rep_ranks, name="rep_ranks"),
    path("new/", views.campaign_create, name="campaign_create"),
    path("<int:campaign_id>/", views.campaign_detail, name="campaign_detail"),
    path("<int:campaign_id>/edit/", views.campaign_edit, name="campaign_edit"),
    path("<int:campaign_id>/status/", views.campaign_publish, name="campaign_publish"),
    path("<int:campaign_id>/cases/new/", views.case_new, name="case_new"),
    path("cases/<int:case_id>/", views.case_detail, name="case_detail"),
    path("cases/<int:case_id>/edit/", views.case_edit, name="case_edit"),
    path("cases/<int:case_id>/reuse/", views.case_reuse, name="case_reuse"),
    path("cases/<int:case_id>/endorse/", views.case_endorse, name="case_endorse"),
    path("cases/<int:case_id>/video/", views.case_video, name="case_video"),
    path("cases/<int:case_id>/poster/", views.case_poster, name="case_poster"),
]

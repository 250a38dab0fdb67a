from django.urls import path

from salespulse.analytics import views, views_analyzer, views_health

app_name = "analytics"

urlpatterns = [
    path("", views.home, name="home"),
    path("analyzer/", views_analyzer.analyzer, name="analyzer"),
    path("analyzer/export.xlsx", views_analyzer.analyzer_export, name="analyzer_export"),
    path("analyzer/opportunities/<int:pk>/", views_analyzer.analyzer_opportunity, name="analyzer_opportunity"),
    path("analyzer/views/", views_analyzer.analyzer_save, name="analyzer_save"),
    path("analyzer/views/<int:pk>/delete/", views_analyzer.analyzer_delete, name="analyzer_delete"),
    path("health/", views_health.health_page, name="health"),
    path("health/thresholds/", views_health.health_threshold, name="health_threshold"),
    path("health/holidays/", views_health.health_holiday_add, name="health_holiday_add"),
    path("health/holidays/<int:pk>/delete/", views_health.health_holiday_delete, name="health_holiday_delete"),
    path("funnel/", views_health.funnel_page, name="funnel"),
    path("alerts/", views_health.alerts_page, name="alerts"),
    path("alerts/<int:pk>/", views_health.alert_detail, name="alert_detail"),
    path("alerts/<int:pk>/dismiss/", views_health.alert_dismiss, name="alert_dismiss"),
]

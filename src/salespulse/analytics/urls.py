from django.urls import path

from salespulse.analytics import views

app_name = "analytics"

urlpatterns = [
    path("", views.home, name="home"),
]

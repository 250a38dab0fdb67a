from django.urls import path

from salespulse.pipeline import views

app_name = "pipeline"

urlpatterns = [
    path("kanban/", views.kanban, name="kanban_default"),
    path("<slug:code>/kanban/", views.kanban, name="kanban"),
    path("opportunities/<int:pk>/move/", views.move_opportunity, name="move_opportunity"),
]

from django.urls import path

from salespulse.imports import views

app_name = "imports"

urlpatterns = [
    path("", views.upload, name="upload"),
    path("batches/", views.batch_list, name="batch_list"),
    path("batches/<int:batch_id>/", views.batch_detail, name="batch"),
    path("batches/<int:batch_id>/undo/", views.undo, name="undo"),
    path("export/customers/", views.export_customers, name="export_customers"),
]

from django.urls import path

from salespulse.crm import views

app_name = "crm"

urlpatterns = [
    path("customers/", views.customer_list, name="customer_list"),
    path("customers/<int:pk>/", views.customer_detail, name="customer_detail"),
    path("opportunities/<int:pk>/", views.opportunity_detail, name="opportunity_detail"),
    path("opportunities/<int:pk>/attachments/", views.add_attachment, name="opportunity_attachment_add"),
    path("opportunities/<int:pk>/objections/", views.add_objection, name="opportunity_objection_add"),
    path(
        "opportunities/<int:pk>/objections/<int:objection_pk>/response/",
        views.respond_to_objection,
        name="objection_respond",
    ),
]

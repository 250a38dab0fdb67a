from django.urls import path

from salespulse.crm import views

app_name = "crm"

urlpatterns = [
    path("", views.customer_list, name="customer_list"),
    path("<int:pk>/", views.customer_detail, name="customer_detail"),
    # TODO: opportunities live under /customers/ only because the project URLconf mounts
    # this app there; give them their own /opportunities/ prefix in salespulse/urls.py.
    path("opportunities/<int:pk>/", views.opportunity_detail, name="opportunity_detail"),
]

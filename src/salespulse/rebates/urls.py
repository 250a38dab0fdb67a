from django.urls import path

from salespulse.rebates import views

app_name = "rebates"

urlpatterns = [
    path("", views.calculator, name="calculator"),
    path("confirm/", views.confirm, name="confirm"),
    path("documents/", views.my_documents, name="my_documents"),
    path("documents/<str:number>/", views.document_detail, name="document_detail"),
    path("documents/<str:number>/pdf/", views.document_pdf, name="document_pdf"),
    path("documents/<str:number>/acknowledge/", views.acknowledge, name="acknowledge"),
    path("documents/<str:number>/reverse/", views.reverse_document, name="reverse"),
    path("finance/", views.finance, name="finance"),
    path("finance/export.xlsx", views.finance_export, name="finance_export"),
    path("verify/", views.verify_form, name="verify_form"),
    path("verify/<str:code>/", views.verify, name="verify"),
]

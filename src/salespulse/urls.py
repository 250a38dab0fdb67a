from django.conf import settings
from django.conf.urls.static import static
from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("", include("salespulse.analytics.urls")),
    path("accounts/", include("salespulse.accounts.urls")),
    path("", include("salespulse.crm.urls")),
    path("pipelines/", include("salespulse.pipeline.urls")),
    path("imports/", include("salespulse.imports.urls")),
    path("rebates/", include("salespulse.rebates.urls")),
    path("signals/", include("salespulse.signals.urls")),
    path("campaigns/", include("salespulse.campaigns.urls")),
    path("playbook/", include("salespulse.knowledge.urls")),
    path("api/", include("salespulse.api.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
]

if settings.DEBUG:
    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)

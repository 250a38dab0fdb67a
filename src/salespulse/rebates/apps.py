from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RebatesConfig(AppConfig):
    name = "salespulse.rebates"
    label = "rebates"
    verbose_name = _("Rebates")

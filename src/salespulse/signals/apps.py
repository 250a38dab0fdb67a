from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SignalsConfig(AppConfig):
    name = "salespulse.signals"
    label = "signals"
    verbose_name = _("Customer signals")

    def ready(self) -> None:
        # Celery's autodiscovery imports only ``tasks`` modules; the tagger's retrain and
        # re-tag tasks live beside them and must be registered with a worker too.
        # Checklist items ticked from a signal count as confirmed when the deal moves.
        from salespulse.pipeline.services import CONFIRMATION_PROVIDERS
        from salespulse.signals import tagger_jobs  # noqa: F401
        from salespulse.signals.selectors import gate_confirmations

        if gate_confirmations not in CONFIRMATION_PROVIDERS:
            CONFIRMATION_PROVIDERS.append(gate_confirmations)


"""The Celery application. Workers start with ``celery -A salespulse worker``; settings
come from Django's (the ``CELERY_`` names), so without ``CELERY_BROKER_URL`` every task
runs inline where it is called."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "salespulse.settings")

app = Celery("salespulse")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

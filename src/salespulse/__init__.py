# Loading the Celery app with Django lets @shared_task functions bind to it.
from salespulse.celery import app as celery_app

__all__ = ["celery_app"]

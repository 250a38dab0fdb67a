from django.apps import AppConfig


class DemoConfig(AppConfig):
    name = "salespulse.demo"
    label = "demo"
    verbose_name = "Demo workspace"

"""Demo app config: the demo mesh and ``manage.py load_demo``."""
from django.apps import AppConfig


class DemoConfig(AppConfig):
    name = "demo"
    verbose_name = "Demo"

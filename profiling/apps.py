"""Profiling app config: the product page's profile panel and what profiling hears from catalog."""
from django.apps import AppConfig


class ProfilingConfig(AppConfig):
    name = "profiling"
    verbose_name = "Profiling"

    def ready(self) -> None:
        from profiling import panel
        from profiling.signals import register_signal_handlers

        panel.register()
        register_signal_handlers()

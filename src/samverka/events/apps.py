from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EventsConfig(AppConfig):
    name = "samverka.events"
    label = "events"
    verbose_name = _("Events")

    def ready(self) -> None:
        from samverka.core.importing import register
        from samverka.events import importers

        register(
            "events",
            importers.import_events,
            importers.HELP,
            add_arguments=importers.add_arguments,
        )

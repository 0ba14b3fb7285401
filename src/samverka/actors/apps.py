from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ActorsConfig(AppConfig):
    name = "samverka.actors"
    label = "actors"
    verbose_name = _("Actors")

    def ready(self) -> None:
        from samverka.actors import importers
        from samverka.core.importing import register

        register("organisations", importers.import_organisations, importers.HELP)

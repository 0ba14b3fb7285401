from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ScanningConfig(AppConfig):
    name = "samverka.scanning"
    label = "scanning"
    verbose_name = _("Horizon scanning")

    def ready(self) -> None:
        from samverka.core.importing import register
        from samverka.scanning import opml

        register("opml", opml.import_opml, opml.HELP, add_arguments=opml.add_arguments)

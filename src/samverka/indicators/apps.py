from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IndicatorsConfig(AppConfig):
    name = "samverka.indicators"
    label = "indicators"
    verbose_name = _("Indicators")

    def ready(self) -> None:
        from samverka.core.importing import register
        from samverka.indicators.services import importers
        from samverka.indicators.services.formats import INPUT_FORMATS

        register(
            "indicators",
            importers.import_indicators,
            importers.HELP,
            add_arguments=importers.add_arguments,
            input_formats=INPUT_FORMATS,
        )

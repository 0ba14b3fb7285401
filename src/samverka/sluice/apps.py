from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SluiceConfig(AppConfig):
    name = "samverka.sluice"
    label = "sluice"
    verbose_name = _("Innovation sluice")

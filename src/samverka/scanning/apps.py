from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ScanningConfig(AppConfig):
    name = "samverka.scanning"
    label = "scanning"
    verbose_name = _("Horizon scanning")

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class KnowledgeConfig(AppConfig):
    name = "samverka.knowledge"
    label = "knowledge"
    verbose_name = _("Knowledge hub")

    def ready(self) -> None:
        from samverka.knowledge import indexing

        indexing.connect()

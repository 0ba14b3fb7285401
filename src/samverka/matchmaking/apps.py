from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MatchmakingConfig(AppConfig):
    name = "samverka.matchmaking"
    label = "matchmaking"
    verbose_name = _("Needs and offers")

    def ready(self) -> None:
        from samverka.matchmaking import signals  # noqa: F401

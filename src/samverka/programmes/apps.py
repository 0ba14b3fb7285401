from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProgrammesConfig(AppConfig):
    name = "samverka.programmes"
    label = "programmes"
    verbose_name = _("Programmes and projects")

    def ready(self) -> None:
        from samverka.core.importing import register
        from samverka.programmes.services import structure

        register("programme", structure.import_programme, structure.HELP)

        from samverka.programmes.services import imports

        register("projects", imports.import_projects, imports.PROJECTS_HELP)
        register("financing", imports.import_financing, imports.FINANCING_HELP)

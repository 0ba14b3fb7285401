from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "samverka.core"
    label = "core"
    verbose_name = _("Core")

    def ready(self) -> None:
        import atexit

        from django.core.signals import request_finished
        from django.db.backends.signals import connection_created
        from django.db.models.signals import post_migrate, pre_migrate
        from django_tasks.signals import task_finished

        from samverka.core import page_cache, signals

        signals.connect()
        connection_created.connect(page_cache.watch_writes, dispatch_uid="samverka.page_cache")
        pre_migrate.connect(page_cache.migration_started, dispatch_uid="samverka.page_cache")
        post_migrate.connect(page_cache.migration_finished, dispatch_uid="samverka.page_cache")
        request_finished.connect(page_cache.flush, dispatch_uid="samverka.page_cache")
        task_finished.connect(page_cache.flush, dispatch_uid="samverka.page_cache")
        atexit.register(page_cache.flush)

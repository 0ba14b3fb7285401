from django.conf import settings
from django.contrib import admin
from django.contrib.auth.decorators import login_required
from django.urls import include, path
from django.views.i18n import JavaScriptCatalog

from samverka.api.urls import api
from samverka.core import views as core_views

# The admin has no login of its own: it uses the site's rate-limited login page.
admin.site.login = login_required(admin.site.login)  # type: ignore[method-assign]
admin.site.site_header = "Samverka"

urlpatterns = [
    path("", core_views.home, name="home"),
    path("healthz", core_views.healthz, name="healthz"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("jsi18n/", JavaScriptCatalog.as_view(), name="javascript-catalog"),
    path("accounts/", include("allauth.urls")),
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls),
    path("clusters/", include("samverka.clusters.urls")),
    path("programmes/", include("samverka.programmes.urls")),
    path("indicators/", include("samverka.indicators.urls")),
    path("network/", include("samverka.network.urls")),
    path("", include("samverka.events.urls")),
    path("newsletters/", include("samverka.newsletters.urls")),
    path("scanning/", include("samverka.scanning.urls")),
    path("knowledge/", include("samverka.knowledge.urls")),
    path("help/", include("samverka.sluice.urls")),
    path("matchmaking/", include("samverka.matchmaking.urls")),
    path("", include("samverka.actors.urls")),
    path("", include("samverka.core.urls")),
]

if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)

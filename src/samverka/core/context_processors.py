from django.conf import settings
from django.http import HttpRequest

from samverka import __version__
from samverka.core.models import DemoMarker
from samverka.core.roles import roles_of


def site(request: HttpRequest) -> dict[str, object]:
    """Values every page needs: version, the user's roles, the site URL."""
    return {
        "SAMVERKA_VERSION": __version__,
        "SITE_URL": settings.SITE_URL,
        "user_roles": lambda: roles_of(getattr(request, "user", None)),
        "demo_data": lambda: DemoMarker.objects.filter(key="demo").exists(),
    }

"""ASGI entry point, for servers such as granian or uvicorn."""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "samverka.settings")
application = get_asgi_application()

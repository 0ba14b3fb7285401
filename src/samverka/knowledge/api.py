"""API of the knowledge app (mounted under /api/v1/)."""

from ninja import Router

router = Router(tags=["knowledge"])

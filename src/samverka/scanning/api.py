"""API of the scanning app (mounted under /api/v1/)."""

from ninja import Router

router = Router(tags=["scanning"])

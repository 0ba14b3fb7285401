"""API of the sluice app (mounted under /api/v1/)."""

from ninja import Router

router = Router(tags=["sluice"])

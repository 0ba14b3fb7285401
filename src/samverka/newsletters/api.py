"""API of the newsletters app (mounted under /api/v1/)."""

from ninja import Router

router = Router(tags=["newsletters"])

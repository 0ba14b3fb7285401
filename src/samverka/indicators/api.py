"""API router of the indicator database (mounted under /api/v1/)."""

from ninja import Router

router = Router(tags=["indicators"])

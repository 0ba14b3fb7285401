"""API router of the actor network (mounted under /api/v1/)."""

from ninja import Router

router = Router(tags=["network"])

"""API router of the programme and project database (mounted under /api/v1/)."""

from ninja import Router

router = Router(tags=["programmes"])

"""API of registrations: a user's own registrations (mounted under /api/v1/)."""

from ninja import Router

router = Router(tags=["events"])

"""Keep the retrieval keys of needs and offers in step with their focus areas."""

from __future__ import annotations

from typing import Any

from django.db.models.signals import m2m_changed
from django.dispatch import receiver

from samverka.matchmaking.models import Need, Offer


@receiver(m2m_changed, sender=Need.focus_areas.through)
@receiver(m2m_changed, sender=Offer.focus_areas.through)
def focus_areas_changed(
    sender: Any, instance: Any, action: str, reverse: bool, **kwargs: Any
) -> None:
    if action not in {"post_add", "post_remove", "post_clear"}:
        return
    if not reverse:
        instance.refresh_keys()
        return
    # Changed from the focus area's side: the listings are the other end.
    for listing in kwargs["model"].objects.filter(pk__in=kwargs.get("pk_set") or []):
        listing.refresh_keys()

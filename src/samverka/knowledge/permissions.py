"""Who may write in the knowledge hub (the questions of core.roles, for this app)."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from samverka.core.roles import is_platform_admin, managed_cluster_ids
from samverka.knowledge.models import GoodExample


def can_create_example(user: Any) -> bool:
    """Platform admins and cluster managers."""
    return is_platform_admin(user) or bool(managed_cluster_ids(user))


def can_edit_example(user: Any, example: GoodExample) -> bool:
    """Platform admins, managers of the owning cluster, and the author."""
    if is_platform_admin(user):
        return True
    if not (user is not None and user.is_authenticated and user.is_active):
        return False
    if example.author_id is not None and example.author_id == user.pk:
        return True
    return example.cluster_id is not None and example.cluster_id in managed_cluster_ids(user)


def visible_examples(
    user: Any, queryset: QuerySet[GoodExample] | None = None
) -> QuerySet[GoodExample]:
    """Published items, plus the drafts this user may edit."""
    queryset = GoodExample.objects.all() if queryset is None else queryset
    if is_platform_admin(user):
        return queryset
    condition = Q(published=True)
    if user is not None and user.is_authenticated:
        condition |= Q(author=user) | Q(cluster_id__in=managed_cluster_ids(user))
    return queryset.filter(condition)

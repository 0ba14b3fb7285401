"""``GET /api/v1/audit``: the audit log for platform admins, filtered and paged, newest first."""

# No "from __future__ import annotations": ninja must see the real types through @paginate.

from datetime import date, datetime
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema
from ninja.pagination import paginate

from samverka.api.auth import write_auth
from samverka.api.schemas import Pages
from samverka.core import audit, roles
from samverka.core.models import AuditEntry

router = Router(tags=["audit"])


class AuditEntryOut(Schema):
    id: int
    at: datetime
    user: str | None
    action: str
    object_type: str
    object_id: str
    object: str
    changes: Any

    @staticmethod
    def resolve_user(obj: AuditEntry) -> str | None:
        return obj.actor.get_username() if obj.actor_id else None

    @staticmethod
    def resolve_object(obj: AuditEntry) -> str:
        return obj.object_repr


class AuditFilters(Schema):
    type: str | None = None
    action: str | None = None
    user: str | None = None
    since: date | None = None
    until: date | None = None
    object_id: str | None = None
    q: str | None = None


@router.get(
    "/audit",
    response=list[AuditEntryOut],
    auth=write_auth,
    summary="The audit log (platform admins)",
)
@paginate(Pages)
def list_audit_entries(request: HttpRequest, filters: Query[AuditFilters]) -> Any:
    """Who changed what and when, newest first. ``type`` is a model (``programmes.project``) or
    an app (``programmes``); ``action`` is exact, or a prefix ending in a dot (``project.``);
    ``user`` a username (``-`` for the system); ``since``/``until`` inclusive days; ``q``
    searches the object's name. ``changes`` maps each changed field to ``[old, new]``."""
    if not roles.is_platform_admin(request.auth):
        raise PermissionDenied(_("Only platform admins may read the audit log."))
    params = filters.dict()
    params["object_type"] = params.pop("type")
    return audit.filter_entries(**params)

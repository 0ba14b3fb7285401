"""Audit entries for role changes, wherever they are made (services, shell, the Django admin):
membership of the role groups, the superuser and staff flags, and cluster managers; and for
changes to projects, financing, assessments, indicators and values made in the Django admin.

The changes are recorded from signals because Django's own code (the admin's user and group
forms, ``createsuperuser``) changes these without passing through our services. The actor is the
current request's user (:class:`samverka.core.audit.RequestActorMiddleware`), else the system.
Raw saves (fixtures, restores) are not recorded.
"""

from __future__ import annotations

from typing import Any

from django.apps import apps
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db.models.signals import m2m_changed, post_delete, post_save, pre_save
from django.urls import reverse

from samverka.core import audit
from samverka.core.models import AuditEntry
from samverka.core.roles import GROUP_ROLES

USER_FLAGS = ("is_superuser", "is_staff", "is_active")
_ROLE_NAMES = {str(r) for r in GROUP_ROLES}


def _role_names(user: Any) -> list[str]:
    return sorted(user.groups.filter(name__in=_ROLE_NAMES).values_list("name", flat=True))


def _membership_entry(
    obj: Any, action: str, field: str, now: list[str], changed: set[str], added: bool
) -> Any:
    """An unsaved entry for a membership change: ``field`` was ``now`` less (added) or plus
    (removed) ``changed``."""
    before = sorted(set(now) - changed if added else set(now) | changed)
    return audit.entry(
        actor=audit.current_actor(), action=action, obj=obj, changes={field: [before, now]}
    )


def _roles_entry(user: Any, changed: set[str], added: bool) -> Any:
    return _membership_entry(user, "user.roles_changed", "roles", _role_names(user), changed, added)


def _user_groups_changed(
    sender: Any, instance: Any, action: str, reverse: bool, pk_set: set[int] | None, **kwargs: Any
) -> None:
    if action == "pre_clear":
        # what is about to go: the only moment it can still be read
        if reverse:
            instance._audit_cleared = (
                set(instance.user_set.values_list("pk", flat=True))
                if instance.name in _ROLE_NAMES
                else set()
            )
        else:
            instance._audit_cleared = set(_role_names(instance))
        return
    if action not in {"post_add", "post_remove", "post_clear"}:
        return
    entries = []
    if not reverse:
        user = instance
        if action == "post_clear":
            changed = getattr(instance, "_audit_cleared", set())
        else:
            changed = set(
                Group.objects.filter(pk__in=pk_set or (), name__in=_ROLE_NAMES).values_list(
                    "name", flat=True
                )
            )
        if not changed:
            return
        user.__dict__.pop("_samverka_group_roles", None)
        entries.append(_roles_entry(user, changed, action == "post_add"))
    else:
        group = instance
        if group.name not in _ROLE_NAMES:
            return
        user_ids = getattr(group, "_audit_cleared", set()) if action == "post_clear" else pk_set
        for user in get_user_model().objects.filter(pk__in=user_ids or ()).order_by("pk"):
            entries.append(_roles_entry(user, {group.name}, action == "post_add"))
    AuditEntry.objects.bulk_create(entries)


def _managers_entry(cluster: Any, changed: set[str], added: bool) -> Any:
    now = sorted(cluster.managers.values_list("username", flat=True))
    return _membership_entry(cluster, "cluster.managers_changed", "managers", now, changed, added)


def _cluster_managers_changed(
    sender: Any, instance: Any, action: str, reverse: bool, pk_set: set[int] | None, **kwargs: Any
) -> None:
    cluster_model = apps.get_model("clusters", "Cluster")
    user_model = get_user_model()
    if action == "pre_clear":
        instance._audit_cleared = (
            set(instance.managed_clusters.values_list("pk", flat=True))
            if reverse
            else set(instance.managers.values_list("username", flat=True))
        )
        return
    if action not in {"post_add", "post_remove", "post_clear"}:
        return
    entries = []
    if not reverse:
        cluster = instance
        if action == "post_clear":
            changed = getattr(cluster, "_audit_cleared", set())
        else:
            changed = set(
                user_model.objects.filter(pk__in=pk_set or ()).values_list("username", flat=True)
            )
        if not changed:
            return
        entries.append(_managers_entry(cluster, changed, action == "post_add"))
    else:
        user = instance
        cluster_ids = getattr(user, "_audit_cleared", set()) if action == "post_clear" else pk_set
        for cluster in cluster_model.objects.filter(pk__in=cluster_ids or ()).order_by("pk"):
            entries.append(_managers_entry(cluster, {user.get_username()}, action == "post_add"))
    AuditEntry.objects.bulk_create(entries)


def _user_pre_save(sender: Any, instance: Any, raw: bool = False, **kwargs: Any) -> None:
    update_fields = kwargs.get("update_fields")
    if raw or instance.pk is None or (update_fields and not set(update_fields) & set(USER_FLAGS)):
        return
    instance._audit_flags = (
        sender._base_manager.filter(pk=instance.pk).values(*USER_FLAGS).first() or {}
    )


def _user_post_save(
    sender: Any, instance: Any, created: bool, raw: bool = False, **kwargs: Any
) -> None:
    if raw:
        return
    now = {flag: getattr(instance, flag) for flag in ("is_superuser", "is_staff")}
    if created:
        changes = {flag: [None, value] for flag, value in now.items() if value}
        action = "user.created"
    else:
        before = instance.__dict__.pop("_audit_flags", None)
        if not before:
            return
        changes = audit.diff(before, {flag: getattr(instance, flag) for flag in USER_FLAGS})
        action = "user.roles_changed"
    if changes:
        audit.record(actor=audit.current_actor(), action=action, obj=instance, changes=changes)


# Changes made in the Django admin bypass the services (which write their own entries), so the
# admin's changes to these models are recorded here, field by field.
ADMIN_AUDITED = (
    "programmes.Project",
    "programmes.FinancingLine",
    "programmes.Assessment",
    "programmes.Score",
    "programmes.Call",
    "indicators.Indicator",
    "indicators.Value",
    "actors.Organisation",
    "clusters.Cluster",
    "clusters.Membership",
)


def _in_admin() -> bool:
    request = audit._current_request.get()
    return bool(request is not None and request.path.startswith(reverse("admin:index")))


def _admin_pre_save(sender: Any, instance: Any, raw: bool = False, **kwargs: Any) -> None:
    if raw or instance.pk is None or not _in_admin():
        return
    stored = sender._base_manager.filter(pk=instance.pk).first()
    if stored is not None:
        instance._audit_before = audit.snapshot(stored)


def _admin_post_save(
    sender: Any, instance: Any, created: bool, raw: bool = False, **kwargs: Any
) -> None:
    if raw or not _in_admin():
        return
    after = audit.snapshot(instance)
    before = {} if created else instance.__dict__.pop("_audit_before", {})
    changes = audit.diff(before, after)
    if changes or created:
        name = sender._meta.model_name
        action = f"{name}.created_in_admin" if created else f"{name}.changed_in_admin"
        audit.record(actor=audit.current_actor(), action=action, obj=instance, changes=changes)


def _admin_post_delete(sender: Any, instance: Any, **kwargs: Any) -> None:
    if _in_admin():
        audit.record(
            actor=audit.current_actor(),
            action=f"{sender._meta.model_name}.deleted_in_admin",
            obj=instance,
            changes={k: [v, None] for k, v in audit.snapshot(instance).items() if v is not None},
        )


def connect() -> None:
    """Connect the handlers (from ``CoreConfig.ready``)."""
    user_model = get_user_model()
    cluster_model = apps.get_model("clusters", "Cluster")
    m2m_changed.connect(
        _user_groups_changed, sender=user_model.groups.through, dispatch_uid="audit-user-groups"
    )
    m2m_changed.connect(
        _cluster_managers_changed,
        sender=cluster_model.managers.through,
        dispatch_uid="audit-cluster-managers",
    )
    pre_save.connect(_user_pre_save, sender=user_model, dispatch_uid="audit-user-pre-save")
    post_save.connect(_user_post_save, sender=user_model, dispatch_uid="audit-user-post-save")
    for label in ADMIN_AUDITED:
        model = apps.get_model(label)
        uid = f"audit-admin-{label}"
        pre_save.connect(_admin_pre_save, sender=model, dispatch_uid=uid + "-pre")
        post_save.connect(_admin_post_save, sender=model, dispatch_uid=uid + "-post")
        post_delete.connect(_admin_post_delete, sender=model, dispatch_uid=uid + "-delete")

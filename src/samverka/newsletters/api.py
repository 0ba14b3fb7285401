"""API of the newsletters app (mounted under /api/v1/): newsletters, their issues and subscribing."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.http import Http404, HttpRequest
from django.utils.translation import gettext as _
from ninja import Router, Schema, Status
from ninja.errors import AuthenticationError

from samverka.api.auth import TokenAuth, write_auth
from samverka.core.roles import can_manage_newsletter
from samverka.newsletters import services
from samverka.newsletters.models import Issue, IssueStatus, Newsletter

router = Router(tags=["newsletters"])
_token_auth = TokenAuth()


def _viewer(request: HttpRequest) -> Any:
    """A bearer token when one is sent (a bad one is a 401), else the session's user."""
    if request.headers.get("Authorization"):
        user = _token_auth(request)
        if user is None:
            raise AuthenticationError
        return user
    return getattr(request, "user", None) or AnonymousUser()


class NewsletterOut(Schema):
    name: str
    slug: str
    description: str
    cluster: str | None
    url: str
    rss: str
    atom: str

    @staticmethod
    def resolve_cluster(obj: Newsletter) -> str | None:
        return obj.cluster.slug if obj.cluster_id else None

    @staticmethod
    def resolve_url(obj: Newsletter, context: dict[str, Any]) -> str:
        return context["request"].build_absolute_uri(obj.get_absolute_url())

    @staticmethod
    def resolve_rss(obj: Newsletter, context: dict[str, Any]) -> str:
        return context["request"].build_absolute_uri(obj.get_absolute_url() + "rss/")

    @staticmethod
    def resolve_atom(obj: Newsletter, context: dict[str, Any]) -> str:
        return context["request"].build_absolute_uri(obj.get_absolute_url() + "atom/")


class IssueOut(Schema):
    id: int
    newsletter: str
    subject: str
    status: str
    sent_at: datetime | None
    url: str

    @staticmethod
    def resolve_newsletter(obj: Issue) -> str:
        return obj.newsletter.slug

    @staticmethod
    def resolve_url(obj: Issue, context: dict[str, Any]) -> str:
        return context["request"].build_absolute_uri(obj.get_absolute_url())


class BlockOut(Schema):
    kind: str
    title: str
    body: str
    link: str
    when: str
    place: str
    attribution: str
    attribution_url: str


class IssueDetail(IssueOut):
    intro: str
    blocks: list[BlockOut]

    @staticmethod
    def resolve_blocks(obj: Issue) -> list[dict[str, Any]]:
        return services.issue_blocks(obj)


class SubscriptionIn(Schema):
    email: str
    name: str = ""
    consent_text: str = ""


class SubscriptionOut(Schema):
    email: str
    status: str
    detail: str


def _newsletter(slug: str) -> Newsletter:
    newsletter = Newsletter.objects.select_related("cluster").filter(slug=slug).first()
    if newsletter is None:
        raise Http404(_("No newsletter with the slug “%(slug)s”.") % {"slug": slug})
    return newsletter


@router.get("/newsletters", response=list[NewsletterOut], summary="List newsletters")
def list_newsletters(request: HttpRequest) -> Any:
    return Newsletter.objects.select_related("cluster").order_by("name", "pk")


@router.get(
    "/newsletters/{slug}/issues",
    response=list[IssueOut],
    summary="Issues of a newsletter (sent ones; the newsletter's managers also see drafts)",
)
def list_issues(request: HttpRequest, slug: str) -> Any:
    newsletter = _newsletter(slug)
    issues = newsletter.issues.select_related("newsletter").order_by("-sent_at", "-created")
    if not can_manage_newsletter(_viewer(request), newsletter):
        issues = issues.filter(status=IssueStatus.SENT)
    return issues


@router.get("/issues/{issue_id}", response=IssueDetail, summary="One issue with its blocks")
def get_issue(request: HttpRequest, issue_id: int) -> Any:
    issue = Issue.objects.select_related("newsletter").filter(pk=issue_id).first()
    if issue is None or (
        issue.status != IssueStatus.SENT
        and not can_manage_newsletter(_viewer(request), issue.newsletter)
    ):
        raise Http404(_("No issue with the id %(id)s.") % {"id": issue_id})
    return issue


@router.post(
    "/newsletters/{slug}/subscriptions",
    response={202: SubscriptionOut},
    auth=write_auth,
    summary="Subscribe an address (double opt-in: a confirmation mail is sent)",
)
def create_subscription(request: HttpRequest, slug: str, data: SubscriptionIn) -> Any:
    newsletter = _newsletter(slug)
    try:
        validate_email(data.email)
    except ValidationError as error:
        raise ValidationError({"email": error.messages}) from error
    subscription = services.subscribe(
        newsletter=newsletter,
        email=str(data.email),
        name=data.name,
        consent_text=data.consent_text,
    )
    # The same answer whether the address was subscribed already: nothing leaks who is.
    return Status(
        202,
        {
            "email": subscription.email,
            "status": "pending",
            "detail": _("A confirmation mail has been sent to the address."),
        },
    )

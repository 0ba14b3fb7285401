"""Pages of newsletters: the public index, archive and feeds, subscribing and unsubscribing, the
managers' composing and sending pages, and the bounce webhook."""

from __future__ import annotations

import hmac
import json
from typing import Any

from csp.decorators import csp_update
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.syndication.views import Feed
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Q
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.feedgenerator import Atom1Feed
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from samverka.core import roles
from samverka.core.exports import FORMATS, table_response
from samverka.core.permissions import get_for_write
from samverka.newsletters import conf, services
from samverka.newsletters.forms import (
    EventBlockForm,
    IssueForm,
    NewsletterForm,
    SharedBlockForm,
    SubscribeForm,
    TextBlockForm,
)
from samverka.newsletters.models import (
    Block,
    Issue,
    IssueStatus,
    Newsletter,
    Subscription,
    SubscriptionStatus,
)


def _manageable(user: Any, issue: Issue) -> bool:
    return roles.can_manage_newsletter(user, issue.newsletter)


def _block_manageable(user: Any, block: Block) -> bool:
    return roles.can_manage_newsletter(user, block.issue.newsletter)


def _issues() -> Any:
    return Issue.objects.select_related("newsletter")


# Public pages ---------------------------------------------------------------------------------


@require_GET
def index(request: HttpRequest) -> HttpResponse:
    """The list of newsletters, with subscribe links."""
    newsletters = (
        Newsletter.objects.select_related("cluster")
        .annotate(sent_count=Count("issues", filter=Q(issues__status=IssueStatus.SENT)))
        .order_by("cluster__name", "name")
    )
    context = {
        "newsletters": newsletters,
        "can_create": roles.is_platform_admin(request.user)
        or bool(roles.managed_cluster_ids(request.user)),
    }
    return render(request, "newsletters/index.html", context)


@require_http_methods(["GET", "POST"])
def newsletter(request: HttpRequest, slug: str) -> HttpResponse:
    """A newsletter's archive of sent issues and its subscribe form."""
    item = get_object_or_404(Newsletter.objects.select_related("cluster"), slug=slug)
    form = SubscribeForm(request.POST or None, newsletter=item)
    if request.method == "POST" and form.is_valid():
        services.subscribe(
            newsletter=item,
            email=form.cleaned_data["email"],
            name=form.cleaned_data["name"],
            consent_text=form.consent_text,
        )
        messages.success(
            request,
            _("Almost done: follow the link in the mail we sent you to confirm your subscription."),
        )
        return redirect(item.get_absolute_url())
    issues = item.issues.filter(status=IssueStatus.SENT).order_by("-sent_at")
    context = {
        "newsletter": item,
        "issues": issues,
        "form": form,
        "can_manage": roles.can_manage_newsletter(request.user, item),
    }
    return render(request, "newsletters/newsletter.html", context)


@require_GET
def issue(request: HttpRequest, slug: str, issue_id: int) -> HttpResponse:
    """A sent issue in the archive (managers also see drafts here, as a preview)."""
    item = get_object_or_404(_issues(), newsletter__slug=slug, pk=issue_id)
    can_manage = roles.can_manage_newsletter(request.user, item.newsletter)
    if item.status != IssueStatus.SENT and not can_manage:
        raise Http404
    context = {
        "issue": item,
        "newsletter": item.newsletter,
        "blocks": services.issue_blocks(item),
        "can_manage": can_manage,
        "preview": item.status != IssueStatus.SENT,
    }
    return render(request, "newsletters/issue.html", context)


class IssuesRss(Feed):
    """The sent issues of a newsletter as RSS (Atom: :class:`IssuesAtom`)."""

    def get_object(self, request: HttpRequest, slug: str) -> Newsletter:
        return get_object_or_404(Newsletter, slug=slug)

    def title(self, obj: Newsletter) -> str:
        return obj.name

    def link(self, obj: Newsletter) -> str:
        return obj.get_absolute_url()

    def description(self, obj: Newsletter) -> str:
        return obj.description or obj.name

    def items(self, obj: Newsletter) -> Any:
        return obj.issues.filter(status=IssueStatus.SENT).order_by("-sent_at")[:50]

    def item_title(self, item: Issue) -> str:
        return item.subject

    def item_description(self, item: Issue) -> str:
        parts = [item.intro] + [
            f"<h2>{b['title']}</h2>{b['body']}" for b in services.issue_blocks(item)
        ]
        return "".join(parts)

    def item_link(self, item: Issue) -> str:
        return item.get_absolute_url()

    def item_pubdate(self, item: Issue) -> Any:
        return item.sent_at


class IssuesAtom(IssuesRss):
    feed_type = Atom1Feed

    def subtitle(self, obj: Newsletter) -> str:
        return obj.description or obj.name


@require_GET
def confirm(request: HttpRequest, token: str) -> HttpResponse:
    """The page of the confirmation link: a button, so that mail scanners following links do
    not confirm on anyone's behalf."""
    subscription = get_object_or_404(Subscription.objects.select_related("newsletter"), token=token)
    return render(request, "newsletters/confirm.html", {"subscription": subscription})


@require_POST
def confirm_post(request: HttpRequest, token: str) -> HttpResponse:
    try:
        subscription = services.confirm(token=token)
    except Subscription.DoesNotExist as error:
        raise Http404 from error
    return render(
        request, "newsletters/confirm.html", {"subscription": subscription, "confirmed": True}
    )


@csrf_exempt  # RFC 8058 one-click: mail providers POST without a CSRF token; it only unsubscribes
@require_http_methods(["GET", "POST"])
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    """GET: a page with an unsubscribe button; POST (the button, or a one-click unsubscribe
    from the mail provider): unsubscribe. Unknown token: 404."""
    subscription = get_object_or_404(Subscription.objects.select_related("newsletter"), token=token)
    if request.method == "POST":
        subscription = services.unsubscribe(token=token)
    return render(
        request,
        "newsletters/unsubscribe.html",
        {"subscription": subscription, "done": request.method == "POST"},
    )


@csrf_exempt  # authenticated by the shared secret, not a session
@require_POST
def bounces(request: HttpRequest) -> HttpResponse:
    """Bounce webhook: ``Authorization: Bearer <SAMVERKA_BOUNCE_SECRET>`` and a JSON body
    ``{"email": "...", "type": "hard" | "complaint"}`` (a list of such objects is accepted too).
    Refused (403) while no secret is configured."""
    secret = conf.bounce_secret()
    given = request.headers.get("Authorization", "").removeprefix("Bearer ").strip()
    if not secret or not hmac.compare_digest(given.encode(), secret.encode()):
        return JsonResponse({"detail": "Not allowed."}, status=403)
    try:
        payload = json.loads(request.body or b"null")
    except ValueError:
        return JsonResponse({"detail": "The body is not JSON."}, status=400)
    events = payload if isinstance(payload, list) else [payload]
    suppressed = 0
    for event in events:
        if not isinstance(event, dict) or not isinstance(event.get("email"), str):
            return JsonResponse({"detail": "Each event needs an email."}, status=400)
        if services.record_bounce(email=event["email"], kind=str(event.get("type", ""))):
            suppressed += 1
    return JsonResponse({"suppressed": suppressed})


# Managers' pages --------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def create(request: HttpRequest) -> HttpResponse:
    if not (roles.is_platform_admin(request.user) or roles.managed_cluster_ids(request.user)):
        raise PermissionDenied
    form = NewsletterForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            item = services.create_newsletter(actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            return redirect("newsletters:manage", item.slug)
    return render(request, "newsletters/create.html", {"form": form})


@login_required
@require_http_methods(["GET", "POST"])
def manage(request: HttpRequest, slug: str) -> HttpResponse:
    """A newsletter's issues and subscribers, for its managers; POST creates a draft issue."""
    item = get_for_write(Newsletter, roles.can_manage_newsletter, request.user, slug=slug)
    form = IssueForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        new = services.create_issue(newsletter=item, actor=request.user, **form.cleaned_data)
        return redirect("newsletters:compose", new.pk)
    counts = dict(
        item.subscriptions.values_list("status").annotate(n=Count("pk")).values_list("status", "n")
    )
    context = {
        "newsletter": item,
        "issues": item.issues.order_by("-created"),
        "form": form,
        "counts": {s.label: counts.get(s.value, 0) for s in SubscriptionStatus},
        "consenting": services.consenting_members(item).count(),
    }
    return render(request, "newsletters/manage.html", context)


@login_required
@require_POST
def subscribe_members(request: HttpRequest, slug: str) -> HttpResponse:
    item = get_for_write(Newsletter, roles.can_manage_newsletter, request.user, slug=slug)
    added = services.subscribe_consenting_members(newsletter=item, actor=request.user)
    messages.success(request, _("%(count)d consenting members subscribed.") % {"count": added})
    return redirect("newsletters:manage", item.slug)


@login_required
@require_GET
def subscribers(request: HttpRequest, slug: str) -> HttpResponse:
    item = get_for_write(Newsletter, roles.can_manage_newsletter, request.user, slug=slug)
    export = request.GET.get("export")
    if export in FORMATS:
        headers = [
            _("Email"),
            _("Name"),
            _("Status"),
            _("Consent given"),
            _("Confirmed"),
            _("Consent text"),
        ]
        return table_response(
            headers, services.subscriber_rows(item), fmt=export, filename=f"subscribers-{slug}"
        )
    context = {"newsletter": item, "subscriptions": item.subscriptions.order_by("email")}
    return render(request, "newsletters/subscribers.html", context)


def _compose_context(request: HttpRequest, item: Issue, **forms: Any) -> dict[str, Any]:
    newsletter = item.newsletter
    blocks = list(
        item.blocks.select_related("event", "source_block__issue__newsletter").order_by(
            "position", "pk"
        )
    )
    return {
        "issue": item,
        "newsletter": newsletter,
        "blocks": [(b, services.block_view(b)) for b in blocks],
        "issue_form": forms.get("issue_form") or IssueForm(instance=item),
        "text_form": forms.get("text_form") or TextBlockForm(),
        "event_form": forms.get("event_form") or EventBlockForm(newsletter=newsletter),
        "shared_form": forms.get("shared_form") or SharedBlockForm(newsletter=newsletter),
        "counts": services.delivery_counts(item),
        "is_draft": item.status == IssueStatus.DRAFT,
    }


@login_required
@require_http_methods(["GET", "POST"])
def compose(request: HttpRequest, issue_id: int) -> HttpResponse:
    """Compose a draft: subject and introduction, and blocks (text, events, shared)."""
    item = get_for_write(_issues(), _manageable, request.user, pk=issue_id)
    forms: dict[str, Any] = {}
    if request.method == "POST":
        action = request.POST.get("action", "")
        try:
            forms = _compose_post(request, item, action)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
            forms = {}
        if not forms:
            if request.htmx and not request.htmx.boosted:
                # Moving or removing a block from the list: answer with the new list only.
                context = _compose_context(request, item)
                return render(request, "newsletters/_block_list.html", context)
            return redirect("newsletters:compose", item.pk)
    response = render(request, "newsletters/compose.html", _compose_context(request, item, **forms))
    if forms:
        response.status_code = 400
    return response


def _compose_post(request: HttpRequest, item: Issue, action: str) -> dict[str, Any]:
    """Apply one compose action; returns the invalid form to show again (empty when done)."""
    user = request.user
    newsletter = item.newsletter
    if action == "issue":
        form = IssueForm(request.POST, instance=Issue.objects.get(pk=item.pk))
        if not form.is_valid():
            return {"issue_form": form}
        services.update_issue(issue=item, actor=user, **form.cleaned_data)
    elif action == "text":
        form = TextBlockForm(request.POST)
        if not form.is_valid():
            return {"text_form": form}
        services.add_block(issue=item, actor=user, **form.cleaned_data)
    elif action == "event":
        form = EventBlockForm(request.POST, newsletter=newsletter)
        if not form.is_valid():
            return {"event_form": form}
        services.add_block(issue=item, actor=user, kind="event", event=form.cleaned_data["event"])
    elif action == "shared":
        form = SharedBlockForm(request.POST, newsletter=newsletter)
        if not form.is_valid():
            return {"shared_form": form}
        services.share_block(issue=item, actor=user, source=form.cleaned_data["block"])
    elif action in {"up", "down", "remove"}:
        block = get_object_or_404(item.blocks, pk=request.POST.get("block"))
        if action == "remove":
            services.remove_block(block=block, actor=user)
        else:
            services.move_block(block=block, actor=user, offset=-1 if action == "up" else 1)
    else:
        raise ValidationError(_("Unknown action."))
    return {}


@login_required
@require_POST
def test_mail(request: HttpRequest, issue_id: int) -> HttpResponse:
    """Mail the issue to the logged-in manager."""
    item = get_for_write(_issues(), _manageable, request.user, pk=issue_id)
    try:
        services.send_test(issue=item, to=request.user.email)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request, _("A test mail was sent to %(email)s.") % {"email": request.user.email}
        )
    return redirect("newsletters:compose", item.pk)


@login_required
@require_http_methods(["GET", "POST"])
def send(request: HttpRequest, issue_id: int) -> HttpResponse:
    """GET: confirm sending (with the number of recipients); POST: start sending."""
    item = get_for_write(_issues(), _manageable, request.user, pk=issue_id)
    if request.method == "POST":
        try:
            written = services.start_sending(issue=item, actor=request.user)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(
                request, _("Sending to %(count)d recipients has started.") % {"count": written}
            )
        return redirect("newsletters:compose", item.pk)
    recipients = item.newsletter.subscriptions.filter(status=SubscriptionStatus.ACTIVE).count()
    return render(request, "newsletters/send.html", {"issue": item, "recipients": recipients})


@login_required
@require_GET
@csp_update({"style-src": ["'unsafe-inline'"]})  # the mail's CSS is inlined, as mail clients need
def preview(request: HttpRequest, issue_id: int) -> HttpResponse:
    """The mail of an issue as subscribers get it (``?part=text``: the plain-text part)."""
    item = get_for_write(_issues(), _manageable, request.user, pk=issue_id)
    rendered = services.render_issue(item)
    html, text = rendered.for_recipient(settings.SITE_URL + item.newsletter.get_absolute_url())
    if request.GET.get("part") == "text":
        return HttpResponse(text, content_type="text/plain; charset=utf-8")
    return HttpResponse(html)

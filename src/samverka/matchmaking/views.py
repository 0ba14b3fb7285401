"""Pages of needs and offers: lists with filters and exports, detail with matches, edit, renew,
expressions of interest with their outcomes, and the report."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from samverka.core.exports import FORMATS, table_response
from samverka.core.permissions import get_for_write
from samverka.matchmaking import rules, services
from samverka.matchmaking.forms import FilterForm, ListingForm, OutcomeForm
from samverka.matchmaking.matching import find_matches
from samverka.matchmaking.models import Interest, Listing, Need, Offer, Outcome

MODELS: dict[str, type[Listing]] = {"need": Need, "offer": Offer}


def _visible(request: HttpRequest, side: str, pk: int) -> Listing:
    listing = get_object_or_404(MODELS[side].objects.with_related(), pk=pk)
    if not rules.can_view_listing(request.user, listing):
        raise Http404
    return listing


@require_GET
def index(request: HttpRequest) -> HttpResponse:
    """The start page: the latest needs and offers."""
    context = {
        "needs": services.visible_listings(Need, request.user).with_related()[:8],
        "offers": services.visible_listings(Offer, request.user).with_related()[:8],
        "can_create": rules.can_create_listing(request.user),
        "can_report": rules.sees_members_only(request.user),
    }
    return render(request, "matchmaking/index.html", context)


@require_GET
def listing_list(request: HttpRequest, side: str) -> HttpResponse:
    model = MODELS[side]
    form = FilterForm(request.GET or None)
    params = form.cleaned_data if form.is_bound and form.is_valid() else {}
    listings = services.filter_listings(
        services.visible_listings(model, request.user).with_related(), params, user=request.user
    )
    export = request.GET.get("export")
    if export in FORMATS:
        headers = [
            _("Title"),
            _("Kind"),
            _("Organisation"),
            _("County"),
            _("Focus areas"),
            _("Expires on"),
            _("Visible to"),
            _("Description"),
        ]
        rows = (
            [
                item.title,
                item.get_kind_display(),
                item.owner.name,
                item.county.name if item.county else "",
                " | ".join(f.name for f in item.focus_areas.all()),
                item.expires_on,
                item.get_visibility_display(),
                item.description,
            ]
            for item in listings
        )
        return table_response(headers, rows, fmt=export, filename=f"{side}s")
    query = request.GET.copy()
    query.pop("page", None)
    page = Paginator(listings, 25).get_page(request.GET.get("page"))
    return render(
        request,
        "matchmaking/listing_list.html",
        {
            "side": side,
            "form": form,
            "page": page,
            "count": page.paginator.count,
            "query": query.urlencode(),
            "can_create": rules.can_create_listing(request.user),
        },
    )


@require_GET
def listing_detail(request: HttpRequest, side: str, pk: int) -> HttpResponse:
    listing = _visible(request, side, pk)
    can_edit = rules.can_edit_listing(request.user, listing)
    result = None
    if not listing.is_expired:
        result = find_matches(listing, top=10, members_only=rules.sees_members_only(request.user))
    interests = Interest.objects.filter(**{side: listing}).select_related(
        "need__owner", "offer__owner"
    )
    return render(
        request,
        "matchmaking/listing_detail.html",
        {
            "side": side,
            "other": "offer" if side == "need" else "need",
            "listing": listing,
            "result": result,
            "can_edit": can_edit,
            "can_express": can_edit and request.user.is_authenticated,
            "interests": [(i, rules.can_handle_interest(request.user, i)) for i in interests]
            if request.user.is_authenticated
            else [],
            "outcomes": Outcome.choices,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def listing_edit(request: HttpRequest, side: str, pk: int | None = None) -> HttpResponse:
    model = MODELS[side]
    listing = None
    if pk is not None:
        listing = get_for_write(model, rules.can_edit_listing, request.user, pk=pk)
    elif not rules.can_create_listing(request.user):
        raise PermissionDenied
    initial: dict[str, Any] = {}
    if listing is not None:
        initial = {
            "kind": listing.kind,
            "title": listing.title,
            "description": listing.description,
            "owner": listing.owner,
            "county": listing.county,
            "focus_areas": list(listing.focus_areas.all()),
            "visibility": listing.visibility,
            "expires_on": listing.expires_on,
        }
    form = ListingForm(
        request.POST or None,
        initial=initial,
        organisations=rules.editable_organisations(request.user),
    )
    if request.method == "POST" and form.is_valid():
        data = {k: v for k, v in form.cleaned_data.items() if k != "focus_areas"}
        try:
            saved = services.save_listing(
                actor=request.user,
                model=model,
                listing=listing,
                data=data,
                focus_areas=form.cleaned_data["focus_areas"],
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("Saved %(title)s.") % {"title": saved.title})
            return redirect(saved)
    return render(
        request,
        "matchmaking/listing_form.html",
        {"form": form, "listing": listing, "side": side},
    )


@login_required
@require_POST
def listing_renew(request: HttpRequest, side: str, pk: int) -> HttpResponse:
    listing = get_for_write(MODELS[side], rules.can_edit_listing, request.user, pk=pk)
    services.renew_listing(actor=request.user, listing=listing)
    messages.success(
        request,
        _("Renewed: now shown until %(date)s.") % {"date": listing.expires_on.isoformat()},
    )
    return redirect(listing)


@login_required
@require_POST
def interest_create(request: HttpRequest) -> HttpResponse:
    need = get_object_or_404(Need, pk=request.POST.get("need") or 0)
    offer = get_object_or_404(Offer, pk=request.POST.get("offer") or 0)
    back = (request.POST.get("from") == "offer" and offer) or need
    try:
        _interest, created = services.express_interest(
            actor=request.user, need=need, offer=offer, message=request.POST.get("message", "")
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        if created:
            messages.success(request, _("Interest registered: both sides have been introduced."))
        else:
            messages.info(request, _("These two have already been introduced."))
    return redirect(back)


@login_required
@require_POST
def interest_outcome(request: HttpRequest, pk: int) -> HttpResponse:
    interest = get_for_write(
        Interest.objects.select_related("need__owner", "offer__owner"),
        rules.can_handle_interest,
        request.user,
        pk=pk,
    )
    form = OutcomeForm(request.POST)
    if form.is_valid():
        services.record_outcome(
            actor=request.user, interest=interest, outcome=form.cleaned_data["outcome"]
        )
        messages.success(request, _("Outcome recorded."))
    back = (request.POST.get("from") == "offer" and interest.offer) or interest.need
    return redirect(back)


@login_required
@require_GET
def report(request: HttpRequest) -> HttpResponse:
    """Introductions and outcomes per month and kind, and per cluster."""
    if not rules.sees_members_only(request.user):
        raise PermissionDenied
    data = services.report()
    outcome_labels = [(value, label) for value, label in Outcome.choices]
    export = request.GET.get("export")
    if export in FORMATS:
        by = request.GET.get("by", "month")
        headers = [_("Cluster")] if by == "cluster" else [_("Month"), _("Kind")]
        headers += [_("Introductions")] + [str(label) for _v, label in outcome_labels]
        if by == "cluster":
            rows = (
                [r["cluster"], r["introductions"]] + [r[v] for v, _l in outcome_labels]
                for r in data["clusters"]
            )
        else:
            rows = (
                [r["month"], r["kind_label"], r["introductions"]]
                + [r[v] for v, _l in outcome_labels]
                for r in data["months"]
            )
        return table_response(headers, rows, fmt=export, filename=f"matchmaking-{by}")
    for section in data.values():
        for row in section:
            row["counts"] = [row[v] for v, _l in outcome_labels]
    return render(request, "matchmaking/report.html", data | {"outcome_labels": outcome_labels})

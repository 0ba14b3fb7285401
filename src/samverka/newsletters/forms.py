"""Forms of the newsletters app."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from samverka.clusters.models import Cluster
from samverka.core import roles
from samverka.core.links import WebLinkField
from samverka.newsletters import services
from samverka.newsletters.models import Block, BlockKind, Issue, Newsletter


class NewsletterForm(forms.ModelForm):
    class Meta:
        model = Newsletter
        fields = ["name", "slug", "cluster", "description", "reply_to"]

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        cluster_field = self.fields["cluster"]
        if roles.is_platform_admin(user):
            cluster_field.queryset = Cluster.objects.order_by("name")
        else:
            cluster_field.queryset = Cluster.objects.filter(
                pk__in=roles.managed_cluster_ids(user)
            ).order_by("name")
            cluster_field.required = True
            cluster_field.empty_label = None


class SubscribeForm(forms.Form):
    email = forms.EmailField(label=_("Email"))
    name = forms.CharField(label=_("Name"), max_length=200, required=False)
    consent = forms.BooleanField(label=_("I consent"), required=True)

    def __init__(self, *args: Any, newsletter: Newsletter, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.consent_text = services.default_consent_text(newsletter)
        self.fields["consent"].label = self.consent_text


class IssueForm(forms.ModelForm):
    class Meta:
        model = Issue
        fields = ["subject", "intro"]
        widgets = {"intro": forms.Textarea(attrs={"rows": 4})}


class TextBlockForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("Kind"),
        choices=[
            (BlockKind.TEXT.value, BlockKind.TEXT.label),
            (BlockKind.FEED_ITEM.value, BlockKind.FEED_ITEM.label),
            (BlockKind.GOOD_EXAMPLE.value, BlockKind.GOOD_EXAMPLE.label),
        ],
        initial=BlockKind.TEXT,
    )
    title = forms.CharField(label=_("Title"), max_length=300, required=False)
    body = forms.CharField(
        label=_("Text"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("Simple HTML is allowed (paragraphs, links, lists, emphasis)."),
    )
    link = WebLinkField(label=_("Link"), max_length=1000, required=False)


class EventBlockForm(forms.Form):
    event = forms.ModelChoiceField(label=_("Event"), queryset=Block.objects.none())

    def __init__(self, *args: Any, newsletter: Newsletter, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["event"].queryset = services.upcoming_events(newsletter)


class _BlockChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj: Block) -> str:
        return f"{obj.issue.newsletter.name}: {obj.issue.subject} – {obj}"


class SharedBlockForm(forms.Form):
    block = _BlockChoice(label=_("Block"), queryset=Block.objects.none())

    def __init__(self, *args: Any, newsletter: Newsletter, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["block"].queryset = services.shareable_blocks(newsletter)

"""Forms of the knowledge hub."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from samverka.actors.models import FocusArea, Organisation
from samverka.clusters.models import Cluster
from samverka.core.links import WebLinkField
from samverka.core.roles import is_platform_admin, managed_cluster_ids
from samverka.knowledge.models import GoodExample, Kind


class ExampleForm(forms.ModelForm):
    focus_areas = forms.ModelMultipleChoiceField(
        queryset=FocusArea.objects.all(),
        required=False,
        label=_("Focus areas"),
        widget=forms.CheckboxSelectMultiple,
    )
    link = WebLinkField(label=_("Link"), required=False, max_length=1000)
    organisations = forms.ModelMultipleChoiceField(
        queryset=Organisation.objects.order_by("name"),
        required=False,
        label=_("Organisations involved"),
    )

    class Meta:
        model = GoodExample
        fields = [
            "kind",
            "title",
            "summary",
            "body",
            "link",
            "focus_areas",
            "organisations",
            "cluster",
            "published",
        ]
        widgets = {
            "summary": forms.Textarea(attrs={"rows": 3}),
            "body": forms.Textarea(attrs={"rows": 10}),
        }

    def __init__(self, *args: Any, user: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        clusters = Cluster.objects.order_by("name")
        if not is_platform_admin(user):
            allowed = set(managed_cluster_ids(user))
            if self.instance.cluster_id:
                allowed.add(self.instance.cluster_id)
            clusters = clusters.filter(pk__in=allowed)
            self.fields["cluster"].required = not self.instance.pk or bool(self.instance.cluster_id)
        self.fields["cluster"].queryset = clusters


class AttachmentForm(forms.Form):
    file = forms.FileField(
        label=_("File"),
        help_text=_("PDF, DOCX, XLSX, PPTX, ODT, PNG, JPEG, CSV or TXT."),
    )


class FilterForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), required=False)
    focus = forms.ChoiceField(label=_("Focus area"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [("", _("All")), *Kind.choices]
        self.fields["focus"].choices = [("", _("All"))] + [
            (f.slug, f.name) for f in FocusArea.objects.all()
        ]


SEARCH_KINDS = [
    ("organisation", _("Organisations")),
    ("cluster", _("Clusters")),
    ("event", _("Events")),
    ("project", _("Projects")),
    ("example", _("Knowledge hub")),
    ("scanned", _("Horizon scanning")),
]


class SearchForm(forms.Form):
    q = forms.CharField(label=_("Search for"), required=False, max_length=200)
    kind = forms.ChoiceField(label=_("Kind"), required=False)
    focus = forms.ChoiceField(label=_("Focus area"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [("", _("All")), *SEARCH_KINDS]
        self.fields["focus"].choices = [("", _("All"))] + [
            (f.slug, f.name) for f in FocusArea.objects.all()
        ]

"""Forms of horizon scanning."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from samverka.actors.models import FocusArea
from samverka.clusters.models import Cluster
from samverka.core import roles
from samverka.core.links import WebLinkField
from samverka.scanning import services
from samverka.scanning.models import FeedSource, Folder


class ItemFilterForm(forms.Form):
    q = forms.CharField(label=_("Text"), required=False, max_length=100)
    focus = forms.ChoiceField(label=_("Focus area"), required=False)
    source = forms.ChoiceField(label=_("Source"), required=False)
    folder = forms.ChoiceField(label=_("Folder"), required=False)
    deadline = forms.BooleanField(label=_("Only with a deadline"), required=False)
    order = forms.ChoiceField(
        label=_("Order"),
        required=False,
        choices=[("", _("Newest first")), ("deadline", _("Upcoming deadlines first"))],
    )

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        everything = [("", _("All"))]
        self.fields["focus"].choices = everything + [
            (f.slug, f.name) for f in FocusArea.objects.all()
        ]
        self.fields["source"].choices = everything + [
            (str(s.pk), s.name) for s in services.visible_sources(user).order_by("name")
        ]
        self.fields["folder"].choices = everything + [
            (str(f.pk), str(f)) for f in visible_folders(user)
        ]


def visible_folders(user: Any) -> Any:
    folders = Folder.objects.select_related("cluster")
    if roles.is_platform_admin(user):
        return folders
    return folders.filter(cluster_id__in=services.user_cluster_ids(user))


class SourceForm(forms.ModelForm):
    url = WebLinkField(label=_("Feed address"), max_length=1000)
    owner = forms.ModelChoiceField(
        queryset=Cluster.objects.none(),
        required=False,
        label=_("Owner"),
        help_text=_("Empty for the national network (platform admins only)."),
    )
    shared_with = forms.ModelMultipleChoiceField(
        queryset=Cluster.objects.all(),
        required=False,
        label=_("Shared with"),
        widget=forms.CheckboxSelectMultiple,
    )
    focus_areas = forms.ModelMultipleChoiceField(
        queryset=FocusArea.objects.all(),
        required=False,
        label=_("Focus areas"),
        widget=forms.CheckboxSelectMultiple,
    )

    class Meta:
        model = FeedSource
        fields = ["url", "name", "interval_minutes"]  # url declared above (https default)

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["name"].required = False
        self.fields["owner"].queryset = services.managed_clusters(user)
        if not roles.is_platform_admin(user):
            self.fields["owner"].required = True
            self.fields["owner"].empty_label = None

    def clean_owner(self) -> Cluster | None:
        owner = self.cleaned_data.get("owner")
        if owner is None and not roles.is_platform_admin(self.user):
            raise forms.ValidationError(_("Only platform admins add national sources."))
        return owner


class NoteForm(forms.Form):
    rating = forms.TypedChoiceField(
        label=_("Relevance"),
        required=False,
        coerce=int,
        empty_value=None,
        choices=[("", "–")] + [(str(n), str(n)) for n in range(1, 6)],
    )
    note = forms.CharField(
        label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 3}), max_length=5000
    )


class FolderForm(forms.Form):
    cluster = forms.ModelChoiceField(queryset=Cluster.objects.none(), label=_("Cluster"))
    name = forms.CharField(label=_("Name"), max_length=200)

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["cluster"].queryset = services.managed_clusters(user)


class OpmlImportForm(forms.Form):
    file = forms.FileField(label=_("OPML file"))
    owner = forms.ModelChoiceField(
        queryset=Cluster.objects.none(),
        required=False,
        label=_("Owner"),
        help_text=_("Empty for the national network (platform admins only)."),
    )

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = services.managed_clusters(user)
        if not roles.is_platform_admin(user):
            self.fields["owner"].required = True
            self.fields["owner"].empty_label = None

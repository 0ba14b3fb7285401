"""Forms for needs and offers, the list filters, interests and outcomes."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from samverka.actors.models import FocusArea, Organisation
from samverka.geo.models import Area
from samverka.matchmaking.models import Kind, Outcome


class ListingForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=Kind.choices)
    title = forms.CharField(label=_("Title"), max_length=200)
    description = forms.CharField(
        label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 6})
    )
    owner = forms.ModelChoiceField(label=_("Organisation"), queryset=Organisation.objects.none())
    county = forms.ModelChoiceField(
        label=_("County"), queryset=Area.objects.counties(), required=False
    )
    focus_areas = forms.ModelMultipleChoiceField(
        label=_("Focus areas"),
        queryset=FocusArea.objects.all(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    visibility = forms.ChoiceField(
        label=_("Visible to"),
        choices=[("public", _("everyone")), ("members", _("members of the clusters only"))],
    )
    expires_on = forms.DateField(
        label=_("Expires on"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("Twelve months from today when left empty; it can be renewed."),
    )

    def __init__(self, *args: Any, organisations: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = organisations.order_by("name")


class FilterForm(forms.Form):
    q = forms.CharField(label=_("Title"), required=False, max_length=100)
    kind = forms.ChoiceField(label=_("Kind"), required=False)
    focus = forms.ChoiceField(label=_("Focus area"), required=False)
    county = forms.ChoiceField(label=_("County"), required=False)
    own = forms.BooleanField(label=_("Only my organisations'"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        everything = [("", _("All"))]
        self.fields["kind"].choices = everything + list(Kind.choices)
        self.fields["focus"].choices = everything + [
            (f.slug, f.name) for f in FocusArea.objects.all()
        ]
        self.fields["county"].choices = everything + [
            (a.code, a.name) for a in Area.objects.counties()
        ]


class OutcomeForm(forms.Form):
    outcome = forms.ChoiceField(label=_("Outcome"), choices=Outcome.choices)

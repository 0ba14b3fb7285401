"""Forms for the cluster profile and its members."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from samverka.actors.forms import focus_area_choices
from samverka.actors.models import FocusArea, Organisation
from samverka.clusters.models import Cluster, MembershipRole
from samverka.core.widgets import FastSelect
from samverka.geo.models import Area


class ClusterForm(forms.ModelForm):
    regions = forms.ModelMultipleChoiceField(
        queryset=Area.objects.counties(),
        required=False,
        label=_("Regions (counties)"),
        widget=forms.CheckboxSelectMultiple,
    )
    focus_areas = forms.ModelMultipleChoiceField(
        queryset=FocusArea.objects.all(),
        required=False,
        label=_("Focus areas"),
        widget=forms.CheckboxSelectMultiple,
    )

    class Meta:
        model = Cluster
        fields = [
            "name",
            "summary",
            "description",
            "website",
            "contact_email",
            "regions",
            "focus_areas",
        ]
        widgets = {"description": forms.Textarea(attrs={"rows": 6})}


class MemberForm(forms.Form):
    organisation = forms.ModelChoiceField(
        queryset=Organisation.objects.order_by("name"), label=_("Organisation")
    )
    role = forms.ChoiceField(choices=MembershipRole.choices, label=_("Role"))
    since = forms.DateField(
        required=False, label=_("Member since"), widget=forms.DateInput(attrs={"type": "date"})
    )


class ClusterFilterForm(forms.Form):
    q = forms.CharField(label=_("Name"), required=False, max_length=100)
    county = forms.ChoiceField(label=_("County"), required=False, widget=FastSelect)
    focus = forms.ChoiceField(label=_("Focus area"), required=False, widget=FastSelect)

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        everything = [("", _("All"))]
        self.fields["county"].choices = everything + list(
            Area.objects.counties().values_list("code", "name")
        )
        self.fields["focus"].choices = everything + focus_area_choices()

"""Forms for organisations, people and the organisation import."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from samverka.actors.enums import Helix, RelationKind
from samverka.actors.models import FocusArea, Organisation, Person
from samverka.actors.services import normalise_orgnr
from samverka.clusters.models import Cluster
from samverka.core.widgets import FastSelect
from samverka.geo.models import Area


def focus_area_choices() -> list[tuple[str, str]]:
    """``(slug, name)`` of every focus area, the name in the active language, in the model's
    order (one query of two columns each, no model instances)."""
    english = (get_language() or "sv").startswith("en")
    return [
        (slug, name_en if english and name_en else name_sv)
        for slug, name_sv, name_en in FocusArea.objects.values_list("slug", "name_sv", "name_en")
    ]


class MunicipalityChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Area) -> str:
        return f"{obj.name} ({obj.code})"


class OrganisationForm(forms.ModelForm):
    municipality = MunicipalityChoiceField(
        queryset=Area.objects.municipalities().order_by("name"),
        required=False,
        label=_("Municipality"),
    )
    focus_areas = forms.ModelMultipleChoiceField(
        queryset=FocusArea.objects.all(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label=_("Focus areas"),
    )

    class Meta:
        model = Organisation
        fields = [
            "name",
            "orgnr",
            "helix",
            "municipality",
            "country",
            "focus_areas",
            "website",
            "description",
        ]
        widgets = {"description": forms.Textarea(attrs={"rows": 5})}

    def clean_country(self) -> str:
        return (self.cleaned_data.get("country") or "").strip().upper()

    def clean_orgnr(self) -> str | None:
        value = normalise_orgnr(self.cleaned_data.get("orgnr"))
        if value:
            clash = Organisation.objects.filter(orgnr=value).exclude(pk=self.instance.pk).first()
            if clash:
                raise ValidationError(
                    _("%(orgnr)s is already registered for %(name)s.")
                    % {"orgnr": value, "name": clash.name}
                )
        return value


class PersonForm(forms.ModelForm):
    class Meta:
        model = Person
        fields = [
            "name",
            "email",
            "organisation",
            "role_title",
            "gender",
            "newsletter_consent",
            "listing_consent",
        ]

    def __init__(self, *args: Any, organisations: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if organisations is not None:
            self.fields["organisation"].queryset = organisations


class OrganisationFilterForm(forms.Form):
    """The filters of the organisation list; every field optional. The selects render without
    templates (:class:`FastSelect`): the municipality list alone has 290 options."""

    q = forms.CharField(label=_("Name"), required=False, max_length=100)
    helix = forms.ChoiceField(
        label=_("Helix type"),
        required=False,
        choices=[("", _("All")), *Helix.choices],
        widget=FastSelect,
    )
    focus = forms.ChoiceField(label=_("Focus area"), required=False, widget=FastSelect)
    county = forms.ChoiceField(label=_("County"), required=False, widget=FastSelect)
    municipality = forms.ChoiceField(label=_("Municipality"), required=False, widget=FastSelect)
    cluster = forms.ChoiceField(label=_("Cluster"), required=False, widget=FastSelect)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        everything = [("", _("All"))]
        self.fields["focus"].choices = everything + focus_area_choices()
        self.fields["county"].choices = everything + list(
            Area.objects.counties().values_list("code", "name")
        )
        municipalities = Area.objects.municipalities().order_by("name")
        county = self.data.get("county") if self.is_bound else None
        if county:
            municipalities = municipalities.filter(parent__code=county)
        self.fields["municipality"].choices = everything + list(
            municipalities.values_list("code", "name")
        )
        self.fields["cluster"].choices = everything + list(
            Cluster.objects.order_by("name").values_list("slug", "name")
        )

    def filters(self) -> dict[str, str]:
        """The valid, non-empty filters (invalid values are ignored rather than failing)."""
        if not self.is_valid():
            return {k: v for k, v in self.cleaned_data.items() if v}
        return {k: v for k, v in self.cleaned_data.items() if v}


class ImportForm(forms.Form):
    file = forms.FileField(
        label=_("File"),
        help_text=_("CSV (UTF-8, comma or semicolon separated) or XLSX, at most 20 MB."),
    )
    dry_run = forms.BooleanField(label=_("Check only, write nothing"), required=False)

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        name = upload.name.lower()
        if not name.endswith((".csv", ".txt", ".xlsx")):
            raise ValidationError(_("Upload a .csv or .xlsx file."))
        return upload


class RelationForm(forms.Form):
    target = forms.ModelChoiceField(
        queryset=Organisation.objects.order_by("name"), label=_("Organisation")
    )
    kind = forms.ChoiceField(choices=RelationKind.choices, label=_("Kind of relation"))
    since = forms.DateField(
        required=False, label=_("Since"), widget=forms.DateInput(attrs={"type": "date"})
    )
    note = forms.CharField(required=False, max_length=500, label=_("Note"))

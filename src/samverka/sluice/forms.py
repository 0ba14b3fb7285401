"""Forms of the sluice: the public Get help form (also the API's validation), the handlers'
forms and the routing rule form."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from samverka.actors.enums import Helix
from samverka.actors.models import FocusArea, Organisation
from samverka.clusters.models import Cluster
from samverka.core import roles
from samverka.geo.models import Area
from samverka.programmes.models import Call
from samverka.sluice.models import HelpKind, Outcome, RoutingRule, Stage

#: Version of the consent text below; stored on every case together with the text shown.
CONSENT_VERSION = "2026-11"
CONSENT_TEXT = _(
    "I agree that Samverka stores what I have written and my contact details, and passes them "
    "on to the cluster or organisation that handles my request, so that they can contact me "
    "about it. The data is kept while the request is handled and for at most three years after."
)
#: The honeypot: a field people do not see (hidden by CSS, skipped by keyboard and screen
#: readers) and that bots fill in.
HONEYPOT = "website"


class _FocusAreaChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return obj.name


class _MunicipalityChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.name} ({obj.parent.name})" if obj.parent_id else obj.name


class HelpForm(forms.Form):
    """What the applicant needs, where, and who they are; consent is required."""

    title = forms.CharField(
        label=_("What do you need help with?"),
        max_length=200,
        help_text=_("A short headline, e.g. “Testing a new ley seed mix”."),
    )
    description = forms.CharField(
        label=_("Describe your idea or need"),
        widget=forms.Textarea(attrs={"rows": 6}),
        max_length=5000,
    )
    kind = forms.ChoiceField(
        label=_("Kind of help"), choices=[("", _("Choose the kind of help")), *HelpKind.choices]
    )
    focus_area = _FocusAreaChoice(
        label=_("Focus area"),
        queryset=FocusArea.objects.all(),
        required=False,
        empty_label=_("Don't know / other"),
    )
    municipality = _MunicipalityChoice(
        label=_("Municipality"),
        queryset=Area.objects.municipalities().select_related("parent").order_by("name"),
        required=False,
        empty_label=_("Choose a municipality"),
    )
    name = forms.CharField(label=_("Your name"), max_length=200)
    email = forms.EmailField(label=_("Email"))
    organisation_name = forms.CharField(
        label=_("Company or organisation"),
        max_length=200,
        help_text=_("Your company, farm, university or organisation."),
    )
    phone = forms.CharField(label=_("Phone (optional)"), max_length=40, required=False)
    consent = forms.BooleanField(label=CONSENT_TEXT)
    website = forms.CharField(
        label=_("Leave this field empty"),
        required=False,
        widget=forms.TextInput(attrs={"tabindex": "-1", "autocomplete": "off"}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in ("title", "description", "name", "email", "organisation_name", "kind"):
            self.fields[name].widget.attrs["required"] = True
        self.fields["email"].widget.attrs["autocomplete"] = "email"
        self.fields["name"].widget.attrs["autocomplete"] = "name"
        self.fields["organisation_name"].widget.attrs["autocomplete"] = "organization"
        self.fields["phone"].widget.attrs["autocomplete"] = "tel"

    def is_spam(self) -> bool:
        """Whether the honeypot was filled in."""
        return bool(self.data.get(HONEYPOT, "").strip()) if hasattr(self.data, "get") else False

    def visible_fields(self) -> list[Any]:
        return [f for f in super().visible_fields() if f.name != HONEYPOT]


class TransitionForm(forms.Form):
    to_stage = forms.ChoiceField(label=_("Move to stage"), choices=Stage.choices)
    outcome = forms.ChoiceField(
        label=_("Outcome (when closing)"),
        choices=[("", "—"), *Outcome.choices],
        required=False,
    )
    note = forms.CharField(
        label=_("Note"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )

    def __init__(self, *args: Any, stages: list[str] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if stages is not None:
            self.fields["to_stage"].choices = [(s, Stage(s).label) for s in stages]


class NoteForm(forms.Form):
    text = forms.CharField(label=_("Note"), widget=forms.Textarea(attrs={"rows": 3}))


class ReassignForm(forms.Form):
    cluster = forms.ModelChoiceField(
        label=_("Cluster"), queryset=Cluster.objects.all(), required=False
    )
    organisation = forms.ModelChoiceField(
        label=_("Organisation"), queryset=Organisation.objects.all(), required=False
    )
    note = forms.CharField(label=_("Why"), required=False)

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("cluster") and data.get("organisation"):
            raise forms.ValidationError(_("Choose a cluster or an organisation, not both."))
        return data


class ApplicationForm(forms.Form):
    call = forms.ModelChoiceField(label=_("Call"), queryset=Call.objects.none())
    organisation_name = forms.CharField(label=_("Applicant organisation"), max_length=200)
    orgnr = forms.CharField(
        label=_("Organisation number"),
        max_length=11,
        required=False,
        help_text=_("Used first to find the organisation in the directory."),
    )
    helix = forms.ChoiceField(
        label=_("Kind of organisation (when it is new)"),
        choices=Helix.choices,
        initial=Helix.COMPANY,
    )

    def __init__(self, *args: Any, calls: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if calls is not None:
            self.fields["call"].queryset = calls


class RoutingRuleForm(forms.ModelForm):
    class Meta:
        model = RoutingRule
        fields = [
            "name",
            "focus_area",
            "county",
            "kind",
            "priority",
            "target_cluster",
            "target_organisation",
            "active",
        ]

    def __init__(self, *args: Any, user: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["county"].queryset = Area.objects.counties()
        if not roles.is_platform_admin(user):
            self.fields["target_cluster"].queryset = Cluster.objects.filter(
                pk__in=roles.managed_cluster_ids(user)
            )
            self.fields["target_cluster"].required = True
            del self.fields["target_organisation"]

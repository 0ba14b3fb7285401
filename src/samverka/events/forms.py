"""Forms for events, registration, sharing and the calendar filters."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from samverka.actors.enums import Gender
from samverka.actors.forms import focus_area_choices
from samverka.actors.models import FocusArea
from samverka.clusters.models import Cluster
from samverka.core import roles
from samverka.core.links import WebLinkField
from samverka.core.widgets import FastSelect
from samverka.events.models import Event, EventType
from samverka.events.services import CONTACT_CONSENT_TEXT
from samverka.geo.models import Area

_DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


class EventForm(forms.ModelForm):
    """The event editor; the host is one of the user's clusters (admins may leave it empty for
    a national event). Saving goes through ``services.create_event``/``update_event``."""

    organisers = forms.ModelMultipleChoiceField(
        queryset=Cluster.objects.order_by("name"),
        required=False,
        label=_("Co-organising clusters"),
        widget=forms.CheckboxSelectMultiple,
    )
    focus_areas = forms.ModelMultipleChoiceField(
        queryset=FocusArea.objects.all(),
        required=False,
        label=_("Focus areas"),
        widget=forms.CheckboxSelectMultiple,
    )
    online_url = WebLinkField(label=_("Online link"), max_length=500, required=False)
    url = WebLinkField(label=_("Web page"), max_length=500, required=False)

    class Meta:
        model = Event
        fields = [
            "title",
            "event_type",
            "host",
            "start",
            "end",
            "description",
            "place",
            "municipality",
            "online_url",
            "organisers",
            "focus_areas",
            "capacity",
            "registration_deadline",
            "registration_open",
            "visibility",
            "rrule",
            "url",
        ]
        widgets = {
            "description": forms.Textarea(attrs={"rows": 6}),
            "start": _DATETIME,
            "end": _DATETIME,
            "registration_deadline": _DATETIME,
            "rrule": forms.TextInput(attrs={"placeholder": "FREQ=WEEKLY;COUNT=10"}),
        }
        help_texts = {
            "start": _("Local time in Stockholm."),
            "end": _("Local time in Stockholm; may be a later day."),
            "description": _("Simple HTML is kept (paragraphs, lists, links)."),
            "rrule": _("Optional iCalendar recurrence rule, e.g. FREQ=WEEKLY;COUNT=10."),
        }

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in ("start", "end", "registration_deadline"):
            self.fields[name].input_formats = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"]
        host = self.fields["host"]
        self.fields["municipality"].queryset = Area.objects.filter(kind="municipality").order_by(
            "name"
        )
        if roles.is_platform_admin(user):
            host.queryset = Cluster.objects.order_by("name")
            host.empty_label = _("National network (no host cluster)")
        else:
            # A co-organiser's manager edits the event but keeps its host.
            allowed = set(roles.managed_cluster_ids(user))
            if self.instance.pk and self.instance.host_id:
                allowed.add(self.instance.host_id)
            host.queryset = Cluster.objects.filter(pk__in=allowed).order_by("name")
            host.required = True
            host.empty_label = None

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        start, end = data.get("start"), data.get("end")
        if start and end and end < start:
            self.add_error("end", _("The end must not be before the start."))
        return data

    def _post_clean(self) -> None:
        # Validation of the model happens in the service; keep the instance untouched here.
        pass

    def service_data(self) -> dict[str, Any]:
        """The cleaned data in the shape ``services.create_event`` takes."""
        return dict(self.cleaned_data)


class RegistrationForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    email = forms.EmailField(label=_("Email"))
    organisation = forms.CharField(
        label=_("Organisation"),
        max_length=200,
        required=False,
        help_text=_("Pick one from the list or type the name."),
        widget=forms.TextInput(attrs={"list": "organisation-names", "autocomplete": "off"}),
    )
    gender = forms.ChoiceField(
        label=_("Gender (optional)"),
        required=False,
        choices=[("", pgettext_lazy("gender", "Prefer not to say")), *Gender.choices],
        help_text=_("Used only for anonymous counts of participants by gender."),
    )
    # The same words are recorded with the consent (privacy.Consent), so they have one source.
    contact_consent = forms.BooleanField(label=_(CONTACT_CONSENT_TEXT), required=False)


class ShareForm(forms.Form):
    clusters = forms.ModelMultipleChoiceField(
        queryset=Cluster.objects.none(),
        label=_("Share with clusters"),
        widget=forms.CheckboxSelectMultiple,
    )
    message = forms.CharField(
        label=_("Message to the clusters"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args: Any, event: Event, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        excluded = set(event.organisers.values_list("pk", flat=True))
        excluded |= set(event.shares.values_list("cluster_id", flat=True))
        if event.host_id:
            excluded.add(event.host_id)
        self.fields["clusters"].queryset = Cluster.objects.exclude(pk__in=excluded).order_by("name")


class CalendarFilterForm(forms.Form):
    view = forms.ChoiceField(
        label=_("View"),
        required=False,
        choices=[("month", _("Month")), ("list", _("List"))],
        widget=FastSelect,
    )
    month = forms.RegexField(
        label=_("Month"),
        regex=r"^\d{4}-\d{2}$",
        required=False,
        widget=forms.TextInput(attrs={"type": "month"}),
    )
    cluster = forms.ChoiceField(label=_("Cluster"), required=False, widget=FastSelect)
    focus = forms.ChoiceField(label=_("Focus area"), required=False, widget=FastSelect)
    type = forms.ChoiceField(label=_("Type"), required=False, widget=FastSelect)
    county = forms.ChoiceField(label=_("County"), required=False, widget=FastSelect)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        everything = [("", _("All"))]
        self.fields["cluster"].choices = everything + list(
            Cluster.objects.order_by("name").values_list("slug", "name")
        )
        self.fields["focus"].choices = everything + focus_area_choices()
        self.fields["type"].choices = everything + list(EventType.choices)
        self.fields["county"].choices = everything + list(
            Area.objects.counties().values_list("code", "name")
        )

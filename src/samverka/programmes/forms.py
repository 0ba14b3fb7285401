"""Forms of the call, application, assessment, decision and follow-up pages."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from samverka.actors.models import Organisation
from samverka.core.roles import Role
from samverka.geo.models import Area
from samverka.programmes.enums import FinancierCategory
from samverka.programmes.models import Call, FollowUpReport, Measure, Project
from samverka.programmes.services.workflow import APPLICATION_FIELDS, REPORT_FIELDS

DATE = forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"})


class MeasureChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Measure) -> str:
        return f"{obj.code} {obj.name}"


class MunicipalitiesField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Area) -> str:
        return f"{obj.name} ({obj.code})"


class CallForm(forms.ModelForm):
    measures = MeasureChoiceField(
        queryset=Measure.objects.select_related("programme"),
        widget=forms.CheckboxSelectMultiple,
        label=_("Measures"),
    )

    class Meta:
        model = Call
        fields = [
            "programme",
            "slug",
            "title",
            "description",
            "measures",
            "opens",
            "closes",
            "max_support_share",
            "published",
        ]
        widgets = {"opens": DATE, "closes": DATE, "description": forms.Textarea(attrs={"rows": 5})}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.weight_fields: list[str] = []
        if self.instance.pk:
            # The programme of an existing call is fixed: its criteria and measures hang on it.
            self.fields["programme"].disabled = True
            self.fields["measures"].queryset = Measure.objects.filter(
                programme=self.instance.programme
            )
            weights = {cc.criterion_id: cc.weight for cc in self.instance.call_criteria.all()}
            for criterion in self.instance.programme.criteria.all():
                name = f"weight_{criterion.pk}"
                self.fields[name] = forms.DecimalField(
                    label=_("Weight: %(criterion)s") % {"criterion": criterion.name},
                    min_value=0,
                    max_digits=6,
                    decimal_places=2,
                    required=False,
                    initial=weights.get(criterion.pk, criterion.weight),
                    help_text=_("Empty: the criterion is not used in this call."),
                )
                self.weight_fields.append(name)

    def weights(self) -> dict[int, Any] | None:
        if not self.weight_fields:
            return None
        return {
            int(name.removeprefix("weight_")): self.cleaned_data[name]
            for name in self.weight_fields
            if self.cleaned_data.get(name) is not None
        }

    def call_data(self) -> dict[str, Any]:
        return {
            k: v for k, v in self.cleaned_data.items() if k in self.Meta.fields and k != "measures"
        }


class CallDocumentForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    file = forms.FileField(label=_("File"))


class ApplicationForm(forms.ModelForm):
    measures = MeasureChoiceField(
        queryset=Measure.objects.none(), widget=forms.CheckboxSelectMultiple, label=_("Measures")
    )
    partners = forms.ModelMultipleChoiceField(
        queryset=Organisation.objects.order_by("name"),
        required=False,
        label=_("Partner organisations"),
        help_text=_("Hold Ctrl (or ⌘) to choose several."),
    )
    municipalities = MunicipalitiesField(
        queryset=Area.objects.municipalities().order_by("name"),
        required=False,
        label=_("Municipalities the project works in"),
        help_text=_("Hold Ctrl (or ⌘) to choose several."),
    )

    class Meta:
        model = Project
        fields = [*APPLICATION_FIELDS, "partners", "measures", "municipalities"]
        widgets = {
            "start_date": DATE,
            "end_date": DATE,
            **{
                name: forms.Textarea(attrs={"rows": 3})
                for name in [
                    "description",
                    "sustainability_economic",
                    "sustainability_ecological",
                    "sustainability_social",
                    "gender_equality",
                    "youth",
                    "integration",
                ]
            },
        }

    def __init__(self, *args: Any, call: Call, applicants: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["measures"].queryset = call.measures.all()
        self.fields["applicant"].queryset = applicants
        # A draft may be saved incomplete; completeness is checked when it is submitted.
        for name in self.fields:
            if name not in {"title", "applicant"} and not name.startswith("expected_"):
                self.fields[name].required = False
        self.fields["measures"].required = False

    def application_data(self) -> dict[str, Any]:
        return {k: v for k, v in self.cleaned_data.items() if k in APPLICATION_FIELDS}


class FinancingLineForm(forms.Form):
    financier = forms.ModelChoiceField(
        queryset=Organisation.objects.order_by("name"), label=_("Financier")
    )
    category = forms.ChoiceField(choices=FinancierCategory.choices, label=_("Category"))
    year = forms.IntegerField(min_value=1900, max_value=2200, label=_("Year"))
    budget_sek = forms.IntegerField(min_value=0, label=_("Budget (SEK)"))


FinancingFormSet = forms.formset_factory(
    FinancingLineForm, extra=2, can_delete=True, max_num=60, validate_max=True
)


def financing_lines(formset: Any) -> list[dict[str, Any]]:
    """The filled-in, not deleted lines of a valid financing formset."""
    return [
        {k: v for k, v in form.cleaned_data.items() if k != "DELETE"}
        for form in formset.forms
        if form.cleaned_data and not form.cleaned_data.get("DELETE")
    ]


SCORE_CHOICES = [("", _("Choose")), ("na", _("n/a")), *[(str(i), str(i)) for i in range(6)]]


class ScoreForm(forms.Form):
    """One score (0 to 5, or n/a) and comment per criterion of the call, and an overall comment."""

    comment = forms.CharField(
        label=_("Overall comment"), required=False, widget=forms.Textarea(attrs={"rows": 4})
    )

    def __init__(self, *args: Any, weights: dict[int, Any], scores: dict[int, Any], **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.criteria = []
        for criterion_id, (criterion, weight) in weights.items():
            stored = scores.get(criterion_id)
            initial = (
                "" if stored is None else ("na" if stored.score is None else str(stored.score))
            )
            score_name, comment_name = f"score_{criterion_id}", f"comment_{criterion_id}"
            self.fields[score_name] = forms.ChoiceField(
                choices=SCORE_CHOICES,
                required=False,
                label=_("Score"),
                initial=initial,
            )
            self.fields[comment_name] = forms.CharField(
                required=False,
                label=_("Comment"),
                initial=stored.comment if stored else "",
                widget=forms.Textarea(attrs={"rows": 2}),
            )
            self.criteria.append((criterion, weight, self[score_name], self[comment_name]))

    def scores(self) -> dict[int, tuple[int | None, str]]:
        """The answered criteria as ``{criterion_id: (score or None for n/a, comment)}``."""
        result = {}
        for criterion, _weight, score_field, _comment_field in self.criteria:
            value = self.cleaned_data.get(score_field.name)
            if value in ("", None):
                continue
            comment = self.cleaned_data.get(f"comment_{criterion.pk}", "")
            result[criterion.pk] = (None if value == "na" else int(value), comment)
        return result


class ConflictForm(forms.Form):
    note = forms.CharField(
        label=_("Describe the conflict of interest"), widget=forms.Textarea(attrs={"rows": 3})
    )


class TransitionForm(forms.Form):
    to_status = forms.CharField(widget=forms.HiddenInput)
    note = forms.CharField(
        label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[("grant", _("Grant")), ("reject", _("Reject"))],
        widget=forms.RadioSelect,
    )
    motivation = forms.CharField(label=_("Motivation"), widget=forms.Textarea(attrs={"rows": 4}))

    def __init__(self, *args: Any, lines: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.line_fields = []
        for line in lines:
            name = f"amount_{line.pk}"
            self.fields[name] = forms.IntegerField(
                min_value=0,
                required=False,
                label=_("Decided (SEK): %(financier)s, %(category)s %(year)s")
                % {
                    "financier": line.financier.name,
                    "category": line.get_category_display(),
                    "year": line.year,
                },
                initial=line.decided_sek or line.budget_sek,
            )
            self.line_fields.append((line, self[name]))

    def amounts(self) -> dict[int, int]:
        return {line.pk: self.cleaned_data.get(f.name) or 0 for line, f in self.line_fields}


class AssessorForm(forms.Form):
    user = forms.ModelChoiceField(queryset=get_user_model().objects.none(), label=_("Assessor"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = (
            get_user_model()
            .objects.filter(groups__name=Role.ASSESSOR, is_active=True)
            .order_by("username")
        )


class FollowUpReportForm(forms.ModelForm):
    class Meta:
        model = FollowUpReport
        fields = REPORT_FIELDS
        widgets = {"text": forms.Textarea(attrs={"rows": 6})}


class OutcomeForm(forms.Form):
    """Outcome and decided SEK per financing line of a granted project, and a note."""

    note = forms.CharField(
        label=_("Note"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Required when you correct a decided amount: say why."),
    )

    def __init__(self, *args: Any, lines: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.line_fields = []
        for line in lines:
            label = {
                "financier": line.financier.name,
                "category": line.get_category_display(),
                "year": line.year,
            }
            decided, outcome = f"decided_{line.pk}", f"outcome_{line.pk}"
            self.fields[decided] = forms.IntegerField(
                min_value=0,
                label=_("Decided (SEK): %(financier)s, %(category)s %(year)s") % label,
                initial=line.decided_sek,
            )
            self.fields[outcome] = forms.IntegerField(
                min_value=0,
                label=_("Outcome (SEK): %(financier)s, %(category)s %(year)s") % label,
                initial=line.outcome_sek,
            )
            self.line_fields.append((line, self[decided], self[outcome]))

    def amounts(self) -> dict[int, dict[str, int]]:
        return {
            line.pk: {
                "decided_sek": self.cleaned_data[decided.name],
                "outcome_sek": self.cleaned_data[outcome.name],
            }
            for line, decided, outcome in self.line_fields
        }

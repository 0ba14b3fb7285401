"""The staircase self-assessment form: one score, evidence, links and confirmation per criterion."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from samverka.clusters.models import CriterionAnswer, CriterionScore, MaturityCriterion


class StaircaseAssessmentForm(forms.Form):
    plan = forms.CharField(
        label=_("Plan and comments"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("What the cluster will do to reach the next step."),
    )

    def __init__(
        self,
        data: Mapping[str, Any] | None = None,
        *,
        criteria: Sequence[MaturityCriterion],
        answers: Mapping[int, CriterionAnswer] | None = None,
        plan: str = "",
    ) -> None:
        super().__init__(data, initial={"plan": plan})
        self.criteria = list(criteria)
        answers = answers or {}
        for criterion in self.criteria:
            answer = answers.get(criterion.pk)
            code = criterion.code
            self.fields[f"score_{code}"] = forms.ChoiceField(
                label=_("Score"),
                choices=CriterionScore.choices,
                initial=answer.score if answer else CriterionScore.NOT_MET,
                widget=forms.RadioSelect,
            )
            self.fields[f"evidence_{code}"] = forms.CharField(
                label=_("Evidence"),
                required=False,
                initial=answer.evidence if answer else "",
                widget=forms.Textarea(attrs={"rows": 2}),
            )
            self.fields[f"links_{code}"] = forms.CharField(
                label=_("Links (one per line)"),
                required=False,
                initial=answer.links if answer else "",
                widget=forms.Textarea(attrs={"rows": 1}),
            )
            if criterion.measure:
                self.fields[f"confirmed_{code}"] = forms.BooleanField(
                    label=_("The figure is right"),
                    required=False,
                    initial=answer.confirmed if answer else False,
                )

    def rows(self) -> list[dict[str, Any]]:
        """The bound fields grouped per criterion, for the template."""
        return [
            {
                "criterion": c,
                "score": self[f"score_{c.code}"],
                "evidence": self[f"evidence_{c.code}"],
                "links": self[f"links_{c.code}"],
                "confirmed": self[f"confirmed_{c.code}"] if c.measure else None,
            }
            for c in self.criteria
        ]

    def answers(self) -> dict[int, dict[str, Any]]:
        """The cleaned answers keyed by criterion pk, as ``save_assessment`` takes them."""
        data = self.cleaned_data
        return {
            c.pk: {
                "score": data[f"score_{c.code}"],
                "evidence": data[f"evidence_{c.code}"],
                "links": data[f"links_{c.code}"],
                "confirmed": data.get(f"confirmed_{c.code}", False),
            }
            for c in self.criteria
        }

    def add_service_errors(self, errors: Mapping[str, list[str]]) -> None:
        for field, messages in errors.items():
            for message in messages:
                self.add_error(field if field in self.fields else None, message)

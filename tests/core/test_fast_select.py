"""FastSelect writes the same HTML as Django's template-rendered Select."""

from __future__ import annotations

import pytest
from django import forms
from django.utils.translation import gettext_lazy as _

from samverka.actors.forms import OrganisationFilterForm
from samverka.core.widgets import FastSelect

CHOICES = [
    ("", _("All")),
    ("0180", "Stockholm"),
    ("a&b", 'Quotes " and <tags> & ampersands'),
    (3, "A number"),
    ("0180", "A repeated value"),
]


@pytest.mark.parametrize("value", [None, "", "0180", "a&b", 3, "3", "missing"])
@pytest.mark.parametrize("attrs", [None, {"id": "id_x"}, {"id": "id_x", "required": True}])
def test_fast_select_matches_djangos_select(value: object, attrs: dict | None) -> None:
    fast = FastSelect(choices=CHOICES, attrs={"class": "wide", "disabled": False})
    slow = forms.Select(choices=CHOICES, attrs={"class": "wide", "disabled": False})
    assert fast.render("municipality", value, attrs) == slow.render("municipality", value, attrs)


def test_fast_select_falls_back_for_grouped_choices() -> None:
    grouped = [("", "All"), ("Stockholms län", [("0180", "Stockholm"), ("0181", "Södertälje")])]
    fast = FastSelect(choices=grouped).render("m", "0181")
    assert fast == forms.Select(choices=grouped).render("m", "0181")
    assert "<optgroup" in fast


@pytest.mark.django_db
def test_organisation_filter_form_renders_as_before() -> None:
    """The list's filter form (bound, with a county) gives the same markup as Django's widgets."""
    form = OrganisationFilterForm({"county": "01", "municipality": "0180", "helix": "company"})
    rendered = [str(form[name]) for name in form.fields]
    for name in ("helix", "focus", "county", "municipality", "cluster"):
        form.fields[name].widget = forms.Select(choices=form.fields[name].choices)
    assert rendered == [str(form[name]) for name in form.fields]
    assert '<option value="company" selected>' in rendered[1]

"""The Swedish catalogue is complete and is what Django serves."""

from __future__ import annotations

from pathlib import Path

from babel.messages.pofile import read_po
from django.utils import translation

import samverka

PO_PATH = Path(samverka.__file__).parent / "locale" / "sv" / "LC_MESSAGES" / "django.po"


def _catalog():
    with PO_PATH.open("rb") as f:
        return read_po(f)


def test_every_message_has_a_swedish_translation() -> None:
    untranslated = []
    for message in _catalog():
        if not message.id:
            continue
        forms = message.string if isinstance(message.string, tuple) else (message.string,)
        if not all(forms) or message.fuzzy:
            untranslated.append((message.context, message.id))
    assert untranslated == []


def test_plural_messages_have_two_forms() -> None:
    catalog = _catalog()
    assert catalog.num_plurals == 2
    for message in catalog:
        if message.pluralizable:
            assert len(message.string) == 2, message.id


def test_placeholders_survive_translation() -> None:
    assert [(m.id, errors) for m, errors in _catalog().check()] == []


def test_swedish_is_served() -> None:
    with translation.override("sv"):
        assert translation.gettext("Cluster directory") == "Klusterkatalog"
        assert translation.pgettext("gender", "other") == "annat"
        assert translation.ngettext("%(counter)s member", "%(counter)s members", 3) == (
            "%(counter)s medlemmar"
        )

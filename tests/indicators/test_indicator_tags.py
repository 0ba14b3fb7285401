"""The indicator page's area picker options, written by a template tag."""

from __future__ import annotations

from types import SimpleNamespace

from django.template import Context, Template


def test_area_options_mark_the_chosen_area_and_escape_names() -> None:
    areas = [
        SimpleNamespace(code="00", name="Riket"),
        SimpleNamespace(code="0180", name="Stockholm"),
        SimpleNamespace(code="9999", name='<b>"Test" & co</b>'),
    ]
    html = Template("{% load indicator_tags %}{% area_options areas chosen %}").render(
        Context({"areas": areas, "chosen": "0180"})
    )

    assert html == (
        '<option value="00">00 Riket</option>'
        '<option value="0180" selected>0180 Stockholm</option>'
        '<option value="9999">9999 &lt;b&gt;&quot;Test&quot; &amp; co&lt;/b&gt;</option>'
    )

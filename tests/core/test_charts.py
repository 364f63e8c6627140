"""Charts keep their text as text, except where a PDF would scramble it."""

from __future__ import annotations

import re

import pytest
from matplotlib.figure import Figure

from toolkit.core.charts import needs_shaping, to_svg


def labelled(*labels: str) -> Figure:
    fig = Figure(figsize=(4, 2))
    ax = fig.subplots()
    ax.barh(range(len(labels)), [1] * len(labels), label=labels[0])
    ax.set_yticks(range(len(labels)), labels)
    ax.legend()
    return fig


@pytest.mark.parametrize(
    ("text", "shaped"),
    [
        ("Working with interpreters", False),
        ("Comunicación no verbal", False),
        ("Робота з перекладачами", False),
        ("العمل مع المترجمين الفوريين", True),
        ("Family medicine · عيادة", True),  # one Arabic word is enough
        ("עבודה עם מתורגמנים", True),
        ("हिन्दी", True),  # Devanagari's vowel signs combine
    ],
)
def test_which_text_must_be_shaped(text, shaped):
    assert needs_shaping(text) is shaped


def test_latin_and_cyrillic_labels_stay_text():
    svg = to_svg(labelled("Working with interpreters", "Робота з перекладачами"))
    texts = re.findall(r"<text[^>]*>([^<]*)</text>", svg)
    assert "Working with interpreters" in texts and "Робота з перекладачами" in texts


def test_arabic_labels_are_drawn_shaped_not_left_to_the_pdf():
    """WeasyPrint draws SVG <text> one letter at a time: Arabic comes out unjoined and
    reversed. Every piece of such a figure's text is drawn by matplotlib instead."""
    label = "العمل مع المترجمين الفوريين"
    svg = to_svg(labelled(label, "Working with interpreters"))
    assert "<text" not in svg
    drawn = re.sub(r"<!--.*?-->", "", svg)  # matplotlib names each label in a comment
    assert not re.search(r"[\u0600-\u06ff]", drawn)  # no letter left for a renderer to place
    assert svg.count("<path") > 20  # the glyphs, as outlines

"""Answers as numbers or labels in every language, frequency scales, missing markers."""

from __future__ import annotations

import numpy as np
import pytest

from toolkit.core.exceptions import DataFileError
from toolkit.intake.answer_labels import (
    ANSWER_LABELS_FILE,
    BLANK,
    OFF_SCALE,
    OK,
    UNKNOWN,
    answer_vocabulary,
    load_label_file,
)


@pytest.fixture(scope="module")
def vocab():
    return answer_vocabulary()


def test_the_bundled_label_file_is_valid_and_covers_every_framework_language(framework):
    spec = load_label_file(ANSWER_LABELS_FILE)
    languages = set(framework.scale.labels)
    assert set(spec.missing) == languages
    for scale in spec.scales:
        for point, words in scale.points.items():
            assert framework.scale.minimum <= point <= framework.scale.maximum
            assert set(words) == languages, f"{scale.id} point {point}"


@pytest.mark.parametrize("lang", ["en", "es", "fr", "ar", "uk"])
def test_framework_labels_in_every_language_map_to_their_point(vocab, framework, lang):
    decoded = vocab.decode(framework.scale.labels[lang])
    assert decoded.values.tolist() == [1, 2, 3, 4, 5]
    assert decoded.scale == "agreement"


@pytest.mark.parametrize(
    "raw, value",
    [
        ("Strongly agree", 5),
        ("  STRONGLY AGREE ", 5),
        ("strongly_agree", 5),
        ("Tout a fait d’accord", 5),
        ("Totalmente de acuerdo", 5),
        ("أوافق بشدة", 5),
        ("Повністю погоджуюся", 5),
        ("4", 4),
        ("4.0", 4),
        ("4,0", 4),
        ("4 - Agree", 4),
        ("Agree (4)", 4),
        ("2. Disagree", 2),
    ],
)
def test_one_answer(vocab, raw, value):
    decoded = vocab.decode([raw])
    assert (decoded.values[0], decoded.status[0]) == (value, OK)


@pytest.mark.parametrize(
    "raw",
    [
        "",
        "  ",
        "N/A",
        "n/a",
        "NA",
        "Don't know",
        "Don’t know",
        "No sé",
        "Je ne sais pas",
        "لا أعرف",
        "Не знаю",
        "-",
        "Prefer not to say",
    ],
)
def test_missing_markers_are_blank_never_zero(vocab, raw):
    decoded = vocab.decode([raw])
    assert np.isnan(decoded.values[0]) and decoded.status[0] == BLANK


@pytest.mark.parametrize(
    "raw, status",
    [
        ("0", OFF_SCALE),
        ("6", OFF_SCALE),
        ("3.5", OFF_SCALE),
        ("maybe", UNKNOWN),
        ("9 - Agree", OFF_SCALE),
    ],
)
def test_not_on_the_scale(vocab, raw, status):
    assert vocab.decode([raw]).status[0] == status


def test_each_column_is_read_with_the_scale_most_of_its_answers_belong_to(vocab):
    nccc = vocab.decode(["Frequently", "Occasionally", "Rarely"])
    assert (nccc.scale, nccc.values.tolist()) == ("frequency_3", [5, 3, 1])
    five = vocab.decode(["Always", "Often", "Sometimes", "Rarely", "Never"])
    assert (five.scale, five.values.tolist()) == ("frequency_5", [5, 4, 3, 2, 1])
    spanish = vocab.decode(["Frecuentemente", "Ocasionalmente", "Rara vez o nunca"])
    assert spanish.values.tolist() == [5, 3, 1]


def test_the_toolkit_layouts_use_only_the_framework_scale(vocab):
    assert vocab.decode(["Often"], agreement_only=True).status[0] == UNKNOWN
    assert vocab.decode(["N/A", "Agree"], agreement_only=True).values[1] == 4


@pytest.mark.parametrize(
    "text, message",
    [
        (
            "missing: {en: [x]}\nscales:\n  - id: s\n    points: {1: {en: [a]}, 2: {en: [A]}}\n",
            "in scale 's', 'A' is given for point 1 and for point 2",
        ),
        (
            "missing: {en: [N/A]}\nscales:\n  - id: s\n    points: {1: {en: [n.a.]}}\n",
            "'n.a.' is both a missing-answer marker and a label of scale 's'",
        ),
        ("missing: {en: [x]}\nextra: 1\n", "at extra: Extra inputs are not permitted"),
    ],
)
def test_label_file_mistakes_are_named(tmp_path, text, message):
    path = tmp_path / "labels.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(DataFileError, match=message.replace("(", r"\(").replace(")", r"\)")):
        load_label_file(path)

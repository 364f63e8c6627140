"""The case studies and quizzes in the participants' languages, ``data/materials/translations/``:
every file matches the English ones entry by entry, a broken one is refused naming the file and
the place in it, and every language the handout speaks has its file."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from toolkit.core.exceptions import DataFileError
from toolkit.core.i18n import LOCALE_DIR, SOURCE_LANGUAGE
from toolkit.plan.materials import (
    TRANSLATIONS_DIR,
    default_materials,
    load_translation,
    materials_in,
    translation_path,
)
from toolkit.plan.report import HANDOUT_DOMAIN


def handout_languages() -> list[str]:
    """The languages with a handout.po, English (the source) left out."""
    return sorted(
        path.parent.parent.name
        for path in LOCALE_DIR.glob(f"*/LC_MESSAGES/{HANDOUT_DOMAIN}.po")
        if path.parent.parent.name != SOURCE_LANGUAGE
    )


# the words a stand-in translation numbers its texts with: no English, in the language's script
STAND_IN_WORDS = {
    "es": ("Título", "Escenario", "Pregunta", "Opción"),
    "fr": ("Titre", "Scénario", "Question", "Réponse"),
    "uk": ("Назва", "Сценарій", "Питання", "Варіант"),
    "ar": ("العنوان", "السيناريو", "السؤال", "الخيار"),
}


def stand_in(lang: str) -> dict:
    """A complete translation file's content whose texts are numbered words of the language
    ("Título 3", "Pregunta 3.1"): the shape of a real one, for tests that must not depend on
    a translator's words, and no English in it."""
    english = default_materials()
    title, scenario, question, option = STAND_IN_WORDS[lang]
    return {
        "language": lang,
        "version": english.version,
        "case_studies": [
            {
                "module": c.module,
                "title": f"{title} {i}",
                "scenario": f"{scenario} {i}.",
                "questions": [f"{question} {i}.{k}?" for k, _ in enumerate(c.questions)],
            }
            for i, c in enumerate(english.case_studies.values())
        ],
        "quizzes": [
            {
                "module": q.module,
                "questions": [
                    {
                        "question": f"{question} {i}-{k}?",
                        "options": [f"{option} {i}-{k}-{m}" for m, _ in enumerate(one.options)],
                    }
                    for k, one in enumerate(q.questions)
                ],
            }
            for i, q in enumerate(english.quizzes.values())
        ],
    }


def write(folder: Path, content: dict, name: str | None = None) -> Path:
    path = folder / (name or f"{content['language']}.yaml")
    path.write_text(yaml.safe_dump(content, allow_unicode=True, sort_keys=False), "utf-8")
    return path


def test_every_translation_file_matches_the_english_files():
    """Whatever files the translators have added: each is a language the handout speaks, of
    the English files' version, with the same modules in the same order, the same number of
    questions and options, no empty text and no key the format does not have."""
    found = sorted(TRANSLATIONS_DIR.iterdir()) if TRANSLATIONS_DIR.exists() else []
    problems = []
    for path in found:
        if path.suffix != ".yaml":
            problems.append(f"{path}: not a <lang>.yaml file")
            continue
        try:
            load_translation(path)
        except DataFileError as exc:
            problems.append(str(exc))
    assert not problems, "\n".join(problems)


@pytest.mark.translations_complete
def test_every_handout_language_has_its_materials_translation():
    """COMPLETENESS: each language with a handout.po has data/materials/translations/<lang>.yaml,
    valid and complete. Red until the four translation branches (es, fr, uk, ar) are merged."""
    languages = handout_languages()
    assert set(languages) >= {"es", "fr", "uk", "ar"}, languages
    missing = [
        str(translation_path(lang)) for lang in languages if not translation_path(lang).exists()
    ]
    assert not missing, f"no translation of the case studies and quizzes: {missing}"
    for lang in languages:
        assert load_translation(translation_path(lang)).language == lang


def test_a_stand_in_translation_gives_the_participants_text_and_keeps_the_answers(tmp_path):
    content = stand_in("ar")
    write(tmp_path, content)
    english = default_materials()
    arabic = materials_in("ar", tmp_path)
    assert arabic.language == "ar" and list(arabic.case_studies) == list(english.case_studies)
    for case, wanted in zip(arabic.case_studies.values(), content["case_studies"], strict=True):
        original = english.case_studies[case.module]
        assert (case.title, case.scenario) == (wanted["title"], wanted["scenario"])
        assert case.questions == wanted["questions"]
        assert case.good_answer == original.good_answer  # the guide's, never translated
    for quiz, wanted in zip(arabic.quizzes.values(), content["quizzes"], strict=True):
        originals = english.quizzes[quiz.module].questions
        for question, original, text in zip(
            quiz.questions, originals, wanted["questions"], strict=True
        ):
            assert question.question == text["question"]
            assert [o.text for o in question.options] == text["options"]
            assert [o.is_right for o in question.options] == [o.is_right for o in original.options]
            assert question.explanation == original.explanation


def test_a_language_without_its_file_reads_english_marked_as_english(tmp_path, caplog):
    found = materials_in("uk", tmp_path)
    assert found.language == "en" and found.case_studies == default_materials().case_studies
    assert "uk.yaml" in caplog.text


def _case(raw: dict, index: int) -> dict:
    return raw["case_studies"][index]


def _quiz_question(raw: dict, quiz: int, question: int) -> dict:
    return raw["quizzes"][quiz]["questions"][question]


@pytest.mark.parametrize(
    "change, message",
    [
        (
            lambda r: r.__setitem__("language", "de"),
            r"at language: 'de' is not a language the handout speaks \(es, fr, ar, uk\)",
        ),
        (
            lambda r: r.__setitem__("language", "fr"),
            r"at language: the file is named es\.yaml but says 'fr'",
        ),
        (
            lambda r: r.__setitem__("version", "2025.2"),
            r"at version: '2025\.2', but the English files are version '2026\.1'",
        ),
        (
            lambda r: r["case_studies"].insert(0, r["case_studies"].pop(1)),
            r"at case_studies: the modules are plain_language_lab, reading_the_room, .*; the "
            r"English file has reading_the_room, plain_language_lab, .*, in that order",
        ),
        (
            lambda r: r["quizzes"].pop(),
            r"at quizzes: the modules are .*; the English file has .*"
            r"micro_nonverbal_on_video_calls, in that order",
        ),
        (
            lambda r: _case(r, 2)["questions"].pop(),
            r"at case_studies → 2 \(module 'translated_materials_review'\) → questions: 2 "
            r"questions, the English has 3",
        ),
        (
            lambda r: _quiz_question(r, 1, 0)["options"].pop(),
            r"at quizzes → 1 \(module 'equal_access_in_practice'\) → questions → 0 → options: "
            r"2 options, the English has 3",
        ),
        (
            lambda r: _case(r, 0).__setitem__("title", "  "),
            r"at case_studies → 0 → title: .*the text is empty",
        ),
        (
            lambda r: _quiz_question(r, 0, 2)["options"].__setitem__(1, ""),
            r"at quizzes → 0 → questions → 2 → options → 1: .*the text is empty",
        ),
        (
            lambda r: _case(r, 0).__setitem__("good_answer", ["not for participants"]),
            r"at case_studies → 0 → good_answer: Extra inputs are not permitted",
        ),
        (
            lambda r: _quiz_question(r, 0, 0).__setitem__("explanation", "…"),
            r"at quizzes → 0 → questions → 0 → explanation: Extra inputs are not permitted",
        ),
        (
            lambda r: _case(r, 1).pop("scenario"),
            r"at case_studies → 1 → scenario: Field required",
        ),
    ],
)
def test_a_broken_translation_says_what_and_where(tmp_path, change, message):
    raw = stand_in("es")
    change(raw)
    path = write(tmp_path, raw, "es.yaml")
    with pytest.raises(
        DataFileError,
        match=rf"(?s)translation file {re.escape(str(path))} is not valid:.*{message}",
    ):
        load_translation(path)
    with pytest.raises(DataFileError, match=message):  # and a page is never made from it
        materials_in("es", tmp_path)


def test_an_unreadable_translation_names_its_file(tmp_path):
    path = tmp_path / "fr.yaml"
    path.write_text('language: "fr"\n\tversion: "2026.1"\n', "utf-8")  # a tab
    with pytest.raises(
        DataFileError, match=rf"Cannot read the materials translation file {re.escape(str(path))}"
    ):
        load_translation(path)

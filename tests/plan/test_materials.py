"""The case studies and quizzes in data/materials/: every module that needs one has one, and
a broken file is refused with its file and entry named."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest
import yaml

from toolkit.core.exceptions import DataFileError
from toolkit.plan.catalog import default_catalog
from toolkit.plan.materials import CASE_STUDIES_FILE, QUIZZES_FILE, load_materials


def test_every_module_with_a_case_study_or_quiz_has_its_material():
    materials = load_materials()
    catalog = default_catalog()
    needing_case = {m.id for m in catalog.modules if "case_study" in m.activities}
    needing_quiz = {m.id for m in catalog.modules if "quiz" in m.activities}
    assert needing_case and needing_quiz
    assert set(materials.case_studies) == needing_case
    assert set(materials.quizzes) == needing_quiz
    for case in materials.case_studies.values():
        assert 2 <= len(case.questions) <= 4 and case.good_answer and case.check_locally
    for quiz in materials.quizzes.values():
        assert 3 <= len(quiz.questions) <= 5
        for q in quiz.questions:
            assert len(q.options) >= 3 and sum(o.is_right for o in q.options) == 1


def test_the_right_answer_is_not_given_away_by_its_length_or_place():
    """A participant who always picks the longest option, or always the same position, must
    not pass: no more right answers that way than by chance."""
    questions = [q for quiz in load_materials().quizzes.values() for q in quiz.questions]
    longest = [q for q in questions if len(q.answer.text) == max(len(o.text) for o in q.options)]
    chance = sum(1 / len(q.options) for q in questions)
    assert len(longest) <= chance, [q.question for q in longest]
    places = Counter(q.options.index(q.answer) for q in questions)
    assert max(places.values()) <= len(questions) / 2, places


def test_law_that_changes_is_marked_for_local_review():
    """The catalog says immigration-status content is checked by a qualified adviser."""
    materials = load_materials()
    catalog = {m.id: m for m in default_catalog().modules}
    for module_id, item in [*materials.case_studies.items(), *materials.quizzes.items()]:
        if "migration_knowledge.legal_status" in catalog[module_id].competencies:
            assert "adviser" in item.review, module_id


def _write(tmp_path: Path, source: Path, change) -> Path:
    raw = yaml.safe_load(source.read_text(encoding="utf-8"))
    change(raw)
    path = tmp_path / source.name
    path.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    return path


def _option(raw, quiz, question, option, value):
    raw["quizzes"][quiz]["questions"][question]["options"][option] = value


@pytest.mark.parametrize(
    "change, message",
    [
        (
            lambda r: _option(r, 1, 0, 0, {"right": "Also right"}),
            r"quizzes\.yaml is not valid:\n- at quizzes → 1 → questions → 0: .*exactly one "
            r"right: option, this one has 2",
        ),
        (
            lambda r: r["quizzes"][2]["questions"][0]["options"].pop(),
            r"at quizzes → 2 → questions → 0 → options: List should have at least 3 items",
        ),
        (
            lambda r: _option(r, 0, 1, 0, {"right": "a", "wrong": "b"}),
            r'at quizzes → 0 → questions → 1 → options → 0: .*either right: "…" or wrong: "…"',
        ),
        (
            lambda r: r["quizzes"][0].__setitem__("module", "status_basicz"),
            r"at quizzes → 0 \(module 'status_basicz'\): there is no module 'status_basicz' in "
            r"the catalog\n- module 'status_basics' lists quiz among its activities but has no "
            r"quiz here",
        ),
        (
            lambda r: r["quizzes"][0].pop("review"),
            r"at quizzes → 0 \(module 'status_basics'\): the module covers immigration law, "
            r"so say who must check it",
        ),
        (
            lambda r: r["quizzes"].append(dict(r["quizzes"][3])),
            r"at quizzes → \d+ \(module '\w+'\): this module already has a quiz above",
        ),
    ],
)
def test_a_broken_quizzes_file_says_what_and_where(tmp_path, change, message):
    with pytest.raises(DataFileError, match=message):
        load_materials(quizzes_file=_write(tmp_path, QUIZZES_FILE, change))


@pytest.mark.parametrize(
    "change, message",
    [
        (
            lambda r: r["case_studies"].pop(0),
            r"case_studies\.yaml is not valid:\n- module 'reading_the_room' lists case_study "
            r"among its activities but has no case study here",
        ),
        (
            lambda r: r["case_studies"][1].__setitem__(
                "module", "listening_that_checks_understanding"
            ),
            r"at case_studies → 1 \(module 'listening_that_checks_understanding'\): the module "
            r"does not list case_study among its activities",
        ),
        (
            lambda r: r["case_studies"][0].__setitem__("questions", ["Only one?"]),
            r"at case_studies → 0 → questions: List should have at least 2 items",
        ),
        (
            lambda r: r["case_studies"][0].pop("check_locally"),
            r"at case_studies → 0 → check_locally: Field required",
        ),
    ],
)
def test_a_broken_case_studies_file_says_what_and_where(tmp_path, change, message):
    with pytest.raises(DataFileError, match=message):
        load_materials(case_studies_file=_write(tmp_path, CASE_STUDIES_FILE, change))


def test_the_catalog_asks_for_no_case_descriptions_the_materials_provide():
    """The case studies are written out beside the guide: a checklist that also asked the
    facilitator to find "printed case descriptions" would say two things."""
    catalog = default_catalog()
    materials = load_materials()
    for module in catalog.modules:
        if module.id in materials.case_studies:
            found = [
                m for m in module.materials if re.search(r"\bcase (description|stud)", m, re.I)
            ]
            assert not found, (module.id, found)


# names of faiths and their days and rules: a quiz on them tests religious facts, which the
# catalog's notes rule out ("the skill is asking what someone needs")
RELIGIOUS_FACTS = (
    r"\b(ramadan|eid|diwali|passover|christmas|easter|lent|yom kippur|sabbath|shabbat|halal|"
    r"kosher|muslim|islam|hindu|jewish|christian|sikh|buddhist|quran|bible|torah)\b"
)


def test_quizzes_on_faith_ask_about_asking_not_about_religious_facts():
    catalog = {m.id: m for m in default_catalog().modules}
    religion = [
        (module_id, quiz)
        for module_id, quiz in load_materials().quizzes.items()
        if "accommodation.religion_and_diet" in catalog[module_id].competencies
    ]
    assert religion
    for module_id, quiz in religion:
        for q in quiz.questions:
            texts = [q.question, q.explanation, *(o.text for o in q.options)]
            assert not [t for t in texts if re.search(RELIGIOUS_FACTS, t, re.I)], module_id

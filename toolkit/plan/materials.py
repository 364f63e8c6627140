"""The case studies and quizzes a module runs with, kept in ``data/materials/``.

The catalog says a module uses a case study or a quiz; these files hold the text itself, so
the facilitator guide can print it (answers included) and the participants' page can print
it without the answers. A non-programmer edits the YAML; this module is its schema, and
checks that every module which lists ``case_study`` or ``quiz`` has its material, that each
entry names a real module, and that each question has exactly one right answer.

What participants read (a case study's title, scenario and questions; a quiz's questions and
options) is translated in ``translations/<lang>.yaml``, one file per language the handout
speaks; :func:`load_translation` checks that a file matches the English ones entry by entry,
and :func:`materials_in` gives the materials in a session's language.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator

from toolkit.core.datafiles import load_model
from toolkit.core.exceptions import DataFileError
from toolkit.core.i18n import LANGUAGES, SOURCE_LANGUAGE
from toolkit.core.paths import DATA_DIR
from toolkit.plan.catalog import Catalog, default_catalog

MATERIALS_DIR = DATA_DIR / "materials"
CASE_STUDIES_FILE = MATERIALS_DIR / "case_studies.yaml"
QUIZZES_FILE = MATERIALS_DIR / "quizzes.yaml"
TRANSLATIONS_DIR = MATERIALS_DIR / "translations"  # <lang>.yaml, see TRANSLATION_FORMAT
# what a module must list among its activities to need each kind of material
KINDS = {"case_study": "case study", "quiz": "quiz"}
# competencies whose content is law that changes: their material must name who checks it
NEEDS_REVIEW = ("migration_knowledge.legal_status",)


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class CaseStudy(_Strict):
    """A short written case for a small group, with what a good answer covers."""

    module: str
    title: str = Field(min_length=1)
    scenario: str = Field(min_length=1)
    questions: list[str] = Field(min_length=2, max_length=4)
    good_answer: list[str] = Field(min_length=1)
    check_locally: str = Field(min_length=1)
    review: str = ""  # who must check it before it is used; empty: no one in particular


class Option(_Strict):
    """One answer to choose from, written ``right: "…"`` or ``wrong: "…"``."""

    right: str | None = None
    wrong: str | None = None

    @model_validator(mode="after")
    def _one_of_the_two(self) -> Option:
        if (self.right is None) == (self.wrong is None):
            raise ValueError('write each option as either right: "…" or wrong: "…"')
        return self

    @property
    def text(self) -> str:
        return self.right if self.right is not None else str(self.wrong)

    @property
    def is_right(self) -> bool:
        return self.right is not None


class Question(_Strict):
    """A multiple-choice question with exactly one right option and why it is right."""

    question: str = Field(min_length=1)
    options: list[Option] = Field(min_length=3)
    explanation: str = Field(min_length=1)

    @model_validator(mode="after")
    def _exactly_one_right(self) -> Question:
        count = sum(o.is_right for o in self.options)
        if count != 1:
            raise ValueError(f"a question needs exactly one right: option, this one has {count}")
        return self

    @property
    def answer(self) -> Option:
        return next(o for o in self.options if o.is_right)


class Quiz(_Strict):
    module: str
    questions: list[Question] = Field(min_length=3, max_length=5)
    review: str = ""


class CaseStudies(_Strict):
    version: str
    case_studies: list[CaseStudy]


class Quizzes(_Strict):
    version: str
    quizzes: list[Quiz]


@dataclass(frozen=True)
class Materials:
    """Every module's case study and quiz, by module id."""

    case_studies: dict[str, CaseStudy]
    quizzes: dict[str, Quiz]
    version: str = ""
    language: str = SOURCE_LANGUAGE  # the language of what participants read

    def for_module(self, module_id: str, activities: list[str] | tuple[str, ...]) -> dict:
        """What a module needs for the activities it runs: ``{"case_study": …, "quiz": …}``."""
        found = {
            "case_study": self.case_studies.get(module_id),
            "quiz": self.quizzes.get(module_id),
        }
        return {kind: item for kind, item in found.items() if kind in activities and item}


def _check(kind: str, entries: list[CaseStudy] | list[Quiz], catalog: Catalog) -> list[str]:
    """Every entry that names no module, a module twice, a module that does not use this
    kind of material, or law without a reviewer; and every module left without one."""
    modules = {m.id: m for m in catalog.modules}
    name = KINDS[kind]
    problems = []
    seen: set[str] = set()
    for index, entry in enumerate(entries):  # placed as the file's other messages place them
        where = f"at {'case_studies' if kind == 'case_study' else 'quizzes'} → {index} "
        where += f"(module '{entry.module}')"
        module = modules.get(entry.module)
        if module is None:
            problems.append(f"{where}: there is no module '{entry.module}' in the catalog")
            continue
        if entry.module in seen:
            problems.append(f"{where}: this module already has a {name} above")
        seen.add(entry.module)
        if kind not in module.activities:
            problems.append(
                f"{where}: the module does not list {kind} among its activities in the catalog"
            )
        if not entry.review and set(module.competencies) & set(NEEDS_REVIEW):
            problems.append(
                f"{where}: the module covers immigration law, so say who must check it "
                '(review: "a qualified immigration adviser …")'
            )
    problems += [
        f"module '{m.id}' lists {kind} among its activities but has no {name} here"
        for m in catalog.modules
        if kind in m.activities and m.id not in seen
    ]
    return problems


def load_materials(
    case_studies_file: Path | str = CASE_STUDIES_FILE,
    quizzes_file: Path | str = QUIZZES_FILE,
    catalog: Catalog | None = None,
) -> Materials:
    """Read, validate and cross-check both files against the catalog; every problem listed
    with its file and entry."""
    catalog = catalog or default_catalog()
    cases_path, quizzes_path = Path(case_studies_file), Path(quizzes_file)
    cases = load_model(cases_path, CaseStudies, "the case studies file")
    quizzes = load_model(quizzes_path, Quizzes, "the quizzes file")
    found = [
        (f"The case studies file {cases_path}", _check("case_study", cases.case_studies, catalog)),
        (f"The quizzes file {quizzes_path}", _check("quiz", quizzes.quizzes, catalog)),
    ]
    if any(problems for _, problems in found):
        raise DataFileError(
            "\n".join(
                f"{what} is not valid:\n" + "\n".join(f"- {p}" for p in problems)
                for what, problems in found
                if problems
            )
        )
    if cases.version != quizzes.version:
        raise DataFileError(
            f"The case studies file {cases_path} has version {cases.version!r} and the quizzes "
            f"file {quizzes_path} version {quizzes.version!r}: give both the same version"
        )
    return Materials(
        {c.module: c for c in cases.case_studies},
        {q.module: q for q in quizzes.quizzes},
        cases.version,
    )


@lru_cache(maxsize=2)
def default_materials() -> Materials:
    return load_materials()


# -- translations of what participants read ---------------------------------------------------
log = logging.getLogger(__name__)


def _some_text(value: str) -> str:
    if not value.strip():
        raise ValueError('the text is empty: write the translation between the "double quotes"')
    return value


Text = Annotated[str, AfterValidator(_some_text)]


class CaseStudyText(_Strict):
    module: str
    title: Text
    scenario: Text
    questions: list[Text]


class QuestionText(_Strict):
    question: Text
    options: list[Text]


class QuizText(_Strict):
    module: str
    questions: list[QuestionText]


class Translation(_Strict):
    """``translations/<lang>.yaml``: the participants' text of every case study and quiz."""

    language: str
    version: str
    case_studies: list[CaseStudyText]
    quizzes: list[QuizText]


def translation_path(lang: str, folder: Path | str = TRANSLATIONS_DIR) -> Path:
    return Path(folder) / f"{lang}.yaml"


def _count(items: list, what: str) -> str:
    return f"{len(items)} {what}{'' if len(items) == 1 else 's'}"


def _compare(translation: Translation, english: Materials, stem: str) -> list[str]:
    """Where the translation does not match the English files: language, version, modules and
    their order, and the number of questions and options of each."""
    languages = [lang for lang in LANGUAGES if lang != SOURCE_LANGUAGE]
    problems = []
    if translation.language not in languages:
        problems.append(
            f"at language: '{translation.language}' is not a language the handout speaks "
            f"({', '.join(languages)})"
        )
    elif translation.language != stem:
        problems.append(
            f"at language: the file is named {stem}.yaml but says '{translation.language}'"
        )
    if translation.version != english.version:
        problems.append(
            f"at version: '{translation.version}', but the English files are version "
            f"'{english.version}': bring the translation up to date with them, then change it"
        )
    for kind, entries, originals in (
        ("case_studies", translation.case_studies, list(english.case_studies.values())),
        ("quizzes", translation.quizzes, list(english.quizzes.values())),
    ):
        got, wanted = [e.module for e in entries], [o.module for o in originals]
        if got != wanted:
            problems.append(
                f"at {kind}: the modules are {', '.join(got) or 'none'}; the English file has "
                f"{', '.join(wanted)}, in that order"
            )
            continue
        for index, (entry, original) in enumerate(zip(entries, originals, strict=True)):
            where = f"at {kind} → {index} (module '{entry.module}') → questions"
            if len(entry.questions) != len(original.questions):
                problems.append(
                    f"{where}: {_count(entry.questions, 'question')}, the English has "
                    f"{len(original.questions)}"
                )
                continue
            if kind == "quizzes":
                for number, (q, o) in enumerate(
                    zip(entry.questions, original.questions, strict=True)
                ):
                    if len(q.options) != len(o.options):
                        problems.append(
                            f"{where} → {number} → options: {_count(q.options, 'option')}, the "
                            f"English has {len(o.options)}"
                        )
    return problems


def load_translation(path: Path | str, english: Materials | None = None) -> Translation:
    """Read one ``translations/<lang>.yaml`` and check it against the English files; every
    problem listed with the file and its place in it."""
    path = Path(path)
    english = english or default_materials()
    translation = load_model(path, Translation, "the materials translation file")
    problems = _compare(translation, english, path.stem)
    if problems:
        raise DataFileError(
            f"The materials translation file {path} is not valid:\n"
            + "\n".join(f"- {p}" for p in problems)
        )
    return translation


def translate(english: Materials, translation: Translation) -> Materials:
    """The English materials with what participants read in the translation's language
    (answers, explanations and notes for the facilitator stay English)."""

    def option(original: Option, text: str) -> Option:
        return original.model_copy(update={"right" if original.is_right else "wrong": text})

    cases = {
        t.module: english.case_studies[t.module].model_copy(
            update={"title": t.title, "scenario": t.scenario, "questions": list(t.questions)}
        )
        for t in translation.case_studies
    }
    quizzes = {}
    for t in translation.quizzes:
        original = english.quizzes[t.module]
        questions = [
            q.model_copy(
                update={
                    "question": tq.question,
                    "options": [
                        option(o, text) for o, text in zip(q.options, tq.options, strict=True)
                    ],
                }
            )
            for q, tq in zip(original.questions, t.questions, strict=True)
        ]
        quizzes[t.module] = original.model_copy(update={"questions": questions})
    return replace(english, case_studies=cases, quizzes=quizzes, language=translation.language)


def materials_in(
    lang: str, folder: Path | str | None = None, english: Materials | None = None
) -> Materials:
    """The materials as participants of a session in ``lang`` read them. A language without
    its translation file gets the English text (marked as English on the page) and a warning;
    a test checks every language the handout speaks has its file."""
    english = english or default_materials()
    if lang == SOURCE_LANGUAGE:
        return english
    if folder is None and english is default_materials():
        return _default_materials_in(lang)
    path = translation_path(lang, folder or TRANSLATIONS_DIR)
    if not path.exists():
        log.warning("No translation of the case studies and quizzes into %s: %s", lang, path)
        return english
    return translate(english, load_translation(path, english))


@lru_cache(maxsize=8)
def _default_materials_in(lang: str) -> Materials:
    return materials_in(lang, TRANSLATIONS_DIR, default_materials())

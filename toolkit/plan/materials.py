"""The case studies and quizzes a module runs with, kept in ``data/materials/``.

The catalog says a module uses a case study or a quiz; these files hold the text itself, so
the facilitator guide can print it (answers included) and the participants' page can print
it without the answers. A non-programmer edits the YAML; this module is its schema, and
checks that every module which lists ``case_study`` or ``quiz`` has its material, that each
entry names a real module, and that each question has exactly one right answer.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, model_validator

from toolkit.core.datafiles import load_model
from toolkit.core.exceptions import DataFileError
from toolkit.core.paths import DATA_DIR
from toolkit.plan.catalog import Catalog, default_catalog

MATERIALS_DIR = DATA_DIR / "materials"
CASE_STUDIES_FILE = MATERIALS_DIR / "case_studies.yaml"
QUIZZES_FILE = MATERIALS_DIR / "quizzes.yaml"
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
    return Materials(
        {c.module: c for c in cases.case_studies}, {q.module: q for q in quizzes.quizzes}
    )


@lru_cache(maxsize=2)
def default_materials() -> Materials:
    return load_materials()

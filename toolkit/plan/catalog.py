"""The training catalog: modules, activities and scenarios, kept in ``data/catalog.yaml``.

A non-programmer edits the YAML; this module is its schema and loader, and checks that every
competency, role and activity it names exists.
"""

from __future__ import annotations

from functools import cached_property, lru_cache
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from toolkit.core.datafiles import load_model
from toolkit.core.exceptions import DataFileError
from toolkit.core.framework import Framework, check_languages, default_framework
from toolkit.core.i18n import LANGUAGES, SOURCE_LANGUAGE
from toolkit.core.paths import DATA_DIR

CATALOG_FILE = DATA_DIR / "catalog.yaml"

Format = Literal["in_person", "online", "self_paced"]
FORMATS: tuple[str, ...] = ("in_person", "online", "self_paced")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Activity(_Strict):
    """A method used inside modules: role-play, case study, debrief …"""

    id: str = Field(pattern=r"^[a-z_]+$")
    name: str
    method: Literal["discussion", "practice", "reflection", "input", "community", "assessment"]
    description: str
    formats: list[Format]


class GroupSize(_Strict):
    min: int = Field(ge=1)
    max: int = Field(ge=1)


class Module(_Strict):
    """A block of a session that builds named competencies."""

    id: str = Field(pattern=r"^[a-z0-9_]+$")
    title: str
    handout_title: dict[str, str] = Field(
        description="The title on the participants' handout in each language but English"
    )
    summary: str
    competencies: list[str] = Field(min_length=1)
    durations: list[int] = Field(min_length=1, description="Minutes it can take, multiples of 5")
    formats: list[Format]
    group_size: GroupSize
    activities: list[str] = Field(min_length=1)
    materials: list[str]
    facilitator_notes: str
    uses_scenarios: bool = False

    _handout_titles = field_validator("handout_title")(
        lambda v: check_languages(
            v, "the handout title", tuple(lang for lang in LANGUAGES if lang != SOURCE_LANGUAGE)
        )
    )

    def title_in(self, lang: str) -> str:
        """The title as the handout in ``lang`` shows it (English is ``title``)."""
        return self.title if lang == SOURCE_LANGUAGE else self.handout_title[lang]


class Scenario(_Strict):
    """A short, realistic practice situation, written without stereotypes."""

    id: str = Field(pattern=r"^SC\d{2,3}$")
    title: str
    roles: list[str] = Field(min_length=1)
    setting: str
    client_brief: str
    staff_brief: str
    debrief_questions: list[str] = Field(min_length=2)
    competencies: list[str] = Field(min_length=1)
    languages: list[str] = Field(description="Client languages it suits; empty = any")
    situations: list[str]
    needs_interpreter: bool


class Catalog(_Strict):
    model_config = ConfigDict(extra="forbid", frozen=True, ignored_types=(cached_property,))

    version: str
    activities: list[Activity]
    modules: list[Module]
    scenarios: list[Scenario]

    @cached_property
    def activity(self) -> dict[str, Activity]:
        return {a.id: a for a in self.activities}

    def check_against(self, framework: Framework) -> list[str]:
        """Every reference to a competency, role or activity that does not exist."""
        comps = {c.id for c in framework.competencies}
        roles = set(framework.role_ids)
        problems = []
        for module in self.modules:
            problems += [
                f"module '{module.id}': unknown competency '{c}'"
                for c in module.competencies
                if c not in comps
            ]
            problems += [
                f"module '{module.id}': unknown activity '{a}'"
                for a in module.activities
                if a not in self.activity
            ]
            problems += [
                f"module '{module.id}': duration {d} is not a positive multiple of 5"
                for d in module.durations
                if d <= 0 or d % 5
            ]
            if module.group_size.min > module.group_size.max:
                problems.append(f"module '{module.id}': group size min is above max")
        for scenario in self.scenarios:
            problems += [
                f"scenario '{scenario.id}': unknown competency '{c}'"
                for c in scenario.competencies
                if c not in comps
            ]
            problems += [
                f"scenario '{scenario.id}': unknown role '{r}'"
                for r in scenario.roles
                if r not in roles
            ]
        for kind, items in (
            ("module", self.modules),
            ("scenario", self.scenarios),
            ("activity", self.activities),
        ):
            ids = [i.id for i in items]
            problems += [
                f"{kind} id '{i}' is used twice" for i in sorted(set(ids)) if ids.count(i) > 1
            ]
        return problems

    @model_validator(mode="after")
    def _has_every_format(self) -> Catalog:
        for fmt in FORMATS:
            if not any(fmt in m.formats for m in self.modules):
                raise ValueError(f"no module offers the format '{fmt}'")
        return self


def load_catalog(path: Path | str = CATALOG_FILE, framework: Framework | None = None) -> Catalog:
    """Read, validate and cross-check the catalog; every problem named with its place."""
    path = Path(path)
    catalog = load_model(path, Catalog, "the catalog")
    problems = catalog.check_against(framework or default_framework())
    if problems:
        raise DataFileError(
            f"The catalog {path} is not valid:\n" + "\n".join(f"- {p}" for p in problems)
        )
    return catalog


@lru_cache(maxsize=2)
def default_catalog() -> Catalog:
    return load_catalog(CATALOG_FILE)

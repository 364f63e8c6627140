"""The competency framework: domains → competencies → survey items, with targets per role.

The framework lives in ``data/framework.yaml`` so that a non-programmer can edit it; this module
is its schema (pydantic) and the one loader every other part uses.
"""

from __future__ import annotations

from functools import cached_property, lru_cache
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from toolkit.core.datafiles import load_model
from toolkit.core.i18n import LANGUAGES
from toolkit.core.paths import DATA_DIR

REQUIRED_LANGUAGES = ("en", "es", "fr", "ar")
FRAMEWORK_FILE = DATA_DIR / "framework.yaml"

Translations = dict[str, str]


def check_languages(
    value: Translations, what: str, required: tuple[str, ...] = REQUIRED_LANGUAGES
) -> Translations:
    """``value`` if it has a text in every ``required`` language; else says which are empty
    (the framework's and the catalog's translations are checked alike)."""
    missing = [lang for lang in required if not (value.get(lang) or "").strip()]
    if missing:
        raise ValueError(f"{what} has no text in {', '.join(missing)}")
    return value


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Scale(_Strict):
    """The answer scale of every item: integers from ``minimum`` to ``maximum``."""

    minimum: int = 1
    maximum: int = 5
    labels: dict[str, list[str]] = Field(description="One label per point, per language")

    @model_validator(mode="after")
    def _labels_cover_scale(self) -> Scale:
        points = self.maximum - self.minimum + 1
        check_languages({k: " ".join(v) for k, v in self.labels.items()}, "scale labels")
        for lang, labels in self.labels.items():
            if len(labels) != points:
                raise ValueError(
                    f"scale labels in '{lang}' have {len(labels)} entries, expected {points}"
                )
        return self


class Role(_Strict):
    id: str
    name: Translations

    _names = field_validator("name")(lambda v: check_languages(v, "role name"))


class Item(_Strict):
    """One survey statement, rated on the framework's scale."""

    id: str = Field(pattern=r"^[A-Z]{2,4}\d{2}$")
    reverse: bool = Field(False, description="True when agreeing means *less* competence")
    text: Translations

    _texts = field_validator("text")(lambda v: check_languages(v, "item text"))


class Behaviour(_Strict):
    """Something a supervisor can see a staff member do (or not) with a client.

    Observation checklists count these per team and period, never per person; the text is what
    the supervisor reads, so English is required and other languages are welcome.
    """

    id: str = Field(pattern=r"^[A-Z]{2,4}-B\d{2}$")
    text: Translations

    @field_validator("text")
    @classmethod
    def _english(cls, value: Translations) -> Translations:
        if not (value.get("en") or "").strip():
            raise ValueError("behaviour text has no English (en)")
        return value


class Mapping(_Strict):
    """Where a competency sits in published frameworks (identifiers only, no copied text)."""

    clas: list[int] = Field(default_factory=list, description="CLAS standard numbers 1–15")
    tacct: list[str] = Field(default_factory=list, description="TACCT domain numerals")
    cq: list[str] = Field(default_factory=list, description="Cultural Intelligence factors")
    who_rmh: list[str] = Field(default_factory=list, description="WHO RMH standard numbers")

    @field_validator("clas")
    @classmethod
    def _clas_range(cls, v: list[int]) -> list[int]:
        bad = [n for n in v if not 1 <= n <= 15]
        if bad:
            raise ValueError(f"CLAS standards are numbered 1–15, got {bad}")
        return v

    @field_validator("cq")
    @classmethod
    def _cq_factors(cls, v: list[str]) -> list[str]:
        allowed = {"metacognitive", "cognitive", "motivational", "behavioral"}
        bad = sorted(set(v) - allowed)
        if bad:
            raise ValueError(f"CQ factors must be among {sorted(allowed)}, got {bad}")
        return v


class Competency(_Strict):
    id: str = Field(pattern=r"^[a-z_]+\.[a-z_]+$")
    name: Translations
    description: str = Field(description="One plain English sentence: what someone can do")
    practise: Translations = Field(
        description="What we will practise and why, one sentence per language, on the "
        "participants' handout (in every language the handout speaks)"
    )
    targets: dict[str, float] = Field(description="Target level on the scale, per role id")
    relevance: dict[str, int] = Field(
        description="How central to the role: 3 core, 2 important, 1 useful, per role id"
    )
    maps_to: Mapping
    items: list[Item] = Field(min_length=1)
    behaviours: list[Behaviour] = Field(
        min_length=1, description="Observable behaviours, for supervisors' checklists"
    )

    _names = field_validator("name")(lambda v: check_languages(v, "competency name"))
    _practise = field_validator("practise")(
        lambda v: check_languages(v, "the handout sentence (practise)", tuple(LANGUAGES))
    )


class Domain(_Strict):
    id: str = Field(pattern=r"^[a-z_]+$")
    name: Translations
    competencies: list[Competency] = Field(min_length=1)

    _names = field_validator("name")(lambda v: check_languages(v, "domain name"))


class Framework(_Strict):
    """The whole framework, checked for internal consistency on load."""

    model_config = ConfigDict(extra="forbid", frozen=True, ignored_types=(cached_property,))

    version: str
    scale: Scale
    roles: list[Role]
    domains: list[Domain]

    @model_validator(mode="after")
    def _consistent(self) -> Framework:
        role_ids = {r.id for r in self.roles}
        seen_items: set[str] = set()
        seen_comps: set[str] = set()
        seen_behaviours: set[str] = set()
        for domain in self.domains:
            for comp in domain.competencies:
                if not comp.id.startswith(domain.id + "."):
                    raise ValueError(f"competency '{comp.id}' must start with '{domain.id}.'")
                if comp.id in seen_comps:
                    raise ValueError(f"competency id '{comp.id}' is used twice")
                seen_comps.add(comp.id)
                for field, table in (("targets", comp.targets), ("relevance", comp.relevance)):
                    if set(table) != role_ids:
                        missing = sorted(role_ids - set(table))
                        extra = sorted(set(table) - role_ids)
                        raise ValueError(
                            f"competency '{comp.id}' {field}: missing roles {missing}, "
                            f"unknown roles {extra}"
                        )
                for role, level in comp.targets.items():
                    if not self.scale.minimum <= level <= self.scale.maximum:
                        raise ValueError(
                            f"competency '{comp.id}' target for '{role}' is {level}, "
                            f"outside the scale {self.scale.minimum}–{self.scale.maximum}"
                        )
                for role, weight in comp.relevance.items():
                    if weight not in (1, 2, 3):
                        raise ValueError(
                            f"competency '{comp.id}' relevance for '{role}' is {weight}; "
                            "use 3 (core), 2 (important) or 1 (useful)"
                        )
                for item in comp.items:
                    if item.id in seen_items:
                        raise ValueError(f"item id '{item.id}' is used twice")
                    seen_items.add(item.id)
                for behaviour in comp.behaviours:
                    if behaviour.id in seen_behaviours:
                        raise ValueError(f"behaviour id '{behaviour.id}' is used twice")
                    seen_behaviours.add(behaviour.id)
        return self

    # -- lookups used across the toolkit -------------------------------------------------
    @cached_property
    def competencies(self) -> list[Competency]:
        return [c for d in self.domains for c in d.competencies]

    @cached_property
    def items(self) -> list[Item]:
        return [i for c in self.competencies for i in c.items]

    @cached_property
    def item_ids(self) -> list[str]:
        return [i.id for i in self.items]

    @cached_property
    def behaviours(self) -> list[Behaviour]:
        return [b for c in self.competencies for b in c.behaviours]

    @cached_property
    def competency_of_behaviour(self) -> dict[str, str]:
        return {b.id: c.id for c in self.competencies for b in c.behaviours}

    @cached_property
    def role_ids(self) -> list[str]:
        return [r.id for r in self.roles]

    @cached_property
    def competency_of_item(self) -> dict[str, str]:
        return {i.id: c.id for c in self.competencies for i in c.items}

    @cached_property
    def domain_of_competency(self) -> dict[str, str]:
        return {c.id: d.id for d in self.domains for c in d.competencies}

    def competency(self, competency_id: str) -> Competency:
        for comp in self.competencies:
            if comp.id == competency_id:
                return comp
        raise KeyError(competency_id)

    def role_name(self, role_id: str, lang: str = "en") -> str:
        for role in self.roles:
            if role.id == role_id:
                return role.name.get(lang, role.name["en"])
        raise KeyError(role_id)

    def domain_name(self, domain_id: str, lang: str = "en") -> str:
        for domain in self.domains:
            if domain.id == domain_id:
                return domain.name.get(lang, domain.name["en"])
        raise KeyError(domain_id)


def load_framework(path: Path | str = FRAMEWORK_FILE) -> Framework:
    """Read and validate a framework file; every problem is named with its place in the file."""
    return load_model(path, Framework, "the competency framework")


@lru_cache(maxsize=4)
def default_framework() -> Framework:
    """The bundled framework, read once per process."""
    return load_framework(FRAMEWORK_FILE)

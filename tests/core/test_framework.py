from pathlib import Path

import pytest
import yaml

from toolkit.core.exceptions import DataFileError
from toolkit.core.framework import FRAMEWORK_FILE, REQUIRED_LANGUAGES, load_framework

ROLES = {
    "frontline_intake",
    "housing",
    "health_navigation",
    "clinical_trainees",
    "social_work",
    "tech_product",
    "supervisors",
}
DOMAINS = {
    "communication",
    "language_access",
    "self_awareness",
    "migration_knowledge",
    "trauma_informed",
    "ethics_privacy",
    "accommodation",
    "partnership",
}


def test_bundled_framework_covers_the_ground(framework):
    assert {d.id for d in framework.domains} == DOMAINS
    assert ROLES <= set(framework.role_ids)
    assert len(framework.items) >= 40
    assert any(item.reverse for item in framework.items)
    for item in framework.items:
        for lang in REQUIRED_LANGUAGES:
            assert item.text[lang].strip(), (item.id, lang)
        assert len(set(item.text[lang] for lang in REQUIRED_LANGUAGES)) == len(REQUIRED_LANGUAGES)


def test_every_competency_maps_to_a_published_framework(framework):
    for comp in framework.competencies:
        mapped = comp.maps_to
        assert mapped.clas or mapped.tacct or mapped.cq, comp.id


def test_targets_differ_by_role(framework):
    profiles = {
        role: tuple(c.targets[role] for c in framework.competencies) for role in framework.role_ids
    }
    assert len(set(profiles.values())) == len(profiles)


def _broken_copy(tmp_path: Path, change) -> Path:
    raw = yaml.safe_load(FRAMEWORK_FILE.read_text(encoding="utf-8"))
    change(raw)
    path = tmp_path / "framework.yaml"
    path.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    return path


def test_missing_translation_is_named_with_its_place(tmp_path):
    def drop_arabic(raw):
        del raw["domains"][0]["competencies"][0]["items"][1]["text"]["ar"]

    path = _broken_copy(tmp_path, drop_arabic)
    with pytest.raises(
        DataFileError, match=r"domains → 0 → competencies → 0 → items → 1 → text.*ar"
    ):
        load_framework(path)


def test_duplicate_item_id_is_refused(tmp_path):
    def duplicate(raw):
        items = raw["domains"][0]["competencies"][0]["items"]
        items[1]["id"] = items[0]["id"]

    with pytest.raises(DataFileError, match=r"item id '\w+' is used twice"):
        load_framework(_broken_copy(tmp_path, duplicate))


def test_target_outside_scale_is_refused(tmp_path):
    def too_high(raw):
        raw["domains"][1]["competencies"][0]["targets"]["housing"] = 7

    with pytest.raises(DataFileError, match="target for 'housing' is 7"):
        load_framework(_broken_copy(tmp_path, too_high))


def test_unknown_clas_standard_is_refused(tmp_path):
    def bad_clas(raw):
        raw["domains"][0]["competencies"][0]["maps_to"]["clas"] = [16]

    with pytest.raises(DataFileError, match="CLAS standards are numbered 1–15"):
        load_framework(_broken_copy(tmp_path, bad_clas))


def test_every_competency_has_observable_behaviours_for_supervisors():
    framework = load_framework()
    for comp in framework.competencies:
        assert comp.behaviours, comp.id
        assert all(b.text["en"].strip() for b in comp.behaviours)
    assert framework.competency_of_behaviour["COM-B01"] == "communication.active_listening"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            lambda raw: raw["domains"][0]["competencies"][0].update(behaviours=[]),
            r"competencies → 0 → behaviours: List should have at least 1 item",
        ),
        (
            lambda raw: raw["domains"][0]["competencies"][0]["behaviours"][1].update(
                id=raw["domains"][0]["competencies"][0]["behaviours"][0]["id"]
            ),
            r"behaviour id 'COM-B01' is used twice",
        ),
        (
            lambda raw: raw["domains"][0]["competencies"][0]["behaviours"][0].update(
                text={"fr": "Laisse la personne finir."}
            ),
            r"behaviours → 0 → text: Value error, behaviour text has no English",
        ),
        (
            lambda raw: raw["domains"][0]["competencies"][0]["behaviours"][0].update(id="B1"),
            r"behaviours → 0 → id",
        ),
    ],
)
def test_a_broken_behaviour_is_refused_naming_its_place(tmp_path, change, message):
    with pytest.raises(DataFileError, match=message):
        load_framework(_broken_copy(tmp_path, change))

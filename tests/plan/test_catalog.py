from pathlib import Path

import pytest
import yaml

from toolkit.core.exceptions import DataFileError
from toolkit.plan.catalog import CATALOG_FILE, FORMATS, load_catalog

ACTIVITIES = {
    "role_play",
    "case_study",
    "scenario_simulation",
    "reflective_journaling",
    "listening_session",
    "quiz",
    "standardized_scenario_station",
    "debrief",
}


def test_bundled_catalog_covers_every_competency_role_and_format(framework):
    catalog = load_catalog()
    assert ACTIVITIES <= {a.id for a in catalog.activities}
    for comp in framework.competencies:
        assert sum(comp.id in m.competencies for m in catalog.modules) >= 2, comp.id
    assert len(catalog.scenarios) >= 30
    for role in framework.role_ids:
        assert sum(role in s.roles for s in catalog.scenarios) >= 5, role
    for fmt in FORMATS:
        assert any(fmt in m.formats for m in catalog.modules)
    for scenario in catalog.scenarios:
        assert scenario.client_brief and scenario.staff_brief and scenario.setting


def _broken(tmp_path: Path, change) -> Path:
    raw = yaml.safe_load(CATALOG_FILE.read_text(encoding="utf-8"))
    change(raw)
    path = tmp_path / "catalog.yaml"
    path.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    return path


@pytest.mark.parametrize(
    "change, message",
    [
        (
            lambda r: r["modules"][0]["competencies"].append("communication.telepathy"),
            r"module '\w+': unknown competency 'communication.telepathy'",
        ),
        (
            lambda r: r["modules"][0].__setitem__("durations", [25, 33]),
            r"module '\w+': duration 33 is not a positive multiple of 5",
        ),
        (
            lambda r: r["scenarios"][0]["roles"].append("astronauts"),
            r"scenario 'SC01': unknown role 'astronauts'",
        ),
        (
            lambda r: r["modules"][1].__setitem__("activities", ["juggling"]),
            r"module '\w+': unknown activity 'juggling'",
        ),
        (
            lambda r: r["scenarios"][1].__setitem__("id", r["scenarios"][0]["id"]),
            r"scenario id 'SC01' is used twice",
        ),
        (
            lambda r: r["scenarios"][0].pop("staff_brief"),
            r"scenarios → 0 → staff_brief: Field required",
        ),
    ],
)
def test_broken_catalog_says_what_and_where(tmp_path, change, message):
    with pytest.raises(DataFileError, match=message):
        load_catalog(_broken(tmp_path, change))

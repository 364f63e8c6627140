import json

import pytest

from toolkit.assess.needs_assessment import run
from toolkit.assess.results import SCHEMA_VERSION, read_results, results_schema
from toolkit.core.exceptions import ResultsFileError


@pytest.fixture(scope="module")
def sample_outputs(tmp_path_factory):
    return run(out_dir=tmp_path_factory.mktemp("out"))


def test_results_round_trip_and_withheld_values_are_null(sample_outputs):
    results = read_results(sample_outputs.results_path)
    assert results.schema_version == SCHEMA_VERSION
    withheld = [t for t in results.teams if t.withheld]
    assert withheld, "the sample has teams under the threshold"
    for team in withheld:
        assert team.respondents is None
        assert all(c.mean is None and c.n is None and c.rank is None for c in team.competencies)
    shown = [t for t in results.teams if not t.withheld]
    ranked = [c for c in shown[0].competencies if c.rank is not None]
    assert sorted(c.rank for c in ranked) == list(range(1, len(ranked) + 1))
    assert all(c.why for c in ranked)


def test_schema_documents_every_field():
    schema = json.loads(results_schema())
    assert "teams" in schema["properties"]
    competency = schema["$defs"]["CompetencyResult"]["properties"]
    assert "description" in competency["priority"]


@pytest.mark.parametrize("version", [0, 2, None])
def test_other_schema_versions_are_refused_plainly(tmp_path, sample_outputs, version):
    raw = json.loads(sample_outputs.results_path.read_text())
    raw["schema_version"] = version
    path = tmp_path / "old.json"
    path.write_text(json.dumps(raw))
    with pytest.raises(ResultsFileError, match=f"schema version {version!r}; this toolkit reads"):
        read_results(path)


def test_report_never_shows_withheld_team_figures(sample_outputs):
    html = sample_outputs.report_path.read_text(encoding="utf-8")
    withheld = sample_outputs.assessment.withheld_teams
    assert withheld
    for team_id in withheld:
        section = html.split(f'id="team-{team_id}"')[1].split("</section>")[0]
        assert "Withheld: fewer than 5 people answered" in section
        assert "<svg" not in section and "respondents." not in section
    shown_total = int(sample_outputs.assessment.team_summary["respondents"].sum())
    assert f"with {shown_total} respondents between them" in html

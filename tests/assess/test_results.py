import json

import pytest

from toolkit.assess.results import SCHEMA_VERSION, read_results, results_schema
from toolkit.core.exceptions import ResultsFileError


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


def test_to_results_is_the_document_the_frames_hold(sample_outputs):
    """Built column by column, the document says what the assessment's frames say, row by row
    (the straightforward construction it replaced, kept here as the reference)."""
    import math

    from toolkit.assess.results import to_results

    assessment = sample_outputs.assessment
    results = to_results(assessment, {"responses": "r.csv"})
    reasons = assessment.priorities()["why"]
    summary = assessment.team_summary
    by_team = {t.team_id: t for t in results.teams}
    assert list(by_team) == list(assessment.teams)
    for team_id, cells in assessment.cells.groupby("team_id", sort=False):
        team = by_team[team_id]
        assert team.withheld == bool(summary.loc[team_id, "withheld"])
        assert len(team.competencies) == len(cells)
        for (idx, row), comp in zip(cells.iterrows(), team.competencies, strict=True):
            for key in ("n", "mean", "ci_low", "ci_high", "gap", "priority"):
                value = row[key]
                expected = None if isinstance(value, float) and math.isnan(value) else value
                assert getattr(comp, key) == expected, (team_id, key)
            assert (comp.competency_id, comp.domain_id) == (row["competency_id"], row["domain_id"])
            assert comp.rank == (int(row["rank"]) if idx in reasons.index else None)
            assert comp.why == (reasons[idx] if idx in reasons.index else None)
    languages = assessment.language
    for team in results.teams:
        rows = languages[languages["team_id"] == team.team_id].drop(columns="team_id")
        assert [lang.model_dump() for lang in team.language_access] == rows.to_dict("records")
    # valid as the reader reads it
    assert type(results).model_validate(json.loads(results.model_dump_json())) == results

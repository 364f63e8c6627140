"""``cct evaluate`` and ``cct sample-cycles``: paths on success, exit 2 and words on error."""

from __future__ import annotations

from typer.testing import CliRunner

from toolkit.cli import app

runner = CliRunner()


def test_sample_cycles_then_evaluate_writes_the_report(tmp_path):
    url = f"sqlite:///{tmp_path}/r.sqlite"
    files = tmp_path / "files"
    made = runner.invoke(app, ["sample-cycles", "--store", url, "--out", str(files)])
    assert made.exit_code == 0, made.output
    assert "reflections saved" in made.output
    out = tmp_path / "evaluation"
    result = runner.invoke(
        app,
        [
            "evaluate", "--store", url,
            "--teams", str(files / "teams.csv"),
            "--outcomes", str(files / "outcomes.csv"),
            "--observations", str(files / "observations.csv"),
            "--followups", str(files / "followups.csv"),
            "--out", str(out),
        ],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "14 team(s) over 3 cycle(s): 2027Q1, 2027Q2, 2027Q3" in result.output
    assert "Linked 2027Q1 → 2027Q2:" in result.output
    assert (out / "evaluation.html").exists() and (out / "evaluation_figures.csv").exists()


def test_a_bad_outcomes_file_exits_2_with_row_and_column(tmp_path):
    bad = tmp_path / "outcomes.csv"
    bad.write_text("team_id,period,wait_time\nintake_north,2027-01,-4\n", encoding="utf-8")
    result = runner.invoke(
        app,
        ["evaluate", "--store", f"sqlite:///{tmp_path}/r.sqlite", "--outcomes", str(bad),
         "--out", str(tmp_path / "out")],
    )  # fmt: skip
    assert result.exit_code == 2
    assert "outcomes.csv, row 2, column 'wait_time': -4 is out of range" in result.output
    assert "Traceback" not in result.output


def test_a_bad_assessment_pair_and_cycle_are_refused(tmp_path):
    store = f"sqlite:///{tmp_path}/r.sqlite"
    result = runner.invoke(app, ["evaluate", "--store", store, "--assessment", "nocycle"])
    assert result.exit_code == 2 and "should be a cycle and a results file" in result.output
    result = runner.invoke(app, ["evaluate", "--store", store, "--cycle", "W"])
    assert result.exit_code == 2 and "'W' is not a cycle length" in result.output

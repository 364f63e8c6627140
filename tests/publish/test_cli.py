"""``cct report``: the audit of a file from the command line, and thresholds it refuses."""

from __future__ import annotations

import csv

import pytest
from typer.testing import CliRunner

from toolkit.cli import app
from toolkit.publish.suppression import public_threshold
from toolkit.publish.tables import WITHHELD

runner = CliRunner()


def test_audit_of_a_report_passes_and_of_a_leaked_file_names_the_cell(sample_report, tmp_path):
    _, _, done = sample_report
    ok = runner.invoke(app, ["report", "--audit", str(done.written.tables)])
    assert ok.exit_code == 0, ok.output
    assert "Audit passed" in ok.output
    with done.written.tables.open(encoding="utf-8-sig") as fh:
        rows = list(csv.DictReader(fh))
    counts = done.contents.grids[0]
    # the leak: every department total of the staff table published, withheld or not
    for row in rows:
        if row["table"] == "staff_trained" and row["role"] == "All" and row["value"] == WITHHELD:
            c = counts.cycles.index(row["cycle"])
            i = counts.rows.index(row["department"]) if row["department"] != "All" else -1
            row["value"] = str(int(counts.values[c, i, -1]))
    leaked = tmp_path / "leaked.csv"
    with leaked.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    bad = runner.invoke(app, ["report", "--audit", str(leaked)])
    assert bad.exit_code == 2
    assert (
        "give away too precisely" in bad.output and "is withheld, but the published" in bad.output
    )
    assert "Traceback" not in bad.output


@pytest.mark.parametrize("value", [2, 4, "ten", 2.5])
def test_a_public_threshold_below_the_internal_one_is_refused(value):
    with pytest.raises(ValueError, match="threshold"):
        public_threshold(value)
    assert public_threshold(10) == 10 and public_threshold("12") == 12


def test_a_mean_table_without_its_counts_is_refused(tmp_path):
    path = tmp_path / "means.csv"
    path.write_text("table,cycle,department,role,value\nusefulness,2027Q1,A,All,4.1\n")
    result = runner.invoke(app, ["report", "--audit", str(path)])
    assert result.exit_code == 2
    assert "without the 'staff_trained' table" in result.output


def test_means_of_unknown_departments_are_refused(tmp_path):
    path = tmp_path / "means.csv"
    path.write_text(
        "table,cycle,department,role,value\n"
        "staff_trained,2027Q1,A,All,12\nstaff_trained,2027Q1,All,All,12\n"
        "usefulness,2027Q1,B,All,4.1\n"
    )
    result = runner.invoke(app, ["report", "--audit", str(path)])
    assert result.exit_code == 2
    assert "department(s) the 'staff_trained' table does not have: B" in result.output

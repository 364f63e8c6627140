"""``cct debrief`` and ``cct sample-reflections``: paths on success, exit 2 and words on error."""

import subprocess
import sys

from typer.testing import CliRunner

from tests.debrief.test_summary import refl
from toolkit.cli import app
from toolkit.core.disclosure import COUNT_NOISE
from toolkit.reflect.store import ReflectionStore, upgrade_schema

runner = CliRunner()


def test_debrief_writes_report_and_csv_and_next_cycle_only_apart_when_asked(tmp_path):
    url = f"sqlite:///{tmp_path}/r.sqlite"
    store = upgrade_schema(url)
    for k in range(6):
        store.save(refl(k))
        store.save(refl(k, session="housing_east-20270204-0930", team="housing_east"))
    out = tmp_path / "out"
    result = runner.invoke(
        app,
        [
            "debrief",
            "--store",
            url,
            "--team",
            "intake_north",
            "--threshold",
            "5",
            "--out",
            str(out),
        ],
    )
    assert result.exit_code == 0, result.output
    for name in ("debrief.html", "reflections.csv"):
        assert str(out / name) in result.output
        assert (out / name).exists()
    assert not (out / "next_cycle_responses.csv").exists()
    second = tmp_path / "second"
    inside = runner.invoke(
        app,
        ["debrief", "--store", url, "--out", str(second), "--next-cycle-rows", str(second / "x")],
    )
    assert inside.exit_code == 2 and "cannot go in or around the report's folder" in inside.output
    assert not (second / "x").exists()
    apart = tmp_path / "next_cycle_pseudonymous_rows"
    asked = runner.invoke(
        app, ["debrief", "--store", url, "--out", str(second), "--next-cycle-rows", str(apart)]
    )
    assert asked.exit_code == 0, asked.output
    assert str(apart / "next_cycle_responses.csv") in asked.output
    assert (apart / "next_cycle_responses.csv").exists()
    assert not (second / "next_cycle_responses.csv").exists()
    html = (out / "debrief.html").read_text(encoding="utf-8")
    assert (
        "Central intake, North office · 2027-02-01 09:30" in html
    )  # names, by default the sample's
    assert "housing_east" not in html and "Housing support, East" not in html
    assert (out / "debrief.pdf").exists()
    result = runner.invoke(
        app,
        [
            "debrief",
            "--store",
            url,
            "-s",
            "intake_north-20270201-0930",
            "-s",
            "housing_east-20270204-0930",
            "--out",
            str(out),
        ],
    )
    assert result.exit_code == 0, result.output
    # two sessions of 6, each count published with the cell key's perturbation
    said = int(result.output.split(" reflection(s) in the 2 of 2 session(s) shown")[0].split()[-1])
    assert 10 <= said <= 12 + 2 * COUNT_NOISE


def test_the_summary_line_never_counts_a_withheld_session(tmp_path):
    url = f"sqlite:///{tmp_path}/r.sqlite"
    store = upgrade_schema(url)
    for k in range(6):
        store.save(refl(k))
    for k in range(3):  # under the threshold: its count must not be derivable from the output
        store.save(refl(100 + k, session="housing_east-20270204-0930", team="housing_east"))
    result = runner.invoke(app, ["debrief", "--store", url, "--out", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    said = int(result.output.split(" reflection(s) in the 1 of 2 session(s) shown")[0].split()[-1])
    assert 5 <= said <= 6 + COUNT_NOISE  # the shown session's published count, not 9
    assert "9 reflection" not in result.output and "3 reflection" not in result.output


def run_cct(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "toolkit.cli", *args], capture_output=True, text=True
    )


def test_a_bad_store_url_exits_2_with_a_plain_message(tmp_path):
    done = run_cct("debrief", "--store", "nonsense://nowhere", "--out", str(tmp_path))
    assert done.returncode == 2
    assert "Cannot use the database URL 'nonsense://nowhere'" in done.stderr
    assert "Traceback" not in done.stderr + done.stdout


def test_a_missing_database_or_unknown_team_exits_2(tmp_path):
    done = run_cct("debrief", "--store", f"sqlite:///{tmp_path}/none.sqlite")
    assert done.returncode == 2 and "no reflections database at" in done.stderr
    url = f"sqlite:///{tmp_path}/r.sqlite"
    upgrade_schema(url).save(refl(1))
    result = runner.invoke(app, ["debrief", "--store", url, "--team", "nobody"])
    assert result.exit_code == 2
    assert "no reflections from team(s) nobody" in result.output
    result = runner.invoke(app, ["debrief", "--store", url, "--threshold", "1"])
    assert result.exit_code == 2 and "at least 2" in result.output


def test_sample_reflections_fills_a_store(tmp_path):
    url = f"sqlite:///{tmp_path}/r.sqlite"
    result = runner.invoke(app, ["sample-reflections", "--store", url])
    assert result.exit_code == 0, result.output
    assert "sample reflections saved in" in result.output
    assert ReflectionStore(url).count() > 100

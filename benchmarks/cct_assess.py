"""``cct assess`` end to end for 100,000 staff in 400 teams, each stage's share of the time.

The parent writes the wide responses CSV and a team context CSV (``data.write`` and
``write_teams``); then

* the whole command, ``python -m toolkit.cli assess responses.csv teams.csv --out DIR``, is
  timed as a fresh process (wall clock, interpreter start-up and imports included);
* its stages are timed inside one fresh process (``python -m benchmarks.cct_assess DIR``),
  calling what ``toolkit.assess.needs_assessment.run`` calls, in the same order: imports, read
  teams, import responses, assess, to_results, write assessment.json, build the report (charts),
  render and write assessment.html.

The shares say where a facilitator with a large organisation waits, so the next bottleneck is
visible.
"""

from __future__ import annotations

import csv
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

if __package__ in (None, ""):  # run as a script: make the project root importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks import data  # noqa: E402
from benchmarks.measure import ROOT, run_worker, seconds, table  # noqa: E402


def write_teams(path: Path) -> Path:
    """The benchmark's 400 teams as a team context CSV, in data/sample/teams.csv's columns."""
    teams = data.make_teams()
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(
            ["team_id", "team_name", "role", "staff_count", "clients_per_month",
             "interpreter_need_share", "client_languages", "client_regions", "staff_languages",
             "interpreter_hours_per_month"]
        )  # fmt: skip
        for t in teams.values():
            writer.writerow(
                [t.team_id, t.name, t.role, t.staff_count, t.clients_per_month,
                 f"{t.interpreter_need_share:g}",
                 "; ".join(f"{k}={v:g}" for k, v in t.client_languages.items()),
                 "; ".join(t.client_regions), "; ".join(t.staff_languages),
                 f"{t.interpreter_hours_per_month:g}"]
            )  # fmt: skip
    return path


def _worker(directory: Path) -> dict:
    stages: list[tuple[str, float, float]] = []  # name, wall seconds, CPU seconds
    start, cpu = time.perf_counter(), time.process_time()

    def stage(name: str) -> None:
        nonlocal start, cpu
        now, now_cpu = time.perf_counter(), time.process_time()
        stages.append((name, now - start, now_cpu - cpu))
        start, cpu = now, now_cpu

    from toolkit.assess.assessment import assess
    from toolkit.assess.report import render_context, report_context, write_report
    from toolkit.assess.results import to_results, write_results
    from toolkit.core.framework import default_framework
    from toolkit.core.teams import read_teams
    from toolkit.intake.survey_import import import_survey

    framework = default_framework()
    stage("imports and framework")
    teams = read_teams(directory / "teams.csv", framework=framework)
    stage("read teams.csv")
    known = {t.team_id: t.name for t in teams.values()}
    answers = import_survey(
        directory / "responses.csv", framework=framework, known_teams=known
    ).responses
    stage("import responses.csv")
    result = assess(answers, teams, 5, framework)
    stage("assess")
    results = to_results(result, {"responses": "responses.csv", "teams": "teams.csv"})
    stage("to_results")
    out = directory / "stages"
    write_results(results, out)
    stage("write assessment.json")
    context = report_context(result, results, list(teams))
    stage("report: build (charts)")
    write_report(render_context(context), out)
    stage("report: render and write")
    return {"stages": stages, "respondents": len(answers), "teams": len(teams)}


def rows(tmp: Path) -> tuple[str, list[str]]:
    """Write the inputs, time the command and its stages; the table and a summary line."""
    tmp.mkdir(parents=True, exist_ok=True)
    if not (tmp / "responses.csv").exists():
        data.write(tmp)
    write_teams(tmp / "teams.csv")
    begin = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "toolkit.cli", "assess", str(tmp / "responses.csv"),
         str(tmp / "teams.csv"), "--out", str(tmp / "cct")],
        cwd=ROOT, capture_output=True, text=True, timeout=900, check=False,
    )  # fmt: skip
    whole = time.perf_counter() - begin
    if done.returncode != 0:
        raise RuntimeError(f"cct assess failed:\n{done.stderr}")
    figures = run_worker("cct_assess", str(tmp), timeout=900)
    total = sum(t for _, t, _ in figures["stages"])
    total_cpu = sum(c for _, _, c in figures["stages"])
    lines = [
        [name, seconds(t), f"{100 * t / total:.0f}%", seconds(c), f"{100 * c / total_cpu:.0f}%"]
        for name, t, c in figures["stages"]
    ]
    lines.append(["all stages (one process)", seconds(total), "100%", seconds(total_cpu), "100%"])
    text = "\n".join(
        [
            f"cct assess end to end: {figures['respondents']:,} staff, {figures['teams']} teams "
            "(files → assessment.json and assessment.html)",
            f"  the command, a fresh process: {seconds(whole)} wall clock",
            table(["stage", "wall clock", "share", "CPU", "CPU share"], lines),
        ]
    )
    slowest = max(figures["stages"], key=lambda s: s[2])
    summary = [
        f"cct assess {figures['respondents']} staff / {figures['teams']} teams: {whole:.1f} s "
        f"wall clock, {total_cpu:.1f} s CPU in stages; slowest stage: {slowest[0]} "
        f"({100 * slowest[2] / total_cpu:.0f}% of the CPU)"
    ]
    return text, summary


if __name__ == "__main__":
    if len(sys.argv) > 1:
        print(json.dumps(_worker(Path(sys.argv[1]))))
    else:
        with tempfile.TemporaryDirectory(prefix="cct-bench-") as folder:
            text, summary = rows(Path(folder))
            print(text)
            print(*summary, sep="\n")

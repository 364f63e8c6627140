"""``make bench``: performance figures of the toolkit, all measured in this one run.

Machines are noisy, so nothing is compared with fixed seconds: read the ratios between rows
measured side by side. Everything runs in fresh subprocesses of ``sys.executable``, from the
project root; the whole run takes about a minute.

Needs assessment (100,000 synthetic staff × the framework's 40 items, answers 1–5 with ~3%
blank, spread over 400 teams of which 8 have 3 people and are withheld at threshold 5):

* **assess** — ``toolkit.assess.assessment.assess(responses, teams, threshold=5)`` on a ``Responses``
  built directly with numpy: median and range of 3 calls (``time.perf_counter``).
  The issue's target is under 2 s; that is printed as a note, not as a pass/fail.
* **read_responses** — ``toolkit.intake.responses.read_responses(path, known_teams=…)`` on the same
  data written as a wide CSV (one row per respondent); the matrix read back is checked to be
  identical to the one written.
* **to_results** — ``toolkit.assess.results.to_results`` for the 400 teams (the assessment.json
  document, before serialisation).
* **pandas.read_csv** — ``pandas.read_csv(path)`` of the same wide CSV, defaults: the parser
  underneath, for the ratio; issue 16's target is read_responses ≤ 2× it.
* **× assess**, **× read_csv** — the row's median time divided by assess's (read_csv's) median
  time, same run; issue 16's target is to_results ≤ 0.5× assess.
* **peak RSS +** — in the measuring process, ``resource.getrusage(RUSAGE_SELF).ru_maxrss``
  just after the first call minus just before it; where Linux allows, the high-water mark is
  reset to the current RSS before the call, so only the call's own peak counts (otherwise the
  figure is a lower bound, marked "≥").
* **tracemalloc peak** — peak of memory traced by ``tracemalloc`` during one extra call of
  assess (numpy and pandas buffers included). Not measured for the pure-Python-heavy calls,
  where tracing would take minutes.

Start-up (fresh processes, wall clock, median of 5):

* **python -c pass** — interpreter start-up, the floor under the next two rows.
* **import nbformat** — without the optional ``rfc3987_syntax`` (as ``make install`` leaves the
  venv; simulated with ``sys.modules['rfc3987_syntax'] = None`` if it is installed) and with
  it (the venv's copy, or one pip-installed into a temporary directory on ``PYTHONPATH``; the
  row is skipped if pip cannot install it). The ratio is with / without.
Reflection form (issue 5): see ``benchmarks/reflection_startup.py`` — time to a usable form in
Chromium, one participant and 30 arriving over a minute, stock Voila against ``cct serve``.

A crowd (issue 13): see ``benchmarks/crowd.py`` — 100 websocket participants and one Chromium
arriving over 60 s, stock Voila and ``cct serve``: p50/p95 to a usable form and to the
confirmation, reflections stored, kernels left two minutes after, memory per participant.

Facilitators' apps (issue 13): see ``benchmarks/facilitator_apps.py`` — each app in Chromium
from its kernel kept ready (``app_pool_size=1``) and cold, p50 of ``CCT_BENCH_APP_VISITS``
visits, the ratio, and the memory of each kernel kept ready.

Session plans (issue 4): see ``benchmarks/plans.py`` — 100 teams by ``cct plans``, by the
naive shell loop of ``papermill`` + ``jupyter nbconvert`` (a sample of teams, scaled), and by
the floor (toolkit called directly in one process), with the two ratios.

Survey import: see ``benchmarks/survey_import.py`` — the 50 MB Kobo-style CSV through
``import_survey`` and ``pandas.read_csv(path, sep=";")`` of the same file, the ratio (≤ 2×) and
the peak RSS (< 1 GB). ``cct assess`` end to end: ``benchmarks/cct_assess.py`` — the command
for 100,000 staff in 400 teams, and each stage's share. ``python benchmarks/run.py PART …``
runs only some parts (assessment, startup, survey_import, cct_assess, linking, evaluation,
transparency, plans,
scaling, form, crowd, apps).

Linking cycles (issue 17): see ``benchmarks/linking.py`` — self-generated codes of 50,000
simulated people over two cycles, 10% making one slip: share linked correctly and falsely.
Evaluation at scale (issue 17): see ``benchmarks/evaluation.py`` — the four levels for 2,000
teams × 3 cycles × 50,000 participants against the same aggregation in plain pandas.

Transparency report (issue 18): see ``benchmarks/transparency.py`` — suppression and audit
for 2,000 teams × 20 departments × 3 cycles against withholding whole departments and against
building the tables alone; information loss of both on that organisation and on the sample.

Past one machine (issue 19): see ``benchmarks/scaling.py`` — reflection saves per second from
30 processes on SQLite and on PostgreSQL; plans on the local pool and on a Dask LocalCluster
with 1 and 2 worker processes (throughput per worker, 1 → 2 scaling, the client's overhead).

* **framework** — cold ``import toolkit.core.framework`` and the first ``default_framework()`` call
  (reading and validating data/framework.yaml), timed inside fresh processes, median of 3.
"""

from __future__ import annotations

import platform
import sys
import tempfile
import time
from pathlib import Path

if __package__ in (None, ""):  # run as a script: make the project root importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks import (
    cct_assess,
    crowd,
    data,
    evaluation,
    facilitator_apps,
    imports,
    linking,
    plans,
    reflection_startup,
    scaling,
    survey_import,
    transparency,
)
from benchmarks.measure import (
    MB,
    median,
    megabytes,
    paired_ratio,
    ratio_text,
    run_worker,
    seconds,
    table,
)

TARGET_SECONDS = 2.0
READ_TARGET = 2.0  # read_responses ≤ 2× pandas.read_csv of the same file (issue 16)
RESULTS_TARGET = 0.5  # to_results ≤ 0.5× assess (issue 16)


def _progress(message: str) -> None:
    print(f"… {message}", file=sys.stderr, flush=True)


def _rss(figures: dict) -> str:
    return ("+" if figures["rss_reset"] else "≥ +") + megabytes(figures["rss_increase"])


def assessment_rows(tmp: Path) -> tuple[str, list[str], dict]:
    _progress(f"writing {data.N_STAFF:,} × 40 synthetic answers (npz and wide CSV)")
    paths = data.write(tmp)
    figures = {}
    for what, label in (
        ("assess", "assess(threshold=5)"),
        ("read", "read_responses(wide CSV)"),
        ("read_csv", "pandas.read_csv(wide CSV)"),
        ("results", f"to_results({data.N_TEAMS} teams)"),
    ):
        _progress(f"measuring {label} in a fresh process")
        figures[what] = run_worker("assessment", what, str(tmp), timeout=1200)
    base = median(figures["assess"]["times"])
    labels = {
        "assess": "assess(threshold=5)",
        "read": f"read_responses(wide CSV, {paths['csv'].stat().st_size / MB:.1f} MB)",
        "read_csv": "pandas.read_csv(same file)",
        "results": f"to_results({data.N_TEAMS} teams)",
    }
    parser = median(figures["read_csv"]["times"])
    read_pairs = figures["read"]["paired"]
    paired = paired_ratio(read_pairs, "read_responses", "read_csv")["median"]
    result_pairs = figures["results"]["paired"]
    results_ratio = paired_ratio(result_pairs, "to_results", "assess")["median"]
    rows = []
    for what, f in figures.items():
        t = f["times"]
        rows.append(
            [
                labels[what],
                seconds(median(t)),
                f"{min(t):.2f}–{max(t):.2f} s",
                f"{median(t) / base:.1f}x",
                f"{median(t) / parser:.1f}x",
                _rss(f),
                megabytes(f["traced_peak"]) if "traced_peak" in f else "—",
            ]
        )
    a = figures["assess"]
    text = "\n".join(
        [
            f"Needs assessment: {data.N_STAFF:,} staff × 40 items "
            f"({megabytes(a['input_bytes'])} float64), {data.N_TEAMS} teams "
            f"({a['shown_teams']} shown, {a['withheld_teams']} withheld), {a['cells']:,} cells",
            table(
                [
                    "call",
                    "median",
                    "range (3 runs)",
                    "× assess",
                    "× read_csv",
                    "peak RSS +",
                    "tracemalloc peak",
                ],
                rows,
            ),
            f"target from the issue: assess() < {TARGET_SECONDS:g} s (a note, not a pass/fail).",
            "targets (issue 16), each pair of calls in turns in one process, the ratio per round "
            "(CPU seconds of the process: what other processes on the machine do not inflate):",
            f"  read_responses ≤ {READ_TARGET:g}× read_csv: "
            f"{ratio_text(read_pairs, 'read_responses', 'read_csv')} — "
            f"{'met' if paired <= READ_TARGET else 'NOT met'}",
            f"  to_results ≤ {RESULTS_TARGET:g}× assess: "
            f"{ratio_text(result_pairs, 'to_results', 'assess')} — "
            f"{'met' if results_ratio <= RESULTS_TARGET else 'NOT met'}",
            "CSV read back identical to the matrix written: "
            + ("yes" if figures["read"]["same_as_written"] else "NO — check read_responses"),
        ]
    )
    summary = [
        f"assessment {data.N_STAFF} x 40: {median(a['times']):.2f} s median (3 runs), "
        f"peak {_rss(a)} RSS, tracemalloc peak {megabytes(a['traced_peak'])}",
        f"read wide CSV {data.N_STAFF} x 40: {median(figures['read']['times']):.2f} s median "
        f"(3 runs), peak {_rss(figures['read'])} RSS, "
        f"{paired:.2f}x read_csv side by side (CPU) "
        f"({median(figures['read']['times']) / base:.1f}x assess)",
        f"to_results {data.N_TEAMS} teams: {median(figures['results']['times']):.2f} s median "
        f"(3 runs), peak {_rss(figures['results'])} RSS, "
        f"{results_ratio:.2f}x assess side by side (CPU)",
    ]
    return text, summary, figures


def startup_rows(tmp: Path) -> tuple[str, list[str]]:
    _progress("timing `import nbformat` in fresh processes, without and with rfc3987_syntax")
    nb = imports.nbformat_import(tmp)
    _progress("timing the cold framework load")
    fw = imports.framework_load()
    without = nb["without"]["median"]
    rows = [
        ["python -c pass", seconds(nb["startup"]), "", "fresh interpreter, for scale"],
        ["import nbformat, without rfc3987_syntax", seconds(without), "1.0x",
         "as `make install` leaves the venv"],
    ]  # fmt: skip
    if "with" in nb:
        with_ = nb["with"]["median"]
        rows.append(
            ["import nbformat, with rfc3987_syntax", seconds(with_), f"{with_ / without:.1f}x",
             nb["with_source"]]
        )  # fmt: skip
        nb_line = (
            f"nbformat import: {without:.2f} s without rfc3987_syntax, {with_:.2f} s with it "
            f"({with_ / without:.1f}x)"
        )
        if nb["without"]["loaded"] or not nb["with"]["loaded"]:
            nb_line += "  [WARNING: rfc3987_syntax was not in the state intended]"
    else:
        rows.append(["import nbformat, with rfc3987_syntax", "skipped", "", nb["skipped"]])
        nb_line = f"nbformat import: {without:.2f} s without rfc3987_syntax; with it: skipped"
    rows.append(
        [
            "import toolkit.core.framework (cold)",
            seconds(fw["import"]),
            "",
            "in-process, median of 3",
        ]
    )
    rows.append(
        ["default_framework() first load", seconds(fw["load"]), "",
         "read + validate data/framework.yaml"]
    )  # fmt: skip
    text = "\n".join(
        [
            "Start-up, fresh processes (wall clock, median of 5 unless noted)",
            table(["what", "median", "ratio", "note"], rows, left=(0, 3)),
        ]
    )
    fw_line = (
        f"framework: default_framework() {fw['load']:.2f} s cold load "
        f"(+{fw['import']:.2f} s importing toolkit.core.framework)"
    )
    return text, [nb_line, fw_line]


PARTS = (
    "assessment",
    "startup",
    "survey_import",
    "cct_assess",
    "linking",
    "evaluation",
    "transparency",
    "plans",
    "scaling",
    "form",
    "crowd",
    "apps",
)


def main(parts: tuple[str, ...] = PARTS) -> None:
    """Every part by default; ``python benchmarks/run.py assessment survey_import`` runs some."""
    started = time.perf_counter()
    import numpy
    import pandas

    print(
        f"Benchmarks — measured in this run only. Python {platform.python_version()}, "
        f"numpy {numpy.__version__}, pandas {pandas.__version__}, {platform.machine()}, "
        f"{__import__('os').cpu_count()} CPUs\n"
    )
    summary: list[str] = []
    with tempfile.TemporaryDirectory(prefix="cct-bench-") as tmp:
        if "assessment" in parts:
            assessment_text, assessment_summary, _ = assessment_rows(Path(tmp))
            print(assessment_text + "\n", flush=True)
            summary += assessment_summary
        if "startup" in parts:
            startup_text, startup_summary = startup_rows(Path(tmp))
            print(startup_text + "\n")
            summary += startup_summary
        if "survey_import" in parts:
            _progress("importing a 50 MB KoboToolbox-style CSV")
            print("Survey import (issues 3 and 16)")
            figures = survey_import.main()
            summary.append(figures["summary"])
            print(flush=True)
        if "cct_assess" in parts:
            _progress(f"cct assess end to end, {data.N_STAFF:,} staff in {data.N_TEAMS} teams")
            cct_text, cct_summary = cct_assess.rows(Path(tmp))
            print(cct_text + "\n", flush=True)
            summary += cct_summary
        if "linking" in parts:
            _progress("linking 50,000 simulated codes across two cycles")
            linking_text, linking_summary = linking.rows()
            print(linking_text + "\n", flush=True)
            summary += linking_summary
        if "evaluation" in parts:
            _progress("evaluating 2,000 teams × 3 cycles × 50,000 participants (~2 min)")
            evaluation_text, evaluation_summary = evaluation.rows()
            print(evaluation_text + "\n", flush=True)
            summary += evaluation_summary
        if "transparency" in parts:
            _progress("the transparency report: 2,000 teams × 20 departments × 3 cycles")
            transparency_text, transparency_summary = transparency.rows()
            print(transparency_text + "\n", flush=True)
            summary += transparency_summary
        if "plans" in parts:
            _progress(f"planning {plans.N_TEAMS} teams three ways (a few minutes)")
            plans_text, plans_summary = plans.rows(Path(tmp) / "plans")
            print(plans_text + "\n", flush=True)
            summary += plans_summary
        if "scaling" in parts:
            _progress("past one machine: PostgreSQL vs SQLite saves, plans on a Dask LocalCluster")
            scaling_text, scaling_summary = scaling.rows(Path(tmp) / "scaling")
            print(scaling_text + "\n", flush=True)
            summary += scaling_summary
        if "form" in parts:
            _progress("timing the reflection form in Chromium, stock Voila and cct serve (~10 min)")
            form_text, form_summary = reflection_startup.rows()
            print(form_text + "\n", flush=True)
            summary += form_summary
        if "crowd" in parts:
            _progress(
                f"a crowd of {crowd.CROWD} websocket participants, stock Voila and cct serve "
                f"(~{2 * (crowd.SECONDS + crowd.LINGER + 120) / 60:.0f} min)"
            )
            crowd_text, crowd_summary = crowd.rows()
            print(crowd_text + "\n", flush=True)
            summary += crowd_summary
        if "apps" in parts:
            apps_text, apps_summary = facilitator_apps.rows()  # it says what it is doing
            print(apps_text + "\n", flush=True)
            summary += apps_summary
    print("Summary")
    for line in summary:
        print("  " + line)
    print(f"\n(whole run: {time.perf_counter() - started:.0f} s)")


if __name__ == "__main__":
    unknown = set(sys.argv[1:]) - set(PARTS)
    if unknown:
        raise SystemExit(f"unknown part(s) {', '.join(sorted(unknown))}; parts: {', '.join(PARTS)}")
    main(tuple(sys.argv[1:]) or PARTS)

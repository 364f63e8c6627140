"""Survey import at scale: a ~50 MB KoboToolbox-style CSV through ``import_survey``.

The file is written like a Kobo export (``;``, every field quoted, ``group/ITEM`` headers, a
select_multiple with its 0/1 columns, ``_``-metadata), with half the item columns as numbers and
half as English labels, 3% "N/A", and 1% resubmitted duplicates. ``main()`` writes it to a
temporary folder, then measures ``toolkit.intake.survey_import.import_survey(path)`` in a fresh
process (``python -m benchmarks.survey_import FILE``, one JSON line): a first, cold call gives
the peak RSS of the whole measuring process (imports and the file included; target under 1 GB);
then ``pandas.read_csv(path, sep=";")`` of the same file and the import run in turns, 5 rounds, so
that both meet the same load: the import's target (issue 16) is ≤ 2× read_csv, the median of the
ratios per round in CPU seconds of the process (wall clock printed beside it).
"""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path

import numpy as np

if __package__ in (None, ""):  # run as a script: make the project root importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.measure import (  # noqa: E402
    MB,
    interleaved,
    max_rss_bytes,
    measure_call,
    median,
    paired_ratio,
    ratio_text,
    run_worker,
)

TARGET_BYTES = 50 * MB
RUNS = 5  # rounds of read_csv and the import in turns
SEED = 20261
TARGET_RSS = 1024 * MB
RATIO_TARGET = 2.0  # import_survey ≤ 2× pandas.read_csv of the same file (issue 16)


def write_kobo_csv(path: Path, target_bytes: int = TARGET_BYTES) -> int:
    """Write the Kobo-style CSV; returns the number of data rows."""
    from toolkit.core.framework import default_framework

    framework = default_framework()
    rng = np.random.default_rng(SEED)
    groups = {
        i.id: framework.domain_of_competency[framework.competency_of_item[i.id]]
        for i in framework.items
    }
    items = framework.item_ids
    header = [
        "start",
        "end",
        "team_id",
        *[f"{groups[i]}/{i}" for i in items],
        "languages",
        "languages/ar",
        "languages/es",
        "languages/uk",
        "_id",
        "_uuid",
        "_submission_time",
        "_status",
        "__version__",
        "_index",
    ]
    labels = np.array(["", *framework.scale.labels["en"], "N/A"], dtype=object)
    teams = np.array([f"team_{k:03d}" for k in range(200)], dtype=object)
    per_row = 30 + 14 * len(items)  # bytes per row, measured, to size the file
    n = max(10, target_bytes // per_row)
    values = rng.integers(1, 6, size=(n, len(items)))
    values[rng.random((n, len(items))) < 0.03] = 6  # N/A
    columns = []
    for k in range(len(items)):
        col = values[:, k]
        columns.append(labels[col] if k % 2 else np.where(col == 6, "N/A", col.astype(str)))
    ids = np.array([f"uuid-{k:08d}" for k in range(n)], dtype=object)
    dup = rng.random(n) < 0.01
    ids[dup] = ids[np.maximum(np.flatnonzero(dup) - 1, 0)]
    stamp = np.array(
        [f"2026-03-{1 + k % 28:02d}T08:{k % 60:02d}:00" for k in range(n)], dtype=object
    )
    lang = rng.integers(0, 2, size=(n, 3))
    table = np.column_stack(
        [
            np.full(n, "2026-03-02T09:00:00.000+01:00", dtype=object),
            np.full(n, "2026-03-02T09:10:00.000+01:00", dtype=object),
            teams[rng.integers(0, len(teams), n)],
            *columns,
            np.where(lang[:, 0] == 1, "ar es", "uk"),
            *[lang[:, j].astype(str) for j in range(3)],
            np.arange(n).astype(str),
            ids,
            stamp,
            np.full(n, "submitted_via_web", dtype=object),
            np.full(n, "vAbc", dtype=object),
            (np.arange(n) + 1).astype(str),
        ]
    )
    with path.open("w", encoding="utf-8", newline="") as fh:
        fh.write(";".join(f'"{h}"' for h in header) + "\r\n")
        for start in range(0, n, 20000):
            chunk = table[start : start + 20000]
            fh.write("\r\n".join(";".join(f'"{c}"' for c in row) for row in chunk) + "\r\n")
    return n


def _worker(path: Path) -> dict:

    import pandas as pd

    from toolkit.intake.survey_import import import_survey

    # the first (cold) call gives the peak memory; then the import and read_csv alternate, so
    # that both meet the same load on a shared machine
    figures, result = measure_call(lambda: import_survey(path), 1)
    figures["peak_rss"] = max_rss_bytes()  # before read_csv runs in this process
    figures["respondents"] = result.report.respondents
    figures["rows"] = result.report.rows_read
    figures["dropped"] = len(result.report.dropped)
    figures["matched"] = len(result.report.matched)
    del result
    figures["paired"] = interleaved(
        {"read_csv": lambda: pd.read_csv(path, sep=";"), "import": lambda: import_survey(path)},
        RUNS,
    )
    figures["times"] = figures["paired"]["import"]["wall"]
    figures["read_csv_times"] = figures["paired"]["read_csv"]["wall"]
    return figures


def main() -> dict:
    """Write the file, measure in a fresh process, print the lines; return the figures."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "kobo_export.csv"
        rows = write_kobo_csv(path)
        size = path.stat().st_size
        figures = run_worker("survey_import", str(path), timeout=600)
    seconds = median(figures["times"])
    parser = median(figures["read_csv_times"])
    peak = figures["peak_rss"]
    ratio = paired_ratio(figures["paired"], "import", "read_csv")["median"]
    ok = ratio <= RATIO_TARGET and peak < TARGET_RSS
    print(
        f"import_survey(Kobo CSV {size / MB:.1f} MB, {rows:,} rows, {figures['matched']} items): "
        f"median {seconds:.2f} s of {RUNS} (range {min(figures['times']):.2f}–"
        f"{max(figures['times']):.2f}), peak RSS {peak / MB:.0f} MB, "
        f"{figures['respondents']:,} respondents, {figures['dropped']:,} duplicate rows dropped"
    )
    print(
        f"pandas.read_csv(same file, sep=';'): median {parser:.2f} s of {RUNS}; import_survey, "
        "in turns with it, the ratio per round (CPU seconds of the process: what other "
        f"processes on the machine do not inflate): {ratio_text(figures['paired'], 'import', 'read_csv')}; "
        f"target (issue 16) ≤ {RATIO_TARGET:g}× and peak RSS < 1 GB: {'met' if ok else 'NOT met'}"
    )
    figures.update(file_bytes=size, median_seconds=seconds)
    figures["summary"] = (
        f"Kobo CSV {size / MB:.0f} MB: import {seconds:.2f} s, {ratio:.2f}x read_csv side by "
        f"side (CPU), peak {peak / MB:.0f} MB RSS"
    )
    return figures


if __name__ == "__main__":
    if len(sys.argv) > 1:
        print(json.dumps(_worker(Path(sys.argv[1]))))
    else:
        main()

"""A UTF-8 CSV is parsed by Arrow (columns dictionary-encoded); whatever Arrow would read
differently or refuses goes to pandas' C parser, as every CSV did before. Both must give the
same import: the same cells, the same responses, the same report, the same problems."""

from __future__ import annotations

import codecs
import csv
import io
from pathlib import Path
from unittest import mock

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from toolkit.core.exceptions import InputFileError
from toolkit.intake import survey_import
from toolkit.intake.survey_import import import_survey

from .test_survey_import import REAL

EXPORTS = Path(__file__).parents[1] / "files" / "exports"


def outcome(data: bytes, **options) -> tuple:
    """What a facilitator sees of an import: the report and the answers, or the problems."""
    try:
        result = import_survey(data, name="k.csv", **options)
    except InputFileError as exc:
        report = getattr(exc, "report", None)
        return ("problems", [str(p) for p in exc.problems], report and report.text())
    r = result.responses
    return (
        "imported",
        result.report.text(),
        list(r.respondent_ids),
        list(r.team_ids),
        np.nan_to_num(r.values, nan=-1).tolist(),
    )


def pandas_only():
    """The reader as it was: pandas' C parser for every CSV."""
    return mock.patch.object(survey_import, "_arrow_table", return_value=None)


def both(data: bytes, **options) -> tuple[tuple, tuple]:
    with pandas_only():
        before = outcome(data, **options)
    return outcome(data, **options), before


def test_a_kobo_export_is_parsed_by_arrow_and_imports_as_before():
    data = (EXPORTS / "kobo.csv").read_bytes()
    assert survey_import._read(data, "k.csv").table is not None
    arrow, pandas = both(data)
    assert arrow == pandas and arrow[0] == "imported"


@pytest.mark.parametrize(
    "data",
    [
        b"_uuid,team_id,g/COM01\nu1,t1,4\nu2,t1,4,5\n",  # a row too long
        b"_uuid,team_id,g/COM01\nu1,t1\n",  # a row too short
        b'_uuid,team_id,g/COM01\nu1,"t1,4\n',  # a quote never closed
        b"COM01\n4\n",  # one column
    ],
)
def test_what_arrow_reads_otherwise_goes_to_pandas_with_the_same_words(data):
    raw_or_error = None
    try:
        raw_or_error = survey_import._read(data, "k.csv").table
    except InputFileError:
        pass
    assert raw_or_error is None
    arrow, pandas = both(data, default_team="t1")
    assert arrow == pandas


@pytest.mark.parametrize(
    "data",
    [
        b"_uuid,team_id,g/COM01\nu1,t1,4\n\nu2,t1,3\n",  # a blank line
        b"_uuid,team_id,g/COM01\r\nu1,t1,4\r\n\r\n\r\n",  # blank lines at the end
        b"_uuid,team_id,g/COM01\nu1,t1,4\n   \n",  # a line of spaces (a short row)
        b"_uuid,team_id,g/COM01\n,,\nu1,t1,\n",  # an empty row, a row without answers
        b"_uuid,team_id,g/COM01\nu1,t1,4\nu1,t1,5\n",  # a resubmission
    ],
)
def test_empty_rows_and_duplicates_are_reported_alike(data):
    arrow, pandas = both(data)
    assert arrow == pandas


CELL = st.one_of(
    st.sampled_from(
        [
            "",
            " ",
            "4",
            " 5 ",
            "N/A",
            "Agree",
            "Strongly agree",
            "x",
            "9",
            "a,b",
            "a;b",
            "tab\there",
            'say "hi"',
            '"',
            "two\nlines",
            "cr\rlf\r\n",
            "NA",
            "null",
            "#1",
            "'q",
            "équipe",
            "أوافق",
        ]
    ),
    st.text(alphabet=' ,;\t"\n\rab1Ü\u00a0\x1c', max_size=6),
)
HEADER = ["_uuid", "_submission_time", "team_id", "g/COM01", "g/COM02", "g/LAN01"]


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    rows=st.lists(st.lists(CELL, min_size=6, max_size=6), min_size=1, max_size=12),
    sep=st.sampled_from([",", ";", "\t"]),
    quoting=st.sampled_from([csv.QUOTE_MINIMAL, csv.QUOTE_ALL]),
    newline=st.sampled_from(["\n", "\r\n", "\r"]),
    bom=st.booleans(),
    sep_line=st.booleans(),
    last_newline=st.booleans(),
)
def test_arrow_and_pandas_give_the_same_import(
    rows, sep, quoting, newline, bom, sep_line, last_newline
):
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=sep, quoting=quoting, lineterminator=newline).writerows(
        [HEADER, *rows]
    )
    text = (f"sep={sep}{newline}" if sep_line else "") + buffer.getvalue()
    if not last_newline:
        text = text[: -len(newline)]
    data = (codecs.BOM_UTF8 if bom else b"") + text.encode("utf-8")
    arrow, pandas = both(data, default_team="t0")
    assert arrow == pandas


@pytest.mark.parametrize("late", [b"caf\xe9", b"\xed\xa0\x80", "café".encode("cp1252")])
def test_a_byte_that_is_not_utf8_far_into_the_file_is_found_as_before(late):
    """Only the head is decoded before Arrow parses: Arrow must refuse the rest as Python would."""
    rows = b"".join(b'"u%d";"t1";"4";"3"\r\n' % k for k in range(20000))
    data = b'"_uuid";"team_id";"g/COM01";"g/COM02"\r\n' + rows + b'"u";"t1";"' + late + b'";"3"\r\n'
    assert len(data) > 4 * survey_import.SNIFF_BYTES
    arrow, pandas = both(data)
    assert arrow == pandas


def test_arrow_strips_what_python_strips():
    """Ids are stripped by Arrow's utf8_trim with this set: exactly the characters str.strip()
    removes, so ' u1\u00a0' and 'u1' are one respondent on both paths."""
    import sys

    spaces = {c for c in map(chr, range(sys.maxunicode + 1)) if c.isspace()}
    assert set(survey_import.WHITESPACE) == spaces


@pytest.mark.skipif(not REAL.is_dir(), reason="../shared/real-exports is not on this machine")
def test_real_csv_exports_give_the_same_report_on_both_readers():
    paths = sorted(REAL.rglob("*.csv"))
    assert paths
    for path in paths:
        arrow, pandas = both(path.read_bytes(), default_team="t1")
        assert arrow == pandas, path.name

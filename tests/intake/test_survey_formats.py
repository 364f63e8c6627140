"""LimeSurvey's response exports in each heading style it offers, CSV and XLSX.

The fixtures (tests/files/exports/limesurvey_*.csv|xlsx, written by make_exports.py) follow
LimeSurvey's export code: "question code", "full question text", "abbreviated question text"
(15 characters and ".. "), "question code & question text" (code ". " text); array
sub-questions as ``CODE[sub]`` or ``text [sub text]``; a UTF-8 BOM, every field quoted, ``;``,
a tab inside quoted headings, a blank line at the end.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

from toolkit.core.exceptions import InputFileError
from toolkit.core.framework import default_framework
from toolkit.intake.item_matching import match_columns
from toolkit.intake.responses import read_responses
from toolkit.intake.survey_formats import detect_format, get_format, split_limesurvey_headings
from toolkit.intake.survey_import import import_survey

EXPORTS = Path(__file__).parents[1] / "files" / "exports"
KNOWN = {"intake_north": "Central intake, North office", "housing_east": "Housing support, East"}
ITEMS = ["COM01", "COM02", "COM03", "LAN01", "LAN02"]
EXPECTED = np.array([[5, 4, 3, np.nan, 1], [2, 1, 4, 3, 2], [4, 5, np.nan, 4, 5]])
STYLES = {  # style → (team heading, how the items are matched)
    "code": ("team", "code"),
    "full": ("Which team are you in?", "question text (en)"),
    "abbreviated": ("Which team are ..", "question text (en)"),
    "codetext": ("team. Which team are you in?", "code"),
}


def check_import(result, how: str, blank_line_at_end: bool = True) -> None:
    report = result.report
    assert report.format == "limesurvey"
    assert [m.target for m in report.matched] == ITEMS
    assert {m.how for m in report.matched} == {how}
    assert list(result.responses.respondent_ids) == ["1", "2", "3"]
    assert list(result.responses.team_ids) == ["intake_north", "intake_north", "housing_east"]
    cols = [result.responses.item_ids.index(i) for i in ITEMS]
    np.testing.assert_array_equal(result.responses.values[:, cols], EXPECTED)
    # the incomplete response on row 5; LimeSurvey's CSV ends with a blank line (row 6)
    ends = [(6, "empty")] if blank_line_at_end else []
    assert sorted((d.row, d.kind) for d in report.dropped) == [(5, "no answer"), *ends]
    assert report.rows_read == 4 + len(ends) and report.rows_imported == 3
    shared = [c for c in report.unmatched if "G03Q03" in c or c.replace("_", " ").startswith("Is")]
    assert len(shared) == 1, "the long question about a team is listed, not taken as the team"


@pytest.mark.parametrize("suffix", ["csv", "xlsx"])
@pytest.mark.parametrize("style", list(STYLES))
def test_each_limesurvey_heading_style_is_recognised_and_imported(style, suffix):
    team, how = STYLES[style]
    result = import_survey(EXPORTS / f"limesurvey_{style}.{suffix}", known_teams=KNOWN)
    check_import(result, how, blank_line_at_end=suffix == "csv")
    report = result.report
    assert report.team_column.column == team
    assert report.respondent_column.column in ("id", "Response ID", "id. Response ID")
    if suffix == "csv":
        assert (report.encoding, report.separator) == ("utf-8-sig", ";")
    else:
        assert report.sheet == "results"
    assert "LimeSurvey" in report.text().splitlines()[0]


@pytest.mark.parametrize(
    "style, change",
    [
        # sub-question codes that are not item ids: matched by the sub-question text
        ("codetext", lambda t: re.sub(r"\[(COM|LAN)0\d\]\.", "[SQ001].", t)),
        # "Use ExpressionScript code": G02Q02_COM01
        ("code", lambda t: re.sub(r"G02Q02\[(\w+)\]", r"G02Q02_\1", t)),
        ("codetext", lambda t: re.sub(r"G02Q02\[(\w+)\]", r"G02Q02_\1", t)),
        # "Convert spaces in question text to underscores"
        (
            "full",
            lambda t: t.split("\r\n", 1)[0].replace(" ", "_") + "\r\n" + t.split("\r\n", 1)[1],
        ),
        # another code/text separator than ". "
        ("codetext", lambda t: re.sub(r'(^|;)"([^"]*?)\. ', r'\1"\2 - ', t, flags=re.M)),
        # comma-separated, as newer versions offer
        ("code", lambda t: t.replace('";"', '","')),
    ],
    ids=["sub-question codes", "EM code", "EM code with text", "underscores", "separator", "comma"],
)
def test_limesurvey_heading_options(style, change):
    text = (EXPORTS / f"limesurvey_{style}.csv").read_bytes().decode("utf-8-sig")
    changed = change(text)
    assert changed != text
    result = import_survey(changed.encode("utf-8-sig"), name="ls.csv", known_teams=KNOWN)
    how = "question text (en)" if "SQ001" in changed or style == "full" else "code"
    check_import(result, how)


def test_code_and_text_headings_are_split_on_their_separator():
    headers = [
        "id. Response ID",
        "submitdate. Date submitted",
        "G02Q02[SQ001]. How much do you agree? [I summarise]",
        "G04Q04. Anything else?\t(optional)",
        "a heading of another shape",
    ]
    assert split_limesurvey_headings(headers) == [
        ("id", "Response ID"),
        ("submitdate", "Date submitted"),
        ("G02Q02[SQ001]", "How much do you agree? [I summarise]"),
        ("G04Q04", "Anything else?\t(optional)"),
        ("", ""),
    ]
    # code-only and text-only headings are not split (no "id. …" to read the separator from)
    assert split_limesurvey_headings(["id", "submitdate", "G01Q01"]) == [("", "")] * 3
    assert split_limesurvey_headings(["ID de la réponse", "Date submitted"]) == [("", "")] * 2


@pytest.mark.parametrize(
    "row",
    [
        ["id", "submitdate", "lastpage", "startlanguage"],
        ["Response ID", "Date submitted", "Last page", "Start language"],
        ["id. Response ID", "submitdate. Date submitted", "lastpage. Last page"],
        ["id - Response ID", "submitdate - Date submitted", "lastpage - Last page"],
        ["Response_ID", "Date_submitted", "Last_page"],
        ["Response ID", "G01Q01", "G01Q02[SQ001]"],
        ["id", "123456X12X34", "123456X12X35SQ001"],
    ],
)
def test_limesurvey_is_detected_from_its_first_row(row):
    assert detect_format([row]).name == "limesurvey"


def test_abbreviated_headings_match_only_a_unique_start():
    """Cut to 15 characters, 'I ask clients w' starts two items' texts: left for a mapping."""
    fw = default_framework()
    starts: dict[str, list[str]] = {}
    for item in fw.items:
        starts.setdefault(item.text["en"][:15], []).append(item.id)
    unique = next(s for s, ids in starts.items() if len(ids) == 1)
    shared = next(s for s, ids in starts.items() if len(ids) > 1)
    headers = [f"How much do you..  [{unique}.. ]", f"How much do you..  [{shared}.. ]"]
    matching = match_columns(headers, get_format("limesurvey"), fw)
    assert [m.target for m in matching.items] == starts[unique]
    assert matching.unmatched == [headers[1]]
    # without the ellipsis a 15-character start is too short to trust
    plain = match_columns([unique], get_format("spreadsheet"), fw)
    assert not plain.items


# -- legacy Excel (.xls) and OpenDocument (.ods) workbooks -------------------------------------
def test_legacy_excel_xls_is_read_like_xlsx():
    """Older LimeSurvey, SPSS and some XLSForm users hand over .xls (BIFF8, written by xlwt)."""
    result = import_survey(EXPORTS / "limesurvey_codetext.xls", known_teams=KNOWN)
    check_import(result, "code", blank_line_at_end=False)
    assert (result.report.encoding, result.report.sheet) == (None, "results")
    # numbers stored as numbers come back as "5", not "5.0"; the ids are "1", "2", "3"


def test_opendocument_ods_is_read():
    result = import_survey(EXPORTS / "microsoft_forms_libreoffice.ods", known_teams=KNOWN)
    assert result.report.format == "microsoft_forms"
    assert result.report.team_column.column == "Your team"
    assert list(result.responses.respondent_ids) == ["1", "2", "3"]
    cols = [result.responses.item_ids.index(i) for i in ITEMS]
    np.testing.assert_array_equal(result.responses.values[:, cols], EXPECTED)


@pytest.mark.parametrize(
    "data, expected",
    [
        (
            b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1 not really a workbook",
            "m.xls: this Excel workbook cannot be read (",
        ),
        (
            b"PK\x03\x04"
            + b"\x00" * 26
            + b"mimetypeapplication/vnd.oasis.opendocument.spreadsheet",
            "m.xls: this OpenDocument spreadsheet cannot be read (",
        ),
    ],
    ids=["damaged xls", "damaged ods"],
)
def test_damaged_workbooks_are_named(data, expected):
    with pytest.raises(InputFileError) as info:
        import_survey(data, name="m.xls")
    [problem] = info.value.problems
    assert str(problem).startswith(expected)


def test_xls_responses_through_the_strict_reader(tmp_path):
    """read_responses (the toolkit's own layout) reads .xls the same way."""
    from tests.files.exports.make_exports import xls

    path = tmp_path / "responses.xls"
    xls(
        path, "Sheet1", [["respondent_id", "team_id", "COM01"], ["r1", "t1", "4"], ["r2", "t1", ""]]
    )
    responses = read_responses(path)
    assert list(responses.respondent_ids) == ["r1", "r2"]
    col = responses.item_ids.index("COM01")
    np.testing.assert_array_equal(responses.values[:, col], [4, np.nan])
    xls(path, "Sheet1", [["respondent_id", "team_id", "COM01"], ["r1", "t1", "9"]])
    with pytest.raises(InputFileError) as info:
        read_responses(path)
    assert [str(p) for p in info.value.problems] == [
        "responses.xls, row 2, column 'COM01': answer 9 is outside the scale 1–5"
    ]

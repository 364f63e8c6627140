"""Survey exports as facilitators have them: detection, matching, answers, duplicates, problems."""

from __future__ import annotations

import codecs
import csv
import io
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from toolkit.assess.assessment import competency_scores
from toolkit.assess.needs_assessment import SAMPLE_TEAMS, load_inputs
from toolkit.core.exceptions import InputFileError, SurveyFormatError, SurveyImportError
from toolkit.intake.item_matching import mapping_template, read_mapping
from toolkit.intake.survey_formats import detect_format, get_format
from toolkit.intake.survey_import import import_survey

EXPORTS = Path(__file__).parents[1] / "files" / "exports"
# ../shared/real-exports beside the checkout (a worktree sits one folder deeper)
REAL = next(
    (
        p / "shared" / "real-exports"
        for p in Path(__file__).resolve().parents[3:5]
        if (p / "shared" / "real-exports").is_dir()
    ),
    Path(__file__).resolve().parents[3] / "shared" / "real-exports",
)
KNOWN = {"intake_north": "Central intake, North office", "housing_east": "Housing support, East"}
ITEMS = ["COM01", "COM02", "COM03", "LAN01", "LAN02"]
NAN = np.nan
# what every fixture holds (tests/files/exports/make_exports.py): respondent → team, answers
PEOPLE = {
    "A": ("intake_north", [5, 4, 3, NAN, 1]),
    "B": ("intake_north", [2, 1, 4, 3, 2]),
    "C": ("housing_east", [4, 5, NAN, 4, 5]),
}


def values_of(result, ids=None):
    r = result.responses
    cols = [r.item_ids.index(i) for i in ITEMS]
    rows = range(len(r)) if ids is None else [list(r.respondent_ids).index(i) for i in ids]
    return r.values[list(rows)][:, cols]


def assert_accounted(report) -> None:
    """read = imported + each kind of dropped + not imported; no row in two kinds."""
    accounts = report.row_accounts()
    listed = [row for _, rows in accounts for row in rows]
    assert len(listed) == len(set(listed))
    assert report.rows_read == report.rows_imported + len(listed)
    last = report.first_row + report.rows_read - 1
    assert all(report.first_row <= row <= last for row in listed)


def problems(source, **kwargs) -> list[str]:
    with pytest.raises(InputFileError) as info:
        import_survey(source, **kwargs)
    return [str(p) for p in info.value.problems]


# -- one fixture per format ------------------------------------------------------------------
@pytest.mark.parametrize(
    "file, fmt, encoding, separator, ids, dropped",
    [
        (
            "kobo.csv",
            "kobo",
            "utf-8",
            ";",
            ["uuid-A", "uuid-B", "uuid-C"],
            ["row 5: same respondent id 'uuid-A' as row 2; kept the latest submission"],
        ),
        ("kobo_labels_fr.xlsx", "kobo", None, None, ["uuid-A", "uuid-B", "uuid-C"], []),
        ("odk.csv", "odk", "utf-8", ",", ["uuid:A", "uuid:B", "uuid:C"], []),
        (
            "limesurvey.csv",
            "limesurvey",
            "utf-8",
            ",",
            ["1", "2", "3"],
            ["row 5: answered no item (an incomplete response)"],
        ),
        (
            "google_forms.csv",
            "google_forms",
            "utf-8",
            ",",
            ["row-2", "row-5", "row-4"],
            ["row 3: identical to row 5; kept the latest submission"],
        ),
        (
            "google_forms_excel_es_cp1252.csv",
            "google_forms",
            "cp1252",
            ";",
            ["row-2", "row-3", "row-4"],
            [],
        ),
        ("microsoft_forms.xlsx", "microsoft_forms", None, None, ["1", "2", "3"], []),
        (
            "microsoft_forms_unicode_text.txt",
            "microsoft_forms",
            "utf-16",
            "\t",
            ["1", "2", "3"],
            [],
        ),
        ("qualtrics.csv", "qualtrics", "utf-8", ",", ["R_A", "R_B", "R_C"], []),
        ("tidy_long.csv", "tidy", "utf-8", ",", ["A", "B", "C"], []),
    ],
)
def test_each_format_is_detected_and_imported(file, fmt, encoding, separator, ids, dropped):
    result = import_survey(EXPORTS / file, known_teams=KNOWN)
    report = result.report
    assert (report.format, report.encoding, report.separator) == (fmt, encoding, separator)
    assert report.detected.startswith(f"{file}: {get_format(fmt).title}")
    assert sorted(result.responses.respondent_ids) == sorted(ids)
    assert [f"row {d.row}: {d.reason}" for d in report.dropped] == dropped
    if fmt != "tidy":  # the long layout has a row per answer
        assert report.rows_read == report.respondents + len(report.dropped)
    assert_accounted(report)
    expected = np.array([PEOPLE[p][1] for p in "ABC"])
    np.testing.assert_array_equal(values_of(result, ids), expected)
    teams = dict(zip(result.responses.respondent_ids, result.responses.team_ids, strict=True))
    assert [teams[i] for i in ids] == [PEOPLE[p][0] for p in "ABC"]
    if fmt != "tidy":
        assert {m.target for m in report.matched} == set(ITEMS)
        assert f"Detected: {report.detected}" in report.text()


def test_kobo_select_multiple_columns_are_grouped_and_metadata_named():
    report = import_survey(EXPORTS / "kobo.csv").report
    assert report.choice_columns == {"languages": ["languages/ar", "languages/es", "languages/uk"]}
    assert report.unmatched == ["languages"]
    assert {"_submission_time", "__version__", "start"} <= set(report.metadata_columns)
    assert report.respondent_column.column == "_uuid"
    assert [(m.column, m.how) for m in report.matched][:1] == [("communication/COM01", "code")]


def test_how_each_column_was_matched_is_reported():
    fr = import_survey(EXPORTS / "kobo_labels_fr.xlsx").report
    assert {m.how for m in fr.matched} == {"question text (fr)"}
    assert fr.team_column.column == "Équipe"
    assert any("only the first sheet" in n and "contacts" in n for n in fr.notices)
    q = import_survey(EXPORTS / "qualtrics.csv").report
    assert q.header_rows == 3 and q.team_column.column == "Q1"
    assert [m.column for m in q.matched] == ["Q2_1", "Q2_2", "Q2_3", "Q2_4", "Q2_5"]


def test_spreadsheet_with_decimal_commas_finished_with_a_mapping_file(tmp_path):
    source = EXPORTS / "spreadsheet_decimal_comma.csv"
    first = import_survey(source)
    assert first.report.format == "spreadsheet" and first.report.encoding == "utf-8-sig"
    assert first.report.unmatched == [
        "Nom",
        "À quelle fréquence faites-vous appel à un proche comme interprète ?",
        "Moyenne",
    ]
    from toolkit.core.framework import default_framework
    from toolkit.intake.item_matching import Matching

    template = mapping_template(
        source.name,
        Matching(items=first.report.matched, unmatched=first.report.unmatched),
        default_framework(),
    )
    filled = (
        template.replace('"Nom":', '"Nom": respondent')
        .replace('interprète ?":', 'interprète ?": LAN02')
        .replace('"Moyenne":', '"Moyenne": ignore')
    )
    path = tmp_path / "mapping.yaml"
    path.write_text(filled, encoding="utf-8")
    result = import_survey(source, mapping=path)
    assert list(result.responses.respondent_ids) == ["A", "B", "C"]
    assert result.report.unmatched == [] and result.report.ignored_columns == ["Moyenne"]
    assert (
        "À quelle fréquence faites-vous appel à un proche comme interprète ?",
        "LAN02",
        "mapping file",
    ) in [(m.column, m.target, m.how) for m in result.report.matched]
    # frequency labels: Fréquemment 5, Occasionnellement 3, Rarement ou jamais 1, blank for B
    np.testing.assert_array_equal(
        values_of(result), [[5, 4, 3, NAN, 1], [2, 1, 4, 3, NAN], [4, 5, NAN, 4, 5]]
    )


def test_reverse_item_from_labels_keeps_raw_value_and_scores_right(framework):
    """COM02 is reverse-scored: 'Strongly agree' imports as 5, the assessment flips it to 1."""
    text = (
        "Timestamp,Team,"
        f'"{framework.items[0].text["en"]}","{framework.items[1].text["es"]}"\n'
        "2026/03/02 9:00:00,intake_north,Agree,Totalmente de acuerdo\n"
    )
    result = import_survey(text.encode(), name="g.csv")
    assert framework.items[1].id == "COM02" and framework.items[1].reverse
    assert values_of(result)[0, :2].tolist() == [4, 5]
    scores = competency_scores(result.responses, framework)
    k = [c.id for c in framework.competencies].index(framework.competency_of_item["COM02"])
    assert scores[0, k] == (4 + (6 - 5)) / 2


def test_team_names_default_team_and_mapping_teams(framework):
    body = "Timestamp,Your team,COM01\n1,Central intake - North office,4\n2,,3\n3,Nord,2\n"
    found = problems(body.encode(), name="g.csv", known_teams=KNOWN)
    assert found == [
        "g.csv, row 3, column 'Your team': the team is empty; fill it in, or give one team for "
        "the whole file (--team)",
        "g.csv, row 4, column 'Your team': team 'Nord' is not in the team context file (known "
        "teams: housing_east, intake_north); use a team id or name, or list it under 'teams' in "
        "the mapping file",
    ]
    result = import_survey(
        body.encode(),
        name="g.csv",
        known_teams=KNOWN,
        default_team="housing_east",
        mapping={"teams": {"Nord": "intake_north"}},
    )
    assert list(result.responses.team_ids) == ["intake_north", "housing_east", "intake_north"]


def test_whole_file_team_when_the_export_has_no_team_column():
    body = b"Timestamp,COM01\n1,4\n"
    result = import_survey(body, name="g.csv", default_team="intake_north")
    assert list(result.responses.team_ids) == ["intake_north"]
    assert "Team: 'intake_north' for the whole file" in result.report.text()


def test_forced_format_and_unknown_format_names_the_known_ones():
    with pytest.raises(
        SurveyFormatError,
        match=r"unknown survey format 'kobo2'; known formats: "
        r"google_forms, kobo, limesurvey, microsoft_forms, odk, qualtrics",
    ):
        import_survey(EXPORTS / "kobo.csv", survey_format="kobo2")
    assert import_survey(EXPORTS / "odk.csv", survey_format="spreadsheet").report.format == (
        "spreadsheet"
    )


def test_excel_sep_line_and_bom():
    body = codecs.BOM_UTF8 + b"sep=;\r\nTimestamp;team;COM01\r\n1;t1;4\r\n2;t1;x\r\n"
    assert problems(body, name="s.csv") == [
        "s.csv, row 4, column 'COM01': answer 'x' is not on the scale: use a whole number from 1 "
        "to 5, a label such as 'Strongly agree', 'Totalmente de acuerdo', 'Frequently', or 'N/A' "
        "for no answer"
    ]


# -- through the needs assessment (CLI, notebook and Voila use load_inputs) ------------------
def test_load_inputs_reads_a_kobo_export_against_the_sample_teams():
    answers, teams = load_inputs(EXPORTS / "kobo.csv", SAMPLE_TEAMS)
    assert len(answers) == 3 and set(answers.team_ids) <= set(teams)
    assert any("KoboToolbox" in n for n in answers.notices)


def test_load_inputs_as_uploaded_bytes_reports_every_problem():
    data = (EXPORTS / "odk.csv").read_bytes().replace(b"housing_east", b"nowhere")
    with pytest.raises(InputFileError) as info:
        load_inputs(
            data, SAMPLE_TEAMS.read_bytes(), responses_name="upload.csv", teams_name="teams.csv"
        )
    [problem] = info.value.problems
    assert str(problem).startswith(
        "upload.csv, row 4, column 'team_id': team 'nowhere' is not in the team context file"
    )


# -- the malformed corpus: each file and exactly what the facilitator is told ----------------
KOBO_HEAD = '"_uuid";"team_id";"grp/COM01";"grp/COM02"\n'
ODK_HEAD = "SubmissionDate,team_id,g-COM01,g-COM02,KEY,SubmitterID\n"
QUAL = (
    "StartDate,ResponseId,Q1,Q2_1\nStart Date,Response ID,Your team,Rate - "
    "I summarise back what a client has told me to check that I have understood it correctly.\n"
    '{"ImportId":"startDate"},{"ImportId":"_recordId"},{"ImportId":"QID1"},{"ImportId":"QID2_1"}\n'
)
ADVICE = (
    "is not on the scale: use a whole number from 1 to 5, a label such as 'Strongly agree', "
    "'Totalmente de acuerdo', 'Frequently', or 'N/A' for no answer"
)
MALFORMED = [
    ("empty", b"", ["m.csv: the file is empty"]),
    ("only blanks", b" \r\n \r\n", ["m.csv: the file is empty"]),
    ("only a BOM", codecs.BOM_UTF8, ["m.csv: the file is empty"]),
    ("header only", KOBO_HEAD.encode(), ["m.csv: the file has a header but no data rows"]),
    (
        "binary",
        bytes(range(256)) * 4,
        [
            "m.csv: this is not a text file we can read. Save it from your spreadsheet as 'CSV UTF-8' "
            "or as an Excel workbook (.xlsx) and try again."
        ],
    ),
    (
        "damaged xlsx",
        b"PK\x03\x04 not really a zip",
        ["m.csv: this Excel workbook cannot be read (File is not a zip file)"],
    ),
    (
        "off scale",
        (KOBO_HEAD + '"u1";"t1";"7";"2"\n').encode(),
        ["m.csv, row 2, column 'grp/COM01': answer 7 is outside the scale 1–5"],
    ),
    (
        "zero is not missing",
        (KOBO_HEAD + '"u1";"t1";"0";"2"\n').encode(),
        ["m.csv, row 2, column 'grp/COM01': answer 0 is outside the scale 1–5"],
    ),
    (
        "half point",
        (KOBO_HEAD + '"u1";"t1";"3,5";"2"\n').encode(),
        [f"m.csv, row 2, column 'grp/COM01': answer '3,5' {ADVICE}"],
    ),
    (
        "unknown label",
        (KOBO_HEAD + '"u1";"t1";"Mostly";"Agree"\n').encode(),
        [f"m.csv, row 2, column 'grp/COM01': answer 'Mostly' {ADVICE}"],
    ),
    (
        "every bad cell at once",
        (KOBO_HEAD + '"u1";"t1";"9";"x"\n"u2";"t1";"4";"8"\n').encode(),
        [
            "m.csv, row 2, column 'grp/COM01': answer 9 is outside the scale 1–5",
            f"m.csv, row 2, column 'grp/COM02': answer 'x' {ADVICE}",
            "m.csv, row 3, column 'grp/COM02': answer 8 is outside the scale 1–5",
        ],
    ),
    (
        "no item column",
        b"Timestamp,Team,Favourite fruit\n1,t1,apple\n",
        [
            "m.csv, row 1: no column matches a framework item by id (such as COM01, COM02), code or "
            "question text; 1 column(s) are not matched. Name them in a mapping file (cct import "
            "--write-mapping) and import again"
        ],
    ),
    (
        "no team column",
        b"Timestamp,COM01\n1,4\n",
        [
            "m.csv, row 1: no column names the respondent's team (looked for 'team', 'team_id', "
            "'équipe', 'equipo', 'Which team are you in?' …); add one, map one to 'team' in the "
            "mapping file, or give one team for the whole file (--team)"
        ],
    ),
    (
        "empty team",
        (ODK_HEAD + "2026,,4,4,k1,1\n").encode(),
        [
            "m.csv, row 2, column 'team_id': the team is empty; fill it in, or give one team for "
            "the whole file (--team)"
        ],
    ),
    (
        "two columns for one item",
        b"Timestamp,Team,COM01,com_01\n1,t1,4,4\n",
        [
            "m.csv, row 1, column 'com_01': columns 'COM01' (item id) and 'com_01' (code) both "
            "answer item COM01; keep one, or map the other to 'ignore' in the mapping file"
        ],
    ),
    (
        "ragged rows",
        b"Timestamp,Team,COM01\n1,t1,4\n2,t1,4,5\n3,t1,4\n4,t1,1,2,3\n",
        [
            "m.csv, row 3: this row has 4 values but the first row has 3 columns; a value containing "
            "the separator ',' needs quotes",
            "m.csv, row 5: this row has 5 values but the first row has 3 columns; a value containing "
            "the separator ',' needs quotes",
        ],
    ),
    (
        "unclosed quote",
        b'Timestamp,Team,COM01\n1,t1,4\n2,"t1,4\n3,t1,4\n',
        [
            'm.csv, row 3: a quoted value is never closed (a " is missing), so the rest of the file '
            "cannot be read"
        ],
    ),
    (
        "qualtrics rows count its three header rows",
        (QUAL + "2026,R_1,t1,6\n").encode(),
        ["m.csv, row 4, column 'Q2_1': answer 6 is outside the scale 1–5"],
    ),
    (
        "qualtrics with header rows only",
        QUAL.encode(),
        ["m.csv: the file has a header but no data rows"],
    ),
    (
        "xlsform instead of answers",
        None,
        [
            "m.csv: this is an XLSForm, the definition of a form (sheets 'survey' and 'choices'), "
            "not answers; import the export of the submissions from KoboToolbox or ODK Central "
            "instead"
        ],
    ),
    (
        "tidy: duplicate respondent stays a problem",
        b"respondent_id,team_id,COM01\na,t1,4\na,t1,3\n",
        [
            "m.csv, row 3, column 'respondent_id': respondent 'a' appears twice (first on row 2); "
            "keep one row per respondent"
        ],
    ),
    (
        "tidy: label off the agreement scale",
        b"respondent_id,team_id,COM01\na,t1,often\n",
        ["m.csv, row 2, column 'COM01': answer 'often' is not a whole number from 1 to 5"],
    ),
    (
        "tidy: team missing",
        b"respondent_id,COM01\na,4\n",
        [
            "m.csv, row 1: required column(s) missing: team_id. The first row must name the "
            "columns; found: respondent_id, COM01"
        ],
    ),
]


@pytest.mark.parametrize(
    "content, expected", [m[1:] for m in MALFORMED], ids=[m[0] for m in MALFORMED]
)
def test_malformed_files_name_file_row_and_column(content, expected, tmp_path):
    if content is None:
        from toolkit.intake.xlsform import write_xlsform

        content = write_xlsform(tmp_path / "form.xlsx").read_bytes()
    assert problems(content, name="m.csv") == expected


def test_malformed_corpus_is_at_least_twenty():
    assert len(MALFORMED) >= 20


def test_failed_import_still_carries_the_report():
    with pytest.raises(SurveyImportError) as info:
        import_survey(b"Timestamp,Team,Favourite fruit\n1,t1,apple\n", name="m.csv")
    assert info.value.report.format == "google_forms"
    assert info.value.report.unmatched == ["Favourite fruit"]


def test_mapping_file_problems_are_named(tmp_path, framework):
    path = tmp_path / "map.yaml"
    path.write_text('columns:\n  "Q1": COM99\n  "Q2": team\n  "Q3":\nfoo: 1\n')
    with pytest.raises(
        InputFileError,
        match="a mapping file has two sections, 'columns' and 'teams'; found also: foo",
    ):
        read_mapping(path, framework)
    path.write_text('columns:\n  "Q1": COM99\n  "Q2": team\n  "Q3":\n')
    with pytest.raises(InputFileError) as info:
        read_mapping(path, framework)
    assert [str(p) for p in info.value.problems] == [
        "map.yaml, column 'Q1': column 'Q1' is mapped to 'COM99', which is not an item id "
        "(COM01 … PAR04), 'team', 'respondent' or 'ignore'"
    ]
    path.write_text("columns: [unclosed\n")
    with pytest.raises(InputFileError, match=r"map.yaml, row 2: this is not valid YAML"):
        read_mapping(path, framework)


# -- the real exports in ../shared/real-exports (not copied: their licences are not ours) ----
REAL_EXPORTS = [
    ("kobo/Geolocation_Test_-_latest_version_-_False_-_2024-03-14-14-02-55.xlsx", "kobo"),
    ("kobo/Meeting_Form_-_latest_version_-_False_-_2024-03-14-09-51-14.xlsx", "kobo"),
    ("odk/build_Flora-Quadrat-0-4_1564384341.csv", "odk"),
    ("odk/build_Flora-Quadrat-0-4_1564384341-taxon_encounter.csv", "odk"),
    ("qualtrics/sample.csv", "qualtrics"),
    ("qualtrics/sample_legacy.csv", "qualtrics_legacy"),
    ("google_forms/Kobo Test.csv", "google_forms"),
    ("xlsform/yes_or_no_question.xlsx", "xlsform"),
    ("xlsform/choice_filter_test.xlsx", "xlsform"),
]


@pytest.mark.skipif(not REAL.exists(), reason="../shared/real-exports is not on this machine")
def test_every_real_export_is_tried():
    """A file added to ../shared/real-exports is not left out of the test below."""
    present = {
        str(p.relative_to(REAL)) for p in REAL.rglob("*") if p.is_file() and p.name != "README.md"
    }
    assert present == {path for path, _ in REAL_EXPORTS}


@pytest.mark.skipif(not REAL.exists(), reason="../shared/real-exports is not on this machine")
@pytest.mark.parametrize(
    "path, fmt",
    REAL_EXPORTS,
)
def test_real_exports_are_detected_with_a_sensible_report(path, fmt):
    with pytest.raises(SurveyImportError) as info:  # not our instrument: nothing matches
        import_survey(REAL / path, default_team="t1")
    report = info.value.report
    assert report.format == fmt
    if fmt != "xlsform":
        assert report.rows_read > 0 and not report.matched
        assert report.unmatched, "their questions are listed for a mapping file"
        assert not [c for c in report.unmatched if c.startswith("_") or c in ("KEY", "")]
        assert report.team_column is None  # none of them asks for a team
    assert_accounted(report)
    if fmt == "qualtrics_legacy":
        assert report.encoding == "utf-8-sig" and report.header_rows == 2


# -- properties -------------------------------------------------------------------------------
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=600))
def test_arbitrary_bytes_never_crash(data):
    try:
        result = import_survey(data, name="x.csv", default_team="t1")
    except InputFileError as exc:
        assert exc.problems and all(p.file == "x.csv" for p in exc.problems)
        if getattr(exc, "report", None) is not None:
            assert_accounted(exc.report)
    else:
        report = result.report
        if report.format != "tidy":
            assert report.rows_read == report.respondents + len(report.dropped)
        assert_accounted(report)


ANSWER = st.sampled_from(
    [
        "1",
        "2",
        "3",
        "4",
        "5",
        "",
        "N/A",
        "Agree",
        "Don't know",
        "Tout à fait d'accord",
        "أوافق",
        "4,0",
    ]
)


@settings(max_examples=60, deadline=None)
@given(
    rows=st.lists(
        st.tuples(
            st.sampled_from(["u1", "u2", "u3", "u4", "u5", "u6"]),
            st.lists(ANSWER, min_size=3, max_size=3),
        ),
        min_size=1,
        max_size=25,
    ),
    blank_every=st.integers(min_value=0, max_value=5),
    encoding=st.sampled_from(["utf-8", "utf-8-sig", "utf-16"]),
    sep=st.sampled_from([",", ";", "\t"]),
)
def test_no_row_is_lost_silently(rows, blank_every, encoding, sep):
    lines = [["_uuid", "_submission_time", "team_id", "g/COM01", "g/COM02", "g/LAN01"]]
    for k, (uid, answers) in enumerate(rows):
        if blank_every and k % blank_every == 0:
            lines.append([""] * 6)
        lines.append([uid, f"2026-03-01T00:00:{k:02d}", "t1", *answers])
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=sep).writerows(lines)
    data = buffer.getvalue().encode(encoding)
    result = import_survey(data, name="k.csv")
    report = result.report
    assert report.rows_read == len(lines) - 1
    assert report.rows_read == report.respondents + len(report.dropped)
    assert_accounted(report)
    assert len(set(result.responses.respondent_ids)) == report.respondents
    listed = {d.row for d in report.dropped}
    assert len(listed) == len(report.dropped)
    for uid in {u for u, a in rows if any(x not in ("", "N/A", "Don't know") for x in a)}:
        assert uid in result.responses.respondent_ids


def test_the_report_accounts_for_every_row_when_the_import_fails():
    """The issue's report said "10 read, 0 imported, 1 dropped": nine rows unexplained."""
    head = "_uuid,_submission_time,team_id,g/COM01,g/COM02\n"
    body = [
        "u1,2026-03-01T00:00:01,t1,4,4",
        "u2,2026-03-01T00:00:02,t1,9,4",  # off scale
        ",,,,",  # empty
        "u3,2026-03-01T00:00:03,,4,4",  # team empty
        "u4,2026-03-01T00:00:04,t1,,",  # answered nothing
        "u1,2026-03-01T00:00:05,t1,5,5",  # resubmission: row 2 dropped
        "u5,2026-03-01T00:00:06,t1,2,x",  # not on the scale
        "u6,2026-03-01T00:00:07,t1,3,3",
        "u7,2026-03-01T00:00:08,t1,3,3",
        "u8,2026-03-01T00:00:09,t1,1,2",
    ]
    with pytest.raises(SurveyImportError) as info:
        import_survey((head + "\n".join(body) + "\n").encode(), name="k.csv")
    report = info.value.report
    assert_accounted(report)
    assert report.rows_read == 10 and report.rows_imported == 0
    lines = report.text().splitlines()
    start = lines.index("Rows: 10 read = 0 imported, 3 dropped, 7 not imported")
    assert lines[start + 1 : start + 6] == [
        "  dropped: empty rows (1): row 4",
        "  dropped: answered no item (incomplete responses) (1): row 6",
        "  dropped: earlier submissions of the same respondent (duplicates) (1): row 2",
        "  not imported: a problem in the row (below) (3): rows 3, 5, 8",
        "  not imported: nothing is imported while the file has problems (4): rows 7, 9–11",
    ]


def test_the_report_accounts_for_every_row_of_a_good_import():
    report = import_survey(EXPORTS / "kobo.csv").report
    assert_accounted(report)
    assert "Rows: 4 read = 3 imported, 1 dropped" in report.text()
    assert "  dropped: earlier submissions of the same respondent (duplicates) (1): row 5" in (
        report.text()
    )


def test_an_empty_resubmission_never_replaces_real_answers():
    """Found by the property above: the later, empty row must not win the duplicate rule."""
    data = (
        b"_uuid,_submission_time,team_id,g/COM01,g/COM02,g/LAN01\n"
        b"u1,2026-03-01T00:00:00,t1,1,1,1\n"
        b"u1,2026-03-01T00:00:01,t1,,,\n"
    )
    result = import_survey(data, name="k.csv")
    assert list(result.responses.respondent_ids) == ["u1"]
    assert [(d.row, d.reason) for d in result.report.dropped] == [
        (3, "answered no item (an incomplete response)")
    ]


def test_detection_looks_only_at_the_first_rows():
    assert detect_format([["SubmissionDate", "x", "KEY"]]).name == "odk"
    assert detect_format([["ID", "Start time", "Completion time", "Email", "Name"]]).name == (
        "microsoft_forms"
    )
    assert detect_format([["id", "submitdate", "lastpage", "startlanguage"]]).name == ("limesurvey")
    assert detect_format([["Name", "Question"]]).name == "spreadsheet"
    assert detect_format([["type", "name", "label::English (en)"]]).name == "xlsform"


def test_a_new_format_can_be_registered():
    from toolkit.intake.survey_formats import _REGISTRY, SurveyFormat, register

    fmt = SurveyFormat(
        "acme",
        "Acme Surveys",
        "first column 'AcmeId'",
        lambda rows, sheets: bool(rows) and rows[0][:1] == ["AcmeId"],
        priority=95,
        respondent_columns=("AcmeId",),
    )
    register(fmt)
    try:
        result = import_survey(b"AcmeId,team,COM01\nx1,t1,5\n", name="a.csv")
        assert result.report.format == "acme"
        assert list(result.responses.respondent_ids) == ["x1"]
    finally:
        del _REGISTRY["acme"]

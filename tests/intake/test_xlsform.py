"""The self-assessment as an XLSForm: valid for pyxform and ODK Validate, and importable back."""

from __future__ import annotations

import csv
import io
import shutil

import pytest
from openpyxl import load_workbook
from pyxform.xls2xform import convert

from toolkit.intake.survey_import import import_survey
from toolkit.intake.xlsform import FORM_ID, write_xlsform, xlsform_sheets


@pytest.fixture(scope="module")
def form(tmp_path_factory):
    return write_xlsform(tmp_path_factory.mktemp("form") / "form.xlsx")


def test_sheets_and_one_label_column_per_language(form, framework):
    book = load_workbook(form, read_only=True)
    assert book.sheetnames == ["survey", "choices", "settings"]
    header = next(book["survey"].iter_rows(values_only=True))
    assert [h for h in header if h.startswith("label::")] == [
        "label::English (en)",
        "label::Spanish (es)",
        "label::French (fr)",
        "label::Arabic (ar)",
        "label::Ukrainian (uk)",
    ]
    names = [r[1] for r in book["survey"].iter_rows(min_row=2, values_only=True)]
    assert [n for n in names if n in framework.item_ids] == framework.item_ids
    choices = list(book["choices"].iter_rows(min_row=2, values_only=True))
    assert [c[1] for c in choices] == ["1", "2", "3", "4", "5"]
    assert choices[4][2:] == tuple(
        framework.scale.labels[lang][4] for lang in ("en", "es", "fr", "ar", "uk")
    )


def test_pyxform_accepts_it_and_odk_validate_too_where_java_is(form):
    java = shutil.which("java") is not None
    warnings: list[str] = []
    result = convert(xlsform=str(form), validate=java, warnings=warnings)
    assert f'id="{FORM_ID}"' in result.xform
    assert "jr:itext('/data/communication/COM01:label')" in result.xform
    assert 'lang="Arabic (ar)"' in result.xform
    assert warnings == []


def test_teams_become_a_list_to_choose_from(tmp_path):
    sheets = xlsform_sheets(teams={"intake_north": "Central intake, North office"})
    assert ["select_one teams", "team_id"] == sheets["survey"][3][:2]
    assert sheets["choices"][-1][:3] == ["teams", "intake_north", "Central intake, North office"]
    path = write_xlsform(tmp_path / "f.xlsx", teams={"intake_north": "North"})
    convert(xlsform=str(path), validate=False)


@pytest.mark.parametrize("separator, delimiter", [("/", ";"), ("-", ",")])
def test_an_export_of_the_form_imports_back_without_a_mapping(framework, separator, delimiter):
    """What KoboToolbox (group/name, ';') and ODK Central (group-name) export from this form."""
    survey = xlsform_sheets(framework)["survey"]
    paths, group = [], None
    for row in survey[1:]:
        if row[0] == "begin_group":
            group = row[1]
        elif row[0] == "end_group":
            group = None
        elif row[0].startswith("select_one agreement"):
            paths.append(f"{group}{separator}{row[1]}")
    if separator == "/":
        header = ["start", "end", "team_id", *paths, "_id", "_uuid", "_submission_time"]
        rows = [["s", "e", "intake_north", *["4"] * len(paths), "1", "u1", "2026-03-01"]]
    else:
        header = [
            "SubmissionDate",
            "start",
            "end",
            "team_id",
            *paths,
            "meta-instanceID",
            "KEY",
            "SubmitterID",
        ]
        rows = [["2026-03-01", "s", "e", "intake_north", *["4"] * len(paths), "u1", "u1", "5"]]
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=delimiter).writerows([header, *rows])
    result = import_survey(buffer.getvalue().encode(), name="export.csv")
    assert [m.target for m in result.report.matched] == framework.item_ids
    assert {m.how for m in result.report.matched} == {"code"}
    assert result.report.unmatched == []

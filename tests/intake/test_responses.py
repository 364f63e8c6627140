import codecs
import io

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from toolkit.core.exceptions import InputFileError
from toolkit.core.framework import default_framework
from toolkit.intake.responses import read_responses

HEADER = "respondent_id,team_id,COM01,COM02,LAN01\n"


def problems(path, **kwargs) -> list[str]:
    with pytest.raises(InputFileError) as info:
        read_responses(path, **kwargs)
    return [str(p) for p in info.value.problems]


def test_wide_file_is_read_in_framework_order(write, framework):
    path = write("r.csv", HEADER + "a,t1,4,2,\nb,t1,5,,1\n")
    answers = read_responses(path)
    assert list(answers.respondent_ids) == ["a", "b"]
    col = {item: k for k, item in enumerate(answers.item_ids)}
    assert answers.item_ids == framework.item_ids
    assert answers.values[0, col["COM01"]] == 4
    assert np.isnan(answers.values[0, col["LAN01"]])
    assert answers.values[1, col["LAN01"]] == 1
    assert any("items not in this file" in n for n in answers.notices)


def test_long_file_gives_the_same_matrix_as_wide(write):
    wide = read_responses(write("w.csv", HEADER + "a,t1,4,2,\nb,t1,5,,1\n"))
    long = read_responses(
        write(
            "l.csv",
            "respondent_id,team_id,item_id,value\n"
            "a,t1,COM01,4\na,t1,COM02,2\nb,t1,COM01,5\nb,t1,LAN01,1\n",
        )
    )
    np.testing.assert_array_equal(wide.values, long.values)
    assert list(long.to_long()["value"]) == [4, 5, 2, 1]


@pytest.mark.parametrize(
    "encoding, bom, sep",
    [
        ("utf-8", b"", ","),
        ("utf-8", codecs.BOM_UTF8, ";"),
        ("cp1252", b"", "\t"),
        ("utf-16-le", codecs.BOM_UTF16_LE, ","),
    ],
)
def test_encodings_and_separators(write, encoding, bom, sep):
    text = HEADER.replace(",", sep) + f"José{sep}t1{sep}4{sep}2{sep}3\n"
    answers = read_responses(write("r.csv", bom + text.encode(encoding)))
    assert answers.respondent_ids[0] == "José"


def test_xlsx_upload_as_bytes(framework):
    buffer = io.BytesIO()
    pd.DataFrame({"respondent_id": ["a"], "team_id": ["t1"], "COM01": [3]}).to_excel(
        buffer, index=False
    )
    answers = read_responses(buffer.getvalue(), name="upload.xlsx")
    assert answers.source == "upload.xlsx"
    assert answers.values[0, framework.item_ids.index("COM01")] == 3


# The malformed corpus: each file, and exactly what the facilitator is told.
@pytest.mark.parametrize(
    "content, expected",
    [
        ("", ["r.csv: the file is empty"]),
        ("   \n\n", ["r.csv: the file is empty"]),
        (HEADER, ["r.csv: the file has a header but no data rows"]),
        (
            "team_id,COM01\nt1,3\n",
            [
                "r.csv, row 1: required column(s) missing: respondent_id. The first row must name the "
                "columns; found: team_id, COM01"
            ],
        ),
        (
            HEADER + "a,t1,4,9,2\n",
            ["r.csv, row 2, column 'COM02': answer 9 is outside the scale 1–5"],
        ),
        (
            HEADER + "a,t1,4,often,2\nb,t1,0,3,3.5\n",
            [
                "r.csv, row 2, column 'COM02': answer 'often' is not a whole number from 1 to 5",
                "r.csv, row 3, column 'COM01': answer 0 is outside the scale 1–5",
                "r.csv, row 3, column 'LAN01': answer '3.5' is not a whole number from 1 to 5",
            ],
        ),
        (
            "respondent_id,team_id,COM01,XYZ99\na,t1,3,3\n",
            [
                "r.csv, row 1, column 'XYZ99': 'XYZ99' looks like an item id but is not in the "
                "framework (version 2026.1); rename or remove the column"
            ],
        ),
        (
            HEADER + "a,t1,4,2,1\na,t1,3,3,3\n",
            [
                "r.csv, row 3, column 'respondent_id': respondent 'a' appears twice (first on row 2); "
                "keep one row per respondent"
            ],
        ),
        (
            HEADER + ",t1,4,2,1\nb,,3,3,3\n",
            [
                "r.csv, row 2, column 'respondent_id': respondent id is empty",
                "r.csv, row 3, column 'team_id': team id is empty",
            ],
        ),
        (
            "respondent_id,team_id,notes\na,t1,hello\n",
            [
                "r.csv, row 1: no column is a framework item id (such as COM01, COM02, COM03); is this "
                "the right file?"
            ],
        ),
        (
            "respondent_id,team_id,item_id,value\na,t1,COM01,4\na,t1,ZZZ01,4\na,t1,COM01,5\n",
            [
                "r.csv, row 3, column 'item_id': unknown item id 'ZZZ01'; the framework's items are "
                "COM01 … PAR04",
                "r.csv, row 4, column 'item_id': respondent 'a' answers item 'COM01' a second time; "
                "keep one answer per respondent and item",
            ],
        ),
        (
            "respondent_id,team_id,item_id,value\na,t1,COM01,4\nb,t1,COM02,7\n",
            ["r.csv, row 3, column 'value': answer 7 is outside the scale 1–5"],
        ),
    ],
)
def test_malformed_files_name_file_row_and_column(write, content, expected):
    assert problems(write("r.csv", content)) == expected


def test_binary_file_is_refused_in_plain_words(write):
    path = write("r.csv", bytes(range(256)) * 8)
    [message] = problems(path)
    assert message.startswith("r.csv: this is not a text file we can read")


def test_team_not_in_context_file(write):
    path = write("r.csv", HEADER + "a,t1,4,2,1\nb,t9,3,3,3\n")
    assert problems(path, known_teams={"t1"}) == [
        "r.csv, row 3, column 'team_id': team 't9' is not in the team context file "
        "(known teams: t1)"
    ]


def test_every_problem_is_reported_at_once(write):
    rows = "".join(f"r{i},t1,9,9,9\n" for i in range(10))
    assert len(problems(write("r.csv", HEADER + rows))) == 30


def test_respondent_who_answered_nothing_is_listed_not_dropped_silently(write):
    answers = read_responses(write("r.csv", HEADER + "a,t1,4,2,1\nb,t1,,,\n"))
    assert len(answers) == 2
    assert any("answered no item" in n and "b" in n for n in answers.notices)


def test_missing_file_is_a_plain_error(tmp_path):
    [message] = problems(tmp_path / "nope.csv")
    assert message.startswith("nope.csv: cannot open the file")


# -- the fast readers agree with the text readers -------------------------------------------
CELL = st.sampled_from(
    ["1", "2", "3", "4", "5", "", " 4 ", "4.0", "+2", "6", "0", "x", "4,0", "True", "NA", "1e0"]
)


@settings(max_examples=60, deadline=None)
@given(
    rows=st.lists(
        st.tuples(
            st.sampled_from(["r1", "r2", "r3", " r4", "", "r5", "007", "7", "1e3", "True", "NA"]),
            st.sampled_from(["t1", "t2", " t1", "", "t9", "01", "1", "False"]),
            st.lists(CELL, min_size=3, max_size=3),
        ),
        min_size=1,
        max_size=12,
    ),
    sep=st.sampled_from([",", ";", "\t"]),
    bom=st.booleans(),
)
def test_numbers_fast_path_gives_what_the_text_path_gives(rows, sep, bom):
    """read_responses and import_survey read a clean wide CSV as numbers; anything the text
    path would complain about must come out exactly as the text path says it."""
    from toolkit.core.tables import read_table
    from toolkit.intake.responses import responses_from_table
    from toolkit.intake.survey_formats import get_format
    from toolkit.intake.survey_import import ImportReport, _import_tidy, _read, import_survey

    lines = [sep.join(["respondent_id", "team_id", "COM01", "COM02", "LAN01"])]
    lines += [sep.join([r, t, *cells]) for r, t, cells in rows]
    data = ("\ufeff" if bom else "") + "\n".join(lines) + "\n"
    raw = data.encode("utf-8")
    known = {"t1", "t2"}

    def outcome(fn):
        try:
            r = fn()
        except InputFileError as exc:
            return [str(p) for p in exc.problems]
        r = getattr(r, "responses", r)
        return (
            list(map(str, r.respondent_ids)),
            list(map(str, r.team_ids)),
            np.nan_to_num(r.values, nan=-1).tolist(),
            r.notices,
        )

    slow = outcome(lambda: responses_from_table(read_table(raw, "w.csv"), None, known))
    assert outcome(lambda: read_responses(raw, "w.csv", known_teams=known)) == slow
    fmt = get_format("tidy")

    def general():
        report = ImportReport("w.csv", fmt.name, fmt.title, fmt.keys)
        return _import_tidy(_read(raw, "w.csv"), fmt, default_framework(), known, None, report)

    assert outcome(lambda: import_survey(raw, name="w.csv", known_teams=known)) == outcome(general)


def test_ids_that_look_like_numbers_stay_the_text_they_are(monkeypatch):
    """The fast path lets pandas infer types: an id or team column of numbers is read again as
    text, and an item column without blanks (whole numbers) still counts as numbers."""
    import toolkit.intake.responses as responses_module

    monkeypatch.setattr(responses_module, "read_table", None)  # the fast path or nothing
    read = read_responses(b"respondent_id,team_id,COM01\n007,01,4\n1e3,2,5\n", "w.csv")
    assert list(read.respondent_ids) == ["007", "1e3"]
    assert list(read.team_ids) == ["01", "2"]
    np.testing.assert_array_equal(read.values[:, 0], [4, 5])


def test_a_clean_wide_csv_is_read_as_numbers_and_a_bad_one_as_text(monkeypatch):
    """The fast path is taken for plain numbers; one bad cell sends the file to the text reader,
    whose message quotes the cell as written."""
    import toolkit.intake.responses as responses_module

    calls = []
    real = responses_module.read_table
    monkeypatch.setattr(
        responses_module, "read_table", lambda *a, **k: calls.append(a) or real(*a, **k)
    )
    clean = b"respondent_id,team_id,COM01,COM02\nr1,t1,4,\nr2,t1, 5 ,1\n"
    read = read_responses(clean, "w.csv")
    assert calls == []  # never read as text
    np.testing.assert_array_equal(read.values[:, :2], [[4, np.nan], [5, 1]])
    with pytest.raises(InputFileError) as info:
        read_responses(clean.replace(b" 5 ", b"5.0 ").replace(b",1\n", b",07\n"), "w.csv")
    assert len(calls) == 1
    assert [str(p) for p in info.value.problems] == [
        "w.csv, row 3, column 'COM02': answer 07 is outside the scale 1–5"
    ]

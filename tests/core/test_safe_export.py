"""The one helper every CSV and XLSX goes through: the OWASP rule, separators inside a cell."""

import openpyxl
import pytest

from toolkit.core.safe_export import neutralise, to_csv, write_xlsx


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("=1+1", "'=1+1"),
        ("\t=1+1", "'\t=1+1"),
        ("\n @SUM(A1)", "'\n @SUM(A1)"),
        ("ok;=cmd|' /C calc'!A0", "ok;'=cmd|' /C calc'!A0"),
        ("ok, +1", "ok, '+1"),
        ("a\t-2", "a\t'-2"),
        ("well-being", "well-being"),
        (3, 3),
    ],
)
def test_formula_starts_are_neutralised_at_the_start_and_after_a_separator(value, expected):
    assert neutralise(value) == expected


def test_csv_text_has_no_live_formula():
    text = to_csv(["=h"], [['=HYPERLINK("http://x")'], [2]])
    assert text.startswith("\ufeff'=h")
    assert '"\'=HYPERLINK(""http://x"")"' in text


def test_xlsx_stores_formula_like_text_as_text(tmp_path):
    path = write_xlsx(tmp_path / "x.xlsx", {"s": [["a"], ["=1+1"], ["+cmd|x"], [4]]})
    sheet = openpyxl.load_workbook(path)["s"]
    cells = [row[0] for row in sheet.iter_rows()]
    assert [c.data_type for c in cells] == ["s", "s", "s", "n"]
    assert cells[1].value == "=1+1" and cells[1].quotePrefix

"""Hostile and odd files refused before parsing: size, zip bombs, formulas without values,
external links, mixed encodings. Memory is measured in a child process (peak RSS)."""

from __future__ import annotations

import io
import subprocess
import sys
import textwrap
import zipfile
from pathlib import Path

import openpyxl
import pytest

from toolkit.core.exceptions import InputFileError
from toolkit.core.limits import MAX_UNZIPPED_BYTES
from toolkit.core.tables import read_table
from toolkit.intake.survey_import import import_survey

ONE_GB = 1024**3


def small_workbook() -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["respondent_id", "team_id", "COM01"])
    sheet.append(["r1", "intake_north", 3])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def zip_bomb(path: Path, unzipped: int) -> Path:
    """A real workbook whose sheet XML is padded with whitespace to ``unzipped`` bytes:
    a few hundred kB on disk."""
    with zipfile.ZipFile(io.BytesIO(small_workbook())) as source:
        parts = {info.filename: source.read(info) for info in source.infolist()}
    sheet = parts["xl/worksheets/sheet1.xml"]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as bomb:
        for filename, content in parts.items():
            if filename != "xl/worksheets/sheet1.xml":
                bomb.writestr(filename, content)
        with bomb.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as handle:
            cut = sheet.index(b"<sheetData>")
            handle.write(sheet[:cut])
            block = b" " * (16 * 1024 * 1024)
            written = 0
            while written < unzipped:
                handle.write(block)
                written += len(block)
            handle.write(sheet[cut:])
    return path


def peak_memory_of(code: str) -> tuple[int, str]:
    """Run code in a child Python; its peak resident memory in bytes, and what it printed.

    The peak is the child's own (VmHWM of its address space): ``ru_maxrss`` would carry over
    the memory of the process it was forked from, so a large test run failed a lean child."""
    script = textwrap.dedent(code) + textwrap.dedent(
        """
        from pathlib import Path
        status = Path("/proc/self/status").read_text().split("VmHWM:")[1].split()
        print("PEAK", int(status[0]) * 1024)  # kB
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr[-2000:]
    peak = int(done.stdout.rsplit("PEAK", 1)[1])
    return peak, done.stdout


def test_a_zip_bomb_is_refused_before_parsing_in_little_memory(tmp_path):
    bomb = zip_bomb(tmp_path / "bomb.xlsx", 1024**3)  # unzips to 1 GiB
    assert bomb.stat().st_size < 5 * 1024**2
    peak, said = peak_memory_of(
        f"""
        from toolkit.core.exceptions import InputFileError
        from toolkit.intake.survey_import import import_survey
        try:
            import_survey({str(bomb)!r})
        except InputFileError as exc:
            print(exc)
        """
    )
    assert "would unzip to 1,024 MB" in said
    assert peak < ONE_GB / 2, f"peak {peak / 1024**2:.0f} MB"


def test_a_file_past_the_size_limit_is_refused_unread(tmp_path, monkeypatch):
    monkeypatch.setenv("CCT_MAX_INPUT_MB", "1")
    big = tmp_path / "big.csv"
    big.write_bytes(b"respondent_id,team_id,COM01\n" + b"r,t,3\n" * 400_000)
    with pytest.raises(InputFileError, match=r"big.csv: the file is 2 MB, larger than the 1 MB"):
        read_table(big)
    with pytest.raises(InputFileError, match="larger than the 1 MB"):
        import_survey(big.read_bytes(), "upload.csv")


def test_a_sheet_declaring_too_many_rows_is_refused(tmp_path):
    data = small_workbook()
    with zipfile.ZipFile(io.BytesIO(data)) as source:
        parts = {i.filename: source.read(i) for i in source.infolist()}
    sheet = parts["xl/worksheets/sheet1.xml"].decode()
    sheet = sheet.replace('<dimension ref="A1:C2" />', '<dimension ref="A1:C900000" />', 1)
    assert "A1:C900000" in sheet
    parts["xl/worksheets/sheet1.xml"] = sheet.encode()
    path = tmp_path / "tall.xlsx"
    with zipfile.ZipFile(path, "w") as out:
        for name, content in parts.items():
            out.writestr(name, content)
    with pytest.raises(InputFileError, match="declares 900,000 rows"):
        read_table(path)


def test_formula_cells_without_values_and_external_links_are_reported(tmp_path):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["respondent_id", "team_id", "COM01", "COM02"])
    sheet.append(["r1", "intake_north", "=1+2", "='[other.xlsx]Sheet1'!A1"])
    sheet.append(["r2", "intake_north", 3, 4])
    path = tmp_path / "formulas.xlsx"
    book.save(path)  # openpyxl stores formulas without cached values
    with pytest.raises(InputFileError) as caught:
        import_survey(path)
    said = str(caught.value)
    assert "formulas.xlsx, row 2, column 'C': this cell holds a formula without a stored" in said
    assert "row 2, column 'D'" in said
    with zipfile.ZipFile(path, "a") as linked:
        linked.writestr("xl/externalLinks/externalLink1.xml", "<externalLink/>")
    with pytest.raises(InputFileError, match="links to 1 other workbook"):
        read_table(path)


def test_a_file_of_mixed_encodings_is_reported_not_guessed(tmp_path):
    utf8 = "respondent_id,team_id,name\nr1,intake_north,Zoë Müller\n".encode()
    cp1252 = "r2,intake_north,José Núñez\n".encode("cp1252")
    path = tmp_path / "mixed.csv"
    path.write_bytes(utf8 + cp1252)
    with pytest.raises(InputFileError, match=r"mixed.csv, row 3: this file mixes encodings"):
        read_table(path)
    # a file wholly in one legacy encoding is still read (detected, as before)
    whole = Path(__file__).parents[1] / "files" / "exports" / "google_forms_excel_es_cp1252.csv"
    assert read_table(whole).encoding != "utf-8"


def test_the_limit_on_unzipped_size_is_generous_for_real_exports():
    assert MAX_UNZIPPED_BYTES >= 100 * 1024**2

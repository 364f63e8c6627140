"""Reading the editable files in data/: what a facilitator who broke one by hand is told."""

import pytest

from toolkit.core.exceptions import DataFileError
from toolkit.plan.catalog import load_catalog


def refusal(tmp_path, text: str) -> tuple[str, str]:
    """(the file's path, the message) for a catalog holding ``text``."""
    path = tmp_path / "catalog.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(DataFileError) as caught:
        load_catalog(path)
    return str(path), str(caught.value)


def test_an_empty_file_is_called_empty(tmp_path):
    path, message = refusal(tmp_path, "# every module deleted by mistake\n")
    assert f"The catalog {path} is empty" in message and "restore it" in message
    assert "valid dictionary" not in message  # pydantic's words are not for a facilitator


def test_a_broken_indentation_names_line_and_column(tmp_path):
    path, message = refusal(tmp_path, "modules:\n  - id: a\n   title: b\n")
    assert path in message and "line 3, column" in message
    assert "<unicode string>" not in message  # the parser's own dump of where it was


def test_a_missing_file_is_one_plain_sentence(tmp_path):
    with pytest.raises(DataFileError, match=r"Cannot read the catalog .*: No such file"):
        load_catalog(tmp_path / "nowhere.yaml")

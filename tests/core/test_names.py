"""Names that become paths: what is refused, in which words, and what any script may use."""

import pytest

from toolkit.core.exceptions import InputFileError
from toolkit.core.names import check_base_url, check_name, child_path, name_problem, text_problem


@pytest.mark.parametrize(
    ("name", "words"),
    [
        ("../../x", "contains '/'"),
        ("/etc", "contains '/'"),
        ("a\\b", "contains '\\'"),
        ("C:x", "contains ':'"),
        ("..", "only dots"),
        ("a..b", "contains '..'"),
        ("nul\x00", "U+0000"),
        ("tab\there", "U+0009"),
        ("evil\u202egnp.exe", "U+202E (RIGHT-TO-LEFT OVERRIDE)"),
        ("zero\u200bwidth", "U+200B"),
        ("x" * 65, "use at most 64"),
        ("", "is empty"),
        (" padded", "starts or ends with a space"),
    ],
)
def test_unsafe_names_are_refused_in_words(name, words):
    assert words in name_problem(name)


@pytest.mark.parametrize(
    "name", ["intake_north", "équipe-2", "فريق_الاستقبال", "команда.1", "x" * 64]
)
def test_names_in_any_script_are_fine(name):
    assert name_problem(name) is None


def test_check_name_names_file_row_and_column():
    with pytest.raises(
        InputFileError, match=r"teams.csv, row 3, column 'team_id': the name '\.\.'"
    ):
        check_name("..", "teams.csv", 3, "team_id")


def test_child_path_stays_in_its_folder(tmp_path):
    assert child_path(tmp_path, "plan-1") == (tmp_path / "plan-1").resolve()
    with pytest.raises(InputFileError, match="contains '/'"):
        child_path(tmp_path, "../outside")


@pytest.mark.parametrize(
    "url",
    ["javascript:alert(1)", "data:text/html,<script>", "file:///etc/passwd", "//evil", "http://",
     "vbscript:x", " http://x", "http://a b"],
)  # fmt: skip
def test_base_url_must_be_http_or_https(url):
    with pytest.raises(InputFileError, match="--base-url"):
        check_base_url(url)


@pytest.mark.parametrize("url", ["http://localhost:8866", "https://cct.example.org/hub/user/x"])
def test_web_addresses_pass(url):
    assert check_base_url(url) == url


def test_display_names_refuse_overrides_but_keep_direction_marks():
    assert "U+202E" in text_problem("Intake \u202etxt.exe")
    assert "U+0000" in text_problem("nul\x00")
    assert text_problem("فريق الاستقبال\u200f (north)") is None

"""The session plan as a page: controls to choose the team, and nothing written per visit."""

import pytest

from toolkit.core.paths import NOTEBOOKS_DIR
from toolkit.plan.app import PlanApp


def test_choosing_a_team_by_name_redraws_the_handout_and_writes_nothing(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    app = PlanApp()
    names = dict(app.team.options)
    assert names["Housing support, East"] == "housing_east"  # names shown, ids kept inside
    assert app.team.value == names["Central intake, North office"]
    app.team.value = "housing_east"
    assert "Housing support, East" in app.output.value
    app.minutes.value = 33
    assert 'role="alert"' in app.output.value and "multiple of 5" in app.output.value
    assert list(tmp_path.iterdir()) == []


@pytest.mark.browser
def test_the_voila_page_has_controls_and_leaves_no_folder_behind():
    from tests.browser import (
        PHONE,
        TEST_PASSWORD,
        chromium_page,
        layout_problems,
        page_width,
        serious_violations,
        voila_server,
    )

    output = NOTEBOOKS_DIR / "session_plan_output"
    existed = output.exists()
    with voila_server() as server, chromium_page() as page:
        page.goto(
            f"{server}/voila/render/session_plan.ipynb?token={TEST_PASSWORD}", timeout=120_000
        )
        page.wait_for_selector(".cct-plan-handout h1, .cct-plan-handout h2", timeout=120_000)
        text = page.inner_text("body")
        assert "papermill" not in text and " -p " not in text
        page.select_option(".cct-plan-team select", label="Housing support, East")
        page.wait_for_function(
            "document.querySelector('.cct-plan-handout').innerText.includes('Housing support, East')",
            timeout=60_000,
        )
        assert serious_violations(page) == []
        page.set_viewport_size(PHONE)  # a facilitator's phone: every control whole, on screen
        controls = [".cct-plan-team select", ".cct-plan-format button", ".cct-plan-start input"]
        assert layout_problems(page, [*controls, ".cct-plan-handout"]) == [], page_width(page)
    assert output.exists() == existed  # a visit writes no session_plan_output/

"""The facilitator's settings file: written by `cct config`, read by `cct serve` and `cct plans`."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from toolkit.cli import app
from toolkit.serve.launch import prepare
from toolkit.serve.settings import Room, Server, SettingsError, public_url, settings

runner = CliRunner()


def test_cct_config_writes_every_option_with_its_help(tmp_path):
    target = tmp_path / "cct_config.py"
    result = runner.invoke(app, ["config", str(target)])
    assert result.exit_code == 0, result.output
    text = target.read_text(encoding="utf-8")
    for cls in (Room, Server):
        for name, trait in cls.class_traits(config=True).items():
            assert f"# c.{cls.__name__}.{name} = " in text
            assert trait.help.split()[0] in text
    again = runner.invoke(app, ["config", str(target)])
    assert again.exit_code == 2 and "exists already" in again.output


def test_the_written_file_reads_back_and_the_command_line_wins(tmp_path):
    target = tmp_path / "cct_config.py"
    runner.invoke(app, ["config", str(target)])
    text = target.read_text(encoding="utf-8")
    text += "\nc.Room.public_url = 'https://training.example.org/cct'\nc.Server.port = 9000\n"
    target.write_text(text, encoding="utf-8")
    room, server = settings(target)
    assert room.public_url == "https://training.example.org/cct/" and server.port == 9000
    room, server = settings(target, port=9100, host="0.0.0.0", base_url="cct")
    assert server.port == 9100 and server.base_url == "/cct/" and not server.is_loopback()
    assert public_url(room, server) == "https://training.example.org/cct/"


def test_loopback_by_default_and_the_public_url_follows_the_server():
    room, server = settings(None)
    assert server.host == "127.0.0.1" and server.is_loopback()
    assert public_url(room, server) == "http://localhost:8866/"
    launch = prepare(room, server)
    assert "--Voila.ip=127.0.0.1" in launch.argv and "--Voila.port_retries=0" in launch.argv
    assert launch.password_made and len(launch.password) >= 20
    assert not launch.traits["secure_cookies"] and not launch.notes


def test_listening_on_the_network_without_a_public_url_says_what_to_set():
    room, server = settings(None, host="0.0.0.0")
    [note] = prepare(room, server).notes
    assert "phones cannot open" in note and "--public-url" in note
    room, server = settings(None, host="0.0.0.0", public_url="http://192.168.1.20:8866/")
    assert prepare(room, server).notes == []


def test_https_public_url_makes_cookies_secure_and_the_kernels_get_the_floor():
    room, server = settings(None, public_url="https://x.example/", privacy_threshold=7)
    launch = prepare(room, server)
    assert launch.traits["secure_cookies"]
    assert launch.environment["CCT_PRIVACY_THRESHOLD"] == "7"


@pytest.mark.parametrize(
    ("line", "says"),
    [
        ("c.Room.public_url = 'ftp://x'", "must start with http"),
        ("c.Room.privacy_threshold = 1", "privacy_threshold"),
        ("c.Server.port = 'eighty'", "port"),
        ("this is not python", "cannot be read"),
    ],
)
def test_a_bad_setting_is_a_plain_error_with_exit_2(tmp_path, line, says):
    target = tmp_path / "cct_config.py"
    target.write_text(line + "\n", encoding="utf-8")
    with pytest.raises(SettingsError, match=says):
        settings(target)
    result = runner.invoke(app, ["serve", "--config", str(target), "--no-browser"])
    assert result.exit_code == 2 and "Traceback" not in result.output


def test_a_missing_config_file_is_a_plain_error():
    result = runner.invoke(app, ["serve", "--config", "/nonexistent/cct_config.py"])
    assert result.exit_code == 2 and "does not exist" in result.output


@pytest.mark.notebook
def test_cct_plans_links_handouts_to_the_public_url_of_the_config_file(tmp_path, monkeypatch):
    from toolkit.core.paths import SAMPLE_DIR

    monkeypatch.chdir(tmp_path)
    (tmp_path / "cct_config.py").write_text(
        "c.Room.public_url = 'https://training.example.org/cct/'\n", encoding="utf-8"
    )
    assess = runner.invoke(
        app,
        [
            "assess",
            str(SAMPLE_DIR / "responses.csv"),
            str(SAMPLE_DIR / "teams.csv"),
            "-o",
            "assessment",
        ],
    )
    assert assess.exit_code == 0, assess.output
    sessions = tmp_path / "sessions.csv"
    sessions.write_text(
        "team_id,minutes,format,group_size,start,language\n"
        "intake_north,120,in_person,9,2027-03-02 09:00,fr\n",
        encoding="utf-8",
    )
    result = runner.invoke(
        app, ["plans", str(sessions), "-r", "assessment/assessment.json", "--workers", "1"]
    )
    assert result.exit_code == 0, result.output
    [plan_file] = (tmp_path / "out/plans").glob("*/plan.json")
    plan = json.loads(plan_file.read_text(encoding="utf-8"))
    assert plan["reflection_url"].startswith(
        "https://training.example.org/cct/voila/render/reflection.ipynb?"
    )
    assert "sig=" in plan["reflection_url"] and plan["group_size"] == 9


def test_every_notebook_is_a_participant_page_or_a_facilitator_app_on_the_landing_page():
    """A new notebook is locked, and not preheated unless it is declared a participant page
    (or a preheated app: test_only_apps_that_wait_for_the_visit_are_preheated)."""
    from toolkit.core.paths import NOTEBOOKS_DIR
    from toolkit.serve.app import FACILITATOR_APPS
    from toolkit.serve.launch import (
        FACILITATOR_NOTEBOOKS,
        PARTICIPANT_NOTEBOOKS,
        PREHEATED_NOTEBOOKS,
        voila_arguments,
    )

    notebooks = {p.name for p in NOTEBOOKS_DIR.glob("*.ipynb")}
    assert notebooks == set(PARTICIPANT_NOTEBOOKS) | set(FACILITATOR_NOTEBOOKS)
    assert {name for name, _, _ in FACILITATOR_APPS} == set(FACILITATOR_NOTEBOOKS)
    argv = voila_arguments(8866)
    denied = {argv[i + 1] for i, a in enumerate(argv) if a.endswith("preheat_denylist")}
    assert denied == notebooks - set(PREHEATED_NOTEBOOKS)
    assert set(PREHEATED_NOTEBOOKS) <= set(PARTICIPANT_NOTEBOOKS)


def test_only_apps_that_wait_for_the_visit_are_preheated():
    """A preheated kernel runs its notebook ahead of the visit: an app that read its data then
    would show the data as of the preheat. Each preheated app waits before its first read."""
    import nbformat

    from toolkit.core.paths import NOTEBOOKS_DIR
    from toolkit.serve.launch import (
        FACILITATOR_NOTEBOOKS,
        PREHEATED_APPS,
        PREHEATED_NOTEBOOKS,
        kernel_pools,
    )

    pools = kernel_pools(4, 1)
    assert pools["default"]["pool_size"] == 0  # a new notebook: no pool
    assert {n for n, p in pools.items() if p["pool_size"] == 4} == set(PREHEATED_NOTEBOOKS)
    assert {n for n, p in pools.items() if p["pool_size"] == 1} == set(PREHEATED_APPS)
    assert set(PREHEATED_APPS) <= set(FACILITATOR_NOTEBOOKS)
    assert {n for n, p in kernel_pools(4, 0).items() if p["pool_size"]} == set(PREHEATED_NOTEBOOKS)
    for name in PREHEATED_APPS:
        code = "\n".join(
            c.source
            for c in nbformat.read(NOTEBOOKS_DIR / name, as_version=4).cells
            if c.cell_type == "code" and "parameters" not in c.metadata.get("tags", [])
        )
        before = code.split("wait_for_visit()")[0]
        assert "wait_for_visit()" in code, name
        # nothing before the wait reads data: only imports (and the wait's own import)
        for line in before.splitlines():
            stripped = line.strip()
            assert not stripped or stripped.startswith(
                ("from ", "import ", "#", "if running_in_voila():")
            ), f"{name}: {stripped!r} runs before the visit"


# the module each app calls after the wait, which its kept-ready kernel must have imported
APP_MODULES = {
    "evaluation.ipynb": "toolkit.evaluate.app",
    "session_plan.ipynb": "toolkit.plan.app",
    "transparency.ipynb": "toolkit.publish.pipeline",
}


@pytest.mark.parametrize("name", sorted(APP_MODULES))
def test_a_kept_ready_app_has_its_imports_done_before_the_wait(name, tmp_path):
    """Issue 13: a preheated app whose imports came after the wait would do them during the
    visit (the session plan's did). Run the notebook's code up to the wait as Voila would (its
    parameters, VOILA_BASE_URL set) and see what it has imported, and that it read nothing."""
    import os
    import subprocess
    import sys

    import nbformat

    from toolkit.core.config import DATABASE_ENV
    from toolkit.core.paths import NOTEBOOKS_DIR
    from toolkit.serve.launch import PREHEATED_APPS

    assert name in PREHEATED_APPS
    cells = [
        c for c in nbformat.read(NOTEBOOKS_DIR / name, as_version=4).cells if c.cell_type == "code"
    ]
    code = "\n".join(c.source for c in cells)
    assert "wait_for_visit()" in code, name
    before = code.split("wait_for_visit()")[0]
    module = APP_MODULES[name]
    script = before + (
        "\nimport sys\n"
        f"assert {module!r} in sys.modules, sorted(m for m in sys.modules if 'toolkit' in m)\n"
    )
    database = tmp_path / "reflections.sqlite"
    env = {
        **os.environ,
        "VOILA_BASE_URL": "/",
        DATABASE_ENV: f"sqlite:///{database}",
    }
    done = subprocess.run(
        [sys.executable, "-c", script], env=env, cwd=tmp_path, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert list(tmp_path.iterdir()) == []  # no store opened, no file written

"""The package's layout is a rule: one folder per step of the loop over ``core``.

import-linter checks the layers contract in ``pyproject.toml``; these tests run it, prove it
catches a step importing a later one, and keep every folder inside the contract.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

import pytest

from toolkit.core.paths import PACKAGE_DIR, PROJECT_ROOT

LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")
CONFIG = tomllib.loads((PROJECT_ROOT / "pyproject.toml").read_text(encoding="utf-8"))
LAYERS = CONFIG["tool"]["importlinter"]["contracts"][0]["layers"]
LOOP = ["core", "intake", "assess", "plan", "reflect", "debrief", "evaluate", "publish", "serve"]


def lint_imports(root: Path) -> subprocess.CompletedProcess[str]:
    """Run lint-imports on the package found under root, with the project's contract."""
    env = {**os.environ, "PYTHONPATH": str(root)}
    return subprocess.run(
        [str(LINT_IMPORTS), "--config", str(PROJECT_ROOT / "pyproject.toml"), "--no-cache"],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_the_layers_contract_is_kept():
    result = lint_imports(PROJECT_ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "1 kept, 0 broken" in result.stdout


def test_the_contract_lists_the_loop_in_order_with_cli_on_top():
    assert list(reversed(LAYERS)) == [*LOOP, "cli"]


def test_every_folder_of_the_package_is_a_layer_of_the_contract():
    folders = {p.name for p in PACKAGE_DIR.iterdir() if (p / "__init__.py").is_file()}
    modules = {p.stem for p in PACKAGE_DIR.glob("*.py") if p.stem != "__init__"}
    assert folders | modules == set(LAYERS), "a new step needs its place in the layers contract"


@pytest.mark.parametrize(
    ("planted_in", "planted"),
    [
        ("core/disclosure.py", "from toolkit.assess import results"),  # core imports a step
        ("assess/report.py", "from toolkit.plan import planner"),  # a step imports a later one
        ("intake/responses.py", "def later():\n    from toolkit.debrief import summary"),
        ("debrief/summary.py", "import toolkit.cli"),  # nothing imports cli
        ("debrief/summary.py", "from toolkit.evaluate import linking"),  # evaluate comes after
    ],
)
def test_the_contract_catches_an_import_against_the_loop(tmp_path, planted_in, planted):
    copy = tmp_path / "toolkit"
    shutil.copytree(PACKAGE_DIR, copy, ignore=shutil.ignore_patterns("__pycache__"))
    module = copy / planted_in
    module.write_text(module.read_text(encoding="utf-8") + "\n" + planted + "\n", encoding="utf-8")
    result = lint_imports(tmp_path)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "1 broken" in result.stdout


def test_module_names_do_not_repeat_their_folder():
    repeated = [
        str(p.relative_to(PACKAGE_DIR))
        for step in LOOP
        for p in (PACKAGE_DIR / step).glob("*.py")
        if p.stem.startswith(f"{step}_")
    ]
    assert not repeated


def test_each_step_says_what_it_does_and_hands_on():
    for step in LOOP:
        doc = __import__(f"toolkit.{step}", fromlist=["_"]).__doc__
        assert doc and len(doc.split()) >= 15, f"toolkit/{step}/__init__.py needs its docstring"


@pytest.mark.timeout(600)
def test_the_wheel_carries_the_form_assets_and_the_migrations(tmp_path):
    """An installed (not editable) toolkit needs the form's script and Alembic's folder."""
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "-w", str(tmp_path), "."],
        cwd=PROJECT_ROOT,
        check=True,
        capture_output=True,
        timeout=600,
    )
    (wheel,) = tmp_path.glob("*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    for needed in [
        "toolkit/reflect/assets/reflection_form.js",
        "toolkit/reflect/assets/reflection_form.css",
        "toolkit/reflect/migrations/env.py",
        "toolkit/reflect/migrations/script.py.mako",
        "toolkit/reflect/migrations/versions/0001_reflections.py",
        "toolkit/reflect/migrations/versions/0002_append_only_errors.py",
        "toolkit/reflect/migrations/versions/0003_over_cap.py",
        *(f"toolkit/{step}/__init__.py" for step in LOOP),
    ]:
        assert needed in names

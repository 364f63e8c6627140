"""The package's layout is a rule: one folder per step of the loop over ``core``.

import-linter checks the layers contract in ``pyproject.toml``; these tests run it, prove it
catches a step importing a later one, and keep every folder inside the contract.
"""

from __future__ import annotations

import json
import os
import re
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


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    """The package as ``pip install .`` builds it (not editable)."""
    folder = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "-w", str(folder), "."],
        cwd=PROJECT_ROOT,
        check=True,
        capture_output=True,
        timeout=600,
    )
    (built,) = folder.glob("*.whl")
    return built


def tracked_files(*folders: str) -> list[str]:
    """The checkout's files in these folders, as git has them."""
    listed = subprocess.run(
        ["git", "ls-files", "--", *folders],
        cwd=PROJECT_ROOT,
        check=True,
        capture_output=True,
        text=True,
        timeout=60,
    )
    return listed.stdout.split()


@pytest.mark.timeout(600)
def test_the_wheel_carries_the_form_assets_and_the_migrations(wheel):
    """An installed (not editable) toolkit needs the form's script and Alembic's folder."""
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


@pytest.mark.timeout(600)
def test_the_wheel_carries_every_notebook_data_file_and_template(wheel):
    """The top-level folders travel inside the package (``toolkit/_bundled``), all of them,
    Voila's template included, and nothing a run of the checkout left behind."""
    names = set(zipfile.ZipFile(wheel).namelist())
    tracked = tracked_files("data", "notebooks", "templates")
    assert "templates/jupyter/voila/templates/cct/form.html.j2" in tracked
    assert "notebooks/session_plan.ipynb" in tracked
    missing = [f for f in tracked if f"toolkit/_bundled/{f}" not in names]
    assert not missing, f"not in the wheel: {missing}"
    bundled = {n.removeprefix("toolkit/_bundled/") for n in names if "/_bundled/" in n}
    assert bundled == set(tracked), f"in the wheel but not in git: {bundled - set(tracked)}"


def _tree(folder: Path) -> dict[str, int]:
    return {
        str(p.relative_to(folder)): p.stat().st_mtime_ns
        for p in folder.rglob("*")
        if p.is_file() and "__pycache__" not in p.parts
    }


@pytest.mark.notebook
@pytest.mark.timeout(900)
def test_the_installed_wheel_runs_the_demo_outside_the_checkout(wheel, tmp_path):
    """``pip install`` of the wheel into a fresh virtual environment, far from the checkout:
    ``cct demo`` assesses, plans and evaluates the sample from the bundled files and writes
    into the folder it was started in, never into the installed package.

    The fresh environment gets its dependencies from this one (a ``.pth`` line to its
    site-packages) instead of from the network; the toolkit itself only from the wheel.
    """
    import sysconfig

    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=120)
    python = venv / "bin" / "python"
    site = Path(
        subprocess.run(
            [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
            check=True,
            capture_output=True,
            text=True,
            timeout=60,
        ).stdout.strip()
    )
    (site / "_cct_dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    subprocess.run(
        [str(python), "-m", "pip", "install", "--quiet", "--no-deps", "--no-index", str(wheel)],
        check=True,
        capture_output=True,
        timeout=300,
    )
    work = tmp_path / "work"
    work.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CCT_", "PYTHON"))}
    # nbconvert's page templates are data files of this environment's nbconvert
    env["JUPYTER_PATH"] = str(Path(sys.prefix) / "share" / "jupyter")
    where = subprocess.run(
        [str(python), "-c", "from toolkit.core import paths; print(paths.NOTEBOOKS_DIR)"],
        cwd=work,
        env=env,
        check=True,
        capture_output=True,
        text=True,
        timeout=60,
    ).stdout.strip()
    assert Path(where) == site / "toolkit" / "_bundled" / "notebooks"
    package = site / "toolkit"
    before = _tree(package)
    demo = subprocess.run(
        [str(venv / "bin" / "cct"), "demo"],
        cwd=work,
        env=env,
        capture_output=True,
        text=True,
        timeout=840,
    )
    assert demo.returncode == 0, demo.stdout[-2000:] + demo.stderr[-4000:]
    out = work / "out" / "demo"
    # What `make demo` says (the one demo run of the suite, so checked here): a line per step
    # and the pages to open; no progress bars, developer files (assessment.json, the executed
    # notebook) or warnings (a kernel "running over TCP without encryption … eavesdropping").
    said = demo.stdout
    assert not re.search(r"warning|eavesdropping|encryption|traceback", demo.stderr, re.I), (
        demo.stderr
    )
    assert "%|" not in demo.stderr + said  # no progress bars
    pages = re.findall(r"^  [A-Z][^:]+:\s+(\S+)$", said, re.M)
    # the assessment, the plans, the evaluation, the transparency report in English and Arabic
    assert len(pages) == 5, said
    assert {Path(p).name for p in pages[-2:]} == {"transparency.en.html", "transparency.ar.html"}
    for page in pages:
        assert page.endswith(".html") and (work / page).resolve().is_file(), page
    assert ".json" not in said and ".ipynb" not in said
    assert (out / "assessment.html").is_file() and (out / "assessment.json").is_file()
    summary = json.loads((out / "plans" / "summary.json").read_text(encoding="utf-8"))
    sample = (PROJECT_ROOT / "data" / "sample" / "sessions.csv").read_text(encoding="utf-8")
    assert [row["status"] for row in summary] == ["planned"] * (len(sample.splitlines()) - 1)
    assert all(Path(row["files"]["handout.html"]).is_file() for row in summary)
    assert (out / "evaluation" / "evaluation.html").is_file()
    assert (work / "var" / "disclosure.key").is_file()  # the keys live in the working folder
    assert _tree(package) == before, "cct demo wrote into the installed package"

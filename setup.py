"""The wheel carries the notebooks, data and templates, which live at the top of the checkout.

They stay where they are (``notebooks/``, ``data/``, ``templates/``: where facilitators and
translators find them); building the package copies them into ``toolkit/_bundled/``, and
``toolkit.core.paths`` looks there first. An editable install (``pip install -e .``, what
``make install`` does) copies nothing: the toolkit reads the checkout's folders directly.
Everything else about the package is in ``pyproject.toml``.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

HERE = Path(__file__).resolve().parent
BUNDLED = ("data", "notebooks", "templates")
# never shipped: editors' and Jupyter's leftovers, and what running a notebook in place writes
LEFT_OUT = shutil.ignore_patterns(
    "__pycache__", "*.pyc", ".*", "*_output", "*.egg-info", "*.sqlite", "*.sqlite-*"
)


class BuildWithResources(build_py):
    """``build_py`` that also copies the resource folders into ``toolkit/_bundled``."""

    def run(self) -> None:
        super().run()
        if getattr(self, "editable_mode", False):
            return
        target = Path(self.build_lib) / "toolkit" / "_bundled"
        shutil.rmtree(target, ignore_errors=True)
        for name in BUNDLED:
            shutil.copytree(HERE / name, target / name, ignore=LEFT_OUT)


setup(cmdclass={"build_py": BuildWithResources})

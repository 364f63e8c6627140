"""Where the project's bundled files live, and where the toolkit writes its own files.

The notebooks, data and templates are kept at the top of the checkout (``notebooks/``,
``data/``, ``templates/``). A wheel (``pip install .``) carries copies of them inside the
package, in ``toolkit/_bundled/`` (``setup.py`` puts them there); an editable install or a
checkout has no such folder and reads the checkout's own. One rule for both: the bundled
folder if the package has one, else the folder the package sits in.

Nothing is ever written beside an installed package: ``WORK_DIR`` (the default home of
``var/``: the disclosure key, the link key, the default reflections file) is ``CCT_WORK_DIR``
if set, else the checkout when the toolkit runs from one, else the folder ``cct`` was started
in. An installed toolkit puts that folder in ``CCT_WORK_DIR`` for the processes it starts (the
notebooks' kernels run in the notebooks' folder), so they all share one ``var/``.
"""

from __future__ import annotations

import os
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent.parent
BUNDLED_DIR = PACKAGE_DIR / "_bundled"
INSTALLED = BUNDLED_DIR.is_dir()  # a wheel's install, not a checkout
RESOURCES_DIR = BUNDLED_DIR if INSTALLED else PACKAGE_DIR.parent
PROJECT_ROOT = PACKAGE_DIR.parent  # the checkout (for an installed toolkit: site-packages)
DATA_DIR = RESOURCES_DIR / "data"
TEMPLATES_DIR = RESOURCES_DIR / "templates"
NOTEBOOKS_DIR = RESOURCES_DIR / "notebooks"
SAMPLE_DIR = DATA_DIR / "sample"
WORK_ENV = "CCT_WORK_DIR"
if INSTALLED and not os.environ.get(WORK_ENV):
    os.environ[WORK_ENV] = os.getcwd()  # inherited by the kernels and workers started from here
WORK_DIR = Path(os.environ.get(WORK_ENV) or PROJECT_ROOT).resolve()

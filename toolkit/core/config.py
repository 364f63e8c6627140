"""Settings that differ between installations, read from the environment.

``CCT_DATABASE_URL``: where reflections are stored (any SQLAlchemy URL, e.g.
``postgresql+psycopg://user@host/cct``). The default is an SQLite file in ``var/``, beside and
never inside ``notebooks/``, the only folder the web apps serve.

``CCT_PLANS_DIR`` and ``CCT_CAP_MARGIN``: set by ``cct serve`` for the form's kernels (from the
facilitator's ``cct_config.py``): which sessions were planned, and how many submissions beyond
a session's group size are still counted.
"""

from __future__ import annotations

import os
from pathlib import Path

from toolkit.core.paths import WORK_DIR

VAR_DIR = WORK_DIR / "var"  # the checkout's var/, or the working folder's for an installed toolkit
DATABASE_ENV = "CCT_DATABASE_URL"
PLANS_ENV = "CCT_PLANS_DIR"
CAP_MARGIN_ENV = "CCT_CAP_MARGIN"
DEFAULT_CAP_MARGIN = 3


def database_url(explicit: str | None = None) -> str:
    """The store's URL: an explicit one, else the environment's, else the default file."""
    if explicit:
        return explicit
    if os.environ.get(DATABASE_ENV):
        return os.environ[DATABASE_ENV]
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{VAR_DIR / 'reflections.sqlite'}"


def plans_dir() -> Path:
    """Where the session plans are (``cct plans --out``): the environment's, else out/plans."""
    return Path(os.environ.get(PLANS_ENV) or "out/plans").resolve()


def cap_margin() -> int:
    """Submissions a session counts beyond its planned group size."""
    try:
        return max(0, int(os.environ.get(CAP_MARGIN_ENV, DEFAULT_CAP_MARGIN)))
    except ValueError:
        return DEFAULT_CAP_MARGIN

"""Settings that differ between installations, read from the environment.

``CCT_DATABASE_URL``: where reflections are stored (any SQLAlchemy URL, e.g.
``postgresql+psycopg://user@host/cct``). The default is an SQLite file in ``var/``, beside and
never inside ``notebooks/``, the only folder the web apps serve.
"""

from __future__ import annotations

import os

from toolkit.core.paths import PROJECT_ROOT

VAR_DIR = PROJECT_ROOT / "var"
DATABASE_ENV = "CCT_DATABASE_URL"


def database_url(explicit: str | None = None) -> str:
    """The store's URL: an explicit one, else the environment's, else the default file."""
    if explicit:
        return explicit
    if os.environ.get(DATABASE_ENV):
        return os.environ[DATABASE_ENV]
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{VAR_DIR / 'reflections.sqlite'}"

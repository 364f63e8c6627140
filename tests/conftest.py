"""Shared fixtures: small hand-made frameworks and files, written into tmp_path."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from toolkit.core.framework import default_framework
from toolkit.core.teams import Team

# the disclosure key of the test runs: the same perturbations on every machine (no file in var/)
os.environ.setdefault("CCT_DISCLOSURE_KEY", "tests-only-disclosure-key")

TEAM_HEADER = (
    "team_id,team_name,role,staff_count,clients_per_month,interpreter_need_share,"
    "client_languages,client_regions,staff_languages,interpreter_hours_per_month\n"
)


@pytest.fixture(scope="session", autouse=True)
def link_signing_key(tmp_path_factory):
    """One key for the whole run, shared by the tests and the servers and kernels they start
    (they inherit the environment), never the checkout's var/link_secret."""
    import os

    path = tmp_path_factory.mktemp("secret") / "link_secret"
    previous = os.environ.get("CCT_SECRET_FILE")
    os.environ["CCT_SECRET_FILE"] = str(path)
    yield path
    if previous is None:
        os.environ.pop("CCT_SECRET_FILE", None)
    else:
        os.environ["CCT_SECRET_FILE"] = previous


@pytest.fixture(scope="session")
def framework():
    return default_framework()


def make_team(team_id: str, role: str = "frontline_intake", **overrides) -> Team:
    fields = dict(
        team_id=team_id,
        name=team_id.title(),
        role=role,
        staff_count=10,
        clients_per_month=100,
        interpreter_need_share=50,
        client_languages={"ar": 50.0, "es": 50.0},
        client_regions=("Middle East and North Africa",),
        staff_languages=("en", "es"),
        interpreter_hours_per_month=10,
    )
    fields.update(overrides)
    return Team(**fields)


@pytest.fixture
def write(tmp_path: Path):
    """write(name, text or bytes) → path of a file in tmp_path."""

    def _write(name: str, content: str | bytes, encoding: str = "utf-8") -> Path:
        path = tmp_path / name
        if isinstance(content, str):
            content = content.encode(encoding)
        path.write_bytes(content)
        return path

    return _write


@pytest.fixture(scope="session")
def postgres():
    """One real PostgreSQL server for the whole run (tests/postgres.py: Debian's, in a
    temporary folder); each test takes a database of its own with ``new_database()``."""
    from tests.postgres import postgres_server

    with postgres_server() as server:
        yield server

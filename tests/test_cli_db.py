"""``cct db``: the schema is made and checked on request only; ``cct serve`` and ``cct debrief``
refuse a database without it in plain words (exit 2), on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from typer.testing import CliRunner

from toolkit.cli import app
from toolkit.reflect.store import head_revision

runner = CliRunner()


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_url(request, tmp_path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path}/r.sqlite"
    return request.getfixturevalue("postgres").new_database()


def test_upgrade_then_check(empty_url):
    result = runner.invoke(app, ["db", "check", "--store", empty_url])
    assert result.exit_code == 1 and "cct db upgrade --store" in result.output

    result = runner.invoke(app, ["db", "upgrade", "--store", empty_url])
    assert result.exit_code == 0, result.output
    assert f"tables created (schema {head_revision()}), 0 reflection(s)" in result.output

    result = runner.invoke(app, ["db", "upgrade", "--store", empty_url])
    assert result.exit_code == 0 and "already this toolkit's; nothing to do" in result.output
    result = runner.invoke(app, ["db", "check", "--store", empty_url])
    assert result.exit_code == 0 and f"schema {head_revision()}, this toolkit's" in result.output

    engine = sa.create_engine(empty_url)
    with engine.begin() as connection:
        connection.execute(sa.text("UPDATE alembic_version SET version_num = '0099'"))
    engine.dispose()
    result = runner.invoke(app, ["db", "check", "--store", empty_url])
    assert result.exit_code == 2 and "written by a newer version of the toolkit" in result.output


def test_serve_and_debrief_refuse_a_database_without_tables(empty_url, monkeypatch):
    monkeypatch.setenv("CCT_DATABASE_URL", empty_url)
    result = runner.invoke(app, ["serve", "--no-browser"])
    assert result.exit_code == 2 and "cct db upgrade --store" in result.output
    result = runner.invoke(app, ["debrief"])
    assert result.exit_code == 2 and "cct db upgrade --store" in result.output
    assert "Traceback" not in result.output


def test_grant_on_postgresql(postgres):
    url = postgres.new_database()
    assert runner.invoke(app, ["db", "upgrade", "--store", url]).exit_code == 0
    postgres.sql("CREATE ROLE cct_cli_app LOGIN")
    try:
        result = runner.invoke(app, ["db", "grant", "cct_cli_app", "--store", url])
        assert result.exit_code == 0, result.output
        assert "GRANT SELECT, INSERT ON reflections TO cct_cli_app;" in result.output
        result = runner.invoke(app, ["db", "grant", "nobody", "--store", url])
        assert result.exit_code == 2 and "There is no role 'nobody'" in result.output
    finally:
        postgres.sql(f'DROP DATABASE "{sa.engine.make_url(url).database}" WITH (FORCE)')
        postgres.sql("DROP OWNED BY cct_cli_app; DROP ROLE cct_cli_app")


def test_an_unreachable_server_is_one_sentence_without_the_password():
    url = "postgresql+psycopg://cct:s3cret@127.0.0.1:1/cct?connect_timeout=3"
    result = runner.invoke(app, ["db", "check", "--store", url])
    assert result.exit_code == 2 and "Cannot open the reflections database" in result.output
    assert "s3cret" not in result.output and "Traceback" not in result.output

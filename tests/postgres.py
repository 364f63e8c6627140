"""A real PostgreSQL server for the tests and benchmarks: Debian's, started in a temporary folder.

The cluster is made with ``initdb`` and run with ``pg_ctl`` from ``/usr/lib/postgresql/*/bin``
(``apt-get install postgresql``; ``.ci/run`` does). It listens on a Unix socket in its own
folder only (no TCP port, so nothing clashes with other test runs), runs as an unprivileged
user (``postgres`` when the tests run as root: PostgreSQL refuses to run as root), and is
stopped and removed afterwards. In CI a missing server fails the test; elsewhere it skips.
"""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

SUPERUSER = "cct_test_admin"


def postgres_bin() -> Path | None:
    """The newest installed PostgreSQL's bin folder, or None."""
    found = sorted(
        glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"), key=lambda p: int(Path(p).parts[-3])
    )
    return Path(found[-1]).parent if found else None


def missing_server(message: str) -> None:
    """In CI a missing server is a failure; on a developer's machine the test is skipped."""
    import pytest

    if os.environ.get("CI"):
        pytest.fail(message)
    pytest.skip(message)


@dataclass
class PostgresServer:
    """A running cluster: make databases on it and get their SQLAlchemy URLs."""

    folder: Path
    bin: Path
    run_as: list[str]

    @property
    def socket_dir(self) -> str:
        return str(self.folder)

    def url(self, database: str = "postgres", user: str = SUPERUSER, password: str = "") -> str:
        secret = f":{password}" if password else ""
        return f"postgresql+psycopg://{user}{secret}@/{database}?host={self.socket_dir}"

    def sql(self, statement: str, database: str = "postgres") -> None:
        """Run SQL as the superuser (CREATE DATABASE cannot run inside a transaction)."""
        import sqlalchemy as sa

        engine = sa.create_engine(self.url(database), isolation_level="AUTOCOMMIT")
        try:
            with engine.connect() as connection:
                connection.exec_driver_sql(statement)
        finally:
            engine.dispose()

    def new_database(self, owner: str = SUPERUSER) -> str:
        """A fresh empty database; its URL (as its owner)."""
        name = f"cct_{uuid.uuid4().hex[:12]}"
        self.sql(f'CREATE DATABASE "{name}" OWNER "{owner}"')
        return self.url(name, owner)


@contextmanager
def postgres_server() -> Iterator[PostgresServer]:
    """Start a throwaway cluster; stop it and delete its folder afterwards."""
    bin_dir = postgres_bin()
    if bin_dir is None:
        missing_server(
            "PostgreSQL not found in /usr/lib/postgresql/*/bin: apt-get install postgresql "
            "(.ci/run does)"
        )
    run_as: list[str] = []
    root = os.geteuid() == 0
    # short (a socket path has ~100 bytes), and under /tmp when the server runs as another user,
    # who could not enter a private TMPDIR
    folder = Path(tempfile.mkdtemp(prefix="cct-pg-", dir="/tmp" if root else None))
    if root:
        run_as = ["runuser", "-u", "postgres", "--"]
        shutil.chown(folder, "postgres")
    data = folder / "data"
    try:
        subprocess.run(
            [
                *run_as,
                str(bin_dir / "initdb"),
                "-D",
                str(data),
                "-U",
                SUPERUSER,
                "--auth=trust",  # only over the socket in a folder no one else can enter
                "--encoding=UTF8",
                "--no-instructions",
            ],
            check=True,
            capture_output=True,
        )
        os.chmod(folder, 0o700)
        subprocess.run(
            [
                *run_as,
                str(bin_dir / "pg_ctl"),
                "-D",
                str(data),
                "-l",
                str(folder / "server.log"),
                "-w",
                "-t",
                "60",
                "-o",
                f"-c listen_addresses='' -c unix_socket_directories='{folder}' "
                "-c max_connections=200",
                "start",
            ],
            check=True,
            capture_output=True,
        )
    except subprocess.CalledProcessError as exc:
        log = folder / "server.log"
        detail = log.read_text() if log.exists() else ""
        shutil.rmtree(folder, ignore_errors=True)
        raise RuntimeError(
            f"could not start PostgreSQL: {exc.stderr.decode(errors='replace')}{detail}"
        ) from exc
    try:
        yield PostgresServer(folder, bin_dir, run_as)
    finally:
        subprocess.run(
            [*run_as, str(bin_dir / "pg_ctl"), "-D", str(data), "-m", "immediate", "-w", "stop"],
            capture_output=True,
        )
        shutil.rmtree(folder, ignore_errors=True)

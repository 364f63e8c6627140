"""The three-cycle sample, written once per test session (store and files)."""

from __future__ import annotations

import pytest

from toolkit.evaluate.sample import SampleFiles, write_sample


@pytest.fixture(scope="session")
def sample(tmp_path_factory) -> tuple[str, SampleFiles]:
    folder = tmp_path_factory.mktemp("sample-cycles")
    url = f"sqlite:///{folder}/reflections.sqlite"
    return url, write_sample(folder, url)

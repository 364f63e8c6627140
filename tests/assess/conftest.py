import pytest

from toolkit.assess.needs_assessment import run


@pytest.fixture(scope="session")
def sample_outputs(tmp_path_factory):
    """The sample organisation's assessment, written once (HTML, PDF and results file)."""
    return run(out_dir=tmp_path_factory.mktemp("out"))

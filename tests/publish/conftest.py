"""The three-cycle sample and its transparency report, written once per test session."""

from __future__ import annotations

import pytest

from toolkit.evaluate.sample import write_sample
from toolkit.publish.pipeline import run


@pytest.fixture(scope="session")
def sample_report(tmp_path_factory):
    folder = tmp_path_factory.mktemp("transparency")
    url = f"sqlite:///{folder}/reflections.sqlite"
    files = write_sample(folder, url)
    changes = folder / "changes.txt"
    changes.write_text('More interpreter hours for Tigrinya\n- =HYPERLINK("x")\n', encoding="utf-8")
    done = run(
        url,
        teams_file=files.teams,
        followups_file=files.followups,
        observations_file=files.observations,
        outcomes_file=files.outcomes,
        changes_file=changes,
        organisation="Sample City Services",
        languages=["en", "ar"],
        output_dir=folder / "report",
    )
    return url, files, done

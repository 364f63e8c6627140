"""A working folder for one's own organisation (``cct init``): empty templates of the files a
facilitator fills in, a page explaining each column, and the commands to run next.

The column help is data (``data/input_files.yaml``) so it can be reworded without code. Nothing
that already exists is ever overwritten: a second ``cct init`` only adds what is missing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from toolkit.core.datafiles import load_model
from toolkit.core.exceptions import ToolkitError
from toolkit.core.framework import Framework, default_framework
from toolkit.core.paths import DATA_DIR
from toolkit.core.safe_export import write_csv

INPUT_FILES = DATA_DIR / "input_files.yaml"
GUIDE_NAME = "START_HERE.md"
SURVEY_FOLDER = "survey"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Column(_Strict):
    name: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    help: str = Field(min_length=10)
    example: str


class InputFile(_Strict):
    id: str
    file: str = Field(pattern=r"^[a-z_]+\.csv$")
    about: str = Field(min_length=10)
    columns: list[Column] = Field(min_length=1)


class InputFiles(_Strict):
    files: list[InputFile]

    def get(self, file_id: str) -> InputFile:
        return next(f for f in self.files if f.id == file_id)


@lru_cache(maxsize=1)
def input_files() -> InputFiles:
    return load_model(INPUT_FILES, InputFiles, "the input file descriptions")


class WorkspaceError(ToolkitError):
    """The working folder cannot be made where asked."""


@dataclass
class Workspace:
    """What ``cct init`` made and what it found already there."""

    folder: Path
    written: list[Path] = field(default_factory=list)
    kept: list[Path] = field(default_factory=list)

    def commands(self) -> list[str]:
        f = self.folder
        return [
            f"cct import {f / SURVEY_FOLDER / 'YOUR_EXPORT.csv'} --teams {f / 'teams.csv'} "
            f"--out {f / 'responses.csv'}",
            f"cct assess {f / 'responses.csv'} {f / 'teams.csv'} --out {f / 'results'}",
            f"cct plans {f / 'sessions.csv'} --results {f / 'results' / 'assessment.json'} "
            f"--out {f / 'plans'}",
        ]


def guide(files: InputFiles, framework: Framework, commands: list[str]) -> str:
    """START_HERE.md: what each file is for, one line of help per column, what to run next."""
    lines = [
        "# Your organisation's working folder",
        "",
        "Fill in the files below (a spreadsheet program can open and save them as CSV), put your",
        f"staff survey's export in `{SURVEY_FOLDER}/`, then run the commands at the end, in order.",
        "Each command checks its files and lists every problem with its row and column.",
        "",
    ]
    for spec in files.files:
        lines += [f"## {spec.file}", "", spec.about, "", "| column | what to write | example |"]
        lines += ["|---|---|---|"]
        lines += [f"| `{c.name}` | {c.help} | `{c.example}` |" for c in spec.columns]
        lines.append("")
        if spec.id == "teams":
            lines += ["Roles (write the code in the `role` column):", ""]
            lines += [f"- `{r.id}`: {r.name['en']}" for r in framework.roles]
            lines.append("")
    lines += [
        f"## {SURVEY_FOLDER}/",
        "",
        "The export of your staff survey: CSV or XLSX from KoboToolbox, ODK, LimeSurvey, Google",
        "Forms, Microsoft Forms, Qualtrics, or a spreadsheet. `cct xlsform` writes the survey",
        "itself for KoboToolbox or ODK.",
        "",
        "## Next",
        "",
        "From the toolkit's folder, `cct` is `.venv/bin/cct`.",
        "",
        "```sh",
        *commands,
        "```",
        "",
        "`cct serve` then opens the apps: the needs assessment, the participants' reflection form",
        "and the debrief.",
        "",
    ]
    return "\n".join(lines)


def make_workspace(folder: Path | str, framework: Framework | None = None) -> Workspace:
    """Make ``folder`` with the templates and the guide; files already there are kept as they are."""
    folder = Path(folder)
    if folder.exists() and not folder.is_dir():
        raise WorkspaceError(f"{folder} is a file; give the name of a folder to make")
    framework = framework or default_framework()
    files = input_files()
    workspace = Workspace(folder)
    (folder / SURVEY_FOLDER).mkdir(parents=True, exist_ok=True)

    def put(path: Path, write) -> None:
        if path.exists():
            workspace.kept.append(path)
        else:
            write(path)
            workspace.written.append(path)

    for spec in files.files:
        put(folder / spec.file, lambda p, s=spec: write_csv(p, [c.name for c in s.columns], []))
    text = guide(files, framework, workspace.commands())
    put(folder / GUIDE_NAME, lambda p: p.write_text(text, encoding="utf-8"))
    return workspace

"""Reading the editable files in ``data/``: YAML checked by a pydantic model, one way for all."""

from __future__ import annotations

from pathlib import Path
from typing import TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from toolkit.core.exceptions import DataFileError

M = TypeVar("M", bound=BaseModel)


def describe(error: ValidationError) -> str:
    """Every validation failure on a line of its own, with its place in the file."""
    lines = []
    for e in error.errors():
        where = " → ".join(str(p) for p in e["loc"]) or "the file"
        lines.append(f"- at {where}: {e['msg']}")
    return "\n".join(lines)


def _yaml_problem(error: yaml.YAMLError) -> str:
    """The YAML parser's complaint in one sentence, with the line and column to look at."""
    mark = getattr(error, "problem_mark", None)
    problem = getattr(error, "problem", None) or str(error)
    if mark is None:
        return f"{problem}."
    return (
        f"{problem} at line {mark.line + 1}, column {mark.column + 1} (check the indentation "
        "and the colons there, and put quotes around text that holds a colon)."
    )


def load_model(path: Path | str, model: type[M], what: str) -> M:
    """Read a YAML data file into ``model``; ``what`` names it in messages ("the catalog")."""
    path = Path(path)
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise DataFileError(f"Cannot read {what} {path}: {exc.strerror or exc}.") from exc
    except yaml.YAMLError as exc:
        raise DataFileError(f"Cannot read {what} {path}: {_yaml_problem(exc)}") from exc
    if raw is None:
        raise DataFileError(
            f"{what[0].upper()}{what[1:]} {path} is empty (or holds only comments); "
            "restore it from the toolkit's copy or from your last saved version."
        )
    try:
        return model.model_validate(raw)
    except ValidationError as exc:
        raise DataFileError(
            f"{what[0].upper()}{what[1:]} {path} is not valid:\n{describe(exc)}"
        ) from exc

"""Errors the toolkit raises, each with a message a facilitator can act on.

Every error a user can meet subclasses :class:`ToolkitError` and a builtin, so a caller can
catch either (the pandas way). Messages say what was wrong, the value seen, what is allowed,
and where (file, row, column).
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = [
    "ToolkitError",
    "DataFileError",
    "InputProblem",
    "InputFileError",
    "ResultsFileError",
    "SurveyFormatError",
    "SurveyImportError",
]


class ToolkitError(Exception):
    """Base of every error the toolkit raises on purpose."""

    def _render_traceback_(self) -> list[str]:
        """IPython shows this instead of a traceback: in notebooks a facilitator sees words."""
        return [f"{type(self).__name__}: {self}"]


class DataFileError(ToolkitError, ValueError):
    """Raised when a file in ``data/`` (framework, catalog, translations) is invalid."""


@dataclass(frozen=True)
class InputProblem:
    """One problem found in a user's file, located as precisely as we can."""

    file: str
    message: str
    row: int | None = None  # 1-based, counting the header as row 1, as a spreadsheet does
    column: str | None = None

    def __str__(self) -> str:
        where = [self.file]
        if self.row is not None:
            where.append(f"row {self.row}")
        if self.column is not None:
            where.append(f"column '{self.column}'")
        return f"{', '.join(where)}: {self.message}"


class InputFileError(ToolkitError, ValueError):
    """Raised when a file a user gave us cannot be used; carries *every* problem found.

    Readers collect all problems before raising, so the facilitator can fix the file in one go.
    """

    def __init__(self, problems: list[InputProblem]):
        if not problems:
            raise ValueError("InputFileError needs at least one problem")
        self.problems = list(problems)
        super().__init__(self.summary())

    def count(self) -> str:
        """ "1 problem", "3 problems": said to a person, not a log."""
        n = len(self.problems)
        return f"{n:,} problem" if n == 1 else f"{n:,} problems"

    def summary(self, limit: int = 50) -> str:
        shown = self.problems[:limit]
        lines = [f"{self.count()} found:"]
        lines += [f"- {p}" for p in shown]
        if len(self.problems) > limit:
            lines.append(f"- … and {len(self.problems) - limit} more")
        return "\n".join(lines)


class ResultsFileError(ToolkitError, ValueError):
    """Raised when an assessment results file cannot be read (wrong schema version, damaged)."""


class SurveyFormatError(ToolkitError, ValueError):
    """Raised when a survey format is asked for by a name no reader is registered under."""


class SurveyImportError(InputFileError):
    """Raised when a survey export cannot be imported; carries every problem *and* the report.

    ``report`` (a :class:`toolkit.intake.survey_import.ImportReport`) says which format was detected and
    which columns were matched, so a facilitator can finish the mapping even when the import
    failed.
    """

    def __init__(self, problems: list[InputProblem], report=None):
        super().__init__(problems)
        self.report = report

"""User-supplied names that become folder or file names (team ids, session ids): one check.

A name may not hold a path separator, be or contain ``..``, hold a control, format or
bidirectional-override character (U+202E turns ``gpj.exe`` around on screen), or be longer
than :data:`MAX_LENGTH`. Anything else, any script included, is fine.
"""

from __future__ import annotations

import unicodedata
from pathlib import Path
from urllib.parse import urlsplit

from toolkit.core.exceptions import InputFileError, InputProblem

__all__ = [
    "MAX_LENGTH",
    "name_problem",
    "text_problem",
    "check_name",
    "child_path",
    "check_base_url",
]

MAX_LENGTH = 64
SEPARATORS = ("/", "\\", ":")  # ':' is a drive or a stream on Windows
BAD_CATEGORIES = {"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"}  # controls, formats (bidi), …


def name_problem(name: str) -> str | None:
    """What is wrong with ``name`` as a file or folder name, in plain words; None if nothing."""
    if not name:
        return "is empty"
    if len(name) > MAX_LENGTH:
        return f"is {len(name)} characters long; use at most {MAX_LENGTH}"
    for char in name:
        if char in SEPARATORS:
            return f"contains '{char}', which would make it a path; use letters, digits, - or _"
        if unicodedata.category(char) in BAD_CATEGORIES:
            return (
                f"contains the invisible or control character U+{ord(char):04X} "
                f"({unicodedata.name(char, 'unnamed')})"
            )
    if ".." in name or name.strip(". ") == "":
        return "contains '..' or is only dots; use letters, digits, - or _"
    if name != name.strip():
        return "starts or ends with a space"
    return None


BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def text_problem(text: str) -> str | None:
    """What is wrong with a display name (a team's name) shown in reports: control characters
    and bidirectional overrides, which turn the text around it on screen. Marks such as U+200F
    (right-to-left mark), which Arabic and Hebrew names may need, are fine."""
    for char in text:
        if unicodedata.category(char) == "Cc" or char in BIDI_CONTROLS:
            return (
                f"contains the invisible or control character U+{ord(char):04X} "
                f"({unicodedata.name(char, 'unnamed')})"
            )
    return None


def check_name(name: str, file: str, row: int | None = None, column: str | None = None) -> str:
    """Return ``name`` if it is safe as a file or folder name; else raise naming where it was."""
    problem = name_problem(name)
    if problem:
        raise InputFileError([InputProblem(file, f"the name {name!r} {problem}", row, column)])
    return name


def child_path(folder: Path | str, name: str, what: str = "name") -> Path:
    """``folder / name``, refusing a name that is unsafe or that would leave ``folder``."""
    check_name(name, what)
    base = Path(folder).resolve()
    path = (base / name).resolve()
    if path.parent != base:
        raise InputFileError([InputProblem(what, f"the name {name!r} leaves the folder {base}")])
    return path


def check_base_url(url: str, option: str = "--base-url") -> str:
    """An address for links in handouts: http or https with a host, nothing else (a
    ``javascript:`` link would run a script when clicked)."""
    try:
        parts = urlsplit(url)
    except ValueError as exc:
        parts = None
        reason = str(exc)
    if parts is None or parts.scheme not in ("http", "https") or not parts.hostname:
        reason = "it must start with http:// or https:// and name a host"
        raise InputFileError(
            [InputProblem(option, f"{url!r} cannot be used as the app's address: {reason}")]
        )
    if any(unicodedata.category(c) in BAD_CATEGORIES or c.isspace() for c in url):
        raise InputFileError(
            [InputProblem(option, f"{url!r} holds spaces or invisible characters")]
        )
    return url

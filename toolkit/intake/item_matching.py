"""Which column of a survey export answers which framework item, and which names the team.

A column is matched, in this order, by

1. the **mapping file** a facilitator filled in (``columns: {"Q7": COM03, "Site": team}``);
2. the **item id** itself (``COM01``);
3. a **code** holding the item id, ignoring case and punctuation: a group path
   (``communication/COM01``, ``grp-com01``), a sub-question (``G01Q01[COM01]``), ``com_01``,
   ``COM01. I summarise …``;
4. the item's **question text** in any of the framework's languages, tolerant of case, spaces,
   punctuation and accents; also the row of a grid (``Question [row text]``), the last part of a
   group path or of a Qualtrics matrix header (``Question - row text``), a Qualtrics question-text
   header row, and a header cut short (a unique start of 30 characters or more).

What is not matched is listed; :func:`mapping_template` writes those columns into a YAML file
for the facilitator to finish, and :func:`read_mapping` reads it back.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from toolkit.core.exceptions import InputFileError, InputProblem
from toolkit.core.framework import Framework
from toolkit.core.text_keys import text_key
from toolkit.intake.survey_formats import SurveyFormat

__all__ = [
    "ColumnMatch",
    "ColumnMapping",
    "Matching",
    "match_columns",
    "read_mapping",
    "mapping_template",
    "TEAM",
    "RESPONDENT",
    "IGNORE",
]

TEAM, RESPONDENT, IGNORE = "team", "respondent", "ignore"
MIN_PREFIX = 30  # a header cut short must keep at least this many characters of the text
MIN_CUT_PREFIX = 12  # … or this many when it ends with an ellipsis (LimeSurvey abbreviates to 15)
ELLIPSES = ("..", "…")

# A column names the team only when its heading means "team" on its own: the word itself
# ("team", "Team ID", "Équipe", "equipo", "الفريق", "команда") or a short question asking for it
# ("Which team are you in?", "Your team", "¿En qué equipo trabaja?"), never a long question that
# merely contains the word ("… shared within a team of researchers …").
TEAM_WORDS = frozenset(
    text_key(w)
    for w in {
        "team", "teams", "teamid", "teamname", "equipe", "equipes", "equipo", "equipos",
        "squadra", "فريق", "الفريق", "فريقك", "команда", "команди", "команді", "команды",
    }
)  # fmt: skip
# Words that may stand around the team word in such a short heading (question words, "your",
# "id", "name", "work"), in the languages of the framework.
TEAM_FILLERS = frozenset(
    text_key(w)
    for w in {
        # en
        "which", "what", "your", "you", "are", "in", "on", "is", "the", "of", "my", "id",
        "name", "code", "select", "choose", "work", "do", "belong", "to", "a", "please",
        # es, fr, pt, it
        "en", "que", "su", "tu", "trabaja", "trabajas", "usted", "de", "el", "la", "nombre",
        "cual", "votre", "ton", "quelle", "est", "êtes", "vous", "dans", "travaillez", "nom", "le",
        "l", "seu", "sua", "qual", "em", "trabalha",
        # ar, ru, uk
        "ما", "هو", "في", "أي", "اسم", "تعمل", "ваша", "ваш", "в", "у", "какой", "якій", "яка",
        "ви", "вы", "працюєте", "работаете", "назва",
    }
)  # fmt: skip
MAX_TEAM_HEADING_WORDS = 8
_TOKEN = re.compile(r"[^\W_]+(?:_[^\W_]+)*")  # word-ish tokens; "com_01" stays one token
_BRACKET = re.compile(r"\[([^\[\]]+)\]\s*$")
_NUMBERING = re.compile(r"^\s*(?:Q\s*)?\d+(?:\.\d+)*\s*[.):-]\s+", re.IGNORECASE)


@dataclass(frozen=True)
class ColumnMatch:
    position: int  # 0-based column in the file
    column: str  # the header as shown
    target: str  # an item id, or TEAM, RESPONDENT, IGNORE
    how: str  # "item id", "code", "question text (fr)", "mapping file" …


@dataclass(frozen=True)
class ColumnMapping:
    """A facilitator's mapping file: column → item id / team / respondent / ignore."""

    columns: dict[str, str] = field(default_factory=dict)
    teams: dict[str, str] = field(default_factory=dict)  # team answer → team id
    source: str = "mapping"

    def target_of(self, header: str) -> str | None:
        if header in self.columns:
            return self.columns[header]
        key = text_key(header)
        for name, target in self.columns.items():
            if text_key(name) == key:
                return target
        return None


@dataclass
class Matching:
    items: list[ColumnMatch] = field(default_factory=list)
    team: ColumnMatch | None = None
    respondent: ColumnMatch | None = None
    ignored: list[ColumnMatch] = field(default_factory=list)
    metadata: list[str] = field(default_factory=list)
    choice_columns: dict[str, list[str]] = field(default_factory=dict)  # question → options
    unmatched: list[str] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)
    problems: list[InputProblem] = field(default_factory=list)
    team_candidates: list[ColumnMatch] = field(default_factory=list)  # headings meaning "team"


@dataclass(frozen=True)
class _Index:
    ids: dict[str, str]  # compact key ("com01") → item id
    texts: dict[str, tuple[str, str]]  # text key → (item id, language)


_INDEXES: dict[int, tuple[Framework, _Index]] = {}  # frameworks are not hashable


def _index(framework: Framework) -> _Index:
    cached = _INDEXES.get(id(framework))
    if cached is not None and cached[0] is framework:
        return cached[1]
    ids = {_compact(i.id): i.id for i in framework.items}
    texts: dict[str, tuple[str, str]] = {}
    for item in framework.items:
        for lang, text in item.text.items():
            texts.setdefault(text_key(text), (item.id, lang))
    index = _Index(ids, texts)
    if len(_INDEXES) > 8:
        _INDEXES.clear()
    _INDEXES[id(framework)] = (framework, index)
    return index


def _compact(text: str) -> str:
    return text_key(text).replace(" ", "")


def _code_tokens(header: str) -> list[str]:
    """Word-ish tokens, and the parts of an underscored one: "com_01" stays whole, and
    LimeSurvey's ExpressionScript code "G02Q02_COM01" also gives "G02Q02" and "COM01"."""
    out = []
    for token in _TOKEN.findall(header):
        out.append(token)
        if "_" in token:
            out += token.split("_")
    return out


def _by_code(header: str, index: _Index) -> str | None:
    found = {index.ids[c] for t in _code_tokens(header) if (c := _compact(t)) in index.ids}
    return found.pop() if len(found) == 1 else None


def _text_candidates(header: str, separators: tuple[str, ...]) -> list[str]:
    out = [header]
    grid = _BRACKET.search(header)
    if grid:
        out += [grid.group(1), header[: grid.start()]]
    for sep in separators:
        parts = header.split(sep)
        out += [sep.join(parts[k:]) for k in range(1, len(parts))]
    if " - " in header:  # Qualtrics matrix: "Question - row"
        out.append(header.rsplit(" - ", 1)[1])
    out += [_NUMBERING.sub("", c) for c in list(out)]
    return out


def _by_text(candidates: list[str], index: _Index) -> tuple[str, str] | None:
    for candidate in candidates:
        key = text_key(candidate)
        if key in index.texts:
            return index.texts[key]
    for candidate in candidates:  # cut short by the tool: a unique start of a text
        key = text_key(candidate)
        cut = candidate.rstrip().endswith(ELLIPSES)  # marked as cut: a shorter start will do
        if len(key) >= (MIN_CUT_PREFIX if cut else MIN_PREFIX):
            hits = {v for k, v in index.texts.items() if k.startswith(key)}
            if len({item for item, _ in hits}) == 1:
                return hits.pop()
    return None


def means_team(heading: str) -> bool:
    """True when a heading means "team" on its own (see :data:`TEAM_WORDS`)."""
    words = text_key(heading).split()
    if not words or len(words) > MAX_TEAM_HEADING_WORDS:
        return False
    content = set(words) - TEAM_FILLERS
    return len(content) == 1 and content <= TEAM_WORDS


def _names_team(header: str, separators: tuple[str, ...], other_names: list[str]) -> bool:
    """The heading, the last part of its group path, or another name of the column means team."""
    names = [header, *other_names]
    for sep in separators:
        if sep in header:
            names.append(header.rsplit(sep, 1)[1])
    return any(means_team(n) for n in names if n)


def match_columns(
    headers: list[str],
    fmt: SurveyFormat,
    framework: Framework,
    mapping: ColumnMapping | None = None,
    texts: list[str] | None = None,
    file: str = "responses",
) -> Matching:
    """Match every column of an export; see the module docstring for the order of rules.

    A format whose headings hold a code and a text (LimeSurvey's "question code and question
    text") splits them with ``fmt.split_headings``: the code is matched as a code, the text as a
    question text, and the heading is shown as the file has it.
    """
    index = _index(framework)
    result = Matching()
    mapping = mapping or ColumnMapping()
    respondent_keys = [text_key(n) for n in fmt.respondent_columns]
    team_candidates: list[int] = []
    respondent_candidates: list[tuple[int, int]] = []  # (preference, position)
    header_set = set(headers)
    taken: dict[str, ColumnMatch] = {}
    split = fmt.split_headings(headers) if fmt.split_headings else [(h, "") for h in headers]

    for pos, header in enumerate(headers):
        shown = header or f"column {pos + 1}"
        code, text = split[pos]
        code = code or header
        row_text = texts[pos] if texts is not None and pos < len(texts) else ""
        target = mapping.target_of(header) if header else None
        if target is None and code != header:
            target = mapping.target_of(code)
        if target is not None:
            match = ColumnMatch(pos, shown, target, "mapping file")
            if target == IGNORE:
                result.ignored.append(match)
            elif target == TEAM:
                result.team = match
            elif target == RESPONDENT:
                result.respondent = match
            else:
                _take(result, taken, match, file)
            continue
        if not header.strip():
            result.unmatched.append(shown)
            continue
        item = next((n for n in (header, code) if n in framework.item_ids), None)
        if item:
            _take(result, taken, ColumnMatch(pos, shown, item, "item id"), file)
            continue
        key = next((k for k in (text_key(header), text_key(code)) if k in respondent_keys), None)
        if key is not None:
            respondent_candidates.append((respondent_keys.index(key), pos))
            continue
        if fmt.is_metadata(header) or fmt.is_metadata(code):
            result.metadata.append(shown)
            continue
        found_code = _by_code(code, index)
        if found_code:
            _take(result, taken, ColumnMatch(pos, shown, found_code, "code"), file)
            continue
        candidates = _text_candidates(header, fmt.group_separators)
        for extra in (text, row_text):
            if extra.strip():
                candidates += _text_candidates(extra, ())
        found = _by_text(candidates, index)
        if found:
            item, lang = found
            _take(result, taken, ColumnMatch(pos, shown, item, f"question text ({lang})"), file)
            continue
        if _names_team(header, fmt.group_separators, [code, text, row_text]):
            team_candidates.append(pos)
            continue
        parent = next((header.rsplit(s, 1)[0] for s in fmt.group_separators if s in header), None)
        if parent is not None and parent in header_set:
            result.choice_columns.setdefault(parent, []).append(shown)
            continue
        result.unmatched.append(shown)

    if result.respondent is None and respondent_candidates:
        pos = min(respondent_candidates)[1]
        result.respondent = ColumnMatch(pos, headers[pos], RESPONDENT, "respondent id column")
        result.metadata += [headers[p] for _, p in sorted(respondent_candidates)[1:]]
    if result.team is None:
        result.team_candidates = [
            ColumnMatch(p, headers[p], TEAM, "team column name") for p in team_candidates
        ]
        if len(team_candidates) == 1:
            result.team = result.team_candidates[0]
        else:  # several: the facilitator chooses (mapping file) or gives one team (--team)
            result.unmatched += [headers[p] for p in team_candidates]
    result.items.sort(key=lambda m: framework.item_ids.index(m.target))
    wanted = {text_key(k) for k in mapping.columns}
    present = {text_key(h) for h in headers} | {
        text_key(c or h) for h, (c, _) in zip(headers, split, strict=True)
    }
    absent = sorted(k for k in mapping.columns if text_key(k) not in present)
    if wanted and absent:
        result.notices.append(
            f"the mapping file names column(s) not in this file: {', '.join(absent)}"
        )
    return result


def _take(result: Matching, taken: dict[str, ColumnMatch], match: ColumnMatch, file: str) -> None:
    first = taken.get(match.target)
    if first is not None:
        result.problems.append(
            InputProblem(
                file,
                f"columns '{first.column}' ({first.how}) and '{match.column}' ({match.how}) both "
                f"answer item {match.target}; keep one, or map the other to 'ignore' in the "
                "mapping file",
                row=1,
                column=match.column,
            )
        )
        return
    taken[match.target] = match
    result.items.append(match)


# -- the mapping file -------------------------------------------------------------------------
def read_mapping(
    source: Path | str | dict, framework: Framework, name: str | None = None
) -> ColumnMapping:
    """Read a mapping file (or an already-loaded dict) and check every entry at once."""
    if isinstance(source, dict):
        raw, name = source, name or "mapping"
    else:
        path = Path(source)
        name = name or path.name
        try:
            raw = yaml.safe_load(path.read_text(encoding="utf-8-sig"))
        except OSError as exc:
            raise InputFileError(
                [InputProblem(name, f"cannot open the mapping file ({exc.strerror or exc})")]
            ) from exc
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            raise InputFileError(
                [
                    InputProblem(
                        name,
                        f"this is not valid YAML ({getattr(exc, 'problem', None) or exc})",
                        row=mark.line + 1 if mark else None,
                    )
                ]
            ) from exc
    raw = raw or {}
    problems: list[InputProblem] = []
    if not isinstance(raw, dict) or set(raw) - {"columns", "teams"}:
        extra = sorted(map(str, set(raw) - {"columns", "teams"})) if isinstance(raw, dict) else []
        raise InputFileError(
            [
                InputProblem(
                    name,
                    "a mapping file has two sections, 'columns' and 'teams'"
                    + (f"; found also: {', '.join(extra)}" if extra else ""),
                )
            ]
        )
    columns: dict[str, str] = {}
    allowed = {i.lower(): i for i in framework.item_ids}
    for column, target in (raw.get("columns") or {}).items():
        if target is None or str(target).strip() == "":
            continue  # left blank: stays unmatched
        value = str(target).strip()
        if value.lower() in allowed:
            columns[str(column)] = allowed[value.lower()]
        elif value.lower() in (TEAM, RESPONDENT, IGNORE):
            columns[str(column)] = value.lower()
        else:
            problems.append(
                InputProblem(
                    name,
                    f"column '{column}' is mapped to '{value}', which is not an item id "
                    f"({framework.item_ids[0]} … {framework.item_ids[-1]}), 'team', "
                    "'respondent' or 'ignore'",
                    column=str(column),
                )
            )
    teams = {
        str(k): str(v).strip()
        for k, v in (raw.get("teams") or {}).items()
        if v is not None and str(v).strip()
    }
    if problems:
        raise InputFileError(problems)
    return ColumnMapping(columns, teams, name)


def mapping_template(
    file: str, matching: Matching, framework: Framework, existing: ColumnMapping | None = None
) -> str:
    """A mapping file to finish by hand: unmatched columns to fill, matched ones as comments."""

    def q(text: str) -> str:
        return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'

    lines = [
        f"# Column mapping for {file}.",
        "# Next to each column write what it holds, then import again with",
        f"#   cct import {file} --mapping <this file>",
        f"# an item id ({framework.item_ids[0]} … {framework.item_ids[-1]}, see",
        "# data/framework.yaml), team (the column naming the respondent's team),",
        "# respondent (the respondent's id), or ignore. Blank stays unmatched.",
        "columns:",
    ]
    kept = dict(existing.columns) if existing else {}
    for column in matching.unmatched:
        lines.append(f"  {q(column)}: {kept.pop(column, '')}".rstrip())
    for column, target in kept.items():
        lines.append(f"  {q(column)}: {target}")
    lines.append("# Matched already (uncomment a line to change it):")
    for match in [*matching.items, matching.team, matching.respondent]:
        if match is not None and match.how != "mapping file":
            lines.append(f"#  {q(match.column)}: {match.target}   # by {match.how}")
    lines += [
        "# Team answers that differ from the team ids of the team context file:",
        "teams:",
    ]
    for answer, team in (existing.teams if existing else {}).items():
        lines.append(f"  {q(answer)}: {team}")
    if not existing or not existing.teams:
        lines.append('#  "North office": intake_north')
    return "\n".join(lines) + "\n"

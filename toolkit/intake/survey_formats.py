"""Survey export formats: how to recognise each tool's export and read its header.

A registry in the papermill style: :func:`register` adds a :class:`SurveyFormat`,
:func:`get_format` looks one up by name (and names the known ones when it misses), and
:func:`detect_format` picks the format whose detector recognises a file's first rows.
Each format says what it keys on in ``keys``, which the import report repeats.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from toolkit.core.exceptions import SurveyFormatError
from toolkit.core.text_keys import text_key

__all__ = [
    "SurveyFormat",
    "register",
    "get_format",
    "known_formats",
    "detect_format",
    "FALLBACK",
]

Rows = Sequence[Sequence[str]]  # the first rows of a file (up to 3), as text


@dataclass(frozen=True)
class SurveyFormat:
    """One tool's export layout."""

    name: str  # registry key, e.g. "kobo"
    title: str  # what the report calls it, e.g. "KoboToolbox"
    keys: str  # what detection keys on, in words
    detect: Callable[[Rows, Sequence[str]], bool]  # (first rows, sheet names) → is it this?
    priority: int = 50  # higher is tried first
    header_rows: int = 1  # rows before the first answer (Qualtrics: 3)
    name_row: int = 0  # the header row shown in messages
    text_row: int | None = None  # a header row of question texts (Qualtrics: 1)
    group_separators: tuple[str, ...] = ("/",)  # how group paths are joined in column names
    respondent_columns: tuple[str, ...] = ()  # first present names the respondent
    time_columns: tuple[str, ...] = ()  # submission time, to keep the latest duplicate
    metadata: frozenset[str] = frozenset()  # text keys of columns the tool adds itself
    metadata_prefixes: tuple[str, ...] = ()  # raw prefixes of such columns ("_" for Kobo)
    is_form_definition: bool = False  # an XLSForm: a questionnaire, not answers
    notes: tuple[str, ...] = field(default_factory=tuple)
    # headings holding a code and a text ("G01Q01[SQ001]. text [sub text]") → (code, text) each,
    # ("", "") where a heading is not of that shape
    split_headings: Callable[[Sequence[str]], list[tuple[str, str]]] | None = None

    def is_metadata(self, header: str) -> bool:
        return header.startswith(self.metadata_prefixes) or text_key(header) in self.metadata


_REGISTRY: dict[str, SurveyFormat] = {}


def register(fmt: SurveyFormat) -> SurveyFormat:
    """Add (or replace) a format under its name."""
    _REGISTRY[fmt.name] = fmt
    return fmt


def known_formats() -> list[str]:
    return sorted(_REGISTRY)


def get_format(name: str) -> SurveyFormat:
    """The format registered as ``name``; a miss names every known format."""
    try:
        return _REGISTRY[name]
    except KeyError:
        raise SurveyFormatError(
            f"unknown survey format '{name}'; known formats: {', '.join(known_formats())}"
        ) from None


def detect_format(rows: Rows, sheets: Sequence[str] = ()) -> SurveyFormat:
    """The first format, by priority, whose detector recognises these rows; else the fallback."""
    for fmt in sorted(_REGISTRY.values(), key=lambda f: -f.priority):
        if fmt.name != FALLBACK and fmt.detect(rows, sheets):
            return fmt
    return _REGISTRY[FALLBACK]


# -- the formats we know ---------------------------------------------------------------------
def _row(rows: Rows, k: int) -> list[str]:
    return [str(c).strip() for c in rows[k]] if len(rows) > k else []


def _keys(rows: Rows, k: int = 0) -> set[str]:
    return {text_key(c) for c in _row(rows, k)}


def _keyset(*names: str) -> frozenset[str]:
    return frozenset(text_key(n) for n in names)


KOBO_META = _keyset(
    "start",
    "end",
    "today",
    "deviceid",
    "subscriberid",
    "simserial",
    "phonenumber",
    "username",
    "audit",
    "formhub/uuid",
    "meta/instanceID",
    "meta/deprecatedID",
    "meta/instanceName",
    "meta/rootUuid",
    "$edited",
)
register(
    SurveyFormat(
        "kobo",
        "KoboToolbox",
        "metadata columns '_uuid', '_submission_time', '_id', '_index' or '__version__'",
        lambda rows, sheets: bool(
            _keys(rows) & _keyset("_uuid", "_submission_time", "_index", "__version__")
            or {"_id", "_uuid"} & set(_row(rows, 0))
        ),
        priority=80,
        respondent_columns=("_uuid", "meta/instanceID", "_id", "_index"),
        time_columns=("_submission_time", "end"),
        metadata=KOBO_META,
        metadata_prefixes=("_",),
    )
)

ODK_TRAILER = (
    "KEY",
    "SubmitterID",
    "SubmitterName",
    "AttachmentsPresent",
    "AttachmentsExpected",
    "Status",
    "ReviewState",
    "DeviceID",
    "Edits",
    "FormVersion",
    "PARENT_KEY",
)
register(
    SurveyFormat(
        "odk",
        "ODK Central",
        "first column 'SubmissionDate', or 'KEY' with 'SubmitterID' or 'PARENT_KEY' "
        "(a repeat-group table)",
        lambda rows, sheets: (
            bool(_row(rows, 0))
            and (
                _row(rows, 0)[0] == "SubmissionDate"
                or (
                    "KEY" in _row(rows, 0)
                    and bool({"SubmitterID", "PARENT_KEY"} & set(_row(rows, 0)))
                )
            )
        ),
        priority=80,
        group_separators=("-",),
        respondent_columns=("KEY", "meta-instanceID", "instanceID"),
        time_columns=("SubmissionDate", "end"),
        metadata=_keyset(
            "SubmissionDate",
            "meta-instanceID",
            "meta-instanceName",
            "meta-audit",
            "start",
            "end",
            "today",
            "deviceid",
            *ODK_TRAILER,
        ),
    )
)

# LimeSurvey offers four heading styles for response exports (Export responses → Headings):
# question code ("submitdate", "G02Q02[SQ001]", or "G02Q02_SQ001" as ExpressionScript code),
# full question text ("Date submitted", "How much …? [sub-question text]"), abbreviated text
# (each part cut to 15 characters and ".. "), and code with text joined by a separator,
# ". " unless changed ("submitdate. Date submitted", "G02Q02[SQ001]. How much …? [sub text]").
# Spaces may be turned into underscores. System columns are named by these codes and texts.
LIMESURVEY_SYSTEM = {
    "id": "Response ID",
    "submitdate": "Date submitted",
    "lastpage": "Last page",
    "startlanguage": "Start language",
    "seed": "Seed",
    "startdate": "Date started",
    "datestamp": "Date last action",
    "ipaddr": "IP address",
    "refurl": "Referrer URL",
    "token": "Access code",
}
_LIMESURVEY_QUESTION = re.compile(
    r"^(?:G\d+Q\d+(?:\[[^\[\]]*\])*(?:_\w+)?|\d+X\d+X\d+\w*)$"  # or an old SGQA code
)
_LS_CODE = r"[A-Za-z_][A-Za-z0-9_]*(?:\[[^\[\]]*\])*"
_LS_SYSTEM_CODETEXT = re.compile(rf"^({'|'.join(LIMESURVEY_SYSTEM)})(\s*[^\w\s\[\]]+)\s*(?=\w)")
LIMESURVEY_META = _keyset(
    *LIMESURVEY_SYSTEM,
    *LIMESURVEY_SYSTEM.values(),
    "Token",
    "interviewtime",
    "Total time",
    "Date last actio..",  # "Date last action" abbreviated
)


def _limesurvey_separator(headers: Sequence[str]) -> str | None:
    """The code/text separator of a "code and text" export, read off its system columns
    ("id. Response ID" → ". "); None when the headings are not of that style."""
    found: dict[str, int] = {}
    for header in headers:
        match = _LS_SYSTEM_CODETEXT.match(str(header).strip())
        if match:
            sep = match.group(2)
            found[sep] = found.get(sep, 0) + 1
    return max(found, key=lambda k: found[k]) if found else None


def split_limesurvey_headings(headers: Sequence[str]) -> list[tuple[str, str]]:
    """(code, text) of each heading of a "question code and question text" export."""
    sep = _limesurvey_separator(headers)
    if sep is None:
        return [("", "") for _ in headers]
    shape = re.compile(rf"^({_LS_CODE})\s*{re.escape(sep.strip())}\s*(.*)$", re.DOTALL)
    out = []
    for header in headers:
        match = shape.match(str(header).strip())
        out.append((match.group(1), match.group(2)) if match else ("", ""))
    return out


def _limesurvey_names(rows: Rows) -> list[str]:
    headers = _row(rows, 0)
    split = split_limesurvey_headings(headers)
    return [code or header for header, (code, _) in zip(headers, split, strict=True)]


def _is_limesurvey(rows: Rows, sheets: Sequence[str]) -> bool:
    names = _limesurvey_names(rows)
    keys = {text_key(n) for n in names}
    system = _keyset(
        "submitdate", "lastpage", "startlanguage", "Last page", "Start language", "Date submitted"
    )  # fmt: skip
    return len(keys & system) >= 2 or sum(bool(_LIMESURVEY_QUESTION.match(n)) for n in names) >= 2


register(
    SurveyFormat(
        "limesurvey",
        "LimeSurvey",
        "response columns 'id' with 'submitdate', 'lastpage' or 'startlanguage' "
        "(or 'Response ID', 'Last page', 'Start language'; or both, as 'id. Response ID'), "
        "or question codes like G01Q01[SQ001]",
        _is_limesurvey,
        priority=70,
        respondent_columns=("id", "Response ID"),
        time_columns=("submitdate", "Date submitted", "datestamp", "Date last action"),
        metadata=LIMESURVEY_META,
        split_headings=split_limesurvey_headings,
    )
)

register(
    SurveyFormat(
        "microsoft_forms",
        "Microsoft Forms",
        "first columns 'ID', 'Start time', 'Completion time' (then 'Email', 'Name')",
        lambda rows, sheets: (
            [text_key(c) for c in _row(rows, 0)[:3]] == ["id", "start time", "completion time"]
        ),
        priority=70,
        respondent_columns=("ID",),
        time_columns=("Completion time",),
        metadata=_keyset(
            "ID",
            "Start time",
            "Completion time",
            "Email",
            "Name",
            "Last modified time",
            "Total points",
            "Quiz feedback",
            "Language",
        ),
    )
)

GOOGLE_TIMESTAMP = _keyset(
    "Timestamp",
    "Marca temporal",
    "Horodateur",
    "Zeitstempel",
    "Carimbo de data/hora",
    "Informazioni cronologiche",
    "Отметка времени",
    "Позначка часу",
    "الطابع الزمني",
)
register(
    SurveyFormat(
        "google_forms",
        "Google Forms",
        "first column 'Timestamp' (or its translation: 'Marca temporal', 'Horodateur' …)",
        lambda rows, sheets: bool(_row(rows, 0)) and text_key(_row(rows, 0)[0]) in GOOGLE_TIMESTAMP,
        priority=60,
        group_separators=(),
        respondent_columns=(
            "Email Address",
            "Email",
            "Dirección de correo electrónico",
            "Adresse e-mail",
        ),
        time_columns=tuple(GOOGLE_TIMESTAMP),
        metadata=GOOGLE_TIMESTAMP
        | _keyset(
            "Email Address",
            "Score",
            "Total score",
            "Dirección de correo electrónico",
            "Puntuación",
            "Adresse e-mail",
            "Note",
        ),
    )
)

QUALTRICS_META = _keyset(
    "StartDate",
    "EndDate",
    "Status",
    "IPAddress",
    "Progress",
    "Duration (in seconds)",
    "Finished",
    "RecordedDate",
    "ResponseId",
    "RecipientLastName",
    "RecipientFirstName",
    "RecipientEmail",
    "ExternalReference",
    "LocationLatitude",
    "LocationLongitude",
    "DistributionChannel",
    "UserLanguage",
    "ResponseID",
    "ResponseSet",
    "Name",
    "ExternalDataReference",
    "EmailAddress",
    "LocationAccuracy",
    "Q_RecaptchaScore",
)
register(
    SurveyFormat(
        "qualtrics",
        "Qualtrics",
        'three header rows, the third of {"ImportId":…} cells',
        lambda rows, sheets: (
            len(rows) >= 3
            and sum(c.startswith('{"ImportId"') for c in _row(rows, 2))
            >= max(1, len(_row(rows, 2)) // 2)
        ),
        priority=90,
        header_rows=3,
        text_row=1,
        group_separators=(),
        respondent_columns=("ResponseId",),
        time_columns=("RecordedDate", "EndDate"),
        metadata=QUALTRICS_META,
    )
)

register(
    SurveyFormat(
        "qualtrics_legacy",
        "Qualtrics (legacy export, before 2018)",
        "two header rows: 'V1', 'V2' … then 'ResponseID', 'ResponseSet' …",
        lambda rows, sheets: _row(rows, 0)[:2] == ["V1", "V2"] and "ResponseID" in _row(rows, 1),
        priority=90,
        header_rows=2,
        name_row=1,
        text_row=1,
        group_separators=(),
        respondent_columns=("ResponseID",),
        time_columns=("EndDate",),
        metadata=QUALTRICS_META,
    )
)

register(
    SurveyFormat(
        "xlsform",
        "XLSForm (a form definition, not answers)",
        "sheets 'survey' and 'choices', or columns 'type', 'name', 'label'",
        lambda rows, sheets: (
            {"survey", "choices"} <= {s.strip().lower() for s in sheets}
            or (
                bool(_row(rows, 0))
                and [text_key(c) for c in _row(rows, 0)[:2]] == ["type", "name"]
                and any(text_key(c).startswith("label") for c in _row(rows, 0))
            )
        ),
        priority=100,
        is_form_definition=True,
    )
)

_ITEM_ID_SHAPE = re.compile(r"^[A-Z]{2,4}\d{2}$")


def _is_tidy(rows: Rows, sheets: Sequence[str]) -> bool:
    names = {re.sub(r"[\s\-]+", "_", c.lower()) for c in _row(rows, 0)}
    if {"item_id", "value"} <= names or {"respondent_id", "team_id"} <= names:
        return True
    ids = names & {"respondent_id", "respondent", "team_id", "team"}
    return bool(ids) and any(_ITEM_ID_SHAPE.match(c) for c in _row(rows, 0))


register(
    SurveyFormat(
        "tidy",
        "the toolkit's own layout (wide or long)",
        "columns 'respondent_id' and 'team_id', or 'item_id' and 'value', or an id column "
        "beside item-id columns such as COM01",
        _is_tidy,
        priority=50,
    )
)

FALLBACK = "spreadsheet"
register(
    SurveyFormat(
        FALLBACK,
        "a spreadsheet (no survey tool recognised)",
        "anything else: one row per respondent, one column per question",
        lambda rows, sheets: True,
        priority=0,
        respondent_columns=(
            "respondent_id",
            "Respondent",
            "Respondent ID",
            "ID",
            "Response ID",
            "Participant",
            "Participant ID",
            "Code",
        ),
        time_columns=("Timestamp", "Date", "Submitted", "Submission date"),
        metadata=_keyset(
            "Timestamp", "Date", "Submitted", "Submission date", "Email", "Email Address", "Name"
        ),
    )
)

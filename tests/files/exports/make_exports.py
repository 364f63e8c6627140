"""Write the survey-export fixtures in this folder, each to its tool's published shape.

Run from the project root: ``.venv/bin/python tests/files/exports/make_exports.py``. The files
are committed; this script documents how each was made. Every file holds the same three
respondents (tests/test_survey_import.py ``EXPECTED``), plus the tool's own quirks: metadata
columns, a resubmitted duplicate, "N/A" or "Don't know", labels in other languages.

Shapes (see ../../../../shared/formats.md and the real exports listed in its README):
KoboToolbox CSV (``;``, every field quoted, ``group/name`` headers, ``_``-metadata, a
select_multiple as a summary column plus 0/1 columns); KoboToolbox XLSX with label headers in
French and a repeat-group sheet; ODK Central CSV (``SubmissionDate`` … ``KEY, SubmitterID …``,
``group-name``); LimeSurvey CSV (codes ``G02Q02[COM01]``, ``Y`` or empty for multiple choice);
Google Forms CSV (``Timestamp``, question texts, a grid as ``Question [row]``) and the same saved
from Excel in Spanish (cp1252, ``;``); Microsoft Forms XLSX (``ID, Start time, Completion time,
Email, Name``), and saved from Excel as "Unicode text" (UTF-16 with BOM, tab); Qualtrics CSV
(three header rows); a spreadsheet someone kept (``;``, UTF-8 with BOM, decimal commas); the
toolkit's own long layout. LimeSurvey in each of its four heading styles (code, full text,
abbreviated text, code and text), CSV and XLSX (see ``limesurvey_exports``).
"""

from __future__ import annotations

import codecs
import csv
import io
from pathlib import Path

from openpyxl import Workbook

from toolkit.core.framework import default_framework

HERE = Path(__file__).resolve().parent
FW = default_framework()
TEXT = {i.id: i.text for i in FW.items}
LABEL = FW.scale.labels  # lang → five labels

ITEMS = ["COM01", "COM02", "COM03", "LAN01", "LAN02"]
GROUP = {
    "COM01": "communication",
    "COM02": "communication",
    "COM03": "communication",
    "LAN01": "language_access",
    "LAN02": "language_access",
}
# respondent → team and answers (None = no answer); the same in every file
PEOPLE = [
    ("A", "intake_north", [5, 4, 3, None, 1]),
    ("B", "intake_north", [2, 1, 4, 3, 2]),
    ("C", "housing_east", [4, 5, None, 4, 5]),
]


def label(value, lang="en"):
    return "" if value is None else LABEL[lang][value - 1]


def csv_text(rows, sep=",", quote_all=False) -> str:
    buffer = io.StringIO()
    writer = csv.writer(
        buffer,
        delimiter=sep,
        lineterminator="\r\n",
        quoting=csv.QUOTE_ALL if quote_all else csv.QUOTE_MINIMAL,
    )
    writer.writerows(rows)
    return buffer.getvalue()


def xlsx(path: Path, sheets: dict[str, list[list]]) -> None:
    book = Workbook()
    book.remove(book.active)
    for title, rows in sheets.items():
        sheet = book.create_sheet(title)
        for row in rows:
            sheet.append(row)
    book.save(path)


def kobo_csv() -> None:
    header = [
        "start",
        "end",
        "team_id",
        *[f"{GROUP[i]}/{i}" for i in ITEMS],
        "languages",
        "languages/ar",
        "languages/es",
        "languages/uk",
        "_id",
        "_uuid",
        "_submission_time",
        "_validation_status",
        "_notes",
        "_status",
        "_submitted_by",
        "__version__",
        "_tags",
        "_index",
    ]
    rows = [header]
    langs = ["ar es", "es", "uk"]
    for k, (who, team, values) in enumerate(PEOPLE):
        chosen = langs[k].split()
        rows.append(
            [
                "2026-03-02T09:00:00.000+01:00",
                "2026-03-02T09:10:00.000+01:00",
                team,
                *["" if v is None else str(v) for v in values],
                langs[k],
                *[("1" if c in chosen else "0") for c in ("ar", "es", "uk")],
                str(1000 + k),
                f"uuid-{who}",
                f"2026-03-02T08:1{k}:00",
                "",
                "",
                "submitted_via_web",
                "",
                "vAbc",
                "",
                str(k + 1),
            ]
        )
    # A resubmits an earlier draft: same _uuid, an *earlier* submission time → dropped
    draft = list(rows[1])
    draft[3] = "1"
    draft[header.index("_submission_time")] = "2026-03-01T08:00:00"
    draft[-1] = "4"
    rows.append(draft)
    (HERE / "kobo.csv").write_text(csv_text(rows, ";", quote_all=True), encoding="utf-8")


def kobo_xlsx_fr() -> None:
    header = [
        "start",
        "end",
        "Équipe",
        *[f"{FW.domain_name(GROUP[i], 'fr')}/{TEXT[i]['fr']}" for i in ITEMS],
        "_id",
        "_uuid",
        "_submission_time",
        "_status",
        "__version__",
        "_index",
    ]
    rows = [header]
    for k, (who, team, values) in enumerate(PEOPLE):
        answers = [label(v, "fr") for v in values]
        if values[2] is None:
            answers[2] = "Je ne sais pas"
        rows.append(
            [
                "2026-03-02 09:00:00",
                "2026-03-02 09:10:00",
                team,
                *answers,
                1000 + k,
                f"uuid-{who}",
                "2026-03-02 08:10:00",
                "submitted_via_web",
                "vAbc",
                k + 1,
            ]
        )
    repeat = [
        ["contacts/contact_language", "_index", "_parent_table_name", "_parent_index"],
        ["ar", 1, "Auto-évaluation", 1],
    ]
    xlsx(HERE / "kobo_labels_fr.xlsx", {"Auto-évaluation": rows, "contacts": repeat})


def odk_csv() -> None:
    trailer = [
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
    ]
    header = [
        "SubmissionDate",
        "start",
        "end",
        "team_id",
        *[f"{GROUP[i]}-{i}" for i in ITEMS],
        "languages",
        "meta-instanceID",
        *trailer,
    ]
    rows = [header]
    for k, (who, team, values) in enumerate(PEOPLE):
        rows.append(
            [
                f"2026-03-02T08:1{k}:00.000Z",
                "2026-03-02T09:00:00.000+01:00",
                "2026-03-02T09:10:00.000+01:00",
                team,
                *["" if v is None else str(v) for v in values],
                "ar es",
                f"uuid:{who}",
                f"uuid:{who}",
                "5",
                "collector",
                "0",
                "0",
                "",
                "approved",
                "collect:abc",
                "0",
                "2026031",
            ]
        )
    (HERE / "odk.csv").write_text(csv_text(rows), encoding="utf-8")


def limesurvey_csv() -> None:
    header = [
        "id",
        "submitdate",
        "lastpage",
        "startlanguage",
        "seed",
        "team",
        *[f"G02Q02[{i}]" for i in ITEMS],
        "G03Q03[SQ001]",
        "G03Q03[SQ002]",
        "G04Q04",
    ]
    rows = [header]
    for k, (_, team, values) in enumerate(PEOPLE):
        rows.append(
            [
                str(k + 1),
                "2026-03-02 09:10:00",
                "3",
                "en",
                "12345",
                team,
                *["" if v is None else str(v) for v in values],
                "Y",
                "",
                "a comment, with a comma",
            ]
        )
    rows.append([str(len(PEOPLE) + 1), "", "1", "en", "999", "", *[""] * len(ITEMS), "", "", ""])
    (HERE / "limesurvey.csv").write_text(csv_text(rows, quote_all=True), encoding="utf-8")


# LimeSurvey's response export (Export responses → Headings), as its export code writes it:
# "question code" (submitdate, G02Q02[COM01]), "full question text" (Date submitted,
# "question text [sub-question text]"), "abbreviated question text" (each part cut to 15
# characters + ".. "), "question code & question text" (code + ". " + text). CSV: a UTF-8 BOM,
# every field quoted, CRLF, a blank line at the end; XLSX: the same cells on sheet "results".
LS_SYSTEM = [
    ("id", "Response ID"),
    ("submitdate", "Date submitted"),
    ("lastpage", "Last page"),
    ("startlanguage", "Start language"),
    ("seed", "Seed"),
]
LS_TEAM = ("team", "Which team are you in?")
LS_ARRAY = ("G02Q02", "How much do you agree\twith each statement?")  # a tab, as in real files
LS_SHARED = (
    "G03Q03",
    "Is the data you collect shared within a team of researchers, or kept by you alone?",
)
LS_COMMENT = ("G04Q04", "Anything else?\t(optional)")


def ls_abbreviated(text: str, length: int = 15) -> str:
    """LimeSurvey's ellipsize(): the first ``length`` characters and ".. " when longer."""
    return text if len(text) <= length else text[:length] + ".. "


def ls_heading(code: str, question: str, sub: tuple[str, str] | None, style: str) -> str:
    sub_code, sub_text = sub or ("", "")
    full_code = f"{code}[{sub_code}]" if sub else code
    if style == "code":
        return full_code
    if style == "abbreviated":
        return ls_abbreviated(question) + (f" [{ls_abbreviated(sub_text)}]" if sub else "")
    text = question + (f" [{sub_text}]" if sub else "")
    return text if style == "full" else f"{full_code}. {text}"


def limesurvey_rows(style: str) -> list[list[str]]:
    long_answers = style in ("full", "abbreviated")  # "full answers" with text headings
    header = [ls_heading(c, t, None, style) for c, t in LS_SYSTEM]
    header.append(ls_heading(*LS_TEAM, None, style))
    header += [ls_heading(*LS_ARRAY, (i, TEXT[i]["en"]), style) for i in ITEMS]
    header += [ls_heading(*LS_SHARED, None, style), ls_heading(*LS_COMMENT, None, style)]
    rows = [header]
    for k, (_, team, values) in enumerate(PEOPLE):
        answers = [label(v) if long_answers else ("" if v is None else str(v)) for v in values]
        shared = ("Yes" if long_answers else "Y") if k % 2 else ("No" if long_answers else "N")
        rows.append(
            [str(k + 1), f"2026-03-02 09:1{k}:00", "3", "en", str(1000 + k), team, *answers,
             shared, "a comment; with a semicolon"]
        )  # fmt: skip
    # someone who opened the survey and left on page 1: no answer, dropped
    rows.append(["4", "", "1", "en", "999", "", *[""] * len(ITEMS), "", ""])
    return rows


def limesurvey_exports() -> None:
    for style in ("code", "full", "abbreviated", "codetext"):
        rows = limesurvey_rows(style)
        text = csv_text(rows, ";", quote_all=True) + "\r\n"
        (HERE / f"limesurvey_{style}.csv").write_bytes(codecs.BOM_UTF8 + text.encode("utf-8"))
        xlsx(HERE / f"limesurvey_{style}.xlsx", {"results": rows})
    # older LimeSurvey versions (and SPSS, some XLSForm users) hand over legacy Excel .xls:
    # numbers as numbers, as Excel keeps them
    xls(HERE / "limesurvey_codetext.xls", "results", limesurvey_rows("codetext"))


def xls(path: Path, title: str, rows: list[list[str]]) -> None:
    """A legacy Excel workbook (BIFF8) as Excel 97–2003 writes it, via xlwt."""
    import xlwt

    book = xlwt.Workbook(encoding="utf-8")
    sheet = book.add_sheet(title)
    for r, row in enumerate(rows):
        for c, cell in enumerate(row):
            value = float(cell) if r and cell.isdigit() else cell
            sheet.write(r, c, value)
    book.save(str(path))


def ods_spreadsheet() -> None:
    """The Microsoft Forms export opened in LibreOffice and saved as OpenDocument (.ods)."""
    import pandas as pd

    rows = ms_forms_rows()
    frame = pd.DataFrame(rows[1:], columns=rows[0])
    frame.to_excel(HERE / "microsoft_forms_libreoffice.ods", engine="odf", index=False)


def google_csv() -> None:
    grid = "How much do you agree with each statement?"
    header = [
        "Timestamp",
        "Which team are you in?",
        *[f"{grid} [{TEXT[i]['en']}]" for i in ITEMS],
        "Which languages do you speak with clients?",
    ]
    rows = [header]
    for k, (_, team, values) in enumerate(PEOPLE):
        answers = [label(v) for v in values]
        if values[3] is None:
            answers[3] = "N/A"
        rows.append([f"2026/03/02 9:1{k}:00 AM GMT+1", team, *answers, "Arabic, Spanish"])
    rows.append(list(rows[2]))  # B pressed "submit" twice: an identical row → dropped
    (HERE / "google_forms.csv").write_text(csv_text(rows), encoding="utf-8")


def google_excel_es() -> None:
    """The Google Forms export in Spanish, opened and saved by Excel on Windows: cp1252, ';'."""
    grid = "¿En qué medida está de acuerdo?"
    header = [
        "Marca temporal",
        "¿En qué equipo trabaja? (equipo)",
        *[f"{grid} [{TEXT[i]['es']}]" for i in ITEMS],
    ]
    rows = [header]
    for k, (_, team, values) in enumerate(PEOPLE):
        answers = [label(v, "es") for v in values]
        if values[2] is None:
            answers[2] = "No sé"
        rows.append([f"02/03/2026 9:1{k}:00", team, *answers])
    (HERE / "google_forms_excel_es_cp1252.csv").write_bytes(csv_text(rows, ";").encode("cp1252"))


def ms_forms_rows(lang_of_row=("en", "ar", "uk")) -> list[list]:
    header = [
        "ID",
        "Start time",
        "Completion time",
        "Email",
        "Name",
        "Your team",
        *[TEXT[i]["en"] for i in ITEMS],
    ]
    rows = [header]
    for k, (_, team, values) in enumerate(PEOPLE):
        rows.append(
            [
                k + 1,
                "3/2/26 9:00:00",
                f"3/2/26 9:1{k}:00",
                "anonymous",
                "",
                team,
                *[label(v, lang_of_row[k]) for v in values],
            ]
        )
    return rows


def ms_forms() -> None:
    xlsx(HERE / "microsoft_forms.xlsx", {"Sheet1": ms_forms_rows()})
    text = csv_text([[str(c) for c in r] for r in ms_forms_rows()], "\t")
    (HERE / "microsoft_forms_unicode_text.txt").write_bytes(
        codecs.BOM_UTF16_LE + text.encode("utf-16-le")
    )


def qualtrics_csv() -> None:
    meta = [
        "StartDate",
        "EndDate",
        "Status",
        "IPAddress",
        "Progress",
        "Duration (in seconds)",
        "Finished",
        "RecordedDate",
        "ResponseId",
        "DistributionChannel",
        "UserLanguage",
    ]
    names = [*meta, "Q1", *[f"Q2_{k + 1}" for k in range(len(ITEMS))]]
    texts = [
        *meta,
        "Which team are you in?",
        *[f"Please rate each statement - {TEXT[i]['en']}" for i in ITEMS],
    ]
    ids = [
        *[f'{{"ImportId":"{m}"}}' for m in meta],
        '{"ImportId":"QID1"}',
        *[f'{{"ImportId":"QID2_{k + 1}"}}' for k in range(len(ITEMS))],
    ]
    rows = [names, texts, ids]
    for k, (who, team, values) in enumerate(PEOPLE):
        answers = [label(v, "uk" if k == 2 else "en") for v in values]
        if values[2] is None:
            answers[2] = "Не знаю"  # "Don't know" in Ukrainian
        rows.append(
            [
                "2026-03-02 09:00:00",
                "2026-03-02 09:10:00",
                "IP Address",
                "0.0.0.0",
                "100",
                "600",
                "True",
                f"2026-03-02 09:1{k}:00",
                f"R_{who}",
                "anonymous",
                "EN",
                team,
                *answers,
            ]
        )
    (HERE / "qualtrics.csv").write_text(csv_text(rows), encoding="utf-8")


def spreadsheet_decimal_comma() -> None:
    """A spreadsheet someone kept in a French-locale Excel: ';', decimal commas, UTF-8 BOM."""
    freq = {5: "Fréquemment", 3: "Occasionnellement", 1: "Rarement ou jamais"}
    header = [
        "Nom",
        "Équipe",
        *[TEXT[i]["fr"].upper() for i in ITEMS[:4]],
        "À quelle fréquence faites-vous appel à un proche comme interprète ?",
        "Moyenne",
    ]
    rows = [header]
    for who, team, values in PEOPLE:
        cells = ["" if v is None else f"{v},0" for v in values[:4]]
        rows.append([who, team, *cells, freq.get(values[4], ""), "3,5"])
    text = csv_text(rows, ";")
    (HERE / "spreadsheet_decimal_comma.csv").write_bytes(codecs.BOM_UTF8 + text.encode("utf-8"))


def tidy_csv() -> None:
    rows = [["respondent_id", "team_id", "item_id", "value"]]
    for who, team, values in PEOPLE:
        rows += [[who, team, i, str(v)] for i, v in zip(ITEMS, values, strict=True) if v]
    (HERE / "tidy_long.csv").write_text(csv_text(rows), encoding="utf-8")


if __name__ == "__main__":
    for make in (
        kobo_csv,
        kobo_xlsx_fr,
        odk_csv,
        limesurvey_csv,
        limesurvey_exports,
        google_csv,
        google_excel_es,
        ms_forms,
        ods_spreadsheet,
        qualtrics_csv,
        spreadsheet_decimal_comma,
        tidy_csv,
    ):
        make()
    print("\n".join(sorted(p.name for p in HERE.iterdir() if p.suffix != ".py")))

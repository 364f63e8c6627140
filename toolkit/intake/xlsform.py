"""The framework's self-assessment as an XLSForm, to run in KoboToolbox or ODK and import back.

The workbook has the three sheets the XLSForm specification names: ``survey`` (one group per
domain, one ``select_one agreement`` per item, named by its item id), ``choices`` (the scale,
named 1–5, so an export holds the raw scale value whatever language the respondent used) and
``settings`` (title, form id, version, default language). Every label and hint is given in each
framework language, one column per language, such as ``label::English (en)``.

An export of this form imports back with no mapping file: the columns are named
``<domain>/<item id>`` (KoboToolbox) or ``<domain>-<item id>`` (ODK Central), matched by code;
the team question is named ``team_id``.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from toolkit.core.framework import Framework, default_framework
from toolkit.core.safe_export import write_xlsx

__all__ = ["write_xlsform", "xlsform_sheets", "FORM_ID", "LANGUAGE_NAMES"]

FORM_ID = "cct_self_assessment"
LANGUAGE_NAMES = {
    "en": "English",
    "es": "Spanish",
    "fr": "French",
    "ar": "Arabic",
    "uk": "Ukrainian",
}
TEXTS = {
    "title": {
        "en": "Cultural competency self-assessment",
        "es": "Autoevaluación de competencia cultural",
        "fr": "Auto-évaluation de la compétence culturelle",
        "ar": "التقييم الذاتي للكفاءة الثقافية",
        "uk": "Самооцінювання культурної компетентності",
    },
    "team": {
        "en": "Which team are you in?",
        "es": "¿En qué equipo trabaja?",
        "fr": "Dans quelle équipe êtes-vous ?",
        "ar": "في أي فريق تعمل؟",
        "uk": "У якій команді ви працюєте?",
    },
    "hint": {
        "en": "How much do you agree? Leave it blank if it does not apply to your work.",
        "es": "¿En qué medida está de acuerdo? Déjelo en blanco si no se aplica a su trabajo.",
        "fr": "Êtes-vous d'accord ? Laissez vide si cela ne concerne pas votre travail.",
        "ar": "إلى أي مدى توافق؟ اتركه فارغًا إذا لم ينطبق على عملك.",
        "uk": "Наскільки ви погоджуєтеся? Залиште порожнім, якщо це не стосується вашої роботи.",
    },
}


def _column(kind: str, lang: str) -> str:
    return f"{kind}::{LANGUAGE_NAMES.get(lang, lang)} ({lang})"


def _text(texts: Mapping[str, str], lang: str) -> str:
    return texts.get(lang) or texts["en"]


def xlsform_sheets(
    framework: Framework | None = None,
    teams: Mapping[str, str] | None = None,
    languages: list[str] | None = None,
) -> dict[str, list[list[str]]]:
    """The three sheets as rows of text (header first): what :func:`write_xlsform` writes.

    With ``teams`` (team id → name) the team is a ``select_one``; otherwise free text, which the
    import matches to the team context file by id or name.
    """
    framework = framework or default_framework()
    languages = languages or list(framework.scale.labels)
    labels = [_column("label", lang) for lang in languages]
    hints = [_column("hint", lang) for lang in languages]
    survey: list[list[str]] = [["type", "name", *labels, *hints, "required"]]
    survey.append(["start", "start", *[""] * (2 * len(languages)), ""])
    survey.append(["end", "end", *[""] * (2 * len(languages)), ""])
    team_type = "select_one teams" if teams else "text"
    survey.append(
        [
            team_type,
            "team_id",
            *[_text(TEXTS["team"], lang) for lang in languages],
            *[""] * len(languages),
            "yes",
        ]
    )
    for domain in framework.domains:
        survey.append(
            [
                "begin_group",
                domain.id,
                *[_text(domain.name, lang) for lang in languages],
                *[""] * len(languages),
                "",
            ]
        )
        for comp in domain.competencies:
            for item in comp.items:
                survey.append(
                    [
                        "select_one agreement",
                        item.id,
                        *[_text(item.text, lang) for lang in languages],
                        *[_text(TEXTS["hint"], lang) for lang in languages],
                        "",
                    ]
                )
        survey.append(["end_group", "", *[""] * (2 * len(languages)), ""])

    choices: list[list[str]] = [["list_name", "name", *labels]]
    lo = framework.scale.minimum
    for offset in range(framework.scale.maximum - lo + 1):
        choices.append(
            [
                "agreement",
                str(lo + offset),
                *[
                    framework.scale.labels.get(lang, framework.scale.labels["en"])[offset]
                    for lang in languages
                ],
            ]
        )
    for team_id, name in (teams or {}).items():
        choices.append(["teams", team_id, *[name] * len(languages)])

    settings = [
        ["form_title", "form_id", "version", "default_language"],
        [
            _text(TEXTS["title"], "en"),
            FORM_ID,
            framework.version.replace(".", ""),
            f"{LANGUAGE_NAMES.get(languages[0], languages[0])} ({languages[0]})",
        ],
    ]
    return {"survey": survey, "choices": choices, "settings": settings}


def write_xlsform(
    path: Path | str,
    framework: Framework | None = None,
    teams: Mapping[str, str] | None = None,
    languages: list[str] | None = None,
) -> Path:
    """Write the self-assessment XLSForm to ``path`` (``.xlsx``)."""
    return write_xlsx(path, xlsform_sheets(framework, teams, languages))

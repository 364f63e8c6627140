"""The plan as people read it: the participants' handout and the facilitator guide (Jinja2)."""

from __future__ import annotations

import json
from dataclasses import asdict
from datetime import date
from pathlib import Path

import numpy as np
from babel import Locale
from babel.dates import format_date, format_time
from babel.lists import format_list
from markupsafe import Markup
from matplotlib.figure import Figure

from toolkit.core.charts import fitted_chart, to_svg
from toolkit.core.files import write_atomic
from toolkit.core.framework import Framework, default_framework
from toolkit.core.i18n import (
    LANGUAGES,
    direction,
    normalise_language,
    plural_translator,
    translator,
)
from toolkit.core.pdf import write_pdf
from toolkit.core.templates import environment
from toolkit.plan.catalog import Catalog, default_catalog
from toolkit.plan.materials import Materials, default_materials, materials_in
from toolkit.plan.planner import (
    BREAK_RULES,
    REFRESHER_MINUTES,
    REFRESHER_SOURCES,
    Plan,
    material_suits,
    module_steps,
)

HANDOUT_NAME = "handout.html"
GUIDE_NAME = "facilitator_guide.html"
MATERIALS_NAME = "participant_materials.html"
PLAN_NAME = "plan.json"
FORMAT_NAMES = {"in_person": "in person", "online": "online", "self_paced": "self-paced"}
HANDOUT_DOMAIN = "handout"  # data/locale/<lang>/LC_MESSAGES/handout.po
DATE_LOCALES = {"en": "en_GB"}  # "Monday, 8 February 2027", as the rest of the toolkit writes


def handout_language(lang: str) -> str:
    """The handout's language for the (English) facilitator guide: "Spanish (Español)"."""
    lang = normalise_language(lang)
    english = Locale.parse(lang).get_display_name("en")
    return english if lang == "en" else f"{english} ({LANGUAGES[lang]})"


def handout_words(lang: str) -> dict:
    """What the handout's templates need to speak the session's language: ``_`` (its
    ``handout.po`` catalog; a missing entry is English, and a test fails naming it), the
    ``lang`` and ``dir`` attributes, and dates and times as that language writes them."""
    lang = normalise_language(lang)
    gettext = translator(lang, HANDOUT_DOMAIN)
    plural = plural_translator(lang, HANDOUT_DOMAIN)
    locale = DATE_LOCALES.get(lang, lang)

    def _(message: str, **values: object) -> Markup:
        text = Markup.escape(gettext(message))  # values are escaped by Markup's %, links kept
        return text % values if values else text

    def ngettext(singular: str, plural_: str, n: int, **values: object) -> Markup:
        """The form the language takes for ``n`` (Arabic: 1, 2, 3–10, 11–99 … differ)."""
        return Markup.escape(plural(singular, plural_, n)) % values

    def long_date(day: date, weekday: bool = True) -> str:
        return format_date(day, "full" if weekday else "long", locale=locale)

    return {
        "lang": lang,
        "dir": direction(lang),
        "_": _,
        "ngettext": ngettext,
        "qr_title": gettext("Reflection form"),
        "long_date": long_date,
        "clock_time": lambda moment: format_time(moment, "short", locale=locale),
        "date_list": lambda refreshers: format_list(
            [long_date(r.day, weekday=False) for r in refreshers], locale=locale
        ),
    }


#: the handout chart's words: printed in the sheet's left column they stay about 7 pt; on a
#: phone the chart shrinks no further than core.charts.SMALLEST_CHART and then scrolls
CHART_FONT_PT = 9
CHART_CAPTION_ID = "cct-gaps-caption"


def gaps_chart(plan: Plan, framework: Framework, lang: str = "en") -> Figure | None:
    """The team's level and the role's target on the competencies this session covers, in
    the handout's language.

    The legend sits above the plot, never over a bar or a target marker; the marker is named
    in it and in the figure's caption. In a right-to-left language the chart is mirrored, as
    its readers read it: names on the right, bars growing leftwards, each legend marker after
    its words."""
    rows = [
        c
        for c in plan.team.competencies
        if c.competency_id in plan.covered_competencies and c.mean is not None
    ]
    if not rows:
        return None
    _ = translator(normalise_language(lang), HANDOUT_DOMAIN)
    rtl = direction(lang) == "rtl"
    fig = Figure(figsize=(6.6, 0.28 * len(rows) + 0.95), dpi=100)
    ax = fig.subplots()
    y = np.arange(len(rows))[::-1]
    bars = ax.barh(
        y,
        [c.mean - framework.scale.minimum for c in rows],
        left=framework.scale.minimum,
        color="#e6550d",
        height=0.55,
        label=_("our team now (average answer)"),
    )
    targets = ax.scatter(
        [c.target for c in rows],
        y,
        marker="D",
        color="black",
        zorder=3,
        s=20,
        label=_("the level our role asks for"),
    )
    names = [framework.competency(c.competency_id).name for c in rows]
    ax.set_yticks(y, [n.get(lang) or n["en"] for n in names], fontsize=CHART_FONT_PT)
    ax.set_xlim(framework.scale.minimum, framework.scale.maximum)
    ax.set_xticks(range(framework.scale.minimum, framework.scale.maximum + 1))
    ax.tick_params(axis="x", labelsize=CHART_FONT_PT)
    handles = [bars, targets]  # read first: our team, then the target
    if rtl:
        ax.invert_xaxis()
        ax.yaxis.tick_right()
    for columns in (2, 1):  # side by side if they fit; a longer language gets a line each
        order = slice(None, None, -1 if rtl and columns > 1 else 1)  # the first on the right
        legend = ax.legend(
            handles[order],
            [h.get_label() for h in handles[order]],
            loc="lower right" if rtl else "lower left",
            bbox_to_anchor=(1.0 if rtl else 0, 1.0),
            ncol=columns,
            fontsize=CHART_FONT_PT,
            frameon=False,
            borderaxespad=0.2,
            markerfirst=not rtl,
        )
        fig.tight_layout(pad=0.8)  # room at the edges: a PDF writer measures words a little wider
        extent = legend.get_window_extent(fig._get_renderer())
        if fig.bbox.x0 <= extent.x0 and extent.x1 <= fig.bbox.x1:
            break
    return fig


def practise_items(plan: Plan, framework: Framework, lang: str = "en") -> list[dict]:
    """One bullet per competency the session covers: its name and what we practise and why,
    in the handout's language, for people who take part (no ranks, priorities or figures).
    The sentences live in ``data/framework.yaml`` (``practise``), beside the names."""
    return [
        {
            "name": framework.competency(cid).name[lang],
            "what": framework.competency(cid).practise[lang],
        }
        for cid in plan.covered_competencies
    ]


def module_materials(plan: Plan, catalog: Catalog, materials: Materials) -> list[dict]:
    """Each planned module with its inner timings, what it needs in this format, and the case
    study and quiz it runs with (only for the activities its time leaves in)."""
    names = {m.id: m for m in catalog.modules}
    found = []
    for item in plan.agenda:
        if not item.module_id:
            continue
        steps = module_steps(item, catalog)
        found.append(
            {
                "module": names[item.module_id],
                "item": item,
                "steps": steps,
                "needs": [
                    m
                    for m in names[item.module_id].materials
                    if material_suits(m, plan.parameters.format)
                ],
                **materials.for_module(item.module_id, [s.activity_id for s in steps]),
            }
        )
    return found


def _context(
    plan: Plan,
    catalog: Catalog,
    framework: Framework,
    chart: bool = True,
    materials: Materials | None = None,
    qr_title: str = "Reflection form",
) -> dict:
    names = {m.id: m for m in catalog.modules}
    lang = normalise_language(plan.parameters.language)
    agenda = [
        {
            **asdict(item),
            "end": item.end,
            "activity_names": [catalog.activity[a].name for a in item.activities],
            "handout_title": names[item.module_id].title_in(lang) if item.module_id else None,
        }
        for item in plan.agenda
    ]
    figure = gaps_chart(plan, framework, lang) if chart else None
    why = [item.reason for item in plan.agenda if item.kind == "module"]
    return {
        "plan": plan,
        "params": plan.parameters,
        "team": plan.team,
        "role_name": framework.role_name(plan.team.role),
        "format_name": FORMAT_NAMES[plan.parameters.format],
        "agenda": agenda,
        "why": why,
        "modules": [names[i.module_id] for i in plan.agenda if i.module_id],
        "module_parts": module_materials(plan, catalog, materials or default_materials()),
        "materials_page": MATERIALS_NAME,
        "break_rule": BREAK_RULES[plan.parameters.format],
        "from_team": plan.planned_from == "team results" and not plan.team.withheld,
        "practise": practise_items(plan, framework, lang),
        "handout_language": handout_language(lang),
        "clock": plan.parameters.format != "self_paced",
        "qr_code": plan.qr_image(qr_title),
        "chart_svg": (
            fitted_chart(to_svg(figure), labelled_by=CHART_CAPTION_ID) if figure is not None else ""
        ),
        "chart_caption_id": CHART_CAPTION_ID,
        "refresher_minutes": REFRESHER_MINUTES,
        "refresher_sources": REFRESHER_SOURCES,
    }


def _handout(
    template: str, plan: Plan, catalog: Catalog | None, framework: Framework | None
) -> str:
    words = handout_words(plan.parameters.language)
    context = _context(
        plan, catalog or default_catalog(), framework or default_framework(),
        qr_title=words["qr_title"],
    )  # fmt: skip
    return environment().get_template(template).render(**context, **words)


def handout_html(
    plan: Plan, catalog: Catalog | None = None, framework: Framework | None = None
) -> str:
    """For participants, inside a notebook: what we practise and why, agenda, the reflection
    link and QR code, follow-up dates."""
    return _handout("plan/handout_body.html.j2", plan, catalog, framework)


def handout_page(
    plan: Plan, catalog: Catalog | None = None, framework: Framework | None = None
) -> str:
    """The handout as a page of its own, one A4 sheet in print (``handout.html`` and PDF)."""
    return _handout("plan/handout.html.j2", plan, catalog, framework)


def _without_chart(
    template: str,
    plan: Plan,
    catalog: Catalog | None,
    framework: Framework | None,
    materials: Materials | None,
) -> str:
    context = _context(
        plan, catalog or default_catalog(), framework or default_framework(), False, materials
    )
    return environment().get_template(template).render(**context)


def guide_html(
    plan: Plan,
    catalog: Catalog | None = None,
    framework: Framework | None = None,
    materials: Materials | None = None,
) -> str:
    """For the facilitator: everything, printable (a print stylesheet is included), with each
    module's case study and quiz and their answers."""
    return _without_chart("plan/guide.html.j2", plan, catalog, framework, materials)


def materials_page(
    plan: Plan,
    catalog: Catalog | None = None,
    framework: Framework | None = None,
    materials: Materials | None = None,
    translations: Path | str | None = None,
) -> str:
    """For participants: the session's case studies and quizzes, without the answers, to
    print per group or share on screen (``participant_materials.html`` and its PDF), in the
    session's language: the page's words from ``handout.po``, the case studies and quizzes
    from ``data/materials/translations/<lang>.yaml`` (or ``translations``, a folder)."""
    words = handout_words(plan.parameters.language)
    local = materials_in(words["lang"], translations, materials)
    context = _context(
        plan, catalog or default_catalog(), framework or default_framework(), False, local
    )
    template = environment().get_template("plan/participant_materials.html.j2")
    return template.render(**context, **words, materials_lang=local.language)


def plan_json(plan: Plan) -> str:
    """What the reflection app and later cycles read: the session and what it covered."""
    return json.dumps(
        {
            "schema_version": 1,
            "session_id": plan.parameters.session_id,
            "team_id": plan.team.team_id,
            "team_name": plan.team.team_name,
            "start": plan.parameters.start.isoformat(),
            "minutes": plan.parameters.minutes,
            "format": plan.parameters.format,
            "group_size": plan.parameters.group_size,
            "language": plan.parameters.language,
            "competencies": plan.covered_competencies,
            "reflection_url": plan.reflection_url,
            "checkin_url": plan.checkin_url,
            "feedback_url": plan.feedback_url,
            "agenda": [
                {
                    "start": i.start.isoformat(),
                    "minutes": i.minutes,
                    "kind": i.kind,
                    "title": i.title,
                    "module_id": i.module_id,
                    "competencies": i.competencies,
                    "scenarios": i.scenarios,
                    "reason": i.reason,
                }
                for i in plan.agenda
            ],
            "refreshers": [
                {"day": r.day.isoformat(), "minutes": r.minutes, "competency_id": r.competency_id}
                for r in plan.refreshers
            ],
        },
        indent=2,
        ensure_ascii=False,
    )


def write_plan_files(
    plan: Plan, out_dir: Path | str, translations: Path | str | None = None
) -> list[Path]:
    """The handout, the facilitator guide and the participants' materials (HTML, each with
    its PDF) and plan.json, each written atomically. ``translations``: a folder of materials
    translations other than ``data/materials/translations`` (tests)."""
    out = Path(out_dir)
    pages = [
        write_atomic(out / HANDOUT_NAME, handout_page(plan)),
        write_atomic(out / GUIDE_NAME, guide_html(plan)),
        write_atomic(out / MATERIALS_NAME, materials_page(plan, translations=translations)),
    ]
    return [
        *(path for page in pages for path in (page, write_pdf(page))),
        write_atomic(out / PLAN_NAME, plan_json(plan)),
    ]

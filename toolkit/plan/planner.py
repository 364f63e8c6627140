"""Plan one team's session: a timed agenda fitted to its gaps, role, clients and time.

Deterministic: the same results, parameters and catalog always give the same plan.

The agenda opens with ground rules and confidentiality, closes with the reflection, has breaks
where the one rule of its format puts them (``BREAK_RULE``, also printed in the guide), and
fills the time exactly (every block is a multiple of 5 minutes). Modules are chosen in order
of the team's weighted gaps (the assessment's priority): the module that closes most of the
remaining weighted gap comes first, with a different method from the one before where the
catalog allows. Every item says why it is there.
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from urllib.parse import urlencode

import segno

from toolkit.assess.language_access import UNMET
from toolkit.assess.results import AssessmentResults, TeamResult
from toolkit.core.exceptions import ToolkitError
from toolkit.core.framework import Framework, default_framework
from toolkit.core.i18n import LANGUAGES
from toolkit.core.teams import language_name
from toolkit.plan.catalog import FORMATS, Catalog, Module, Scenario, default_catalog

__all__ = ["SessionParameters", "AgendaItem", "Refresher", "Plan", "plan_session", "PlanError"]

# A gap smaller than this shows as 0.0 and is not worth session time.
SMALLEST_GAP = 0.05
# How a module's minutes are shared among its activities: by the weight of each one's method
# (a talk is short, practice and meeting people take longest), in steps of 5 minutes.
METHOD_WEIGHT = {
    "input": 1,
    "reflection": 1,
    "discussion": 2,
    "assessment": 2,
    "practice": 3,
    "community": 3,
}


@dataclass(frozen=True)
class BreakRule:
    """The one rule for breaks in a format, used by the planner and printed in the guide.

    At most ``work_minutes`` of work (the opening counts) between breaks of ``break_minutes``.
    A break goes at the module boundary closest to the limit without passing it. The opening
    stays with the first module and the reflection with the last (a break right after the
    welcome or just before the reflection helps nobody), and a module is never split: when
    such a piece alone is longer than the limit, the guide says so. ``work_minutes`` of None:
    no breaks and no clock (self-paced).
    """

    work_minutes: int | None
    break_minutes: int
    where: str = ""  # e.g. "away from the screen"

    def describe(self) -> str:
        if self.work_minutes is None:
            return (
                "No breaks are planned: participants work at their own pace and pause when "
                "they like."
            )
        return (
            f"Breaks of {self.break_minutes} minutes{' ' + self.where if self.where else ''} "
            f"after at most {self.work_minutes} minutes of work (the welcome counts), at the "
            "end of the module closest to that limit. There is no break right after the "
            "opening or just before the reflection, and a module is never cut in two."
        )


BREAK_RULE = {
    "in_person": BreakRule(90, 15),
    "online": BreakRule(60, 10, "away from the screen"),
    "self_paced": BreakRule(None, 0),
}
# Derived from BREAK_RULE, for readers that only need the numbers or the words.
BREAK_MINUTES = {fmt: rule.break_minutes for fmt, rule in BREAK_RULE.items()}
MAX_BLOCK = {fmt: rule.work_minutes or 10_000 for fmt, rule in BREAK_RULE.items()}
BREAK_RULES = {fmt: rule.describe() for fmt, rule in BREAK_RULE.items()}
# Spaced follow-ups at growing gaps (days after the session): see REFRESHER_SOURCES.
REFRESHER_DAYS = (7, 21, 56, 112, 182)
REFRESHER_MINUTES = 10
REFRESHER_SOURCES = (
    "Cepeda, Pashler, Vul, Wixted & Rohrer (2006), Distributed practice in verbal recall tasks: "
    "a review and quantitative synthesis, Psychological Bulletin 132(3): spaced reviews beat "
    "massed practice, and the best gap grows with how long the learning must last.",
    "Arthur, Bennett, Stanush & McNelly (1998), Factors that influence skill decay and "
    "retention: a quantitative review, Human Performance 11(1): skills that are not used fade "
    "over months, so the last follow-ups reach six months after the session.",
)


#: a printed QR code's module (its smallest square), in mm: phones read 0.4 mm and up at arm's
#: length; the code is never smaller than QR_SMALLEST_MM across
QR_MODULE_MM = 0.45
QR_SMALLEST_MM = 24


class PlanError(ToolkitError, ValueError):
    """Raised when a session cannot be planned as asked (too short, unknown format …)."""


@dataclass(frozen=True)
class SessionParameters:
    team_id: str
    minutes: int = 180
    format: str = "in_person"
    group_size: int = 12
    start: datetime = datetime(2027, 1, 12, 9, 30)
    language: str = "en"
    base_url: str = "http://localhost:8866"

    @property
    def session_id(self) -> str:
        return f"{self.team_id}-{self.start:%Y%m%d-%H%M}"

    def check(self) -> None:
        problems = []
        if self.format not in FORMATS:
            problems.append(f"format '{self.format}' is not one of {', '.join(FORMATS)}")
        if not 30 <= self.minutes <= 480 or self.minutes % 5:
            problems.append(
                f"session length {self.minutes} min: use a multiple of 5 from 30 to 480"
            )
        if not 1 <= self.group_size <= 200:
            problems.append(f"group size {self.group_size}: use a number from 1 to 200")
        if self.language not in LANGUAGES:  # the handout and the form speak these
            problems.append(f"language '{self.language}' is not one of {', '.join(LANGUAGES)}")
        if problems:
            raise PlanError(
                f"Cannot plan a session for team '{self.team_id}': " + "; ".join(problems)
            )


@dataclass
class AgendaItem:
    start: datetime
    minutes: int
    kind: str  # opening | module | practice | break | closing
    title: str
    reason: str
    module_id: str | None = None
    activities: list[str] = field(default_factory=list)
    competencies: list[str] = field(default_factory=list)
    scenarios: list[str] = field(default_factory=list)
    targets: list[str] = field(default_factory=list)  # the gaps this item is there to close

    @property
    def end(self) -> datetime:
        return self.start + timedelta(minutes=self.minutes)


@dataclass(frozen=True)
class Refresher:
    day: date
    minutes: int
    competency_id: str
    title: str


@dataclass
class Plan:
    parameters: SessionParameters
    team: TeamResult
    agenda: list[AgendaItem]
    scenarios: list[Scenario]
    interpreter_needs: list[str]
    materials: list[str]
    refreshers: list[Refresher]
    reflection_url: str
    planned_from: str  # "team results" or why the role's defaults were used
    threshold: int
    checkin_url: str = ""  # the follow-up check-in, linked from the refresher dates
    feedback_url: str = ""  # the team's anonymous client feedback page
    long_stretches: list[str] = field(default_factory=list)  # where BreakRule cannot hold

    @property
    def covered_competencies(self) -> list[str]:
        return _covered(self.agenda)

    @property
    def warnings(self) -> list[str]:
        """What the facilitator must know before the day, in plain words."""
        found = list(self.long_stretches)
        if self.parameters.group_size < self.threshold:
            found.append(
                f"This session is planned for {self.parameters.group_size} "
                f"participant{'s' if self.parameters.group_size != 1 else ''}, fewer than the "
                f"privacy threshold of {self.threshold}: its debrief will always be withheld, "
                "because figures about so few people could identify them. Join this team with "
                "another for the session, or expect no debrief figures for it."
            )
        return found

    def qr_image(self, title: str = "Reflection form") -> str:
        """The reflection link as a QR code for the handout and the guide: a small PNG drawn
        pixel for pixel (scannable from paper and from a screen), named for screen readers by
        ``title`` in the handout's language. A PNG, not an SVG: the PDF writer parsed the
        SVG's thousands of path steps for a tenth of a second on every page."""
        code = segno.make(self.reflection_url, error="m")
        # printed at no less than QR_MODULE_MM a module: a long link (many competencies) makes
        # a denser code, which at a fixed size a phone could no longer read from paper
        size = max(QR_SMALLEST_MM, code.symbol_size(border=2)[0] * QR_MODULE_MM)
        uri = code.png_data_uri(scale=4, border=2)
        return (
            f'<img class="qr-code" src="{uri}" alt="{html.escape(title)}" '
            f'style="width: {size:.0f}mm; height: {size:.0f}mm">'
        )


# -- choosing ------------------------------------------------------------------------------
def _weights(
    team: TeamResult, framework: Framework
) -> tuple[dict[str, float], dict[str, str], str]:
    """Weight per competency, a reason for each, and what the weights come from."""
    shown = {c.competency_id: c for c in team.competencies if c.rank is not None}
    if not team.withheld and shown:
        reasons = {}
        for cid, c in shown.items():
            reasons[cid] = (
                f"{framework.competency(cid).name['en']}: the team's mean {c.mean:.1f} is "
                f"{c.gap:.1f} below the target of {c.target:.1f} (rank {c.rank}, priority "
                f"{c.priority:.1f})"
            )
        weights = {
            cid: float(c.priority or 0) if (c.gap or 0) >= SMALLEST_GAP else 0.0
            for cid, c in shown.items()
        }
        return weights, reasons, "team results"
    weights, reasons = {}, {}
    for c in team.competencies:
        weights[c.competency_id] = c.relevance * (c.target - 2.5)
        reasons[c.competency_id] = (
            f"{framework.competency(c.competency_id).name['en']}: "
            f"{'core' if c.relevance == 3 else 'important'} for this role (target {c.target:.1f}); "
            "the team's own figures are withheld"
        )
    why = (
        "the role's core competencies, because fewer people than the privacy threshold "
        "answered in this team"
        if team.withheld
        else "the role's core competencies"
    )
    return weights, reasons, why


def _fits(module: Module, params: SessionParameters) -> bool:
    if params.format not in module.formats:
        return False
    if params.format == "self_paced":  # each participant works alone: group size is moot
        return True
    return module.group_size.min <= params.group_size <= module.group_size.max


def _method(module: Module, catalog: Catalog) -> str:
    """A module's main method: its first activity that is not a short talk."""
    methods = [catalog.activity[a].method for a in module.activities]
    return next((m for m in methods if m != "input"), methods[0])


def _choose_modules(
    weights: dict[str, float], params: SessionParameters, catalog: Catalog, budget: int
) -> list[tuple[Module, int]]:
    """Greedy by weighted gap closed, shortest option first; then lengthen to use the time."""
    remaining = {c: w for c, w in weights.items() if w > 0}
    candidates = sorted((m for m in catalog.modules if _fits(m, params)), key=lambda m: m.id)
    chosen: list[tuple[Module, int]] = []
    used = 0
    last_method = None
    while remaining:

        def value(m: Module) -> float:
            return sum(remaining.get(c, 0) for c in m.competencies)

        fitting = [
            m
            for m in candidates
            if value(m) > 0
            and min(m.durations) <= budget - used
            and m not in [c[0] for c in chosen]
        ]
        if not fitting:
            break
        # most weighted gap closed; then a change of method; then the shorter; then by id
        best = max(
            fitting,
            key=lambda m: (
                round(value(m), 6),
                _method(m, catalog) != last_method,
                -min(m.durations),
                m.id,
            ),
        )
        chosen.append((best, min(best.durations)))
        used += min(best.durations)
        last_method = _method(best, catalog)
        for c in best.competencies:
            remaining.pop(c, None)
    # lengthen the most valuable modules first while time allows
    for k, (module, minutes) in enumerate(chosen):
        for option in sorted(module.durations):
            if option > minutes and used - minutes + option <= budget:
                used += option - minutes
                minutes = option
        chosen[k] = (module, minutes)
    return chosen


def _order_for_variety(chosen: list[tuple[Module, int]], catalog: Catalog):
    """Keep priority order, but never the same method twice in a row when a swap avoids it."""
    ordered = list(chosen)
    for k in range(1, len(ordered)):
        if _method(ordered[k][0], catalog) == _method(ordered[k - 1][0], catalog):
            for j in range(k + 1, len(ordered)):
                if _method(ordered[j][0], catalog) != _method(ordered[k - 1][0], catalog):
                    ordered.insert(k, ordered.pop(j))
                    break
    return ordered


def _pick_scenarios(
    module: Module, team: TeamResult, catalog: Catalog, taken: set[str], count: int
) -> list[Scenario]:
    uncovered = {row.language for row in team.language_access if row.status == UNMET}
    client_languages = set(team.client_languages)

    def score(s: Scenario) -> tuple:
        return (
            len(set(s.competencies) & set(module.competencies)),
            len(set(s.languages) & uncovered) * 2 + len(set(s.languages) & client_languages),
            not s.languages,  # "any language" suits every team
            s.id,
        )

    fitting = [
        s
        for s in catalog.scenarios
        if team.role in s.roles
        and s.id not in taken
        and (set(s.competencies) & set(module.competencies))
    ]
    if not fitting:  # any scenario for the role is better than none
        fitting = [s for s in catalog.scenarios if team.role in s.roles and s.id not in taken]
    ranked = sorted(fitting, key=score, reverse=True)
    return ranked[:count]


# -- laying out ----------------------------------------------------------------------------
def plan_session(
    results: AssessmentResults,
    params: SessionParameters,
    catalog: Catalog | None = None,
    framework: Framework | None = None,
) -> Plan:
    """The whole plan for one team: agenda, scenarios, interpreters, materials, refreshers."""
    params.check()
    catalog = catalog or default_catalog()
    framework = framework or default_framework()
    team = results.team(params.team_id)
    weights, reasons, planned_from = _weights(team, framework)

    fmt = params.format
    edge = 5 if fmt == "self_paced" or params.minutes < 90 else 15
    opening, closing = edge, edge
    brk, block = BREAK_MINUTES[fmt], MAX_BLOCK[fmt]

    chosen: list[tuple[Module, int]] = []

    def arranged(slack: int) -> _Layout:
        return _arrange(opening, [m for _, m in chosen], closing, slack, block)

    for breaks in range(0, params.minutes // max(block, 1) + 2):
        budget = params.minutes - opening - closing - breaks * brk
        if budget < 10:
            raise PlanError(
                f"A {params.minutes}-minute {fmt.replace('_', ' ')} session leaves no time for "
                "content after the opening, the reflection and breaks; allow at least 45 minutes"
            )
        chosen = _order_for_variety(_choose_modules(weights, params, catalog, budget), catalog)
        slack = budget - sum(m for _, m in chosen)
        if brk == 0 or arranged(slack).breaks <= breaks:
            break
    # a break the rule does not need becomes practice time, as long as the rule still holds
    while brk and breaks > 0:
        more = slack + brk
        if arranged(more).breaks > breaks - 1:
            break
        slack, breaks = more, breaks - 1
    layout = arranged(slack)
    layout.add_breaks(breaks - layout.breaks if brk else 0, brk)
    opening, closing = layout.opening, layout.closing

    # scenarios are picked modules first, then practice, whatever the order on the day
    taken: set[str] = set()
    targeted: set[str] = set()
    scenarios: list[Scenario] = []
    items: dict[tuple[str, int], tuple] = {}
    for k, (module, minutes) in enumerate(chosen):
        picked = (
            _pick_scenarios(module, team, catalog, taken, 2 if minutes >= 30 else 1)
            if module.uses_scenarios
            else []
        )
        taken |= {s.id for s in picked}
        scenarios += picked
        closes = [
            c
            for c in module.competencies
            if c in reasons and weights.get(c, 0) > 0 and c not in targeted
        ]
        targeted.update(closes)
        items["module", k] = (
            minutes,
            "module",
            module.title,
            "; ".join(reasons[c] for c in closes) or "builds on the competencies above",
            dict(
                module_id=module.id,
                activities=list(module.activities),
                competencies=list(module.competencies),
                scenarios=[s.id for s in picked],
                targets=closes,
            ),
        )
    top = _top(weights)
    for unit in (u for stretch in layout.stretches for u in stretch if u[0] == "practice"):
        extra = [
            s
            for s in catalog.scenarios
            if team.role in s.roles and s.id not in taken and (top is None or top in s.competencies)
        ][:1]
        taken |= {s.id for s in extra}
        scenarios += extra
        items[unit] = (
            unit[2],
            "practice",
            "More practice and questions",
            "time left after the modules goes to more practice on the largest gap ("
            + (reasons[top] if top else "the role's core competency")
            + "), which helps transfer to work more than another topic would",
            dict(competencies=[top] if top else [], scenarios=[s.id for s in extra]),
        )

    agenda: list[AgendaItem] = []
    clock = params.start

    def add(item_minutes: int, kind: str, title: str, reason: str, extra: dict) -> None:
        nonlocal clock
        agenda.append(AgendaItem(clock, item_minutes, kind, title, reason, **extra))
        clock += timedelta(minutes=item_minutes)

    add(
        opening,
        "opening",
        "Welcome, ground rules and confidentiality",
        "every session starts by agreeing how we speak about clients and each other, and that "
        "what is shared stays in the room",
        {},
    )
    for number, stretch in enumerate(layout.stretches):
        if number:
            worked = sum(i.minutes for i in agenda[_last_break(agenda) + 1 :])
            add(brk, "break", "Break", f"a pause after {worked} minutes of work", {})
        for unit in stretch:
            add(*items[unit])
    add(
        closing,
        "closing",
        "Reflection and commitments",
        "participants fill in the reflection form (link and QR code on the handout): "
        "confidence before and now, one commitment with a date",
        {},
    )

    total = sum(i.minutes for i in agenda)
    if total != params.minutes:  # the layout must fill the time exactly
        raise PlanError(f"internal: planned {total} minutes for a {params.minutes}-minute session")

    return Plan(
        parameters=params,
        team=team,
        agenda=agenda,
        scenarios=scenarios,
        interpreter_needs=_interpreter_needs(team, scenarios),
        materials=_materials([m for m, _ in chosen], scenarios, params),
        refreshers=_refreshers(params, agenda, framework),
        reflection_url=reflection_url(params, _covered(agenda)),
        checkin_url=checkin_link(
            params.base_url, params.session_id, _covered(agenda), params.language
        ),
        feedback_url=feedback_link(params.base_url, params.team_id),
        planned_from=planned_from,
        threshold=results.threshold,
        long_stretches=long_stretches(agenda, block) if brk else [],
    )


PRACTICE_CHUNK = 45


def _practice_chunks(slack: int) -> list[int]:
    """Left-over time as practice blocks of at most 45 minutes (the last may take 5 more)."""
    if slack < 10:
        return []
    chunks = [PRACTICE_CHUNK] * (slack // PRACTICE_CHUNK)
    rest = slack % PRACTICE_CHUNK
    if rest >= 10 or not chunks:
        chunks.append(rest)
    elif rest:
        chunks[-1] += rest
    return chunks


Unit = tuple  # ("module", index in the chosen modules) or ("practice", number, minutes)


@dataclass
class _Layout:
    """The work between breaks, stretch by stretch, and the opening's and reflection's minutes."""

    stretches: list[list[Unit]]
    sizes: list[int]
    opening: int
    closing: int

    @property
    def breaks(self) -> int:
        return max(len(self.stretches) - 1, 0)

    def add_breaks(self, count: int, minutes: int) -> None:
        """Breaks the session has time for but the rule does not need: each splits the longest
        stretch that has two items, at its middle; with none, the reflection takes the time."""
        for _ in range(count):
            splittable = [k for k, st in enumerate(self.stretches) if len(st) > 1]
            if not splittable:
                self.closing += minutes
                self.sizes[-1] += minutes
                continue
            k = max(splittable, key=lambda k: (self.sizes[k], -k))
            self.stretches[k : k + 1] = [
                self.stretches[k][: len(self.stretches[k]) // 2],
                self.stretches[k][len(self.stretches[k]) // 2 :],
            ]
            self.sizes[k : k + 1] = [self.sizes[k] // 2, self.sizes[k] - self.sizes[k] // 2]


def _arrange(
    opening: int, modules: list[int], closing: int, slack: int, limit: int, alone: bool = False
) -> _Layout:
    """:class:`BreakRule` applied: modules in their order, grouped into stretches of at most
    ``limit`` minutes (the opening counts with the first, the reflection with the last), a
    break where the next module would pass the limit; left-over time becomes practice at the
    end of the stretches with room, the last first; what no stretch has room for becomes
    stretches of practice of their own before the last (``alone``: the reflection then closes
    a stretch of practice)."""
    stretches: list[list[Unit]] = []
    sizes: list[int] = []
    for k, minutes in enumerate(modules):
        size = minutes + (opening if k == 0 else 0)
        size += closing if k == len(modules) - 1 and not alone else 0
        if stretches and sizes[-1] + size <= limit:
            stretches[-1].append(("module", k))
            sizes[-1] += size
        else:
            stretches.append([("module", k)])
            sizes.append(size)
    if not stretches:
        stretches, sizes = [[]], [opening]
        alone = True
    if alone:
        stretches.append([])
        sizes.append(closing)
    layout = _Layout(stretches, sizes, opening, closing)
    left, number = slack, 0
    for k in reversed(range(len(stretches))):
        take = min(limit - sizes[k], left) // 5 * 5
        if 0 < left - take < 10:  # keep a remainder long enough for a block of its own
            take -= 10 - (left - take)
        if take < 10:
            continue
        place = len(stretches[k])
        for chunk in _practice_chunks(take):
            stretches[k].insert(place, ("practice", number, chunk))
            place += 1
            number += 1
        sizes[k] += take
        left -= take
    if 0 < left < 10:  # too short for a block: the reflection, or else the opening
        if limit - sizes[-1] >= left or limit - sizes[0] < left:
            layout.closing += left
            sizes[-1] += left
        else:
            layout.opening += left
            sizes[0] += left
    elif left:
        if not alone:
            return _arrange(opening, modules, closing, slack, limit, alone=True)
        extra: list[list[Unit]] = [[]]
        for chunk in _practice_chunks(left):
            if sum(u[2] for u in extra[-1]) + chunk > limit:
                extra.append([])
            extra[-1].append(("practice", number, chunk))
            number += 1
        stretches[-1:-1] = extra
        sizes[-1:-1] = [sum(u[2] for u in st) for st in extra]
    for k, stretch in enumerate(stretches):  # number the practice in agenda order
        for j, unit in enumerate(stretch):
            if unit[0] == "practice":
                stretch[j] = ("practice", sum(len(s) for s in stretches[:k]) + j, unit[2])
    layout.stretches = [st for st in stretches if st] or [[]]
    layout.sizes = [size for st, size in zip(stretches, sizes, strict=True) if st] or [sum(sizes)]
    return layout


def _last_break(agenda: list[AgendaItem]) -> int:
    return max((k for k, item in enumerate(agenda) if item.kind == "break"), default=-1)


def long_stretches(agenda: list[AgendaItem], limit: int) -> list[str]:
    """Stretches longer than the break limit (only when one module cannot be split), in words
    for the guide, so the facilitator can plan a stretch pause inside the module."""
    notes, stretch = [], []
    for item in [*agenda, None]:
        if item is not None and item.kind != "break":
            stretch.append(item)
            continue
        minutes = sum(i.minutes for i in stretch)
        if stretch and minutes > limit:
            parts = [i for i in stretch if i.kind in ("module", "practice")]
            named = " and ".join(f"'{i.title}' ({i.minutes} minutes)" for i in parts)
            notes.append(
                f"The stretch from {stretch[0].start:%H:%M} to {stretch[-1].end:%H:%M} runs "
                f"{minutes} minutes without a break, longer than the {limit}-minute limit, "
                f"because {named} cannot be split"
                + (" from the opening" if stretch[0].kind == "opening" else "")
                + (" or the reflection" if stretch[-1].kind == "closing" else "")
                + ": give a short stretch pause between its activities."
            )
        stretch = []
    return notes


def _top(weights: dict[str, float]) -> str | None:
    positive = [(w, c) for c, w in weights.items() if w > 0]
    return max(positive)[1] if positive else None


def _covered(agenda: list[AgendaItem]) -> list[str]:
    """The competencies the session targets, in agenda order (what participants rate after)."""
    seen: list[str] = []
    for item in agenda:
        seen += [c for c in item.targets if c not in seen]
    return seen


def reflection_url(params: SessionParameters, competencies: list[str]) -> str:
    """Where participants reflect: the Voila reflection app, told which session it was."""
    return form_link(params.base_url, params.session_id, competencies, params.language)


def form_link(
    public_url: str,
    session_id: str,
    competencies: list[str],
    language: str,
    kind: str = "form",
) -> str:
    """A session's reflection-form link (``kind="checkin"``: its follow-up check-in) at the
    server's public address, signed (:mod:`toolkit.core.signing`), so the server refuses it if
    edited or used for the other form."""
    from toolkit.core.signing import SIGNATURE_PARAMETER, form_signature

    query = urlencode(
        {
            "session": session_id,
            "lang": language,
            "competencies": ",".join(competencies),
            SIGNATURE_PARAMETER: form_signature(session_id, competencies, language, kind=kind),
        }
    )
    notebook = FORM_NOTEBOOKS[kind]
    return f"{public_url.rstrip('/')}/voila/render/{notebook}?{query}"


def checkin_link(public_url: str, session_id: str, competencies: list[str], language: str) -> str:
    """Where participants say, weeks later, whether they applied what they practised."""
    return form_link(public_url, session_id, competencies, language, kind="checkin")


def feedback_link(public_url: str, team_id: str) -> str:
    """A team's anonymous client feedback page (a QR code at its counter), signed for the team
    only: the client chooses their language on the page."""
    from toolkit.core.signing import SIGNATURE_PARAMETER, form_signature

    query = urlencode(
        {"team": team_id, SIGNATURE_PARAMETER: form_signature(team_id, "", "", kind="feedback")}
    )
    return f"{public_url.rstrip('/')}/voila/render/{FORM_NOTEBOOKS['feedback']}?{query}"


# the participants' notebook each kind of signed link opens
FORM_NOTEBOOKS = {
    "form": "reflection.ipynb",
    "checkin": "checkin.ipynb",
    "feedback": "feedback.ipynb",
}


def _interpreter_needs(team: TeamResult, scenarios: list[Scenario]) -> list[str]:
    needs = []
    unmet = [row for row in team.language_access if row.status == UNMET]
    for row in unmet:
        needs.append(
            f"{row.language_name}: {row.unmet_hours:g} of {row.need_hours:g} hours a month of "
            "language support are not covered; practise booking and briefing a phone or video "
            f"interpreter for {row.language_name} in the role-plays"
        )
    unmet_codes = [row.language for row in unmet]
    for s in scenarios:
        if s.needs_interpreter:
            langs = (
                [c for c in s.languages if c in unmet_codes]
                or [c for c in s.languages if c in team.client_languages]
                or unmet_codes[:1]
                or s.languages
            )
            spoken = (
                ", ".join(language_name(c) for c in langs) if langs else "the client's language"
            )
            needs.append(
                f"Scenario {s.id} ({s.title}): someone to play a trained interpreter ({spoken}); "
                "a colleague who speaks it, briefed on the interpreter's role, will do"
            )
    return needs


ONLINE_ONLY = ("online", "video call", "breakout", "on-screen", "learning platform", "chat")
IN_ROOM_ONLY = (
    "printed",
    "flip chart",
    "sticky notes",
    "pens",
    "paper",
    "name cards",
    "cards",
    "quiet room",
    "speakerphone",
)


def material_suits(material: str, fmt: str) -> bool:
    """Whether a catalog material belongs in a session of this format: an in-person checklist
    asks for nothing online, an online one for nothing that needs the room; "X or Y" suits
    both; self-paced learning happens on the learning platform."""
    text = material.lower()
    if " or " in text:
        return True
    online = any(word in text for word in ONLINE_ONLY)
    in_room = any(word in text for word in IN_ROOM_ONLY)
    if fmt == "in_person":
        return not online
    if fmt == "online":
        return not in_room or "(printable)" in text
    return not in_room or "(printable)" in text


# the activities whose text is written out for participants (data/materials/), and how
# they reach participants in each format
WRITTEN_ACTIVITIES = {"case_study": "case studies", "quiz": "quiz questions"}
HANDED_OUT = {
    "in_person": "printed from participant_materials.pdf, one copy each",
    "online": "shared on screen from participant_materials.html",
    "self_paced": "put on the learning platform from participant_materials.html",
}


def _participant_materials(modules: list[Module], fmt: str) -> list[str]:
    """One checklist line for the case studies and quizzes: their text is written beside the
    guide, so the checklist asks for copies, never for case descriptions to be found."""
    used = {a for module in modules for a in module.activities}
    what = [name for activity, name in WRITTEN_ACTIVITIES.items() if activity in used]
    if not what:
        return []
    return [f"{' and '.join(what).capitalize()} without the answers, {HANDED_OUT[fmt]}"]


def _materials(
    modules: list[Module], scenarios: list[Scenario], params: SessionParameters
) -> list[str]:
    items: list[str] = []
    for module in modules:
        items += [
            m for m in module.materials if m not in items and material_suits(m, params.format)
        ]
    if scenarios:
        items.append(
            f"Scenario cards, one set per group: {', '.join(s.id for s in scenarios)}"
            + (", shared on screen" if params.format == "online" else ", printed from this guide")
        )
    items += _participant_materials(modules, params.format)
    items.append("Participant handout with the reflection link and QR code")
    if params.format == "online":
        items.append("Reflection link ready to paste in the chat before the closing")
    return items


def _refreshers(
    params: SessionParameters, agenda: list[AgendaItem], framework: Framework
) -> list[Refresher]:
    covered = _covered(agenda) or [c.id for c in framework.competencies[:1]]
    day0 = params.start.date()
    return [
        Refresher(
            day0 + timedelta(days=days),
            REFRESHER_MINUTES,
            covered[k % len(covered)],
            f"{REFRESHER_MINUTES}-minute refresher: "
            f"{framework.competency(covered[k % len(covered)]).name['en']}",
        )
        for k, days in enumerate(REFRESHER_DAYS)
    ]


@dataclass(frozen=True)
class Step:
    """One activity inside a module, with its own time."""

    activity_id: str
    name: str
    description: str
    start: datetime
    minutes: int
    scenarios: tuple[str, ...] = ()

    @property
    def end(self) -> datetime:
        return self.start + timedelta(minutes=self.minutes)


def module_steps(item: AgendaItem, catalog: Catalog) -> list[Step]:
    """A module's inner timings: its minutes shared among its activities by METHOD_WEIGHT,
    at least 5 minutes each, in steps of 5 (the largest remainders get the spare steps).
    Scenarios go with the module's practice activities."""
    activities = [catalog.activity[a] for a in item.activities]
    units = item.minutes // 5
    weights = [METHOD_WEIGHT[a.method] for a in activities]
    if units < len(activities):  # too short for every activity: the first ones only
        activities, weights = activities[:units], weights[:units]
    spare = units - len(activities)
    shares = [spare * w / sum(weights) for w in weights]
    given = [1 + int(share) for share in shares]
    left = units - sum(given)
    for k in sorted(range(len(shares)), key=lambda k: (-(shares[k] % 1), k))[:left]:
        given[k] += 1
    steps, clock = [], item.start
    scenario_step = next(
        (k for k, a in enumerate(activities) if a.method == "practice"), 0 if activities else None
    )
    for k, (activity, count) in enumerate(zip(activities, given, strict=True)):
        steps.append(
            Step(
                activity.id,
                activity.name,
                activity.description,
                clock,
                count * 5,
                tuple(item.scenarios) if k == scenario_step else (),
            )
        )
        clock += timedelta(minutes=count * 5)
    return steps

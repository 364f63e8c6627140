from datetime import datetime, timedelta

import pytest
from markupsafe import escape

from toolkit.plan.catalog import default_catalog
from toolkit.plan.planner import (
    BREAK_RULE,
    MAX_BLOCK,
    PlanError,
    SessionParameters,
    plan_session,
)
from toolkit.plan.session_plan import sample_results


@pytest.fixture(scope="module")
def results():
    return sample_results()


TEAMS = [
    "intake_north",
    "housing_west",
    "clinic_residents",
    "product_benefits_app",
    "service_leads",
    "refugee_casework",
]
SHAPES = [
    (45, "online"),
    (60, "self_paced"),
    (90, "in_person"),
    (120, "online"),
    (180, "in_person"),
    (240, "in_person"),
    (480, "in_person"),
    (75, "online"),
]


def plan(results, team, minutes=180, fmt="in_person", group=12):
    return plan_session(
        results, SessionParameters(team, minutes, fmt, group, datetime(2027, 3, 2, 9, 0))
    )


@pytest.mark.parametrize("team", TEAMS)
@pytest.mark.parametrize("minutes, fmt", SHAPES)
def test_agenda_fits_exactly_and_keeps_its_shape(results, team, minutes, fmt):
    p = plan(results, team, minutes, fmt)
    assert sum(i.minutes for i in p.agenda) == minutes
    assert all(i.minutes > 0 and i.minutes % 5 == 0 for i in p.agenda)
    assert p.agenda[0].kind == "opening" and "confidentiality" in p.agenda[0].title
    assert p.agenda[-1].kind == "closing" and "Reflection" in p.agenda[-1].title
    for before, after in zip(p.agenda, p.agenda[1:], strict=False):
        assert after.start == before.end  # no gaps, no overlaps
    assert p.agenda[-1].end == datetime(2027, 3, 2, 9, 0) + timedelta(minutes=minutes)
    for stretch in _stretches(p.agenda):  # humane intervals: longer only for one module
        work = [i for i in stretch if i.kind in ("module", "practice")]
        assert sum(i.minutes for i in stretch) <= MAX_BLOCK[fmt] or len(work) == 1
    assert all(i.reason for i in p.agenda)
    assert any(i.kind == "module" for i in p.agenda)


def test_first_module_closes_the_largest_weighted_gap(results):
    p = plan(results, "intake_north")
    team = results.team("intake_north")
    top = min((c for c in team.competencies if c.rank), key=lambda c: c.rank)
    modules = [i for i in p.agenda if i.kind == "module"]
    assert top.competency_id in {c for m in modules[:2] for c in m.targets}
    assert f"rank {top.rank}" in " ".join(m.reason for m in modules[:2])


def test_methods_vary_from_one_module_to_the_next(results):
    from toolkit.plan.planner import _method

    catalog = default_catalog()
    modules = {m.id: m for m in catalog.modules}
    p = plan(results, "clinic_residents", 240)
    methods = [_method(modules[i.module_id], catalog) for i in p.agenda if i.kind == "module"]
    assert len(set(methods)) >= 3
    assert sum(a == b for a, b in zip(methods, methods[1:], strict=False)) <= 1


def test_plans_are_deterministic(results):
    assert plan(results, "refugee_casework") == plan(results, "refugee_casework")


def test_scenarios_fit_the_role_and_the_clients(results):
    p = plan(results, "health_nav_harbour", 240)
    assert p.scenarios
    assert all("health_navigation" in s.roles for s in p.scenarios)
    team_languages = set(results.team("health_nav_harbour").client_languages)
    assert any(set(s.languages) & team_languages or not s.languages for s in p.scenarios)
    assert len({s.id for s in p.scenarios}) == len(p.scenarios)


def test_interpreter_needs_name_unmet_languages(results):
    p = plan(results, "health_nav_harbour")
    assert any(n.startswith("Somali:") and "not covered" in n for n in p.interpreter_needs)


def test_withheld_team_is_planned_from_its_role_and_says_so(results):
    p = plan(results, "housing_west")
    assert "fewer people than the privacy threshold" in p.planned_from
    assert all("withheld" in i.reason for i in p.agenda if i.kind == "module")
    assert "mean" not in " ".join(i.reason for i in p.agenda)


def test_refreshers_are_spaced_at_growing_intervals(results):
    p = plan(results, "intake_north")
    days = [(r.day - p.parameters.start.date()).days for r in p.refreshers]
    gaps = [b - a for a, b in zip([0, *days], days, strict=False)]
    assert gaps == sorted(gaps) and days[-1] >= 180
    assert {r.competency_id for r in p.refreshers} <= set(p.covered_competencies)


def test_reflection_link_names_the_session_and_competencies(results):
    p = plan(results, "intake_north")
    assert p.reflection_url.startswith("http://localhost:8866/voila/render/reflection.ipynb?")
    assert "session=intake_north-20270302-0900" in p.reflection_url
    assert "language_access.working_with_interpreters" in p.reflection_url


def test_the_qr_code_opens_the_reflection_link(results):
    """What a phone's camera reads from the code is the signed link itself, whole."""
    import base64
    import io
    import re

    import zxingcpp
    from PIL import Image

    p = plan(results, "intake_north")
    image = p.qr_image('Formulario "de" <reflexión>')
    assert 'alt="Formulario &quot;de&quot; &lt;reflexión&gt;"' in image  # the title, escaped
    data = re.search(r'src="data:image/png;base64,([^"]+)"', image).group(1)
    [code] = zxingcpp.read_barcodes(Image.open(io.BytesIO(base64.b64decode(data))))
    assert code.text == p.reflection_url


def test_the_check_in_link_is_signed_for_the_check_in_only(results):
    from urllib.parse import parse_qs, urlsplit

    from toolkit.core.signing import valid_form_signature

    p = plan(results, "intake_north")
    assert p.checkin_url.startswith("http://localhost:8866/voila/render/checkin.ipynb?")
    query = {k: v[-1] for k, v in parse_qs(urlsplit(p.checkin_url).query).items()}
    fields = (query["session"], query["competencies"], query["lang"])
    assert query["competencies"].split(",") == p.covered_competencies
    assert valid_form_signature(query["sig"], *fields, kind="checkin")
    assert not valid_form_signature(query["sig"], *fields)  # not a reflection link


@pytest.mark.parametrize(
    "kwargs, message",
    [
        (dict(minutes=50 + 2), "session length 52 min: use a multiple of 5 from 30 to 480"),
        (dict(minutes=600), "session length 600 min"),
        (dict(fmt="hybrid"), "format 'hybrid' is not one of in_person, online, self_paced"),
        (dict(group=0), "group size 0"),
    ],
)
def test_impossible_requests_are_refused_plainly(results, kwargs, message):
    args = {"minutes": 180, "fmt": "in_person", "group": 12, **kwargs}
    with pytest.raises(PlanError, match=message):
        plan(results, "intake_north", args["minutes"], args["fmt"], args["group"])


def test_unknown_team_names_the_known_ones(results):
    with pytest.raises(KeyError, match="team 'nobody' is not in the results"):
        plan(results, "nobody")


def test_a_team_smaller_than_the_privacy_threshold_is_warned_its_debrief_is_withheld(results):
    small = plan(results, "housing_west", 120, "in_person", group=results.threshold - 1)
    [warning] = small.warnings
    assert f"threshold of {results.threshold}" in warning and "withheld" in warning
    assert plan(results, "housing_west", 120, "in_person", group=results.threshold).warnings == []


@pytest.mark.parametrize("team", TEAMS)
def test_no_module_spends_time_on_a_gap_that_rounds_to_nothing(results, team):
    gaps = {c.competency_id: c.gap for c in results.team(team).competencies}
    for minutes, fmt in SHAPES:
        for item in plan(results, team, minutes, fmt).agenda:
            for target in item.targets:
                assert gaps[target] is None or gaps[target] >= 0.05, (team, item.title, target)


@pytest.mark.parametrize("minutes, fmt", SHAPES)
def test_materials_follow_the_format(results, minutes, fmt):
    from toolkit.plan.planner import ONLINE_ONLY

    for team in TEAMS:
        materials = plan(results, team, minutes, fmt).materials
        if fmt == "in_person":
            assert not [
                m for m in materials if " or " not in m and any(w in m.lower() for w in ONLINE_ONLY)
            ]
            assert not any("online groups" in m for m in materials)
        if fmt == "online":
            assert not [m for m in materials if m.lower().startswith(("printed ", "flip chart"))]


@pytest.mark.parametrize("minutes, fmt", SHAPES)
def test_every_module_has_inner_timings_that_add_up(results, minutes, fmt):
    from toolkit.plan.planner import module_steps

    catalog = default_catalog()
    for team in TEAMS:
        for item in plan(results, team, minutes, fmt).agenda:
            if item.kind != "module":
                continue
            steps = module_steps(item, catalog)
            assert steps and sum(s.minutes for s in steps) == item.minutes
            assert all(s.minutes >= 5 and s.minutes % 5 == 0 for s in steps)
            assert steps[0].start == item.start and steps[-1].end == item.end
            if item.scenarios:
                assert [s for s in steps if s.scenarios]  # the scenarios have their step


def test_a_gap_that_shows_as_0_0_gets_no_module_even_with_a_priority(results):
    """A competency whose mean is a hair below target (0.03) is not worth 30 minutes, whatever
    weight the context multiplies it by."""
    tweaked = results.model_copy(deep=True)
    team = tweaked.team("intake_north")
    top = max((c for c in team.competencies if c.priority), key=lambda c: c.priority)
    top.gap, top.mean = 0.03, top.target - 0.03
    assert top.priority > 0  # as an assessment with a large context weight could report it
    made = plan_session(
        tweaked, SessionParameters("intake_north", 180, "in_person", 12, datetime(2027, 3, 2, 9))
    )
    assert top.competency_id not in made.covered_competencies


def _stretches(agenda):
    """The agenda cut at its breaks: the items worked through without a pause."""
    stretches = [[]]
    for item in agenda:
        if item.kind == "break":
            stretches.append([])
        else:
            stretches[-1].append(item)
    return stretches


BREAK_TEAMS = ["intake_north", "clinic_residents", "service_leads", "family_services"]


@pytest.mark.parametrize("fmt", ["online", "in_person", "self_paced"])
@pytest.mark.parametrize("minutes", [45, 60, 90, 120, 180, 240])
def test_breaks_follow_the_one_rule(results, minutes, fmt):
    """Online and in person: at most the format's limit between breaks, each break at the
    module boundary closest to the limit (the next item would pass it), none right after the
    opening or just before the reflection; a stretch passes the limit only when one module
    cannot be split, and then the guide says so. Self-paced: no breaks."""
    from toolkit.plan.report import guide_html

    rule = BREAK_RULE[fmt]
    for team in BREAK_TEAMS:
        p = plan(results, team, minutes, fmt)
        kinds = [i.kind for i in p.agenda]
        assert sum(i.minutes for i in p.agenda) == minutes
        if rule.work_minutes is None:  # self-paced: no breaks and no clock
            assert "break" not in kinds
            guide = guide_html(p)
            assert rule.describe() in guide and f"{p.agenda[0].end:%H:%M}" not in guide
            continue
        assert kinds[1] != "break" and kinds[-2] != "break", (team, kinds)
        stretches = _stretches(p.agenda)
        for stretch in stretches:
            length = sum(i.minutes for i in stretch)
            work = [i for i in stretch if i.kind in ("module", "practice")]
            if length > rule.work_minutes:
                assert len(work) == 1, (team, [(i.kind, i.minutes) for i in stretch])
                assert any(f"runs {length} minutes without a break" in w for w in p.warnings)
        for before, after in zip(stretches, stretches[1:], strict=False):
            # the break could not come later: the next item (with the reflection, if it is
            # the last) would have taken the stretch past the limit
            glued = len(after) == 2 and after[1].kind == "closing"
            first_after = after[0].minutes + (after[1].minutes if glued else 0)
            assert sum(i.minutes for i in before) + first_after > rule.work_minutes, (team, kinds)
        assert p.agenda[-1].kind == "closing" and p.agenda[0].kind == "opening"
        guide = guide_html(p)
        assert rule.describe() in guide
        assert all(str(escape(w)) in guide for w in p.warnings)

"""The facilitator debrief: paired statistics, suppression, themes, escaping, write-back."""

from __future__ import annotations

import csv
import io
import math
from datetime import UTC, date, datetime, timedelta

import numpy as np
import pytest
from scipy import stats

from toolkit.assess.assessment import competency_scores
from toolkit.core.disclosure import COUNT_NOISE, SUM_NOISE, pseudonym
from toolkit.core.exceptions import InputFileError
from toolkit.debrief.next_cycle import next_cycle_responses, write_next_cycle_responses
from toolkit.debrief.report import render_report, write_outputs
from toolkit.debrief.summary import (
    StopwordsError,
    compute,
    load_reflections,
    load_stopwords,
    open_store,
    paired_change,
    run_debrief,
    session_label,
    themes_of,
    tokens,
)
from toolkit.intake.responses import read_responses
from toolkit.reflect.store import Rating, Reflection, StoreError, upgrade_schema

INTERPRETERS = "language_access.working_with_interpreters"  # LAN02 is reverse-scored
PLAIN = "communication.plain_language"
SESSION = "intake_north-20270201-0930"


def refl(
    k: int,
    session: str = SESSION,
    team: str | None = "intake_north",
    ratings: dict[str, tuple[int, int]] | None = None,
    **overrides,
) -> Reflection:
    fields = dict(
        submission_id=f"s-{session}-{team}-{k:03d}",
        session_id=session,
        team_id=team,
        language="en",
        ratings={
            cid: Rating(before=b, now=n)
            for cid, (b, n) in (ratings or {INTERPRETERS: (2, 4)}).items()
        },
        prompts={"description": "We practised with an interpreter."},
        commitment=f"Commitment number {k} of {session}",
        commitment_date=date(2027, 3, 1),
        relevance=4,
        usefulness=5,
        submitted_at=datetime(2027, 2, 1, 13, 0, tzinfo=UTC) + timedelta(minutes=k),
    )
    fields.update(overrides)
    return Reflection(**fields)


def near(published: float, exact: float, n: int) -> bool:
    """A published mean: the exact one moved by the cell key's perturbation of the sum (at
    most SUM_NOISE / n), then rounded to one decimal."""
    return (
        abs(published - exact) <= SUM_NOISE / n + 0.05 + 1e-9 and round(published, 1) == published
    )


def count_near(published: int, exact: int, threshold: int = 5) -> bool:
    return max(exact - COUNT_NOISE, threshold) <= published <= exact + COUNT_NOISE


# -- paired statistics -----------------------------------------------------------------------
def test_paired_change_by_hand():
    # changes 2, 1, 2, 1, 1: mean 1.4; squared deviations .36 .16 .36 .16 .16 = 1.2; SD √(1.2/4)
    before, now = [1, 2, 2, 3, 2], [3, 3, 4, 4, 3]
    got = paired_change(before, now)
    sd = math.sqrt(0.3)
    assert got["n"] == 5
    assert got["mean_before"] == pytest.approx(2.0)
    assert got["mean_now"] == pytest.approx(3.4)
    assert got["mean_change"] == pytest.approx(1.4)
    assert got["sd_change"] == pytest.approx(sd)
    assert got["d_z"] == pytest.approx(1.4 / sd)  # 2.556
    assert got["d_z"] == pytest.approx(2.5560, abs=1e-4)
    half = stats.t.ppf(0.975, 4) * sd / math.sqrt(5)  # 2.7764 × 0.2449 = 0.680
    assert half == pytest.approx(0.680, abs=1e-3)
    assert got["ci_low"] == pytest.approx(1.4 - half)
    assert got["ci_high"] == pytest.approx(1.4 + half)


def test_effect_size_is_not_defined_when_everyone_changed_alike():
    got = paired_change([2, 3, 1, 4, 2], [3, 4, 2, 5, 3])
    assert got["mean_change"] == 1 and got["sd_change"] == 0
    assert got["d_z"] is None  # not infinite
    assert got["ci_low"] == got["ci_high"] == 1


def test_published_change_never_says_everyone_changed_alike():
    """An interval of width 0 would tell that every person changed by exactly the mean."""
    items = [refl(k, ratings={INTERPRETERS: (2, 3)}) for k in range(5)]
    [session] = compute(items).sessions
    [comp] = session.competencies
    assert near(comp.mean_change, 1, 5)
    html = render_report(compute(items))
    assert "inf" not in html.lower().replace("informed", "")
    assert comp.d_z is None or comp.ci_high > comp.ci_low


def test_group_figures_match_paired_change():
    pairs = [(1, 3), (2, 3), (2, 4), (3, 4), (2, 3)]
    items = [refl(k, ratings={INTERPRETERS: p}) for k, p in enumerate(pairs)]
    [session] = compute(items).sessions
    [comp] = session.competencies
    exact = paired_change([p[0] for p in pairs], [p[1] for p in pairs])
    assert count_near(comp.n, 5)
    assert near(comp.mean_before, exact["mean_before"], 5)
    assert near(comp.mean_now, exact["mean_now"], 5)
    assert comp.mean_change == pytest.approx(comp.mean_now - comp.mean_before)
    for published, exact_counts in (
        (comp.before_counts, (1, 3, 1, 0, 0)),
        (comp.now_counts, (0, 0, 3, 2, 0)),
    ):
        assert all(
            max(e - COUNT_NOISE, 0) <= p <= e + COUNT_NOISE
            for p, e in zip(published, exact_counts, strict=True)
        )
    assert near(session.relevance, 4, 5) and near(session.usefulness, 5, 5)
    # the same people give the same figures, run after run (nothing to average away)
    [again] = compute(list(reversed(items))).sessions
    assert again.competencies == session.competencies and again.relevance == session.relevance


# -- suppression -------------------------------------------------------------------------------
def test_a_group_at_the_threshold_is_shown_and_one_below_is_withheld():
    items = [refl(k) for k in range(5)]
    items += [refl(k, session="housing_west-20270205-0930", team="housing_west") for k in range(4)]
    result = compute(items, threshold=5)
    small, shown = result.sessions  # sorted by id
    assert (shown.group_id, shown.withheld) == (SESSION, False) and count_near(shown.n, 5)
    assert small.withheld and small.n is None and not small.competencies
    assert not small.commitments and not small.themes and small.relevance is None
    assert [t.withheld for t in result.teams] == [True, False]  # housing_west, intake_north
    assert {r.session_id for r in result.shown_reflections} == {SESSION}


def test_a_competency_rated_by_too_few_is_withheld_inside_a_shown_group():
    items = [refl(k, ratings={INTERPRETERS: (2, 4), PLAIN: (3, 4)}) for k in range(4)]
    items.append(refl(9, ratings={INTERPRETERS: (1, 3)}))
    [session] = compute(items, threshold=5).sessions
    assert [c.competency_id for c in session.competencies] == [INTERPRETERS]
    assert session.withheld_competencies == ["Plain language"]


def test_team_figures_are_built_only_from_shown_sessions():
    """Team minus its shown sessions must not reveal the withheld one (2 people)."""
    first = [refl(k, ratings={INTERPRETERS: (2, 4)}) for k in range(5)]
    later = "intake_north-20270301-0930"
    small = [refl(k, session=later, ratings={INTERPRETERS: (1, 1)}) for k in range(2)]
    result = compute(first + small, threshold=5)
    [team] = result.teams
    shown_session = next(s for s in result.sessions if s.group_id == SESSION)
    assert team.n == shown_session.n and team.partial and team.sessions == [SESSION]
    # the same five people: the same cell key, so the same published figure
    assert team.competencies[0] == shown_session.competencies[0]
    assert near(team.competencies[0].mean_change, 2, 5)


def test_a_small_team_inside_a_shown_session_is_left_out_of_both():
    items = [refl(k) for k in range(5)]
    items += [refl(k, team="visitors", ratings={INTERPRETERS: (5, 1)}) for k in range(2)]
    result = compute(items, threshold=5)
    [session] = result.sessions
    assert count_near(session.n, 5) and session.partial
    assert near(session.competencies[0].mean_change, 2, 5)  # the visitors' 5 → 1 is not in it
    visitors = next(t for t in result.teams if t.group_id == "visitors")
    assert visitors.withheld


def test_themes_under_the_threshold_and_small_languages_are_hidden():
    said = "Briefing the interpreter saves time."
    items = [refl(k, prompts={"analysis": said}, commitment="Do it now") for k in range(5)]
    items[0] = refl(0, prompts={"analysis": said + " Budget cuts."}, commitment="Do it now")
    items += [
        refl(10 + k, language="es", prompts={"analysis": "El intérprete ayudó mucho."})
        for k in range(4)
    ]
    [session] = compute(items, threshold=5).sessions
    assert [t.language for t in session.themes] == ["en"]  # 4 in Spanish: not listed
    [english] = session.themes
    shown = {t.text: t.reflections for t in english.themes}
    # "budget cuts" (1 reflection) is hidden; "interpreter" and "saves" only ever appear in the
    # phrase "interpreter saves", so the phrase stands for them; "the" and "time" are stopwords
    assert shown.keys() == {"briefing", "interpreter saves"}
    assert all(count_near(k, 5) for k in shown.values())


def test_themes_count_reflections_not_mentions():
    r = refl(1, prompts={"description": "interpreter interpreter", "action": "interpreter"})
    assert "interpreter" in themes_of(r)
    items = [
        refl(k, prompts={"action": "Interpreter, interpreter, INTERPRETER!"}) for k in range(5)
    ]
    [session] = compute(items).sessions
    counts = {t.text: t.reflections for t in session.themes[0].themes}
    assert count_near(counts["interpreter"], 5)


def test_small_language_groups_leave_no_trace_in_the_csv_or_lang_tags(tmp_path):
    """Four Spanish reflections in a session of nine: the report hides their language group,
    so neither reflections.csv nor a lang attribute may show it."""
    items = [refl(k, commitment=f"English plan {k}") for k in range(5)]
    items += [
        refl(10 + k, language="es", commitment=f"Plan en español {k}", prompts={"analysis": "Sí"})
        for k in range(4)
    ]
    result = compute(items, threshold=5)
    outputs = write_outputs(result, tmp_path)
    with outputs.reflections_csv.open(encoding="utf-8-sig") as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) == 5 and {r["language"] for r in rows} == {"en"}
    html = outputs.report.read_text(encoding="utf-8")
    assert 'lang="es"' not in html
    assert "Plan en español 0" in html  # the session's commitments are all listed, untagged
    assert 'lang="en">English plan 0' in html


def test_commitments_listed_without_codes_and_not_for_withheld_groups(tmp_path):
    shown = [refl(k, self_code=f"ZQ{k}X") for k in range(5)]
    hidden = [
        refl(
            k,
            session="product_data-20270213-0930",
            team="product_data",
            commitment="Secret plan of a small team",
            self_code="QQ99",
        )
        for k in range(3)
    ]
    result = compute(shown + hidden, threshold=5)
    [session] = [s for s in result.sessions if not s.withheld]
    assert {c.text for c in session.commitments} == {r.commitment for r in shown}
    html = render_report(result)
    outputs = write_outputs(result, tmp_path)
    exported = outputs.reflections_csv.read_text(encoding="utf-8-sig")
    for text in (html, exported):
        assert "Commitment number 3" in text
        assert "Secret plan" not in text
        assert "ZQ" not in text and "QQ99" not in text


# -- escaping and formula injection ---------------------------------------------------------
XSS = "<script>alert(1)</script>"
FORMULA = '=HYPERLINK("http://x","y")'


def test_script_and_formula_render_inert_in_html_and_csv(tmp_path):
    items = [
        refl(
            k,
            prompts={"description": XSS, "action": FORMULA, "feelings": f"{XSS} {FORMULA}"},
            commitment=FORMULA if k % 2 else XSS,
        )
        for k in range(5)
    ]
    result = compute(items, threshold=5)
    outputs = write_outputs(result, tmp_path)
    for html in (
        outputs.report.read_text(encoding="utf-8"),
        render_report(result, standalone=False),
    ):
        assert "<script" not in html.lower()
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html  # shown, as text
        assert "=HYPERLINK(&#34;http://x&#34;,&#34;y&#34;)" in html
        assert '<a href="http://x"' not in html
    raw = outputs.reflections_csv.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # UTF-8 with BOM for Excel
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"))))
    assert len(rows) == 5
    for row in rows:
        assert row["action"] == "'" + FORMULA
        assert row["commitment"] in ("'" + FORMULA, XSS)
        for value in row.values():
            assert not value.startswith(("=", "+", "-", "@", "\t", "\r"))


@pytest.mark.parametrize(
    "value, expected",
    [
        ("=1+1", "'=1+1"),
        ("+31 6 1234", "'+31 6 1234"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=cmd", "'\t=cmd"),
        ("\r=cmd", "'\r=cmd"),
        ("   =1+1", "'   =1+1"),
        ("plain words", "plain words"),
        ("a=b", "a=b"),
        (-3, -3),
        (4.5, 4.5),
        (None, ""),
    ],
)
def test_neutralise(value, expected):
    from toolkit.core.safe_export import neutralise

    assert neutralise(value) == expected


def test_self_code_only_exported_when_asked(tmp_path):
    from toolkit.debrief.report import write_reflections_csv

    items = [refl(k, self_code="AB12") for k in range(2)]
    without = write_reflections_csv(tmp_path / "a.csv", items).read_text(encoding="utf-8-sig")
    assert "self_code" not in without and "AB12" not in without
    with_codes = write_reflections_csv(tmp_path / "b.csv", items, include_self_code=True)
    text = with_codes.read_text(encoding="utf-8-sig")
    assert "AB12" not in text  # never unhashed: a keyed pseudonym, the same for the same code
    assert text.count(pseudonym("AB12")) == 2


# -- the write-back to the next cycle --------------------------------------------------------
def test_next_cycle_responses_reproduce_the_mean_now_per_team_and_competency(tmp_path, framework):
    rng = np.random.default_rng(7)
    items = []
    for team in ("intake_north", "housing_east"):
        for k in range(7):
            ratings = {
                INTERPRETERS: (int(rng.integers(1, 4)), int(rng.integers(2, 6))),
                PLAIN: (int(rng.integers(1, 4)), int(rng.integers(1, 6))),
            }
            if k == 6:
                del ratings[PLAIN]  # not everyone rates everything
            code = f"{team[0].upper()}{k}" if k % 2 else None  # else the submission id
            items.append(
                refl(k, session=f"{team}-20270201-0930", team=team, ratings=ratings, self_code=code)
            )
    items.append(refl(99, team=None))  # no team: not written back
    path = write_next_cycle_responses(items, tmp_path / "next.csv")
    responses = read_responses(path)
    assert len(responses) == 14
    ids = set(responses.respondent_ids)
    assert {pseudonym("I1"), pseudonym("H5"), items[0].submission_id} <= ids
    assert not {"I1", "I3", "H5"} & ids  # self codes are never written unhashed
    scores = competency_scores(responses, framework)
    column = {c.id: k for k, c in enumerate(framework.competencies)}
    for team in ("intake_north", "housing_east"):
        for cid in (INTERPRETERS, PLAIN):
            nows = [r.ratings[cid].now for r in items if r.team_id == team and cid in r.ratings]
            got = scores[responses.team_ids == team, column[cid]]
            got = got[~np.isnan(got)]
            assert got.mean() == pytest.approx(np.mean(nows)) and got.size == len(nows)
    row = next(r for r in next_cycle_responses(items).rows if r[0] == pseudonym("I1"))
    header = next_cycle_responses(items).header
    answer = dict(zip(header, row, strict=True))
    now = next(r for r in items if r.self_code == "I1").ratings[INTERPRETERS].now
    assert (answer["LAN01"], answer["LAN02"]) == (now, 6 - now)  # LAN02 is reverse-scored


def test_next_cycle_keeps_one_row_per_person_latest_rating_wins():
    early = refl(1, self_code="AB1", ratings={PLAIN: (1, 2)})
    late = refl(
        2,
        session="intake_north-20270301-0930",
        self_code="AB1",
        ratings={PLAIN: (2, 4)},
        submitted_at=datetime(2027, 3, 1, tzinfo=UTC),
    )
    elsewhere = refl(3, team="housing_east", self_code="AB1")
    result = next_cycle_responses([late, early, elsewhere])
    ids = [row[0] for row in result.rows]
    code = pseudonym("AB1")
    assert sorted(ids) == [f"{code}@housing_east", f"{code}@intake_north"]
    row = dict(
        zip(result.header, next(r for r in result.rows if r[1] == "intake_north"), strict=True)
    )
    assert row["COM05"] == 4


# -- text --------------------------------------------------------------------------------------
def test_tokens_per_language():
    assert tokens("L'interprète a aidé", "fr") == ["l", "interprète", "a", "aidé"]
    assert tokens("Пам'ять і зв’язок", "uk") == ["пам'ять", "і", "зв'язок"]
    assert tokens("المترجم والمترجم مترجم", "ar") == ["مترجم", "مترجم", "مترجم"]
    assert tokens("A role-play with 3 people", "en") == ["a", "role-play", "with", "people"]


def test_the_stopword_lists_are_valid():
    lists = load_stopwords()
    assert set(lists) >= {"en", "es", "fr", "ar", "uk"}
    assert all(10 <= len(words) <= 200 for words in lists.values())
    assert "the" in lists["en"] and "que" in lists["es"] and "في" in lists["ar"]


@pytest.mark.parametrize(
    "text, message",
    [
        ("en: [the]\nes: [que]\n", r"no list for 'fr'"),
        ("en: [The]\nes: [a]\nfr: [a]\nar: [a]\nuk: [a]\n", r"'en': 'The' must be lower case"),
        ("en: [the, the]\nes: [a]\nfr: [a]\nar: [a]\nuk: [a]\n", r"'the' is listed twice"),
        ("en: [two words]\nes: [a]\nfr: [a]\nar: [a]\nuk: [a]\n", r"not a single word"),
    ],
)
def test_broken_stopword_lists_are_named(tmp_path, text, message):
    path = tmp_path / "stopwords.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(StopwordsError, match=message):
        load_stopwords(path)


# -- the store ---------------------------------------------------------------------------------
@pytest.fixture
def url(tmp_path) -> str:
    return f"sqlite:///{tmp_path}/r.sqlite"


def test_load_filters_by_sessions_and_teams(url):
    store = upgrade_schema(url)
    for k in range(3):
        store.save(refl(k))
        store.save(refl(k, session="housing_east-20270204-0930", team="housing_east"))
    assert len(load_reflections(url)) == 6
    assert len(load_reflections(url, sessions=SESSION)) == 3
    assert len(load_reflections(url, teams=["housing_east"])) == 3
    assert len(load_reflections(url, sessions="all", teams="intake_north,housing_east")) == 6
    assert load_reflections(url, sessions=SESSION, teams="housing_east") == []
    with pytest.raises(InputFileError, match=r"no reflections from team\(s\) nobody"):
        load_reflections(url, teams="nobody")
    with pytest.raises(InputFileError, match=r"session\(s\) x-1.*the store has sessions: h"):
        run_debrief(url, sessions="x-1")


def test_a_missing_database_is_an_error_not_a_new_file(tmp_path):
    with pytest.raises(StoreError, match="no reflections database at"):
        open_store(f"sqlite:///{tmp_path}/missing.sqlite")
    assert not (tmp_path / "missing.sqlite").exists()
    with pytest.raises(StoreError, match="Cannot use the database URL"):
        open_store("nonsense://x")


def test_an_empty_store_gives_an_empty_report(url):
    upgrade_schema(url)
    result = run_debrief(url)
    assert result.sessions == [] and result.teams == []
    assert "No reflections yet" in render_report(result)


def test_ids_from_the_form_are_escaped_too():
    """Session, team and competency ids come from a URL the participant can edit."""
    items = [
        refl(
            k,
            session="<script>alert(2)</script>",
            team="<img src=x onerror=alert(3)>",
            ratings={"<script>alert(4)</script>": (1, 3)},
        )
        for k in range(5)
    ]
    html = render_report(compute(items)).lower()
    assert "<script" not in html and "<img" not in html
    assert "&lt;script&gt;alert(4)&lt;/script&gt;" in html  # in the table and the chart


@pytest.mark.parametrize(
    "session_id, expected",
    [
        (SESSION, "Central intake · 2027-02-01 09:30"),
        ("intake_north-20270201", "Central intake · 2027-02-01"),  # the evaluation's sample
        ("housing_east-20270201", "housing_east, 2027-02-01"),  # no name known: the id's team
        ("intake_north-20271301", "intake_north-20271301"),  # not a date: as it is
        ("x-1", "x-1"),
    ],
)
def test_sessions_read_by_team_name_and_date(session_id, expected):
    assert session_label(session_id, {"intake_north": "Central intake"}) == expected

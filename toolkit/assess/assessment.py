"""The needs assessment: per team and competency, level, gap to the role's target, and priority.

* A respondent's score on a competency is the mean of their answers to its items (reverse-scored
  items flipped first).
* Per team and competency: the mean of those scores, a 95% t-interval, the gap to the target
  of the team's role, and a priority = gap × role relevance (3 core, 2 important, 1 useful)
  × client context (language access counts more where more clients need language support).
* Published figures follow :mod:`toolkit.core.disclosure`: means, interval bounds and gaps
  carry one decimal and the cell key's small perturbation; charts, report, app and results
  file all show these same figures.
* Suppression follows :mod:`toolkit.core.disclosure`: a team or cell about fewer people than the
  threshold is withheld, and every higher-level figure is built only from shown cells.

Arrays, not row-by-row pandas: 100,000 respondents × 40 items takes well under a second.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from toolkit.assess.language_access import DEFAULT_HOURS_PER_CONTACT, UNMET, language_access
from toolkit.core.disclosure import (
    cell_keys,
    censor_counts,
    check_threshold,
    count_text,
    perturbed_count,
    perturbed_means,
    publish_array,
    record_keys,
    shown,
    withheld_note,
)
from toolkit.core.framework import Framework, default_framework
from toolkit.core.teams import Team
from toolkit.intake.responses import Responses

__all__ = ["Assessment", "assess", "RELEVANCE_WORDS"]

RELEVANCE_WORDS = {3: "core", 2: "important", 1: "useful"}
CONTEXT_DOMAIN = "language_access"
#: The smallest gap that counts as a training need: one the report would print as 0.0 (the
#: figures are shown to one decimal) is at target, and never makes a team "train first".
SMALLEST_GAP = 0.05


@dataclass
class Assessment:
    """Everything the report, the charts, the app and the results file show."""

    framework: Framework
    teams: dict[str, Team]
    threshold: int
    team_summary: pd.DataFrame  # one row per team
    cells: pd.DataFrame  # one row per team × competency
    domains: pd.DataFrame  # teams × domains: mean gap of shown cells (NaN where none)
    language: pd.DataFrame  # one row per team × client language
    notices: list[str] = field(default_factory=list)

    @property
    def shown_teams(self) -> list[str]:
        return self.team_summary.index[~self.team_summary["withheld"]].tolist()

    @property
    def withheld_teams(self) -> list[str]:
        return self.team_summary.index[self.team_summary["withheld"]].tolist()

    @property
    def privacy_note(self) -> str:
        return withheld_note(self.threshold)

    def priorities(self, team_id: str | None = None) -> pd.DataFrame:
        """Shown competencies with a gap (one team's, or every team's), most urgent first,
        each with its reason."""
        cells = self.cells[~self.cells["withheld"] & (self.cells["priority"] > 0)]
        if team_id is not None:
            cells = cells[cells["team_id"] == team_id]
        cells = cells.sort_values(["team_id", "rank"], kind="stable")
        return cells.assign(why=self._reasons(cells))

    def reasons(self) -> pd.Series:
        """The reason of every ranked competency (shown, with a gap), by the cells' index; in
        no particular order (what the results file needs, without sorting)."""
        cells = self.cells[~self.cells["withheld"] & (self.cells["priority"] > 0)]
        return pd.Series(self._reasons(cells), index=cells.index, dtype=object)

    def _reasons(self, cells: pd.DataFrame) -> list[str]:
        columns = [c for c in _WHY_COLUMNS if c in cells.columns]
        rows = zip(*(cells[c].tolist() for c in columns), strict=True)  # to_dict: cell by cell
        names = {c.id: c.name["en"] for c in self.framework.competencies}
        roles = {t: self.framework.role_name(team.role) for t, team in self.teams.items()}
        return [
            _why(dict(zip(columns, row, strict=True)), self.framework, self.teams, names, roles)
            for row in rows
        ]


def competency_scores(responses: Responses, framework: Framework) -> np.ndarray:
    """Respondents × competencies matrix of mean item scores (NaN where nothing answered)."""
    values = responses.values
    position = {item: k for k, item in enumerate(responses.item_ids)}
    lo, hi = framework.scale.minimum, framework.scale.maximum
    reverse = np.array([position[i.id] for i in framework.items if i.reverse], dtype=int)
    if reverse.size:
        values = values.copy()
        values[:, reverse] = (lo + hi) - values[:, reverse]
    scores = np.full((values.shape[0], len(framework.competencies)), np.nan)
    for k, comp in enumerate(framework.competencies):
        cols = values[:, [position[i.id] for i in comp.items]]
        answered = (~np.isnan(cols)).sum(axis=1)
        total = np.nansum(cols, axis=1)
        with np.errstate(invalid="ignore", divide="ignore"):
            scores[:, k] = np.where(answered > 0, total / answered, np.nan)
    return scores


def _group_stats(scores: np.ndarray, codes: np.ndarray, n_groups: int, keys: np.ndarray):
    """Per group and column: count, sum, sum of squared deviations and cell key (the sum of
    the record keys of those with a score), by bincount (no Python loop over rows)."""
    shape = (n_groups, scores.shape[1])
    n = np.zeros(shape)
    total = np.zeros(shape)
    squares = np.zeros(shape)
    cell_key = np.zeros(shape, dtype=np.uint64)
    for k in range(scores.shape[1]):
        col = scores[:, k]
        ok = ~np.isnan(col)
        cnt = np.bincount(codes[ok], minlength=n_groups).astype(float)
        s1 = np.bincount(codes[ok], weights=col[ok], minlength=n_groups)
        with np.errstate(invalid="ignore", divide="ignore"):
            m = s1 / cnt
            dev = col[ok] - m[codes[ok]]
            squares[:, k] = np.bincount(codes[ok], weights=dev * dev, minlength=n_groups)
        n[:, k] = cnt
        total[:, k] = s1
        cell_key[:, k] = cell_keys(keys, np.where(ok, codes, -1), n_groups)
    return n, total, squares, cell_key


_WHY_COLUMNS = (  # what a reason says
    "withheld", "team_id", "competency_id", "gap", "target", "mean", "ci_low", "ci_high",
    "relevance", "context_weight",
)  # fmt: skip


def _why(
    row: dict,
    framework: Framework,
    teams: dict[str, Team],
    names: dict[str, str] | None = None,  # competency id → name, looked up once per call
    roles: dict[str, str] | None = None,  # team id → role name
) -> str:
    if row["withheld"]:
        return ""
    team = teams[row["team_id"]]
    name = (
        names[row["competency_id"]]
        if names is not None
        else framework.competency(row["competency_id"]).name["en"]
    )
    role = roles[row["team_id"]] if roles is not None else framework.role_name(team.role)
    if row["gap"] <= 0:
        return f"At or above the {role} target of {row['target']:.1f}."
    parts = [
        f"Mean {row['mean']:.1f} (95% CI {row['ci_low']:.1f}–{row['ci_high']:.1f}) "
        f"against the {role} target of {row['target']:.1f}: a gap of {row['gap']:.1f}",
        f"{RELEVANCE_WORDS[row['relevance']]} for this role",
    ]
    if row["ci_high"] < row["target"]:
        parts.append("the whole interval is below target")
    else:
        parts.append("the interval reaches the target, so the gap may be smaller")
    if row["context_weight"] > 1:
        parts.append(
            f"{team.interpreter_need_share:g}% of this team's clients need language support"
        )
    return f"{name}: " + "; ".join(parts) + "."


def assess(
    responses: Responses,
    teams: dict[str, Team],
    threshold: int = 5,
    framework: Framework | None = None,
    hours_per_contact: float = DEFAULT_HOURS_PER_CONTACT,
) -> Assessment:
    """Compute the whole needs assessment for every team in ``teams``."""
    framework = framework or default_framework()
    threshold = check_threshold(threshold)
    team_ids = list(teams)
    codes = pd.Index(team_ids).get_indexer(responses.team_ids)  # -1: a team not in the context
    known = codes >= 0
    scores = competency_scores(responses, framework)
    answered_any = ~np.isnan(scores).all(axis=1)
    keep = known & answered_any
    keys = record_keys(responses.respondent_ids[keep])
    n, total, squares, key = _group_stats(scores[keep], codes[keep], len(team_ids), keys)
    n_team = np.bincount(codes[keep], minlength=len(team_ids))
    team_key = cell_keys(keys, codes[keep], len(team_ids))

    team_shown = shown(n_team, threshold)
    cell_shown = shown(n, threshold) & team_shown[:, None]
    # published figures only from here on: perturbed by the cell key, rounded (see disclosure)
    lo, hi = framework.scale.minimum, framework.scale.maximum
    mean, ci_low, ci_high = (  # a perturbed figure never leaves the scale: 0.8 would tell
        publish_array(np.clip(a, lo, hi)) for a in perturbed_means(total, squares, n, key, "score")
    )
    n_published = np.array(
        [
            perturbed_count(int(c), int(k), "respondents", threshold)
            for c, k in zip(n.ravel(), key.ravel(), strict=True)
        ],
        dtype=float,
    ).reshape(n.shape)
    team_respondents = np.array(
        [
            perturbed_count(int(c), int(k), "respondents", threshold)
            for c, k in zip(n_team, team_key, strict=True)
        ],
        dtype=float,
    )

    comps = framework.competencies
    roles = [teams[t].role for t in team_ids]
    target = np.array([[c.targets[r] for c in comps] for r in roles]).reshape(n.shape)
    relevance = np.array([[c.relevance[r] for c in comps] for r in roles]).reshape(n.shape)
    context = np.ones_like(target)
    need = np.array([teams[t].interpreter_need_share for t in team_ids])
    for k, comp in enumerate(comps):
        if framework.domain_of_competency[comp.id] == CONTEXT_DOMAIN:
            context[:, k] = 1 + need / 100
    gap = publish_array(target - mean)
    with np.errstate(invalid="ignore"):  # NaN gaps (nobody answered) are no gap
        counted = np.where(gap >= SMALLEST_GAP, gap, 0.0)
    priority = np.round(counted * relevance * context, 2)

    def hide(a: np.ndarray) -> np.ndarray:
        return np.where(cell_shown, a, np.nan)

    cells = pd.DataFrame(
        {
            "team_id": np.repeat(team_ids, len(comps)),
            "competency_id": np.tile([c.id for c in comps], len(team_ids)),
            "domain_id": np.tile(
                [framework.domain_of_competency[c.id] for c in comps], len(team_ids)
            ),
            "withheld": ~cell_shown.ravel(),
            "n": hide(n_published).ravel(),
            "mean": hide(mean).ravel(),
            "ci_low": hide(ci_low).ravel(),
            "ci_high": hide(ci_high).ravel(),
            "target": target.ravel(),
            "gap": hide(gap).ravel(),
            "relevance": relevance.ravel().astype(int),
            "context_weight": context.ravel(),
            "priority": hide(priority).ravel(),
        }
    )
    order = np.lexsort((-cells["gap"].fillna(-np.inf), -cells["priority"].fillna(-1)))
    cells["rank"] = 0
    ranked = cells.iloc[order]
    cells.loc[ranked.index, "rank"] = ranked.groupby("team_id", sort=False).cumcount() + 1

    summary = pd.DataFrame(
        {
            "team_name": [teams[t].name for t in team_ids],
            "role": roles,
            "withheld": ~team_shown,
            "respondents": np.where(team_shown, team_respondents, np.nan),
        },
        index=pd.Index(team_ids, name="team_id"),
    )
    shown_cells = cells[~cells["withheld"]]
    domains = (
        shown_cells.groupby(["team_id", "domain_id"])["gap"]
        .mean()
        .round(1)
        .unstack("domain_id")
        .reindex(index=team_ids, columns=[d.id for d in framework.domains])
    )

    notices = list(responses.notices)
    unknown = ~known
    if unknown.any():
        notices.append(
            f"{count_text(int(unknown.sum()), threshold)} respondent(s) belong to teams not in "
            "the team context file "
            "and are not counted."
        )
    lang = language_access(teams, hours_per_contact)
    notices = [censor_counts(n, threshold) for n in notices]  # the report shows them
    return Assessment(framework, teams, threshold, summary, cells, domains, lang, notices)


def organisation_priorities(result: Assessment, top: int = 3) -> pd.DataFrame:
    """Across shown teams: how many teams have each competency among their top priorities."""
    shown_cells = result.cells[~result.cells["withheld"] & (result.cells["priority"] > 0)]
    top_cells = shown_cells[shown_cells["rank"] <= top]
    table = top_cells.groupby("competency_id").agg(
        teams=("team_id", "nunique"), mean_gap=("gap", "mean"), total_priority=("priority", "sum")
    )
    table["mean_gap"] = table["mean_gap"].round(1)
    return table.sort_values(["teams", "total_priority"], ascending=False)


def unmet_languages(result: Assessment) -> pd.DataFrame:
    return result.language[result.language["status"] == UNMET]

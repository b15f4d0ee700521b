"""Ground-truth simulator: team-month panels and person spells with planted effects.

Pure numpy/pandas, deterministic from a seed. The tests, the benchmark and the demo
data use it. Every planted effect is stated in the same unit the analysis reports,
so a test can ask "did the 95% interval cover the truth?".

Two places to plant an effect (``PlantedEffects.on``):

- ``"observed"``: outcomes follow what the platform measures (the noisy team mean of
  a handful of survey answers). This checks the estimators themselves.
- ``"latent"``: outcomes follow the team's true climate, which the platform only sees
  through that noise. Naive estimates are then attenuated; the layer must warn about
  or correct that (issue 9).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd

# Levels around which the planted effects are centred: they only move the intercept.
ENGAGEMENT_CENTRE = 68.0
BURNOUT_CENTRE = 0.25
COVERAGE_CENTRE = 0.6

# Survey answers per team-month below this are suppressed (shown as NaN), as the
# platform does for small groups.
MIN_RESPONDENTS = 3
# Standard deviation of one person's 0-100 engagement index around their team's mean.
INDIVIDUAL_ENGAGEMENT_SD = 16.0

JOB_ROLES = ("dental_assistant", "front_desk", "hygienist", "dentist")
JOB_ROLE_WEIGHTS = (0.35, 0.25, 0.25, 0.15)
TENURE_BANDS = ("lt1", "1to2", "2to5", "5plus")


@dataclass(frozen=True)
class PlantedEffects:
    """The true effects, in the units the analysis reports.

    engagement_to_nps: next-month patient NPS points per engagement point.
    *_rate_ratio: voluntary-leaving rate ratio per 10 engagement points, per 10
    percentage points of burnout, per 10 percentage points of cross-training coverage.
    breadth_hazard_ratio: individual leaving hazard ratio per extra skill.
    """

    engagement_to_nps: float = 0.0
    engagement_rate_ratio: float = 1.0
    burnout_rate_ratio: float = 1.0
    coverage_rate_ratio: float = 1.0
    breadth_hazard_ratio: float = 1.0
    on: Literal["observed", "latent"] = "observed"

    def __post_init__(self):
        if self.on not in ("observed", "latent"):
            raise ValueError("PlantedEffects.on must be 'observed' or 'latent'")
        for name in (
            "engagement_rate_ratio",
            "burnout_rate_ratio",
            "coverage_rate_ratio",
            "breadth_hazard_ratio",
        ):
            if getattr(self, name) <= 0:
                raise ValueError(f"{name} must be positive")


@dataclass(frozen=True)
class SimulatedData:
    """A simulated organisation.

    panel: one row per team-month with the columns of the analysis panel, plus
    ``latent_engagement`` (the true climate; not something the platform can see).
    people: counting-process spells (person, site, team, job_role, tenure_band,
    start, stop, event, cross_training_breadth) in months since hire; event = 1 is
    voluntary leaving, involuntary leaving and transfers end a spell with event 0.
    """

    panel: pd.DataFrame
    people: pd.DataFrame
    effects: PlantedEffects
    seed: int


def _tenure_band(months: np.ndarray) -> np.ndarray:
    bands = np.array(TENURE_BANDS, dtype=object)
    index = np.searchsorted(np.array([12, 24, 60]), months, side="right")
    return bands[index]


def simulate(
    *,
    n_teams: int = 40,
    n_months: int = 36,
    seed: int = 0,
    effects: PlantedEffects | None = None,
    n_sites: int | None = None,
    first_month: datetime.date = datetime.date(2023, 1, 1),
    response_rate: float = 0.7,
    patient_responses_per_month: float = 30.0,
    base_monthly_leaving_rate: float = 0.022,
    individual_engagement_sd: float = INDIVIDUAL_ENGAGEMENT_SD,
) -> SimulatedData:
    """Simulate ``n_teams`` teams over ``n_months`` months.

    Team sizes are 3-15; about ``response_rate`` of a team answers each monthly pulse;
    each team gets about ``patient_responses_per_month`` patient ratings a month.
    Voluntary leavers come from simulated people, so the panel's leaver counts and the
    person spells agree. ``individual_engagement_sd`` is one person's spread around
    their team's climate (smaller makes the monthly scores more reliable).

    ``panel.attrs["engagement_individual_variance"]`` is the pooled within-team-month
    variance of the simulated answers, as reports/selectors.py measures it from
    real responses: a chi-square draw on sum(respondents - 1) degrees of freedom,
    from its own random stream so the panel does not depend on it.
    """
    if n_teams < 1 or n_months < 1:
        raise ValueError("n_teams and n_months must be at least 1")
    effects = effects or PlantedEffects()
    rng = np.random.default_rng(seed)
    n_sites = n_sites or max(1, n_teams // 5)

    team_site = rng.integers(0, n_sites, size=n_teams)
    team_size = rng.integers(3, 16, size=n_teams)
    engagement_mean = rng.normal(ENGAGEMENT_CENTRE, 7.0, size=n_teams)
    burnout_offset = rng.normal(0.0, 0.3, size=n_teams)
    nps_base = rng.normal(40.0, 10.0, size=n_teams)
    frailty = rng.gamma(4.0, 0.25, size=n_teams)  # team-level overdispersion
    coverage = rng.uniform(0.3, 0.9, size=n_teams)

    # People fill fixed slots; a leaver's slot is filled by a new hire next month.
    slot_team = np.repeat(np.arange(n_teams), team_size)
    n_slots = slot_team.size
    slot_person = np.arange(n_slots)
    next_person = n_slots
    slot_tenure = np.minimum(rng.geometric(1 / 36, size=n_slots) - 1, 240)
    slot_breadth = np.minimum(rng.poisson(1.0 + slot_tenure / 24), 8)
    slot_role = rng.choice(len(JOB_ROLES), size=n_slots, p=JOB_ROLE_WEIGHTS)

    log_hr_breadth = np.log(effects.breadth_hazard_ratio)
    slope = effects.engagement_to_nps
    log_rr_engagement = np.log(effects.engagement_rate_ratio) / 10.0
    log_rr_burnout = np.log(effects.burnout_rate_ratio) / 0.10
    log_rr_coverage = np.log(effects.coverage_rate_ratio) / 0.10

    deviation = rng.normal(0.0, 4.0 / np.sqrt(1 - 0.6**2), size=n_teams)
    latent_prev = np.clip(engagement_mean + deviation, 5, 95)
    observed_prev = latent_prev.copy()
    burnout_prob = 1 / (
        1
        + np.exp(
            -(
                np.log(BURNOUT_CENTRE / (1 - BURNOUT_CENTRE))
                - 0.04 * (latent_prev - ENGAGEMENT_CENTRE)
                + burnout_offset
            )
        )
    )
    burnout_latent_prev = burnout_prob
    burnout_observed_prev = burnout_prob.copy()
    coverage_prev = coverage.copy()

    month_starts = pd.date_range(pd.Timestamp(first_month), periods=n_months, freq="MS")
    team_rows = []
    person_rows = []
    for t in range(n_months):
        # Outcomes this month follow last month's climate (what a lag can recover).
        if effects.on == "observed":
            engagement_driver = np.where(
                np.isnan(observed_prev), latent_prev, observed_prev
            )
            burnout_driver = np.where(
                np.isnan(burnout_observed_prev),
                burnout_latent_prev,
                burnout_observed_prev,
            )
        else:
            engagement_driver = latent_prev
            burnout_driver = burnout_latent_prev

        log_rate = (
            np.log(base_monthly_leaving_rate)
            + np.log(frailty)
            + log_rr_engagement * (engagement_driver - ENGAGEMENT_CENTRE)
            + log_rr_burnout * (burnout_driver - BURNOUT_CENTRE)
            + log_rr_coverage * (coverage_prev - COVERAGE_CENTRE)
        )
        team_rate = np.exp(log_rate)
        # Individual hazards: breadth moves a person's hazard relative to teammates,
        # normalised so the team's expected leavers equal headcount x team rate.
        relative = np.exp(log_hr_breadth * slot_breadth)
        team_mean_relative = np.bincount(
            slot_team, weights=relative, minlength=n_teams
        ) / np.bincount(slot_team, minlength=n_teams)
        hazard = np.minimum(
            team_rate[slot_team] * relative / team_mean_relative[slot_team], 0.5
        )
        draw = rng.random(n_slots)
        voluntary = draw < hazard
        involuntary = (~voluntary) & (draw < hazard + 0.003)
        transfer = (~voluntary) & (~involuntary) & (draw < hazard + 0.007)
        person_rows.append(
            pd.DataFrame(
                {
                    "person": slot_person,
                    "team_index": slot_team,
                    "role_index": slot_role,
                    "start": slot_tenure,
                    "stop": slot_tenure + 1,
                    "event": voluntary.astype(np.int64),
                    "cross_training_breadth": slot_breadth,
                }
            )
        )

        voluntary_leavers = np.bincount(slot_team, weights=voluntary, minlength=n_teams)
        involuntary_leavers = np.bincount(
            slot_team, weights=involuntary, minlength=n_teams
        )
        transfers = np.bincount(slot_team, weights=transfer, minlength=n_teams)
        headcount = team_size - 0.5 * (
            voluntary_leavers + involuntary_leavers + transfers
        )

        # This month's climate: AR(1) around each team's mean.
        deviation = 0.6 * deviation + rng.normal(0.0, 4.0, size=n_teams)
        latent = np.clip(engagement_mean + deviation, 5, 95)
        respondents = rng.binomial(team_size, response_rate)
        measured = respondents >= MIN_RESPONDENTS
        safe_respondents = np.maximum(respondents, 1)
        observed = np.clip(
            latent
            + rng.normal(0.0, 1.0, size=n_teams)
            * individual_engagement_sd
            / np.sqrt(safe_respondents),
            0,
            100,
        )
        observed = np.where(measured, observed, np.nan)
        burnout_logit = (
            np.log(BURNOUT_CENTRE / (1 - BURNOUT_CENTRE))
            - 0.04 * (latent - ENGAGEMENT_CENTRE)
            + burnout_offset
        )
        burnout_latent = 1 / (1 + np.exp(-burnout_logit))
        burnout_observed = np.where(
            measured,
            rng.binomial(safe_respondents, burnout_latent) / safe_respondents,
            np.nan,
        )
        promoter = np.clip(0.3 + 0.01 * (latent - ENGAGEMENT_CENTRE), 0.02, 0.9)
        detractor = np.clip(0.25 - 0.01 * (latent - ENGAGEMENT_CENTRE), 0.02, 0.9)
        promoters = rng.binomial(safe_respondents, promoter)
        detractors = rng.binomial(
            safe_respondents - promoters, np.clip(detractor / (1 - promoter), 0, 1)
        )
        enps = np.where(
            measured, 100.0 * (promoters - detractors) / safe_respondents, np.nan
        )

        # Patient NPS this month follows last month's engagement.
        true_nps = np.clip(
            nps_base
            + slope * (engagement_driver - ENGAGEMENT_CENTRE)
            + rng.normal(0.0, 4.0, size=n_teams),
            -75,
            75,
        )
        patient_responses = rng.poisson(patient_responses_per_month, size=n_teams)
        passive_share = 0.2
        p_promoter = (1 - passive_share + true_nps / 100) / 2
        p_detractor = (1 - passive_share - true_nps / 100) / 2
        patient_promoters = rng.binomial(patient_responses, p_promoter)
        patient_detractors = rng.binomial(
            patient_responses - patient_promoters,
            np.clip(p_detractor / (1 - p_promoter), 0, 1),
        )
        patient_nps = np.where(
            patient_responses > 0,
            100.0
            * (patient_promoters - patient_detractors)
            / np.maximum(patient_responses, 1),
            np.nan,
        )

        # Skills: each person's breadth; coverage drifts slowly.
        team_breadth = np.bincount(
            slot_team, weights=slot_breadth, minlength=n_teams
        ) / np.bincount(slot_team, minlength=n_teams)
        spof_count = rng.poisson(np.maximum(0.0, (1 - coverage) * 6.0))

        team_rows.append(
            pd.DataFrame(
                {
                    "team_index": np.arange(n_teams),
                    "month": month_starts[t],
                    "headcount": headcount,
                    "voluntary_leavers": voluntary_leavers.astype(np.int64),
                    "involuntary_leavers": involuntary_leavers.astype(np.int64),
                    "engagement": observed,
                    "burnout_rate": burnout_observed,
                    "enps": enps,
                    "respondents": respondents.astype(np.int64),
                    "recognitions_per_head": rng.poisson(0.8 * team_size) / team_size,
                    "training_compliance": np.clip(
                        rng.normal(0.85, 0.08, size=n_teams), 0, 1
                    ),
                    "coverage": coverage,
                    "spof_count": spof_count.astype(np.int64),
                    "patient_nps": patient_nps,
                    "patient_responses": patient_responses.astype(np.int64),
                    "latent_engagement": latent,
                    "mean_cross_training_breadth": team_breadth,
                }
            )
        )

        # Advance people: leavers and transfers are replaced by new hires.
        ended = voluntary | involuntary | transfer
        n_new = int(ended.sum())
        slot_person = np.where(ended, 0, slot_person)
        slot_person[ended] = np.arange(next_person, next_person + n_new)
        next_person += n_new
        slot_tenure = np.where(ended, 0, slot_tenure + 1)
        slot_breadth = np.where(
            ended,
            rng.binomial(2, 0.3, size=n_slots),
            np.minimum(slot_breadth + (rng.random(n_slots) < 0.05), 8),
        )
        slot_role = np.where(
            ended,
            rng.choice(len(JOB_ROLES), size=n_slots, p=JOB_ROLE_WEIGHTS),
            slot_role,
        )

        observed_prev = observed
        latent_prev = latent
        burnout_observed_prev = burnout_observed
        burnout_latent_prev = burnout_latent
        coverage_prev = coverage
        coverage = np.clip(coverage + rng.normal(0.004, 0.02, size=n_teams), 0.0, 1.0)

    site_names = np.array([f"site-{i + 1:02d}" for i in range(n_sites)], dtype=object)
    team_names = np.array([f"team-{i + 1:03d}" for i in range(n_teams)], dtype=object)
    panel = pd.concat(team_rows, ignore_index=True)
    panel.insert(0, "team", team_names[panel["team_index"].to_numpy()])
    panel.insert(0, "site", site_names[team_site[panel["team_index"].to_numpy()]])
    panel = panel.drop(columns="team_index")
    panel["site"] = panel["site"].astype(str)
    panel["team"] = panel["team"].astype(str)

    measured = panel["engagement"].notna()
    degrees = int((panel.loc[measured, "respondents"] - 1).sum())
    if degrees > 0:
        spread = np.random.default_rng([seed, 1]).chisquare(degrees) / degrees
        panel.attrs["engagement_individual_variance"] = float(
            individual_engagement_sd**2 * spread
        )
    else:
        panel.attrs["engagement_individual_variance"] = None

    people = _collapse_spells(pd.concat(person_rows, ignore_index=True))
    team_index = people["team_index"].to_numpy()
    people.insert(1, "site", site_names[team_site[team_index]].astype(str))
    people.insert(2, "team", team_names[team_index].astype(str))
    people.insert(
        3,
        "job_role",
        np.array(JOB_ROLES, dtype=object)[people["role_index"].to_numpy()].astype(str),
    )
    people = people.drop(columns=["team_index", "role_index"])
    people["person"] = people["person"].map("p{:06d}".format)
    return SimulatedData(panel=panel, people=people, effects=effects, seed=seed)


def _collapse_spells(months: pd.DataFrame) -> pd.DataFrame:
    """Merge consecutive person-months whose covariates did not change into spells."""
    months = months.sort_values(["person", "start"], kind="stable", ignore_index=True)
    months["tenure_band"] = _tenure_band(months["start"].to_numpy())
    keys = ["person", "team_index", "cross_training_breadth", "tenure_band"]
    changed = np.zeros(len(months), dtype=bool)
    changed[0] = True
    for key in keys:
        values = months[key].to_numpy()
        changed[1:] |= values[1:] != values[:-1]
    starts = months["start"].to_numpy()
    changed[1:] |= starts[1:] != months["stop"].to_numpy()[:-1]
    spell = np.cumsum(changed)
    grouped = months.groupby(spell, sort=False)
    spells = grouped.agg(
        person=("person", "first"),
        team_index=("team_index", "first"),
        role_index=("role_index", "first"),
        tenure_band=("tenure_band", "first"),
        start=("start", "first"),
        stop=("stop", "last"),
        event=("event", "last"),
        cross_training_breadth=("cross_training_breadth", "first"),
    ).reset_index(drop=True)
    spells["tenure_band"] = spells["tenure_band"].astype(str)
    return spells[
        [
            "person",
            "team_index",
            "role_index",
            "tenure_band",
            "start",
            "stop",
            "event",
            "cross_training_breadth",
        ]
    ]

"""The demo's hidden truth: each team's climate month by month, without a database.

The platform never sees these numbers. It sees what they cause: survey answers
drawn around the team's engagement, leavers drawn at a rate that follows its
burnout, patient scores that follow last month's engagement. The analysis layer
(reports/analysis/) should find the planted effects below, attenuated by the
noise of small samples as /work/shared/ANALYSIS.md warns.

Per team:

- ``engagement``: latent 0-100 engagement, AR(1) around the team's own mean,
  which drifts slowly (some teams get better, some worse), plus a small shock
  shared by the whole organization in a month;
- ``burnout``: the latent share of staff at or above "definitely burning out",
  high where a team's engagement is low and moving against it month by month;
- ``cross_training``: how much a team invests in teaching each other skills
  (0-1); it sets the pace of cross-training in workforce/demo_skills.py, so
  skills coverage, and through it leaving, follow it.

Everything is drawn from ``random.Random(f"{seed}:climate:{organization slug}")``,
so one seed gives one climate whatever steps run.
"""

import datetime
import math
import random
from dataclasses import dataclass

from .demo_data import OrganizationBlueprint

# --- Planted effects (the truth the analysis should recover) -------------------

# Voluntary-leaving rate ratio per 20 percentage points of last month's burnout.
BURNOUT_RATE_RATIO = 1.5
# Voluntary-leaving rate ratio per 20 percentage points of last month's skills
# coverage: protective, and small enough to be hard to detect (ANALYSIS.md).
COVERAGE_RATE_RATIO = 0.85
RATE_RATIO_UNIT = 0.20
# Patient NPS points per 10 points of the team's engagement the month before:
# the low end of the literature, as ANALYSIS.md advises.
PATIENT_NPS_PER_10_ENGAGEMENT = 3.0

# Levels the effects are centred on; they only move the baseline.
ENGAGEMENT_CENTRE = 68.0
BURNOUT_CENTRE = 0.25
COVERAGE_CENTRE = 0.80

# --- How the climate moves -----------------------------------------------------

# Month-to-month persistence of a team's deviation from its own mean.
ENGAGEMENT_PERSISTENCE = 0.7
ENGAGEMENT_SHOCK_SD = 4.0
# Spread of team means, and of the slow drift of a mean over a year.
TEAM_ENGAGEMENT_SD = 7.0
ENGAGEMENT_DRIFT_SD_PER_YEAR = 3.0
ORGANIZATION_SHOCK_SD = 1.5
# Burnout on the log-odds scale: lower engagement, more burnout.
BURNOUT_PER_ENGAGEMENT_POINT = -0.035
TEAM_BURNOUT_SD = 0.35
BURNOUT_SHOCK_SD = 0.15
# Months simulated before the window so that its first month has a history.
_BURN_IN = 24

# Team kinds by slug: engagement and patient-score shifts that make the demo
# look like a practice group (front desks under more strain than clinicians).
_KIND_ENGAGEMENT_SHIFT = {
    "front-desk": -4.0,
    "sterilisation": -2.0,
    "dental-assistants": -1.0,
    "medical-assistants": -1.0,
    "clinicians": 3.0,
    "physicians": 3.0,
    "hygiene": 2.0,
    "management": 2.0,
}
_KIND_BURNOUT_SHIFT = {"front-desk": 0.25, "clinicians": 0.1, "physicians": 0.15}


@dataclass(frozen=True)
class TeamClimate:
    """One team's latent climate; month ``i`` is ``months[i]`` of the window.

    ``engagement`` and ``burnout`` hold one value per month; ``*_before`` is the
    month before the window, so month 0 has a lag too.
    """

    key: tuple[str, str]
    engagement_mean: float
    engagement: tuple[float, ...]
    engagement_before: float
    burnout: tuple[float, ...]
    burnout_before: float
    cross_training: float
    patient_nps_base: float
    response_rate: float

    def lagged_engagement(self, index: int) -> float:
        """Latent engagement the month before month ``index``."""
        return self.engagement[index - 1] if index > 0 else self.engagement_before

    def lagged_burnout(self, index: int) -> float:
        return self.burnout[index - 1] if index > 0 else self.burnout_before

    def expected_patient_nps(self, index: int) -> float:
        """Patient NPS the team would score in month ``index`` on average."""
        return self.patient_nps_base + PATIENT_NPS_PER_10_ENGAGEMENT / 10 * (
            self.lagged_engagement(index) - ENGAGEMENT_CENTRE
        )


@dataclass(frozen=True)
class SiteClimate:
    """What a site brings to patient numbers: its size and its patients' mood."""

    slug: str
    patient_nps_base: float
    # Patients seen in a month, roughly: sets the scale of KPIs.
    monthly_visits: int


@dataclass(frozen=True)
class OrganizationClimate:
    seed: int
    slug: str
    months: tuple[datetime.date, ...]
    teams: dict[tuple[str, str], TeamClimate]
    sites: dict[str, SiteClimate]

    def rng(self, purpose: str) -> random.Random:
        """A generator for one use of the climate, independent of every other."""
        return random.Random(f"{self.seed}:{self.slug}:{purpose}")

    def leaving_rate_ratio(
        self, team: tuple[str, str], index: int, coverage: float | None
    ) -> float:
        """Multiplier of a person's voluntary-leaving hazard in month ``index``."""
        return leaving_rate_ratio(
            burnout=self.teams[team].lagged_burnout(index), coverage=coverage
        )


def leaving_rate_ratio(*, burnout: float, coverage: float | None) -> float:
    """Rate ratio for last month's burnout and skills coverage (both 0-1).

    ``coverage`` is None for a team that requires no skills: no effect.
    """
    ratio = BURNOUT_RATE_RATIO ** ((burnout - BURNOUT_CENTRE) / RATE_RATIO_UNIT)
    if coverage is not None:
        ratio *= COVERAGE_RATE_RATIO ** ((coverage - COVERAGE_CENTRE) / RATE_RATIO_UNIT)
    return ratio


def _logit(p: float) -> float:
    return math.log(p / (1 - p))


def _expit(x: float) -> float:
    return 1 / (1 + math.exp(-x))


def _clip(value: float, low: float, high: float) -> float:
    return min(high, max(low, value))


def build_climate(
    *, seed: int, blueprint: OrganizationBlueprint, months: list[datetime.date]
) -> OrganizationClimate:
    """The latent climate of every team and site of ``blueprint`` over ``months``."""
    rng = random.Random(f"{seed}:climate:{blueprint.slug}")
    total = _BURN_IN + len(months)
    shocks = [rng.gauss(0, ORGANIZATION_SHOCK_SD) for _ in range(total)]
    sites = {}
    teams = {}
    for site in blueprint.sites:
        # Cross-training is partly a site habit (one manager, one way of working).
        site_culture = rng.gauss(0, 1)
        site_mood = rng.gauss(0, 4)
        heads = sum(count for team in site.teams for _, count in team.positions)
        sites[site.slug] = SiteClimate(
            slug=site.slug,
            patient_nps_base=_clip(48 + site_mood, 20, 75),
            monthly_visits=int(heads * rng.uniform(38, 46)),
        )
        for team in site.teams:
            mean = (
                ENGAGEMENT_CENTRE
                + _KIND_ENGAGEMENT_SHIFT.get(team.slug, 0.0)
                + rng.gauss(0, TEAM_ENGAGEMENT_SD)
            )
            drift = rng.gauss(0, ENGAGEMENT_DRIFT_SD_PER_YEAR) / 12
            offset = (
                _logit(BURNOUT_CENTRE)
                + _KIND_BURNOUT_SHIFT.get(team.slug, 0.0)
                + BURNOUT_PER_ENGAGEMENT_POINT * (mean - ENGAGEMENT_CENTRE)
                + rng.gauss(0, TEAM_BURNOUT_SD)
            )
            engagement, burnout = [], []
            deviation = rng.gauss(0, ENGAGEMENT_SHOCK_SD)
            for step in range(total):
                # The mean drifts only inside the window; before it, it stands.
                centre = mean + drift * max(0, step - _BURN_IN)
                deviation = ENGAGEMENT_PERSISTENCE * deviation + rng.gauss(
                    0, ENGAGEMENT_SHOCK_SD
                )
                level = _clip(centre + deviation + shocks[step], 5.0, 98.0)
                engagement.append(level)
                burnout.append(
                    _expit(
                        offset
                        + BURNOUT_PER_ENGAGEMENT_POINT * (level - mean)
                        + rng.gauss(0, BURNOUT_SHOCK_SD)
                    )
                )
            culture = _clip(0.5 + 0.14 * site_culture + rng.gauss(0, 0.16), 0.05, 0.95)
            teams[(site.slug, team.slug)] = TeamClimate(
                key=(site.slug, team.slug),
                engagement_mean=mean,
                engagement=tuple(engagement[_BURN_IN:]),
                engagement_before=engagement[_BURN_IN - 1],
                burnout=tuple(burnout[_BURN_IN:]),
                burnout_before=burnout[_BURN_IN - 1],
                cross_training=culture,
                patient_nps_base=_clip(
                    sites[site.slug].patient_nps_base + rng.gauss(0, 8), 10, 85
                ),
                response_rate=rng.uniform(0.65, 0.80),
            )
    return OrganizationClimate(
        seed=seed,
        slug=blueprint.slug,
        months=tuple(months),
        teams=teams,
        sites=sites,
    )

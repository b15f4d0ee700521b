"""Demo patient feedback and practice KPIs: the outcome side of the flywheel.

About 30 patients a month rate each patient-facing team 0-10, and a few rate
the site as a whole. A team's expected patient NPS follows its latent
engagement of the month before (workforce/demo_climate.py:
``PATIENT_NPS_PER_10_ENGAGEMENT``), plus a month-to-month wobble, and the
scores are drawn around it, so a team-month's NPS from 30 answers is the noisy
figure the analysis has to live with (±20 points, ANALYSIS.md).

Scores of finished months arrive as one imported file per month, written as
``reports.patients`` import batches would leave them (status done, summary,
digest of the file); scores of the current month come from the capture page
(no batch). Site KPIs for every finished month follow the site's patient NPS
loosely.
"""

import datetime
import hashlib
import random
import zoneinfo
from collections import Counter
from decimal import Decimal

from reports.models import (
    DETRACTOR_MAX,
    KPI,
    PROMOTER_MIN,
    PatientCapturePoint,
    PatientFeedback,
    PatientFeedbackBatch,
    PracticeKPI,
)

from .demo import insert_rows

# Teams patients meet, by team slug; the others (sterilisation, management) get
# no team-level scores.
PATIENT_FACING = {
    "front-desk",
    "clinicians",
    "hygiene",
    "dental-assistants",
    "treatment-coordination",
    "physicians",
    "nursing",
    "medical-assistants",
    "clinical-team",
}
TEAM_RESPONSES_PER_MONTH = 30
SITE_RESPONSES_PER_MONTH = 10
# Month-to-month movement of a team's true NPS beyond the planted effect.
MONTH_NPS_SD = 5.0
PASSIVE_SHARE = 0.25
CHANNELS = (("sms", 0.55), ("email", 0.3), ("tablet", 0.15))
_DETRACTOR_SCORES = (0, 1, 2, 3, 4, 5, 6)
_DETRACTOR_WEIGHTS = (0.04, 0.03, 0.04, 0.06, 0.1, 0.28, 0.45)


def _month_end(month: datetime.date) -> datetime.date:
    """The first day of the following month."""
    return (month + datetime.timedelta(days=32)).replace(day=1)


def patient_scores(rng: random.Random, nps: float, count: int) -> list[int]:
    """``count`` scores 0-10 whose expected NPS is ``nps`` (-100..100)."""
    promoters = min(0.97, max(0.02, (1 - PASSIVE_SHARE + nps / 100) / 2))
    detractors = min(0.97 - promoters, max(0.02, (1 - PASSIVE_SHARE - nps / 100) / 2))
    scores = []
    for _ in range(count):
        draw = rng.random()
        if draw < promoters:
            scores.append(10 if rng.random() < 0.6 else 9)
        elif draw < promoters + detractors:
            scores.append(rng.choices(_DETRACTOR_SCORES, _DETRACTOR_WEIGHTS)[0])
        else:
            scores.append(8 if rng.random() < 0.55 else 7)
    return scores


def seed_patients(*, workforce, rng: random.Random, stdout) -> None:
    organization = workforce.organization
    climate = workforce.climate
    today = workforce.today
    zone = zoneinfo.ZoneInfo(organization.timezone)
    site_names = {slug: site.name for slug, site in workforce.sites.items()}
    channels, channel_weights = zip(*CHANNELS, strict=True)
    months = workforce.months
    rows_by_month = []
    site_nps = {}
    for index, month in enumerate(months):
        end = min(_month_end(month), today + datetime.timedelta(days=1))
        days = (end - month).days
        share = days / (_month_end(month) - month).days
        rows = []
        for site_spec in workforce.blueprint.sites:
            weighted = answers = 0
            for team_spec in site_spec.teams:
                key = (site_spec.slug, team_spec.slug)
                if team_spec.slug not in PATIENT_FACING:
                    continue
                expected = climate.teams[key].expected_patient_nps(index)
                true_nps = expected + rng.gauss(0, MONTH_NPS_SD)
                count = max(1, round(rng.gauss(TEAM_RESPONSES_PER_MONTH, 4) * share))
                weighted += true_nps * count
                answers += count
                rows.extend(
                    (
                        site_spec.slug,
                        key,
                        month + datetime.timedelta(rng.randrange(days)),
                        score,
                    )
                    for score in patient_scores(rng, true_nps, count)
                )
            site_level = climate.sites[site_spec.slug].patient_nps_base
            if answers:
                site_level = weighted / answers
            site_nps[(site_spec.slug, month)] = site_level
            count = max(1, round(rng.gauss(SITE_RESPONSES_PER_MONTH, 3) * share))
            rows.extend(
                (
                    site_spec.slug,
                    None,
                    month + datetime.timedelta(rng.randrange(days)),
                    score,
                )
                for score in patient_scores(rng, site_level + rng.gauss(0, 6), count)
            )
        rows.sort(key=lambda row: (row[2], row[0], row[1] or ("", "")))
        rows_by_month.append(
            [(*row, rng.choices(channels, channel_weights)[0]) for row in rows]
        )
        number = index + 1
        if number % 12 == 0 or number == len(months):
            stdout.write(
                f"{workforce.blueprint.name}: patient feedback month "
                f"{number}/{len(months)}"
            )

    imported = [
        (month, rows)
        for month, rows in zip(months, rows_by_month, strict=True)
        if _imported_on(month) <= today
    ]
    batches = PatientFeedbackBatch.objects.bulk_create(
        _batch(workforce, month, rows, site_names, zone) for month, rows in imported
    )
    batch_ids = {
        month: batch.pk for (month, _rows), batch in zip(imported, batches, strict=True)
    }
    written = insert_rows(
        PatientFeedback,
        ["batch", "site", "team", "date", "score", "channel"],
        (
            (
                batch_ids.get(month),
                workforce.sites[site_slug].pk,
                workforce.teams[team].pk if team else None,
                day,
                score,
                channel,
            )
            for month, rows in zip(months, rows_by_month, strict=True)
            for site_slug, team, day, score, channel in rows
        ),
    )
    # Live QR codes for the current month's answers. Their tokens are secrets
    # from the model's default, not from the seed: anyone who knows the seed
    # could otherwise post scores to a public demo.
    points = PatientCapturePoint.objects.bulk_create(
        PatientCapturePoint(organization=organization, site=site)
        for site in workforce.sites.values()
    )
    kpis = PracticeKPI.objects.bulk_create(
        _kpis(workforce, site_nps, rng), batch_size=1000
    )
    stdout.write(
        f"{workforce.blueprint.name}: patient scores {written} in {len(batches)} "
        f"imported files and the capture page ({len(points)} codes), "
        f"KPIs {len(kpis)}"
    )


def _imported_on(month: datetime.date) -> datetime.date:
    """A month's scores are exported and imported on the 3rd of the next month."""
    return _month_end(month) + datetime.timedelta(days=2)


def _batch(workforce, month, rows, site_names, zone) -> PatientFeedbackBatch:
    """A finished import of one month's file, as ``feedback_import`` leaves it."""
    lines = ["site,team,date,score,channel"] + [
        ",".join(
            (
                site_names[site_slug],
                workforce.teams[team].name if team else "",
                day.isoformat(),
                str(score),
                channel,
            )
        )
        for site_slug, team, day, score, channel in rows
    ]
    content = ("\r\n".join(lines) + "\r\n").encode()
    by_site = Counter(site_slug for site_slug, *_ in rows)
    finished = datetime.datetime.combine(
        _imported_on(month), datetime.time(7, 30), tzinfo=zone
    )
    return PatientFeedbackBatch(
        organization=workforce.organization,
        filename=f"patient-survey-{month:%Y-%m}.csv",
        file_sha256=hashlib.sha256(content).hexdigest(),
        rows=len(rows),
        status=PatientFeedbackBatch.Status.DONE,
        summary={
            "rows": len(rows),
            "first_date": min(row[2] for row in rows).isoformat(),
            "last_date": max(row[2] for row in rows).isoformat(),
            "site_level_rows": sum(row[1] is None for row in rows),
            "team_rows": sum(row[1] is not None for row in rows),
            "teams": len({row[1] for row in rows if row[1] is not None}),
            "promoters": sum(row[3] >= PROMOTER_MIN for row in rows),
            "detractors": sum(row[3] <= DETRACTOR_MAX for row in rows),
            "sites": [
                {"name": site_names[slug], "rows": count}
                for slug, count in sorted(
                    by_site.items(), key=lambda item: site_names[item[0]].casefold()
                )
            ],
        },
        progress_done=len(rows),
        started_at=finished - datetime.timedelta(seconds=20),
        finished_at=finished,
    )


def _kpis(workforce, site_nps, rng) -> list[PracticeKPI]:
    """Monthly KPIs of every site for each finished month."""
    climate = workforce.climate
    kpis = []
    for month in workforce.months:
        if _month_end(month) > workforce.today:
            continue
        for site_slug, site in workforce.sites.items():
            lift = site_nps[(site_slug, month)] - 45.0
            visits = climate.sites[site_slug].monthly_visits * rng.uniform(0.9, 1.08)
            new_patients = round(
                visits * (0.09 + 0.0008 * lift) * rng.lognormvariate(0, 0.1)
            )
            referrals = round(
                new_patients * max(0.05, 0.3 + 0.004 * lift + rng.gauss(0, 0.04))
            )
            complaints = max(
                0, round(visits / 1000 * (3.0 - 0.04 * lift) + rng.gauss(0, 1.0))
            )
            values = {
                KPI.NEW_PATIENTS: new_patients,
                KPI.REFERRALS: referrals,
                KPI.SHOW_RATE: min(99.0, 91 + 0.06 * lift + rng.gauss(0, 1.5)) / 100,
                KPI.CAPACITY_UTILISATION: (
                    min(99.0, 82 + 0.05 * lift + rng.gauss(0, 4)) / 100
                ),
                KPI.DAYS_IN_AR: max(15.0, 38 - 0.05 * lift + rng.gauss(0, 4)),
                KPI.AVERAGE_WAIT_MINUTES: max(
                    3.0, 14 - 0.08 * lift + rng.gauss(0, 2.5)
                ),
                KPI.COMPLAINTS: complaints,
                KPI.COMPLAINTS_RESOLVED: complaints
                - sum(rng.random() < 0.15 for _ in range(complaints)),
            }
            kpis.extend(
                PracticeKPI(
                    site=site,
                    month=month,
                    kpi=kpi,
                    value=Decimal(str(round(value, 3 if value < 1 else 1))),
                )
                for kpi, value in values.items()
            )
    return kpis


def step_patients(*, context, rng: random.Random) -> None:
    """Patient scores and site KPIs for every demo organization."""
    for workforce in context.workforces.values():
        seed_patients(workforce=workforce, rng=rng, stdout=context.stdout)

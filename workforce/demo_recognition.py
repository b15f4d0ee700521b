"""Demo recognition: values, three years of nominations and monthly awards per site.

Rows are the ones ``workforce.recognition.services`` writes, in bulk and dated in
the past: a nomination copies the nominee's site and team on the day (from their
dated team history), their job role and employment type; the organization
reviews nominations first, so each is approved or declined a few days later, or
still waits if it came in the last days. Nominators are colleagues from the
demo roster, named but without a login, as after a roster import.

Who gets recognised follows the latent climate (workforce/demo_climate.py):
more in months when a team's engagement runs high. Front-desk roles are
recognised about half as often per head as clinicians, so the fairness view
has something to show, as it would in many practices.
"""

import datetime
import math
import random

from .demo_climate import ENGAGEMENT_CENTRE
from .demo_history import team_on
from .recognition.models import (
    Award,
    CompanyValue,
    Recognition,
    RecognitionPreference,
    RecognitionSettings,
    RecognitionStatus,
)
from .recognition.services import DEFAULT_VALUES

_BATCH_SIZE = 1000
# Nominations per person and month at the centre of engagement, and how they
# rise with the team's engagement (per point).
_MONTHLY_RATE = 0.05
_PER_ENGAGEMENT_POINT = 0.035
_ROLE_FACTOR = {
    "receptionist": 0.6,
    "insurance-coordinator": 0.6,
    "treatment-coordinator": 0.65,
    "office-administrator": 0.65,
    "dentist": 1.4,
    "orthodontist": 1.4,
    "oral-surgeon": 1.4,
    "hygienist": 1.3,
    "physician": 1.4,
    "nurse-practitioner": 1.3,
    "registered-nurse": 1.3,
}
_PRIVATE_SHARE = 0.08
_DECLINED_SHARE = 0.04
_REVIEW_DAYS = (0, 6)
AWARD_TITLE = "Patient Experience Star"

EXTRA_VALUES = (
    ("Always learning", "Picks up new skills and helps colleagues learn them."),
    ("Own it", "Sees a problem through instead of passing it on."),
)

STORIES = {
    "Patient first": (
        "Stayed with a very anxious patient through a long appointment and "
        "talked them through every step.",
        "Called a patient at home after a difficult extraction to check they "
        "were doing well.",
        "Found a same-day slot for a patient in pain when the book was full.",
        "Explained the treatment plan and the costs so clearly that the family "
        "felt at ease.",
    ),
    "Team player": (
        "Covered two extra shifts when we were short and never complained.",
        "Helped the hygiene team turn rooms around on a fully booked Saturday.",
        "Showed the new starter the ropes during a busy week.",
        "Jumped in at the front desk when the phones would not stop ringing.",
    ),
    "Calm under pressure": (
        "Kept the waiting room calm when the system went down for an hour.",
        "Handled an upset patient at the desk with patience and kindness.",
        "Stayed steady during a medical emergency in the chair and kept "
        "everyone organised.",
        "Rebuilt the day's schedule in minutes after two cancellations and an "
        "emergency.",
    ),
    "Always learning": (
        "Learned the new scanner and then taught half the team how to use it.",
        "Took on insurance verification so the desk has cover on Fridays.",
        "Finished the radiography course and shared what they learned.",
    ),
    "Own it": (
        "Noticed the autoclave logs were behind and fixed the process for good.",
        "Followed a lost lab case until it arrived, without being asked.",
        "Sorted out a billing mix-up that had gone on for months.",
    ),
}
DECLINE_REASONS = (
    "Please describe what they did; the story names a patient.",
    "This was recognised already last week for the same day.",
    "Please leave out the patient's details and send it again.",
)


def _value_weights(role: str, culture: float, names: list[str]) -> list[float]:
    weights = {
        "Patient first": 2.0 if _ROLE_FACTOR.get(role, 1.0) > 1 else 1.2,
        "Team player": 1.5,
        "Calm under pressure": 1.6 if _ROLE_FACTOR.get(role, 1.0) < 1 else 0.9,
        "Always learning": 0.4 + 1.2 * culture,
        "Own it": 0.7,
    }
    return [weights.get(name, 1.0) for name in names]


def _active(person, day: datetime.date) -> bool:
    return person.hire_date <= day and (
        person.termination_date is None or day < person.termination_date
    )


def seed_recognition(*, workforce, rng: random.Random, stdout) -> None:
    organization = workforce.organization
    climate = workforce.climate
    today = workforce.today
    RecognitionSettings.objects.update_or_create(
        organization=organization,
        defaults={"allow_staff_nominations": True, "require_approval": True},
    )
    values = CompanyValue.objects.bulk_create(
        CompanyValue(
            organization=organization,
            name=name,
            description=description,
            position=position,
        )
        for position, (name, description) in enumerate(DEFAULT_VALUES + EXTRA_VALUES)
    )
    names = [value.name for value in values]
    people = sorted(workforce.history, key=lambda person: person.staff_id)
    recognitions = []
    months = workforce.months
    for index, month in enumerate(months):
        following = (month + datetime.timedelta(days=32)).replace(day=1)
        end = min(following, today + datetime.timedelta(days=1))
        days = (end - month).days
        by_team = {}
        for person in people:
            team = team_on(person, month + datetime.timedelta(days=days // 2))
            if team is not None:
                by_team.setdefault(team, []).append(person)
        for team, members in by_team.items():
            team_climate = climate.teams[team]
            lift = math.exp(
                _PER_ENGAGEMENT_POINT
                * (team_climate.engagement[index] - ENGAGEMENT_CENTRE)
            )
            for person in members:
                chance = (
                    _MONTHLY_RATE
                    * lift
                    * _ROLE_FACTOR.get(person.role, 1.0)
                    * days
                    / 30.4
                )
                if rng.random() >= chance:
                    continue
                day = month + datetime.timedelta(rng.randrange(days))
                colleagues = [
                    other
                    for other in members
                    if other is not person and _active(other, day)
                ]
                if not _active(person, day) or not colleagues:
                    continue
                nominator = rng.choice(colleagues)
                value = rng.choices(
                    values,
                    _value_weights(person.role, team_climate.cross_training, names),
                )[0]
                team_on_day = team_on(person, day)
                decided = day + datetime.timedelta(rng.randint(*_REVIEW_DAYS))
                if decided > today:
                    status, decided, reason = RecognitionStatus.PENDING, None, ""
                elif rng.random() < _DECLINED_SHARE:
                    status = RecognitionStatus.DECLINED
                    reason = rng.choice(DECLINE_REASONS)
                else:
                    status, reason = RecognitionStatus.APPROVED, ""
                recognitions.append(
                    Recognition(
                        organization=organization,
                        nominee_id=person.staff_id,
                        nominator_name=nominator.full_name,
                        value=value,
                        story=rng.choice(STORIES[value.name]),
                        recognised_on=day,
                        site=workforce.sites[team_on_day[0]],
                        team=workforce.teams[team_on_day],
                        job_role=workforce.job_roles[person.role],
                        employment_type=person.employment_type,
                        status=status,
                        decided_on=decided,
                        decline_reason=reason,
                        notified_on=decided
                        if status == RecognitionStatus.APPROVED
                        else None,
                    )
                )
        number = index + 1
        if number % 12 == 0 or number == len(months):
            stdout.write(
                f"{workforce.blueprint.name}: recognition month {number}/{len(months)}"
            )
    recognitions.sort(key=lambda recognition: recognition.recognised_on)
    Recognition.objects.bulk_create(recognitions, batch_size=_BATCH_SIZE)
    preferences = RecognitionPreference.objects.bulk_create(
        RecognitionPreference(staff_member_id=person.staff_id, wall_opt_out=True)
        for person in people
        if rng.random() < _PRIVATE_SHARE
    )
    awards = Award.objects.bulk_create(_awards(workforce, recognitions, rng))
    stdout.write(
        f"{workforce.blueprint.name}: values {len(values)}, recognitions "
        f"{len(recognitions)}, private preferences {len(preferences)}, "
        f"awards {len(awards)}"
    )


def _awards(workforce, recognitions, rng) -> list[Award]:
    """A monthly award per site for one of the month's approved recognitions."""
    today = workforce.today
    by_site_month = {}
    for recognition in recognitions:
        if recognition.status == RecognitionStatus.APPROVED:
            key = (recognition.site.slug, recognition.recognised_on.replace(day=1))
            by_site_month.setdefault(key, []).append(recognition)
    awards = []
    for month in workforce.months:
        period_end = (month + datetime.timedelta(days=32)).replace(
            day=1
        ) - datetime.timedelta(days=1)
        chosen_on = period_end + datetime.timedelta(rng.randint(2, 6))
        if chosen_on > today:
            continue
        for site_slug, site in workforce.sites.items():
            candidates = by_site_month.get((site_slug, month))
            if not candidates:
                continue
            weights = [
                3.0 if candidate.value.name == "Patient first" else 1.0
                for candidate in candidates
            ]
            awards.append(
                Award(
                    organization=workforce.organization,
                    site=site,
                    title=AWARD_TITLE,
                    period_start=month,
                    period_end=period_end,
                    recognition=rng.choices(candidates, weights)[0],
                    chosen_on=chosen_on,
                )
            )
    return awards


def step_recognition(*, context, rng: random.Random) -> None:
    """Recognition history for every demo organization."""
    for workforce in context.workforces.values():
        seed_recognition(workforce=workforce, rng=rng, stdout=context.stdout)

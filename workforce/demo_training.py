"""Demo training: courses, who must hold them, and three years of completions.

Rows are the ones ``workforce.training.services.completion_record`` writes
(expiry from the course's validity by ``expiry.expiry_from``), in bulk and
dated. A new starter either brings a certificate that is still valid or
completes the course in their first weeks; after that each completion is
renewed around its expiry, mostly on time, sometimes weeks or months late, so
some people are expiring or expired today, as in any practice. Teams with a
stronger cross-training culture (workforce/demo_climate.py) renew on time more
often: the same habit of keeping skills current.
"""

import datetime
import random
from dataclasses import dataclass
from decimal import Decimal

from .recognition.dates import add_months
from .training.expiry import expiry_from
from .training.models import Completion, Course, CourseKind, Requirement

_BATCH_SIZE = 1000
_CLINICAL_DENTAL = (
    "dentist",
    "orthodontist",
    "oral-surgeon",
    "hygienist",
    "dental-assistant",
)
_CLINICAL_MEDICAL = (
    "physician",
    "nurse-practitioner",
    "registered-nurse",
    "medical-assistant",
)


@dataclass(frozen=True)
class CourseSpec:
    name: str
    kind: str
    validity_months: int
    cpd_hours: str
    # Job roles that must hold it; empty: every role.
    roles: tuple[str, ...]
    description: str = ""


COURSES = (
    CourseSpec(
        "BLS/CPR",
        CourseKind.CERTIFICATION,
        24,
        "4",
        _CLINICAL_DENTAL
        + _CLINICAL_MEDICAL
        + ("sterilisation-technician", "receptionist", "practice-manager"),
        "Basic life support for healthcare providers, with a hands-on skills test.",
    ),
    CourseSpec(
        "Infection control",
        CourseKind.COURSE,
        12,
        "2",
        _CLINICAL_DENTAL + _CLINICAL_MEDICAL + ("sterilisation-technician",),
        "Hand hygiene, instrument reprocessing and surface disinfection.",
    ),
    CourseSpec(
        "Radiography licence",
        CourseKind.LICENCE,
        24,
        "8",
        ("hygienist", "dental-assistant"),
        "State licence to take dental radiographs, renewed with CE hours.",
    ),
    CourseSpec(
        "HIPAA privacy and security",
        CourseKind.COURSE,
        12,
        "1",
        (),
        "Handling patient information, passwords and breaches.",
    ),
    CourseSpec(
        "OSHA bloodborne pathogens",
        CourseKind.COURSE,
        12,
        "1",
        _CLINICAL_DENTAL + _CLINICAL_MEDICAL + ("sterilisation-technician",),
        "Exposure control plan, sharps and personal protective equipment.",
    ),
)

# Renewal habits: on time (before expiry), late by weeks, late by months.
_ON_TIME_BASE, _ON_TIME_PER_CULTURE = 0.62, 0.3
_LATE_SHARE_OF_REST = 0.7


def _renewal(rng: random.Random, expires_on: datetime.date, culture: float):
    draw = rng.random()
    if draw < _ON_TIME_BASE + _ON_TIME_PER_CULTURE * culture:
        return expires_on - datetime.timedelta(rng.randint(0, 60))
    if rng.random() < _LATE_SHARE_OF_REST:
        return expires_on + datetime.timedelta(rng.randint(1, 75))
    return expires_on + datetime.timedelta(rng.randint(76, 240))


def _completions(rng, person, spec, culture, start, today):
    """Completion dates of one person for one course, oldest first."""
    end = person.termination_date or today + datetime.timedelta(days=1)
    if person.hire_date < start:
        # Held before the window: completed within one validity of its start.
        span = (add_months(start, spec.validity_months) - start).days
        day = start - datetime.timedelta(rng.randint(0, span - 1))
    elif rng.random() < 0.5:
        # Brought from a previous job, still valid for a while.
        span = add_months(person.hire_date, spec.validity_months - 3) - person.hire_date
        day = person.hire_date - datetime.timedelta(rng.randint(0, span.days))
    else:
        day = person.hire_date + datetime.timedelta(rng.randint(3, 45))
    days = []
    while day < end and day <= today:
        days.append(day)
        day = max(
            day + datetime.timedelta(days=30),
            _renewal(rng, expiry_from(day, spec.validity_months), culture),
        )
    return days


def seed_training(*, workforce, rng: random.Random, stdout) -> None:
    organization = workforce.organization
    roles = set(workforce.job_roles)
    specs = [
        spec for spec in COURSES if not spec.roles or roles.intersection(spec.roles)
    ]
    courses = Course.objects.bulk_create(
        Course(
            organization=organization,
            name=spec.name,
            kind=spec.kind,
            validity_months=spec.validity_months,
            description=spec.description,
        )
        for spec in specs
    )
    requirements = Requirement.objects.bulk_create(
        Requirement(
            organization=organization,
            course=course,
            job_role=workforce.job_roles[role] if role else None,
        )
        for spec, course in zip(specs, courses, strict=True)
        for role in (
            [role for role in spec.roles if role in workforce.job_roles]
            if spec.roles
            else [None]
        )
    )
    people = sorted(workforce.history, key=lambda person: person.staff_id)
    completions = []
    for number, person in enumerate(people, start=1):
        culture = workforce.climate.teams[person.spells[-1][0]].cross_training
        for spec, course in zip(specs, courses, strict=True):
            if spec.roles and person.role not in spec.roles:
                continue
            for day in _completions(
                rng, person, spec, culture, workforce.window_start, workforce.today
            ):
                completions.append(
                    Completion(
                        staff_member_id=person.staff_id,
                        course=course,
                        completed_on=day,
                        expires_on=expiry_from(day, spec.validity_months),
                        cpd_hours=Decimal(spec.cpd_hours),
                    )
                )
        if number % 200 == 0 or number == len(people):
            stdout.write(
                f"{workforce.blueprint.name}: training people {number}/{len(people)}"
            )
    Completion.objects.bulk_create(completions, batch_size=_BATCH_SIZE)
    stdout.write(
        f"{workforce.blueprint.name}: courses {len(courses)}, required courses "
        f"{len(requirements)}, completions {len(completions)}"
    )


def step_training(*, context, rng: random.Random) -> None:
    """Courses, requirements and completions for every demo organization."""
    for workforce in context.workforces.values():
        seed_training(workforce=workforce, rng=rng, stdout=context.stdout)

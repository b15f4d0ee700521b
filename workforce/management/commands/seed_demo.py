"""Build (or rebuild) the demo practice groups, their history and demo logins."""

import argparse
import datetime
from collections.abc import Callable
from dataclasses import dataclass

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import reset_queries, transaction
from django.utils import timezone

from workforce import (
    demo,
    demo_patients,
    demo_pulses,
    demo_recognition,
    demo_skills,
    demo_training,
)


@dataclass(frozen=True)
class Step:
    """``run(context=..., rng=...)``; each step draws from its own generator."""

    name: str
    run: Callable[..., None]


# Steps for the other capabilities come after the workforce ones and before the
# logins. A step's generator depends only on the seed and the step's name, so a
# new step changes no earlier data. The latent climate they all draw on
# (workforce/demo_climate.py) comes from the seed alone.
STEPS = [
    Step("workforce", demo.step_main_organization),
    Step("second organization", demo.step_second_organization),
    Step("skills", demo_skills.step_skills),
    Step("pulses", demo_pulses.step_pulses),
    Step("recognition", demo_recognition.step_recognition),
    Step("training", demo_training.step_training),
    Step("patient feedback", demo_patients.step_patients),
    Step("logins", demo.step_logins),
]


def _date(value: str) -> datetime.date:
    try:
        return datetime.date.fromisoformat(value)
    except ValueError as error:
        raise argparse.ArgumentTypeError(
            f"expected YYYY-MM-DD, got {value!r}"
        ) from error


def _months(value: str) -> int:
    try:
        months = int(value)
    except ValueError:
        months = 0
    if not 2 <= months <= 120:
        raise argparse.ArgumentTypeError(
            f"expected a whole number of months from 2 to 120, got {value!r}"
        )
    return months


class Command(BaseCommand):
    help = (
        "Replace the demo organizations (Brightsmile Dental Group, Lakeside Medical "
        f"Partners) with {demo.HISTORY_MONTHS} months of generated history (staff, "
        "skills, monthly pulses, recognition, training, patient feedback and KPIs) "
        f"and reset the demo logins (password {demo.DEMO_PASSWORD!r})."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--seed",
            type=int,
            default=2026,
            help="Random seed; the same seed gives the same data (default 2026).",
        )
        parser.add_argument(
            "--today",
            type=_date,
            default=None,
            help="Last day of the history, YYYY-MM-DD (default: today).",
        )
        parser.add_argument(
            "--months",
            type=_months,
            default=demo.HISTORY_MONTHS,
            help="Months of history to build (default "
            f"{demo.HISTORY_MONTHS}; fewer make a quicker, smaller demo).",
        )

    def handle(
        self,
        *args,
        seed: int,
        today: datetime.date | None,
        months: int,
        **options,
    ):
        taken = demo.check_demo_usernames_free()
        if taken:
            raise CommandError(
                "These demo usernames belong to real accounts (another organization "
                f"or a superuser): {', '.join(taken)}. Rename them and run again."
            )
        verbosity = options["verbosity"]
        context = demo.DemoContext(
            seed=seed,
            today=today or timezone.localdate(),
            months=months,
            stdout=self.stdout if verbosity >= 1 else demo.SilentWriter(),
        )
        with transaction.atomic():
            demo.purge_demo_organizations(stdout=context.stdout)
            for step in STEPS:
                step.run(context=context, rng=context.rng_for(step.name))
                # With DEBUG on, every bulk INSERT is kept in the query log.
                reset_queries()
        if verbosity >= 1:
            self.stdout.write("")
            self.stdout.write(demo.format_logins(context.logins))

"""Build (or rebuild) the demo practice groups, their history and demo logins."""

import argparse
import datetime
from collections.abc import Callable
from dataclasses import dataclass

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from django.utils import timezone

from workforce import demo


@dataclass(frozen=True)
class Step:
    """``run(context=..., rng=...)``; each step draws from its own generator."""

    name: str
    run: Callable[..., None]


# Later apps append their steps (surveys, recognition, training, patient feedback)
# after the workforce ones and before the logins. A step's generator depends
# only on the seed and the step's name, so a new step changes no earlier data.
STEPS = [
    Step("workforce", demo.step_main_organization),
    Step("second organization", demo.step_second_organization),
    Step("logins", demo.step_logins),
]


def _date(value: str) -> datetime.date:
    try:
        return datetime.date.fromisoformat(value)
    except ValueError as error:
        raise argparse.ArgumentTypeError(
            f"expected YYYY-MM-DD, got {value!r}"
        ) from error


class Command(BaseCommand):
    help = (
        "Replace the demo organizations (Brightsmile Dental Group, Lakeside Medical "
        f"Partners) with {demo.HISTORY_MONTHS} months of generated history and "
        f"reset the demo logins (password {demo.DEMO_PASSWORD!r})."
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

    def handle(self, *args, seed: int, today: datetime.date | None, **options):
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
            stdout=self.stdout if verbosity >= 1 else demo.SilentWriter(),
        )
        with transaction.atomic():
            demo.purge_demo_organizations(stdout=context.stdout)
            for step in STEPS:
                step.run(context=context, rng=context.rng_for(step.name))
        if verbosity >= 1:
            self.stdout.write("")
            self.stdout.write(demo.format_logins(context.logins))

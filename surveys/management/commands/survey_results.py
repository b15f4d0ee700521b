"""``manage.py survey_results --round ID --json FILE``: a round's results as JSON.

Writes exactly what the JSON view gives owner and HR (the whole organization),
so anonymity rules apply here as everywhere: suppressed groups carry a text,
never a count.
"""

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from surveys.models import Round
from surveys.results import NoResults, Scope, results_payload


class Command(BaseCommand):
    help = (
        "Write a round's released results (or, while it is open or closed, its "
        "response rates) as JSON, the same payload as /surveys/rounds/ID/results.json."
    )

    def add_arguments(self, parser):
        parser.add_argument("--round", type=int, required=True, dest="round_id")
        parser.add_argument(
            "--json",
            required=True,
            dest="json_path",
            help="File to write, or - for standard output.",
        )

    def handle(self, *args, round_id, json_path, **options):
        round_ = Round.objects.select_related("organization", "survey").filter(
            pk=round_id
        )
        round_ = round_.first()
        if round_ is None:
            raise CommandError(f"No round with id {round_id}.")
        try:
            payload = results_payload(round_, Scope.whole(round_.organization))
        except NoResults as exc:
            raise CommandError(
                f"Round “{round_.name}” is {round_.get_status_display().lower()}: "
                "it has no results or response rates yet."
            ) from exc
        text = json.dumps(payload, ensure_ascii=False, indent=1)
        if json_path == "-":
            self.stdout.write(text)
            return
        Path(json_path).write_text(text + "\n", encoding="utf-8")
        groups = payload.get("groups", payload.get("response_rates", []))
        hidden = sum(1 for g in groups if "hidden" in g)
        self.stdout.write(
            f"Wrote {round_.name} ({len(groups)} groups, {hidden} hidden) "
            f"to {json_path}."
        )

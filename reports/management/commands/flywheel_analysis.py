"""``manage.py flywheel_analysis --org SLUG [--from YYYY-MM] [--to YYYY-MM]
--json FILE``.

Runs the flywheel analysis (or finds the run that already used the same
inputs) and writes the same payload as the analysis page's JSON view: the four
headline findings, the teams table (survey numbers suppressed as in the
survey results), the KPIs against their targets, and the run.
"""

import json
import time
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from reports.analysis_output import PAYLOAD_FINDINGS, analysis_payload
from reports.models import AnalysisRun
from reports.services import analysis_run
from workforce.csvimport import organization_by_slug


class Command(BaseCommand):
    help = (
        "Run the flywheel analysis for one organization and write its findings, "
        "teams and KPIs as JSON. Months default to the last 36 complete ones. "
        "Unchanged inputs reuse the earlier run."
    )

    def add_arguments(self, parser):
        parser.add_argument("--org", required=True, help="The organization's slug.")
        parser.add_argument(
            "--from",
            dest="start",
            help="First month, YYYY-MM (default: 35 before --to).",
        )
        parser.add_argument(
            "--to", dest="end", help="Last month, YYYY-MM (default: last month)."
        )
        parser.add_argument(
            "--json",
            required=True,
            dest="json_path",
            help="File to write, or - for standard output.",
        )

    def handle(self, *args, org, start, end, json_path, **options):
        organization = organization_by_slug(org)
        began = time.monotonic()
        labels = dict(AnalysisRun.Step.choices)
        # Progress goes to stderr when the JSON goes to stdout.
        out = self.stderr if json_path == "-" else self.stdout

        def progress(step):
            elapsed = time.monotonic() - began
            out.write(f"[{elapsed:6.1f} s] {labels.get(step, step)}")

        try:
            run = analysis_run(
                organization=organization, start=start, end=end, progress=progress
            )
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from exc
        payload = analysis_payload(run)
        text = json.dumps(payload, ensure_ascii=False, indent=1, allow_nan=False)
        if json_path == "-":
            self.stdout.write(text)
        else:
            Path(json_path).write_text(text + "\n", encoding="utf-8")
        period = payload["run"]["period"]
        out.write(
            f"Run #{run.pk} ({period['from']} to {period['to']}, fingerprint "
            f"{run.fingerprint[:12]}, created {run.created_at:%Y-%m-%d %H:%M})"
        )
        for name in PAYLOAD_FINDINGS:
            finding = payload[name]
            out.write(f"- {name}: {finding['status']}. {finding['sentence']}")
        suppressed = sum(1 for team in payload["teams"] if team["suppressed"])
        out.write(
            f"{len(payload['teams'])} teams ({suppressed} with survey numbers "
            f"suppressed), {len(payload['kpis'])} site-months of KPIs"
            + ("" if json_path == "-" else f"; written to {json_path}.")
        )

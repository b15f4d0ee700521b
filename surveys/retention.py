"""Retention of raw survey answers: purge old answers, keep released figures.

Raw answers (``Answer`` rows: every score and comment) of rounds that closed more
than ``SURVEY_RAW_RETENTION_DAYS`` ago are deleted by the daily beat task
``surveys.tasks.survey_answers_purge`` and the ``purge_survey_answers`` command.
Before a released round loses its answers its computed results are stored as a
snapshot (``ReleasedResultsSnapshot``, every language), and the results pages,
exports and round comparisons read the snapshot from then on, so every released
figure stays as it was. ``Response`` rows stay too: they hold no answers, only
the snapshotted group attributes, and keep response counts and rates unchanged.
A round closed but never released past the period has no scores to keep.

The analysis needs more than the released figures: its team-month panel and
the pooled answer variance behind its noise correction come from raw answers
(reports/survey_months.py). So a released round's per-team sums are stored too
(``PurgedRoundAggregate``, by the panel's own query restricted to the round)
and the panel reads them from then on. These are internal per-team figures,
small teams included, never shown as they are: suppression is applied when the
analysis leaves, in reports/analysis_output.py.

One period for the whole installation (a setting, not a per-organization field):
it is a data-protection policy of whoever runs the service, and one period is
simpler to state and audit than a knob each customer can turn.
"""

import datetime
import pickle
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation

from workforce.audit import audit_record
from workforce.models import AuditEvent

from .models import (
    Answer,
    PurgedRoundAggregate,
    ReleasedResultsSnapshot,
    Round,
    RoundStatus,
)


@dataclass
class PurgeResult:
    rounds: int = 0
    answers: int = 0
    snapshots: int = 0
    aggregates: int = 0


def retention_cutoff(now: datetime.datetime | None = None) -> datetime.datetime:
    days = settings.SURVEY_RAW_RETENTION_DAYS
    return (now or timezone.now()) - datetime.timedelta(days=days)


def rounds_past_retention(now: datetime.datetime | None = None):
    """Closed or released rounds, closed before the cutoff, still holding answers."""
    return (
        Round.objects.filter(
            status__in=[RoundStatus.CLOSED, RoundStatus.RELEASED],
            closed_at__lt=retention_cutoff(now),
            responses__answers__isnull=False,
        )
        .distinct()
        .select_related("organization")
        .order_by("closed_at", "pk")
    )


def results_snapshot_store(*, round_: Round) -> int:
    """Store the released round's computed results in every language."""
    from .results_compute import compute_results, load_round

    stored = 0
    for language, _name in settings.LANGUAGES:
        with translation.override(language):
            computed = compute_results(load_round(round_))
        _, created = ReleasedResultsSnapshot.objects.update_or_create(
            round=round_,
            language=language,
            defaults={"computed": pickle.dumps(computed)},
        )
        stored += 1
    return stored


def results_snapshot(round_: Round, language: str):
    """The stored ``Computed`` of ``round_`` in ``language``, or None."""
    row = (
        ReleasedResultsSnapshot.objects.filter(round=round_, language=language)
        .only("computed")
        .first()
    )
    return pickle.loads(bytes(row.computed)) if row else None  # noqa: S301 (ours)


def purged_aggregates_store(*, round_: Round) -> int:
    """Store ``round_``'s team-month sums for the analysis panel; rows stored."""
    # Imported here: reports depends on surveys, not the other way round.
    from reports.survey_months import round_team_month_sums

    rows = [
        PurgedRoundAggregate(round=round_, **sums)
        for sums in round_team_month_sums(round_)
    ]
    for row in rows:
        row.full_clean(exclude=["round", "team"])
    # Replaced, not added to: the sums are always those of the answers now.
    PurgedRoundAggregate.objects.filter(round=round_).delete()
    PurgedRoundAggregate.objects.bulk_create(rows)
    return len(rows)


def survey_answers_purge(
    *,
    now: datetime.datetime | None = None,
    dry_run: bool = False,
    actor=None,
    on_round: Callable[[Round, int], None] | None = None,
) -> PurgeResult:
    """Delete raw answers of rounds past retention; snapshot released ones first."""
    result = PurgeResult()
    for round_ in rounds_past_retention(now):
        answers = Answer.objects.filter(response__round=round_)
        count = answers.count()
        if on_round:
            on_round(round_, count)
        result.rounds += 1
        result.answers += count
        if dry_run:
            continue
        with transaction.atomic():
            if round_.status == RoundStatus.RELEASED and not (
                ReleasedResultsSnapshot.objects.filter(round=round_).exists()
            ):
                result.snapshots += results_snapshot_store(round_=round_)
            if round_.status == RoundStatus.RELEASED:
                result.aggregates += purged_aggregates_store(round_=round_)
            answers.delete()
            audit_record(
                organization=round_.organization,
                actor=actor,
                action=AuditEvent.Action.DATA_PURGED,
                target=f"Raw answers of {round_.name}"[:255],
                detail={
                    "round": round_.pk,
                    "answers": count,
                    "retention_days": settings.SURVEY_RAW_RETENTION_DAYS,
                },
            )
    return result

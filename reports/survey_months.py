"""Team-month survey measures for the analysis panel, aggregated in the database.

Scores follow the survey results' definitions (surveys/results_compute.py) so that
the panel and the results pages agree: the engagement index is each respondent's
mean of their answered engagement items on 0-100 (reverse-scored items turned
round), counted only when at least half of the survey's engagement items were
answered, then averaged over the team; burnout is the share of respondents at
option ``BURNOUT_THRESHOLD`` or above (0-1 here, a percentage on the results
pages); eNPS is 100 x (promoters 9-10 - detractors 0-6) / answers.

Responses count for the team and round period they carry (snapshotted when the
invitation was made), and only released rounds count: an open or closed round
has no results yet. Months in which a team answered no released round fall back
to imported ``PulseHistory`` from another tool.

A released round whose raw answers were purged (surveys/retention.py) still has
its responses but no answers: it is left out of the query, and the team-month
sums stored for it just before the purge (``PurgedRoundAggregate``, written by
``round_team_month_sums`` below, i.e. by this same query) take its place, so the
panel and the pooled answer variance are the same before and after a purge.

Nothing here is shown to anyone: what may be shown is decided by
surveys/anonymity.py when the numbers leave (see reports/analysis_output.py).
"""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd
from django.db import connection

from surveys.models import (
    Answer,
    Measure,
    PulseHistory,
    PurgedRoundAggregate,
    Question,
    Response,
    Round,
    RoundStatus,
    SurveyQuestion,
)
from surveys.question_bank import BURNOUT_THRESHOLD
from workforce.models import Organization
from workforce.recognition.dates import add_months

SURVEY_COLUMNS = (
    "team_id",
    "month",
    "source",
    "respondents",
    "engagement",
    "engagement_n",
    "engagement_within_ss",
    "burnout_rate",
    "enps",
)
ROUNDS = "rounds"
HISTORY = "history"
ENPS_PROMOTER_MIN = 9
ENPS_DETRACTOR_MAX = 6


SUM_COLUMNS = (
    "respondents",
    "engagement_n",
    "engagement_sum",
    "engagement_sumsq",
    "burnout_n",
    "burnout_yes",
    "enps_n",
    "promoters",
    "detractors",
)

FLOAT_SUMS = ("engagement_sum", "engagement_sumsq")


def _sql(*, one_round: bool) -> str:
    """Two levels of aggregation: per response, then per team and round period.

    Either one round (``one_round``) or an organization's released rounds in a
    range of periods, leaving out purged rounds (their answers are gone; their
    stored sums stand in).
    """
    q = connection.ops.quote_name

    def table(model):
        return q(model._meta.db_table)

    def column(model, name):
        return q(model._meta.get_field(name).column)

    answer, response, round_, question = Answer, Response, Round, Question
    engagement_item = (
        f"q.{column(question, 'measure')} = %s AND a.{column(answer, 'value')} "
        "IS NOT NULL"
    )
    value = f"a.{column(answer, 'value')}"
    if one_round:
        where = f"rd.{column(round_, 'id')} = %s"
    else:
        purged = PurgedRoundAggregate
        where = f"""rd.{column(round_, "organization")} = %s
                AND rd.{column(round_, "status")} = %s
                AND rd.{column(round_, "period")} >= %s
                AND rd.{column(round_, "period")} < %s
                AND NOT EXISTS (SELECT 1 FROM {table(purged)} pa
                    WHERE pa.{column(purged, "round")} = rd.{column(round_, "id")})"""
    return f"""
        SELECT per.team_id, per.period,
            COUNT(*) AS respondents,
            SUM(CASE WHEN per.items > 0 AND 2 * per.items >= needed.items
                THEN 1 ELSE 0 END) AS engagement_n,
            SUM(CASE WHEN per.items > 0 AND 2 * per.items >= needed.items
                THEN per.engagement ELSE 0 END) AS engagement_sum,
            SUM(CASE WHEN per.items > 0 AND 2 * per.items >= needed.items
                THEN per.engagement * per.engagement ELSE 0 END) AS engagement_sumsq,
            COUNT(per.burnout) AS burnout_n,
            SUM(CASE WHEN per.burnout >= %s THEN 1 ELSE 0 END) AS burnout_yes,
            COUNT(per.enps) AS enps_n,
            SUM(CASE WHEN per.enps >= %s THEN 1 ELSE 0 END) AS promoters,
            SUM(CASE WHEN per.enps <= %s THEN 1 ELSE 0 END) AS detractors
        FROM (
            SELECT r.{column(response, "id")} AS response_id,
                r.{column(response, "team")} AS team_id,
                rd.{column(round_, "period")} AS period,
                rd.{column(round_, "survey")} AS survey_id,
                AVG(CASE WHEN {engagement_item} THEN
                    ((CASE WHEN q.{column(question, "reverse_scored")}
                        THEN 6 - {value} ELSE {value} END) - 1) * 25.0
                    END) AS engagement,
                COUNT(CASE WHEN {engagement_item} THEN 1 END) AS items,
                MAX(CASE WHEN q.{column(question, "measure")} = %s
                    THEN {value} END) AS burnout,
                MAX(CASE WHEN q.{column(question, "measure")} = %s
                    THEN {value} END) AS enps
            FROM {table(response)} r
            JOIN {table(round_)} rd
                ON r.{column(response, "round")} = rd.{column(round_, "id")}
            -- Left joins: someone who skipped every question still took part.
            LEFT JOIN {table(answer)} a
                ON a.{column(answer, "response")} = r.{column(response, "id")}
            LEFT JOIN {table(question)} q
                ON a.{column(answer, "question")} = q.{column(question, "id")}
            WHERE {where}
            GROUP BY r.{column(response, "id")}, r.{column(response, "team")},
                rd.{column(round_, "period")}, rd.{column(round_, "survey")}
        ) per
        LEFT JOIN (
            SELECT sq.{column(SurveyQuestion, "survey")} AS survey_id,
                COUNT(*) AS items
            FROM {table(SurveyQuestion)} sq
            JOIN {table(question)} q
                ON sq.{column(SurveyQuestion, "question")} = q.{column(question, "id")}
            WHERE q.{column(question, "measure")} = %s
            GROUP BY sq.{column(SurveyQuestion, "survey")}
        ) needed ON needed.survey_id = per.survey_id
        GROUP BY per.team_id, per.period
    """


def _sums(where_params: list, *, one_round: bool) -> pd.DataFrame:
    params = [
        BURNOUT_THRESHOLD,
        ENPS_PROMOTER_MIN,
        ENPS_DETRACTOR_MAX,
        Measure.ENGAGEMENT.value,
        Measure.ENGAGEMENT.value,
        Measure.BURNOUT.value,
        Measure.ENPS.value,
        *where_params,
        Measure.ENGAGEMENT.value,
    ]
    with connection.cursor() as cursor:
        cursor.execute(_sql(one_round=one_round), params)
        rows = cursor.fetchall()
    frame = pd.DataFrame.from_records(rows, columns=["team_id", "month", *SUM_COLUMNS])
    for name in SUM_COLUMNS:
        frame[name] = pd.to_numeric(frame[name]).astype("float64")
    frame["team_id"] = frame["team_id"].astype("int64")
    frame["month"] = pd.to_datetime(frame["month"])
    return frame


def round_team_month_sums(round_: Round) -> list[dict]:
    """``round_``'s per-team sums (SUM_COLUMNS) from its raw answers.

    What surveys/retention.py stores as ``PurgedRoundAggregate`` before deleting
    the answers: the same query as the panel's, for this one round.
    """
    frame = _sums([round_.pk], one_round=True)
    return [
        {
            "team_id": int(row.team_id),
            "month": row.month.date(),
            **{
                name: float(getattr(row, name))
                if name in FLOAT_SUMS
                else int(getattr(row, name))
                for name in SUM_COLUMNS
            },
        }
        for row in frame.itertuples(index=False)
    ]


def _purged_sums(organization: Organization, first: date, after: date):
    rows = PurgedRoundAggregate.objects.filter(
        round__organization=organization,
        round__status=RoundStatus.RELEASED,
        month__gte=first,
        month__lt=after,
    ).values_list("team_id", "month", *SUM_COLUMNS)
    frame = pd.DataFrame.from_records(
        list(rows), columns=["team_id", "month", *SUM_COLUMNS]
    )
    frame[list(SUM_COLUMNS)] = frame[list(SUM_COLUMNS)].astype("float64")
    frame["team_id"] = frame["team_id"].astype("int64")
    frame["month"] = pd.to_datetime(frame["month"])
    return frame


def _round_months(organization: Organization, first: date, after: date):
    where = [organization.pk, RoundStatus.RELEASED.value, first, after]
    live = _sums(where, one_round=False)
    purged = _purged_sums(organization, first, after)
    parts = [part for part in (live, purged) if len(part)]
    if len(parts) == 2:
        # Two rounds of one team-month, one of them purged: the sums add up to
        # what the query would have given on both rounds' answers.
        frame = (
            pd.concat(parts)
            .groupby(["team_id", "month"], as_index=False)[list(SUM_COLUMNS)]
            .sum()
        )
    else:
        frame = parts[0] if parts else live
    n = frame["engagement_n"]
    with np.errstate(invalid="ignore", divide="ignore"):
        frame["engagement"] = np.where(n > 0, frame["engagement_sum"] / n, np.nan)
        within = frame["engagement_sumsq"] - frame["engagement_sum"] ** 2 / n
        # Rounding can leave a hair below zero when every answer was the same.
        frame["engagement_within_ss"] = np.where(n > 0, np.maximum(within, 0), 0.0)
        frame["burnout_rate"] = np.where(
            frame["burnout_n"] > 0, frame["burnout_yes"] / frame["burnout_n"], np.nan
        )
        frame["enps"] = np.where(
            frame["enps_n"] > 0,
            100.0 * (frame["promoters"] - frame["detractors"]) / frame["enps_n"],
            np.nan,
        )
    frame["source"] = ROUNDS
    return frame


def _history_months(organization: Organization, first: date, after: date):
    rows = PulseHistory.objects.filter(
        organization=organization, month__gte=first, month__lt=after
    ).values_list("team_id", "month", "measure", "respondents", "value")
    long = pd.DataFrame.from_records(
        list(rows), columns=["team_id", "month", "measure", "respondents", "value"]
    )
    if long.empty:
        return pd.DataFrame(columns=list(SURVEY_COLUMNS))
    long["month"] = pd.to_datetime(long["month"])
    long["value"] = long["value"].astype("float64")
    wide = long.pivot_table(
        index=["team_id", "month"], columns="measure", values="value", aggfunc="first"
    ).reindex(columns=[m.value for m in PulseHistory.HistoryMeasure])
    wide.columns.name = None
    # Each measure had its own number of answers; the largest stands for the
    # people who took part that month.
    respondents = long.groupby(["team_id", "month"])["respondents"].max()
    frame = wide.join(respondents).reset_index()
    frame = frame.rename(
        columns={
            PulseHistory.HistoryMeasure.ENGAGEMENT.value: "engagement",
            PulseHistory.HistoryMeasure.ENPS.value: "enps",
        }
    )
    # Imported burnout is a percentage, like the results pages; the panel holds
    # a 0-1 share.
    frame["burnout_rate"] = frame[PulseHistory.HistoryMeasure.BURNOUT.value] / 100.0
    engagement_n = long.loc[
        long["measure"] == PulseHistory.HistoryMeasure.ENGAGEMENT,
        ["team_id", "month", "respondents"],
    ].rename(columns={"respondents": "engagement_n"})
    frame = frame.merge(engagement_n, on=["team_id", "month"], how="left")
    frame["engagement_n"] = frame["engagement_n"].fillna(0)
    # No individual answers: nothing to add to the within-team spread.
    frame["engagement_within_ss"] = 0.0
    frame["source"] = HISTORY
    return frame


def team_month_survey(
    *, organization: Organization, start: date, end: date
) -> pd.DataFrame:
    """Survey measures per team and month from released rounds and pulse history.

    Columns (SURVEY_COLUMNS): ``team_id``; ``month`` (datetime64, first day);
    ``source`` ("rounds", also for purged rounds' stored sums, or "history");
    ``respondents`` (responses from the team in the month's released rounds, or
    the largest number of answers behind an imported measure); ``engagement``
    (0-100 team mean, NaN when nobody answered enough engagement items);
    ``engagement_n`` (respondents behind it); ``engagement_within_ss`` (sum of
    squared deviations of the respondents' engagement from the team mean, 0 for
    imported months); ``burnout_rate`` (0-1); ``enps`` (-100..100). One row per
    team-month with a survey; a month with round responses never uses pulse
    history. Three queries (answers, purged rounds' stored sums, pulse history).
    """
    first, after = start.replace(day=1), add_months(end.replace(day=1), 1)
    rounds = _round_months(organization, first, after)
    history = _history_months(organization, first, after)
    if len(rounds) and len(history):
        measured = pd.MultiIndex.from_frame(rounds[["team_id", "month"]])
        keep = ~pd.MultiIndex.from_frame(history[["team_id", "month"]]).isin(measured)
        history = history[keep]
    parts = [part for part in (rounds, history) if len(part)]
    if not parts:
        frame = pd.DataFrame(columns=list(SURVEY_COLUMNS))
    else:
        frame = pd.concat([part[list(SURVEY_COLUMNS)] for part in parts])
    frame = frame.astype(
        {
            "team_id": "int64",
            "month": "datetime64[ns]",
            "source": "object",
            "respondents": "int64",
            "engagement": "float64",
            "engagement_n": "int64",
            "engagement_within_ss": "float64",
            "burnout_rate": "float64",
            "enps": "float64",
        }
    )
    return frame.sort_values(["team_id", "month"], kind="stable").reset_index(drop=True)

"""The one seam from the database to ``reports/analysis``: ORM in, DataFrames out.

Every function takes an organization the caller has already scoped (see
``workforce.selectors``) and a date range, aggregates in the database, and
returns a DataFrame whose columns its docstring names. ``month`` is always the
first day of a calendar month as ``datetime64``; a range covers every calendar
month from ``start``'s through ``end``'s.
"""

from datetime import date, timedelta

import pandas as pd
from django.db.models import BigIntegerField, Count, F, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce, TruncMonth

from reports.analysis.panel import PANEL_COLUMNS, PEOPLE_COLUMNS
from reports.models import (
    DETRACTOR_MAX,
    KPI,
    PROMOTER_MIN,
    PatientFeedback,
    PracticeKPI,
)
from reports.spells import breadth_changes, spell_rows
from reports.survey_months import ROUNDS, team_month_survey
from workforce.models import (
    Organization,
    Site,
    StaffMember,
    Team,
    TeamMembership,
    TerminationReason,
)
from workforce.recognition.dates import organization_today
from workforce.recognition.selectors import team_month_recognitions
from workforce.skills.models import SkillAssessment
from workforce.skills.selectors import team_month_coverage
from workforce.training.selectors import team_month_training

PATIENT_NPS_COLUMNS = (
    "team_id",
    "site_id",
    "month",
    "patient_nps",
    "patient_responses",
    "promoters",
    "detractors",
)
KPI_NAMES = tuple(KPI.values)


def month_window(start: date, end: date) -> tuple[date, date]:
    """``(first day of start's month, first day after end's month)``."""
    first = start.replace(day=1)
    after = date(end.year + end.month // 12, end.month % 12 + 1, 1)
    return first, after


def _organization_sites(organization: Organization):
    return Site.objects.filter(organization=organization).values("pk")


def team_month_patient_nps(
    *, organization: Organization, start: date, end: date
) -> pd.DataFrame:
    """Patient NPS per team and month, and per site and month for site-level
    feedback.

    Columns: ``team_id`` (nullable Int64; empty for a site-level row, which
    counts only feedback given for the whole site, never its teams'),
    ``site_id``, ``month``, ``patient_nps`` (100 × (promoters − detractors) /
    responses), ``patient_responses``, ``promoters`` (scores 9-10),
    ``detractors`` (scores 0-6). One row per team-month (or site-month) with
    at least one response; sorted by site, team (site level first), month.
    """
    first, after = month_window(start, end)
    rows = (
        PatientFeedback.objects.filter(
            site_id__in=_organization_sites(organization),
            date__gte=first,
            date__lt=after,
        )
        .annotate(month=TruncMonth("date"))
        .values("site_id", "team_id", "month")
        .annotate(
            patient_responses=Count("pk"),
            promoters=Count("pk", filter=Q(score__gte=PROMOTER_MIN)),
            detractors=Count("pk", filter=Q(score__lte=DETRACTOR_MAX)),
        )
        .order_by()
    )
    frame = pd.DataFrame.from_records(
        list(rows),
        columns=[
            "site_id",
            "team_id",
            "month",
            "patient_responses",
            "promoters",
            "detractors",
        ],
    )
    frame["team_id"] = frame["team_id"].astype("Int64")
    frame["site_id"] = frame["site_id"].astype("int64")
    frame["month"] = pd.to_datetime(frame["month"])
    for column in ("patient_responses", "promoters", "detractors"):
        frame[column] = frame[column].astype("int64")
    frame["patient_nps"] = (
        100.0 * (frame["promoters"] - frame["detractors"]) / frame["patient_responses"]
    ).astype("float64")
    frame = frame.sort_values(
        ["site_id", "team_id", "month"], na_position="first", kind="stable"
    ).reset_index(drop=True)
    return frame[list(PATIENT_NPS_COLUMNS)]


def site_month_kpis(
    *, organization: Organization, start: date, end: date
) -> pd.DataFrame:
    """Practice KPIs per site and month, one column per KPI.

    Columns: ``site_id``, ``month``, then ``new_patients``, ``referrals``,
    ``show_rate`` (0-1), ``capacity_utilisation`` (0-1, actual / potential
    appointment slots), ``days_in_ar``, ``average_wait_minutes``,
    ``complaints``, ``complaints_resolved`` as floats, NaN where the KPI was not
    reported that month. One row per site-month with at least one KPI; sorted
    by site and month.
    """
    first, after = month_window(start, end)
    rows = PracticeKPI.objects.filter(
        site_id__in=_organization_sites(organization),
        month__gte=first,
        month__lt=after,
    ).values_list("site_id", "month", "kpi", "value")
    long = pd.DataFrame.from_records(
        list(rows), columns=["site_id", "month", "kpi", "value"]
    )
    long["value"] = long["value"].astype("float64")
    if long.empty:
        wide = pd.DataFrame(columns=["site_id", "month", *KPI_NAMES])
    else:
        # (site, month, kpi) is unique in the table: "first" takes the value.
        wide = long.pivot_table(
            index=["site_id", "month"], columns="kpi", values="value", aggfunc="first"
        )
        wide = wide.reindex(columns=list(KPI_NAMES)).reset_index()
        wide.columns.name = None
    wide["site_id"] = wide["site_id"].astype("int64")
    wide["month"] = pd.to_datetime(wide["month"])
    for name in KPI_NAMES:
        wide[name] = wide[name].astype("float64")
    wide = wide.sort_values(["site_id", "month"], kind="stable")
    return wide.reset_index(drop=True)[["site_id", "month", *KPI_NAMES]]


# --- the team-month panel and person spells for reports/analysis -------------

PANEL_FRAME_COLUMNS = (*PANEL_COLUMNS, "cpd_hours_per_head")
PEOPLE_FRAME_COLUMNS = PEOPLE_COLUMNS
PANEL_KEYS = ("site", "team", "month")


def _frame(records: list[dict], columns: list[str]) -> pd.DataFrame:
    frame = pd.DataFrame.from_records(records, columns=columns)
    frame["month"] = pd.to_datetime(frame["month"])
    return frame


def _team_month_leavers(organization: Organization, first: date, after: date):
    """Voluntary and involuntary leavers by termination month and last team.

    The last team is the spell that began before the termination date most
    recently (the person's current team when their history has no spell).
    Leavers whose reason was not recorded count in neither column.
    """
    last_team = (
        TeamMembership.objects.filter(
            staff_member=OuterRef("pk"), start_date__lt=OuterRef("termination_date")
        )
        .order_by("-start_date", "-pk")
        .values("team_id")[:1]
    )
    rows = (
        StaffMember.objects.filter(
            organization=organization,
            termination_date__gte=first,
            termination_date__lt=after,
        )
        .annotate(
            last_team=Coalesce(
                Subquery(last_team), F("team_id"), output_field=BigIntegerField()
            ),
            month=TruncMonth("termination_date"),
        )
        .values("last_team", "month", "termination_reason")
        .annotate(leavers=Count("pk"))
        .order_by()
    )
    frame = pd.DataFrame.from_records(
        list(rows), columns=["last_team", "month", "termination_reason", "leavers"]
    )
    frame["month"] = pd.to_datetime(frame["month"])
    wide = frame.pivot_table(
        index=["last_team", "month"],
        columns="termination_reason",
        values="leavers",
        aggfunc="sum",
        fill_value=0,
    ).reindex(
        columns=[TerminationReason.VOLUNTARY, TerminationReason.INVOLUNTARY],
        fill_value=0,
    )
    wide.columns = ["voluntary_leavers", "involuntary_leavers"]
    wide.index.names = ["team_id", "month"]
    return wide.reset_index()


def team_month_panel(
    *,
    organization: Organization,
    start: date,
    end: date,
    until: date | None = None,
    patients: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """The analysis panel: one row per team and month (reports.analysis.panel).

    Columns PANEL_FRAME_COLUMNS, in these units:

    - ``site``, ``team``: names (a team name is unique within its site);
      ``month``: first day, datetime64;
    - ``headcount``: average number of people in the team on each day of the
      month, from TeamMembership spells while employed;
    - ``voluntary_leavers``, ``involuntary_leavers``: people whose employment
      ended that month, counted in their last team;
    - ``engagement`` (0-100), ``burnout_rate`` (0-1), ``enps`` (-100..100),
      ``respondents``: from released survey rounds by the responses' snapshotted
      team and the round's period, else imported pulse history (see
      reports/survey_months.py); NaN and 0 respondents without a survey;
    - ``recognitions_per_head``: approved recognitions / headcount;
    - ``training_compliance`` (0-1) and ``cpd_hours_per_head``;
    - ``coverage`` (0-1, NaN when the team requires no skill) and ``spof_count``;
    - ``patient_nps`` (-100..100, NaN without answers) and ``patient_responses``
      for feedback given for the team (site-level feedback is not a team's).

    A team-month is a row when the team had people, leavers, a survey or patient
    answers that month. Months are judged up to ``until`` (default: today where
    the organization works), so the current month is never judged on days still
    to come. ``attrs["engagement_individual_variance"]`` holds the pooled
    variance of one respondent's engagement around their team-month mean (None
    without at least two answers in a team-month). A fixed number of queries,
    whatever the number of teams and months; ``patients`` is
    ``team_month_patient_nps`` for the same months if the caller already has it.
    """
    until = until or organization_today(organization)
    first, after = month_window(start, end)
    last = after - timedelta(days=1)
    keys = ["team_id", "month"]
    teams = pd.DataFrame.from_records(
        list(
            Team.objects.filter(site__organization=organization).values_list(
                "pk", "site__name", "name"
            )
        ),
        columns=["team_id", "site", "team"],
    )
    staffing = _frame(
        team_month_recognitions(organization=organization, start=first, end=last),
        ["team_id", "month", "headcount", "recognitions_per_head"],
    )
    leavers = _team_month_leavers(organization, first, after)
    survey = team_month_survey(organization=organization, start=first, end=last)
    if patients is None:
        patients = team_month_patient_nps(
            organization=organization, start=first, end=last
        )
    patients = patients[patients["team_id"].notna()].astype({"team_id": "int64"})
    training = _frame(
        team_month_training(
            organization=organization, start=first, end=last, until=until
        ),
        ["team_id", "month", "training_compliance", "cpd_hours_per_head"],
    )
    skills = _frame(
        team_month_coverage(
            organization=organization, start=first, end=last, until=until
        ),
        ["team_id", "month", "coverage", "spof_count"],
    )

    present = pd.concat(
        [
            staffing.loc[staffing["headcount"] > 0, keys],
            leavers[keys],
            survey[keys],
            patients[keys],
        ]
    ).drop_duplicates()
    panel = present.astype({"team_id": "int64", "month": "datetime64[ns]"})
    for part in (
        staffing,
        leavers,
        survey[[*keys, "engagement", "burnout_rate", "enps", "respondents"]],
        training,
        skills,
        patients[[*keys, "patient_nps", "patient_responses"]],
    ):
        part = part.astype({"team_id": "int64", "month": "datetime64[ns]"})
        panel = panel.merge(part, on=keys, how="left", validate="one_to_one")
    panel = panel.merge(teams, on="team_id", how="inner", validate="many_to_one")
    counts = [
        "voluntary_leavers",
        "involuntary_leavers",
        "respondents",
        "spof_count",
        "patient_responses",
    ]
    panel[counts] = panel[counts].fillna(0).astype("int64")
    floats = [c for c in PANEL_FRAME_COLUMNS if c not in (*counts, *PANEL_KEYS)]
    panel[floats] = panel[floats].astype("float64")
    panel["headcount"] = panel["headcount"].fillna(0.0)
    panel = panel.sort_values(["site", "team", "month"], kind="stable")
    panel = panel.reset_index(drop=True)[list(PANEL_FRAME_COLUMNS)]
    panel.attrs["engagement_individual_variance"] = _pooled_variance(survey)
    return panel


def _pooled_variance(survey: pd.DataFrame) -> float | None:
    rows = survey[(survey["source"] == ROUNDS) & (survey["engagement_n"] >= 2)]
    degrees = float((rows["engagement_n"] - 1).sum())
    if degrees < 1:
        return None
    return float(rows["engagement_within_ss"].sum()) / degrees


def people_frame(*, organization: Organization, start: date, end: date) -> pd.DataFrame:
    """Person spells in counting-process form for the survival models.

    Columns PEOPLE_FRAME_COLUMNS (reports/analysis/survival.py): ``person``
    (an opaque id), ``site``, ``team``, ``job_role`` (names; the role is the
    current one, the only one kept), ``tenure_band`` (as in surveys), ``start``
    and ``stop`` (months since hire, start < stop), ``event`` (1 = left
    voluntarily at ``stop``), ``cross_training_breadth`` (skills held at level 2
    or above). Each TeamMembership spell, cut to the employment and to the
    months from ``start``'s through ``end``'s, is split wherever the tenure band
    or the breadth changes, so every row's covariates hold throughout it. A
    transfer ends a spell with event 0 and the next one carries on (censoring,
    not leaving); involuntary leaving is event 0; people still employed at the
    end are censored there. Two queries.
    """
    first, after = month_window(start, end)
    spells = (
        TeamMembership.objects.filter(
            Q(end_date__isnull=True) | Q(end_date__gt=first),
            staff_member__organization=organization,
            start_date__lt=after,
        )
        .filter(
            Q(staff_member__termination_date__isnull=True)
            | Q(staff_member__termination_date__gt=first)
        )
        .values_list(
            "staff_member_id",
            "team__site__name",
            "team__name",
            "staff_member__job_role__name",
            "start_date",
            "end_date",
            "staff_member__hire_date",
            "staff_member__termination_date",
            "staff_member__termination_reason",
        )
        .order_by("staff_member_id", "start_date", "pk")
    )
    assessments = (
        SkillAssessment.objects.filter(
            staff_member__organization=organization, assessed_on__lt=after
        )
        .values_list("staff_member_id", "skill_id", "level", "assessed_on")
        .order_by("staff_member_id", "assessed_on", "pk")
    )
    breadth = breadth_changes(assessments)
    rows = []
    for spell in spells:
        rows.extend(spell_rows(spell, first, after, breadth.get(spell[0], ())))
    frame = pd.DataFrame.from_records(rows, columns=list(PEOPLE_FRAME_COLUMNS))
    return frame.astype(
        {
            "person": "object",
            "site": "object",
            "team": "object",
            "job_role": "object",
            "tenure_band": "object",
            "start": "float64",
            "stop": "float64",
            "event": "int64",
            "cross_training_breadth": "int64",
        }
    )

"""Owner, HR and site manager dashboards, drawn from ``reports.health``.

``reports.health.flywheel_health`` computes the figures (and the PDF report uses
the same); this module only turns them into tables and charts, and adds what a
web dashboard shows that the report does not: trends per site over the last
twelve months and the leavers list. The caller scopes: an organization for
owner and HR, one site from ``visible_sites`` for a site manager.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from reports import charts
from reports.health import (
    FlywheelHealth,
    ReportPeriod,
    flywheel_health,
    nps_value,
)
from reports.selectors import team_month_patient_nps
from surveys.models import Measure, Round, RoundStatus
from surveys.results import NoResults, Scope, results_payload
from workforce.models import Organization, Site, StaffMember, TerminationReason
from workforce.recognition.dates import add_months, organization_today

from .tables import Hidden, Table

TREND_MONTHS = 12
TREND_ROUNDS = 6
HOT_SPOTS = 10
OWNER, HR, SITE = "owner", "hr", "site"
TURNOVER_GROUPS = (
    ("site", gettext_lazy("by site")),
    ("team", gettext_lazy("by team")),
    ("job_role", gettext_lazy("by job role")),
    ("tenure_band", gettext_lazy("by time in the organization")),
)


def default_period(organization: Organization) -> ReportPeriod:
    """The last complete month where the organization works."""
    return ReportPeriod.previous_month(organization_today(organization))


# --- tables from the health figures ---------------------------------------------


def stages_table(health: FlywheelHealth) -> Table:
    rows = []
    for stage in health.stages:
        for measurement in stage.measurements:
            rows.append(
                [
                    stage.name,
                    measurement.name,
                    measurement.display,
                    measurement.target,
                    measurement.status_label,
                ]
            )
    return Table(
        slug="flywheel",
        title=_("Flywheel stages against targets"),
        headers=[_("Stage"), _("Measure"), _("Value"), _("Target"), _("Status")],
        rows=rows,
    )


def heatmap_table(health: FlywheelHealth) -> Table:
    """The latest released round's scores per team, suppressed as published."""
    heatmap = health.heatmap
    rows = []
    for row in heatmap.rows:
        if row.suppressed:
            reason = Hidden(
                row.note
                or _("hidden: fewer than %(k)d responses")
                % {"k": heatmap.min_group_size}
            )
            rows.append([row.label, reason] + [reason] * len(heatmap.measures))
            continue
        rows.append(
            [row.label, row.respondents]
            + [
                Hidden(_("hidden")) if row.scores[code] is None else row.scores[code]
                for code, _label in heatmap.measures
            ]
        )
    return Table(
        slug="survey",
        title=_("Survey scores by team"),
        headers=[_("Group"), _("Responses")]
        + [label for _code, label in heatmap.measures],
        rows=rows,
        numeric=frozenset(range(1, 2 + len(heatmap.measures))),
        note=(
            _("Latest released round: %(round)s (%(period)s).")
            % {"round": heatmap.round_label, "period": heatmap.round_period}
            if heatmap.round_id
            else _("No survey round has released results yet.")
        ),
    )


def burnout_hot_spots(health: FlywheelHealth) -> Table:
    """Teams with the highest burnout among those whose figure is released."""
    code = str(Measure.BURNOUT)
    shown = [
        row
        for row in health.heatmap.rows
        if row.kind in ("team", "other_teams")
        and not row.suppressed
        and row.scores.get(code) is not None
    ]
    shown.sort(key=lambda row: -row.scores[code])
    hidden = sum(
        1
        for row in health.heatmap.rows
        if row.kind in ("team", "other_teams")
        and (row.suppressed or row.scores.get(code) is None)
    )
    return Table(
        slug="burnout",
        title=_("Burnout hot spots"),
        headers=[_("Team"), _("Responses"), _("Burnout (% of respondents)")],
        rows=[
            [row.label, row.respondents, row.scores[code]] for row in shown[:HOT_SPOTS]
        ],
        numeric=frozenset({1, 2}),
        note=(
            _(
                "%(count)d teams have no burnout figure this round: too few "
                "answered for it to stay anonymous."
            )
            % {"count": hidden}
            if hidden
            else ""
        ),
    )


def turnover_table(health: FlywheelHealth, group_by: str, title: str) -> Table:
    rows = [
        [
            row.label,
            row.headcount,
            row.voluntary_leavers,
            row.involuntary_leavers,
            row.voluntary_rate,
            row.involuntary_rate,
            row.status_label,
        ]
        for row in health.turnover
        if row.group_by == group_by
    ]
    return Table(
        slug=f"turnover-{group_by.replace('_', '-')}",
        title=_("Turnover %(by)s") % {"by": title},
        headers=[
            _("Group"),
            _("Average headcount"),
            _("Voluntary leavers"),
            _("Involuntary leavers"),
            _("Voluntary turnover (% a year)"),
            _("Involuntary turnover (% a year)"),
            _("Against the 15% target"),
        ],
        rows=rows,
        numeric=frozenset({1, 2, 3, 4, 5}),
    )


def leavers_table(organization: Organization, site: Site | None, first, last) -> Table:
    """Who left in the window, with why: HR records, never survey data."""
    leavers = StaffMember.objects.filter(
        organization=organization,
        termination_date__gte=first,
        termination_date__lte=last,
    ).select_related("site", "team", "job_role")
    if site is not None:
        leavers = leavers.filter(site=site)
    return Table(
        slug="leavers",
        title=_("Leavers"),
        headers=[
            _("Name"),
            _("Site"),
            _("Team"),
            _("Job role"),
            _("Hired"),
            _("Left"),
            _("Reason"),
        ],
        rows=[
            [
                person.full_name,
                person.site.name,
                person.team.name if person.team else "",
                person.job_role.name if person.job_role else "",
                person.hire_date.isoformat(),
                person.termination_date.isoformat(),
                str(TerminationReason(person.termination_reason).label)
                if person.termination_reason
                else "",
            ]
            for person in leavers.order_by("-termination_date", "full_name")
        ],
    )


def training_tables(health: FlywheelHealth) -> list[Table]:
    training = health.training
    by_team = Table(
        slug="training",
        title=_("Training compliance by team"),
        headers=[
            _("Team"),
            _("Required certificates"),
            _("Valid"),
            _("Compliance (%)"),
            _("Status"),
        ],
        rows=[
            [
                f"{row.team} – {row.site}",
                row.required,
                row.valid,
                row.compliance,
                charts.STATUS_LABELS.get(row.status, row.status),
            ]
            for row in training.by_team
        ],
        numeric=frozenset({1, 2, 3}),
    )
    expiring = Table(
        slug="certificates",
        title=_("Certificates expired, expiring or missing"),
        headers=[
            _("Course"),
            _("Missing"),
            _("Expired"),
            _("Expiring within 30 days"),
            _("Within 60 days"),
            _("Within 90 days"),
        ],
        rows=[
            [
                course.course,
                course.missing,
                course.expired,
                course.expiring_30,
                course.expiring_60,
                course.expiring_90,
            ]
            for course in training.courses
        ],
        numeric=frozenset({1, 2, 3, 4, 5}),
    )
    return [by_team, expiring]


def recognition_table(health: FlywheelHealth) -> Table:
    return Table(
        slug="recognition",
        title=_("Recognition per head by team"),
        headers=[_("Team"), _("People"), _("Recognitions"), _("Per head")],
        rows=[
            [
                f"{row.team} – {row.site}",
                row.people,
                Hidden(row.hidden) if row.hidden else row.recognitions,
                Hidden(row.hidden) if row.hidden else row.per_head,
            ]
            for row in health.recognition
        ],
        numeric=frozenset({1, 2, 3}),
        note=_(
            "Teams smaller than the anonymity threshold, and any team that would "
            "let one be worked out, show no figures."
        ),
    )


def findings_table(health: FlywheelHealth) -> Table:
    def interval(low, high):
        if low is None or high is None:
            return ""
        return f"{low:.2f} to {high:.2f}"

    return Table(
        slug="findings",
        title=_("What the analysis found"),
        headers=[
            _("Link"),
            _("Result"),
            _("Estimate"),
            _("95% interval"),
            _("Corrected for noise"),
            _("Reliability"),
            _("Smallest detectable effect"),
            _("Teams"),
            _("In plain words"),
        ],
        rows=[
            [
                finding.title,
                finding.status_label,
                finding.estimate,
                interval(finding.ci_low, finding.ci_high),
                interval(finding.ci_low_corrected, finding.ci_high_corrected),
                finding.reliability,
                finding.min_detectable_effect,
                finding.n_teams,
                " ".join(filter(None, [finding.sentence, finding.attenuation_note])),
            ]
            for finding in health.findings
        ],
        numeric=frozenset({2, 5, 6, 7}),
    )


# --- charts -------------------------------------------------------------------------


def flywheel_chart(health: FlywheelHealth) -> charts.Chart:
    stages = [(s.name, s.status, s.figure) for s in health.stages]
    return charts.flywheel_cycle(
        title=_("The flywheel: %(scope)s, %(period)s")
        % {"scope": health.scope.label, "period": health.period.label},
        alt=_("The five flywheel stages in a ring, each coloured by status: ")
        + "; ".join(
            f"{name}: {charts.STATUS_LABELS[status]}" for name, status, _f in stages
        ),
        stages=stages,
    )


def turnover_chart(health: FlywheelHealth, group_by: str) -> charts.Chart | None:
    rows = [row for row in health.turnover if row.group_by == group_by]
    if not rows:
        return None
    return charts.bar_chart(
        title=_("Voluntary turnover by %(group)s, last 12 months")
        % {"group": _("site") if group_by == "site" else _("team")},
        alt=_(
            "Voluntary turnover, annualised, for %(count)d groups; the dashed "
            "line is the 15%% a year target."
        )
        % {"count": len(rows)},
        categories=[row.label for row in rows],
        values=[row.voluntary_rate for row in rows],
        value_label=_("% a year"),
        target=15.0,
        statuses=[row.status for row in rows],
        digits=1,
        unit="%",
    )


def retention_chart(health: FlywheelHealth) -> charts.Chart | None:
    points = health.retention
    if not points:
        return None
    chart = charts.line_chart(
        title=_("Retention: share still employed by months since hire"),
        alt=_(
            "Kaplan–Meier retention curve of the people employed in the last 12 "
            "months: %(last)s%% were still employed %(months)s months after hire."
        )
        % {
            "last": f"{100 * points[-1].survival:.0f}",
            "months": f"{points[-1].months:.0f}",
        },
        x_labels=[f"{point.months:.0f}" for point in points],
        series={
            _("Still employed (%)"): [100 * p.survival for p in points],
            _("Lower 95% bound"): [100 * p.ci_low for p in points],
            _("Upper 95% bound"): [100 * p.ci_high for p in points],
        },
        y_label=_("% still employed"),
        unit="%",
    )
    return chart


def heatmap_chart(health: FlywheelHealth) -> charts.Chart | None:
    heatmap = health.heatmap
    if not heatmap.rows or not heatmap.measures:
        return None
    return charts.heatmap(
        title=_("Engagement and burnout by team, %(round)s")
        % {"round": heatmap.round_label},
        alt=_(
            "Survey scores of %(count)d groups coloured by status against target; "
            "hatched cells are hidden for anonymity."
        )
        % {"count": len(heatmap.rows)},
        row_labels=[row.label for row in heatmap.rows],
        column_labels=[label for _code, label in heatmap.measures],
        values=[
            [
                None if row.suppressed else row.scores[code]
                for code, _l in heatmap.measures
            ]
            for row in heatmap.rows
        ],
        statuses=[
            [row.statuses.get(code, "unknown") for code, _l in heatmap.measures]
            for row in heatmap.rows
        ],
    )


def site_trend_charts(
    organization: Organization, sites: list[Site], period: ReportPeriod
) -> list[charts.Chart]:
    """Patient NPS per site by month, and engagement per site by released round."""
    last = period.last_day
    first = add_months(period.last_month, -(TREND_MONTHS - 1))
    months = [add_months(first, i) for i in range(TREND_MONTHS)]
    labels = [f"{m:%Y-%m}" for m in months]
    patients = team_month_patient_nps(organization=organization, start=first, end=last)
    totals: dict[tuple[int, str], list[int]] = defaultdict(lambda: [0, 0, 0])
    for row in patients.itertuples():
        cell = totals[(int(row.site_id), f"{row.month:%Y-%m}")]
        cell[0] += int(row.promoters)
        cell[1] += int(row.detractors)
        cell[2] += int(row.patient_responses)
    nps = {
        site.name: [nps_value(*totals[(site.pk, label)]) for label in labels]
        for site in sites
    }
    result = [
        charts.line_chart(
            title=_("Patient NPS by site and month"),
            alt=_(
                "Patient NPS of %(count)d sites over the 12 months to %(end)s; the "
                "dashed line is the target of 70. Months with too few answers are gaps."
            )
            % {"count": len(sites), "end": period.label},
            x_labels=labels,
            series=nps,
            y_label=_("Patient NPS"),
            target=70.0,
        )
    ]
    engagement = site_engagement_trend(organization, sites, last)
    if engagement is not None:
        result.append(engagement)
    return result


def site_engagement_trend(
    organization: Organization, sites: list[Site], on_or_before: datetime.date
) -> charts.Chart | None:
    """Each site's engagement index in the last released rounds, as published."""
    rounds = list(
        Round.objects.filter(
            organization=organization,
            status=RoundStatus.RELEASED,
            period__lte=on_or_before,
        )
        .select_related("survey", "organization")
        .order_by("-period", "-pk")[:TREND_ROUNDS]
    )[::-1]
    if not rounds:
        return None
    scope = Scope.whole(organization)
    site_ids = {site.pk: site.name for site in sites}
    series = {name: [] for name in site_ids.values()}
    labels = []
    for round_ in rounds:
        try:
            payload = results_payload(round_, scope)
        except NoResults:
            continue
        labels.append(round_.period.strftime("%Y-%m"))
        values = {}
        for group in payload["groups"]:
            if group["kind"] == "site" and group["site"] in site_ids:
                cell = group.get("scores", {}).get(str(Measure.ENGAGEMENT)) or {}
                values[group["site"]] = cell.get("value")
        for site_id, name in site_ids.items():
            series[name].append(values.get(site_id))
    return charts.line_chart(
        title=_("Engagement index by site and survey round"),
        alt=_(
            "Engagement index (0–100) of %(count)d sites over the last %(rounds)d "
            "released rounds; the dashed line is the target of 70. Gaps are hidden "
            "for anonymity."
        )
        % {"count": len(sites), "rounds": len(labels)},
        x_labels=labels,
        series=series,
        y_label=_("Engagement (0–100)"),
        target=70.0,
        digits=1,
    )


# --- the dashboards ---------------------------------------------------------------


@dataclass
class Section:
    """A heading with its charts and tables, in page order."""

    slug: str
    title: str
    charts: list[charts.Chart]
    tables: list[Table]
    intro: str = ""


@dataclass
class OrganizationDashboard:
    kind: str  # OWNER, HR or SITE
    health: FlywheelHealth
    sections: list[Section]

    def tables(self) -> list[Table]:
        return [table for section in self.sections for table in section.tables]


def _health(organization, site, period) -> FlywheelHealth:
    return flywheel_health(organization=organization, site=site, period=period)


def flywheel_section(health: FlywheelHealth) -> Section:
    return Section(
        "flywheel",
        _("The flywheel against its targets"),
        [flywheel_chart(health)],
        [stages_table(health)],
    )


def trends_section(
    health: FlywheelHealth, title: str, sites: list[Site], tables: list[Table]
) -> Section:
    """Patient NPS and engagement per site in ``sites``, then ``tables``."""
    charts_ = site_trend_charts(health.scope.organization, sites, health.period)
    return Section("trends", title, charts_, tables)


def owner_dashboard(
    *, organization: Organization, period: ReportPeriod
) -> OrganizationDashboard:
    health = _health(organization, None, period)
    sites = list(organization.sites.order_by("name"))
    return OrganizationDashboard(
        kind=OWNER,
        health=health,
        sections=[
            flywheel_section(health),
            trends_section(
                health,
                _("Trends per site"),
                sites,
                [turnover_table(health, "site", _("by site"))],
            ),
            Section(
                "findings",
                _("What the analysis found"),
                [],
                [findings_table(health)],
                intro=_(
                    "Links measured across your teams month by month, with their "
                    "95% intervals. They are associations, not proof of cause."
                ),
            ),
        ],
    )


def people_sections(health: FlywheelHealth, *, groups) -> list[Section]:
    """Turnover, retention, leavers, burnout, training and recognition."""
    organization, site = health.scope.organization, health.scope.site
    turnover_charts = [
        chart
        for chart in (
            turnover_chart(health, "site" if site is None else "team"),
            retention_chart(health),
        )
        if chart is not None
    ]
    return [
        Section(
            "turnover",
            _("Turnover and retention"),
            turnover_charts,
            [turnover_table(health, key, title) for key, title in groups],
            intro=_(
                "Leavers in the 12 months to the end of %(period)s per average "
                "head, as a yearly rate. Target: voluntary turnover under 15%% a year."
            )
            % {"period": health.period.label},
        ),
        Section(
            "leavers",
            _("Leavers"),
            [],
            [
                leavers_table(
                    organization, site, health.window_first, health.period.last_day
                )
            ],
        ),
        Section(
            "burnout",
            _("Burnout hot spots"),
            [c for c in (heatmap_chart(health),) if c is not None],
            [burnout_hot_spots(health), heatmap_table(health)],
        ),
        Section(
            "training",
            _("Training compliance and expiring certificates"),
            [],
            training_tables(health),
        ),
        Section(
            "recognition",
            _("Recognition fairness"),
            [],
            [recognition_table(health)],
        ),
    ]


def hr_dashboard(
    *, organization: Organization, period: ReportPeriod
) -> OrganizationDashboard:
    health = _health(organization, None, period)
    return OrganizationDashboard(
        kind=HR,
        health=health,
        sections=people_sections(health, groups=TURNOVER_GROUPS),
    )


def site_dashboard(*, site: Site, period: ReportPeriod) -> OrganizationDashboard:
    organization = site.organization
    health = _health(organization, site, period)
    return OrganizationDashboard(
        kind=SITE,
        health=health,
        sections=[
            flywheel_section(health),
            trends_section(health, _("Trends"), [site], []),
            *people_sections(health, groups=TURNOVER_GROUPS[1:]),
        ],
    )

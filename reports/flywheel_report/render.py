"""The report's HTML and PDF, drawn from ``reports.health.FlywheelHealth``.

Charts are the same ``reports.charts`` objects the web pages use (inline SVG,
scaled to the column by CSS). Paper size is set with ``@page``.
"""

from __future__ import annotations

import io
import logging
import re
from dataclasses import dataclass

from django.template.loader import render_to_string
from django.utils import timezone

from reports import charts
from reports.analysis_output import PATIENT_NPS_TARGET, VOLUNTARY_TURNOVER_TARGET
from reports.health import (
    BURNOUT_TARGET,
    COVERAGE_TARGET,
    MET,
    OFF,
    TRAINING_TARGET,
    UNKNOWN,
    WATCH,
    FlywheelHealth,
)

# Bump when the template or what it shows changes: a new version is a new report.
REPORT_VERSION = 1
PAPER_CSS = {"a4": "A4", "letter": "letter"}
TEMPLATE = "reports/pdf/report.html"
CHART_MEASURES = 4


@dataclass(frozen=True)
class RenderedReport:
    pdf: bytes
    page_count: int
    html: str


def report_charts(health: FlywheelHealth) -> dict[str, charts.Chart | None]:
    """The report's charts by name; None where there is nothing to draw."""
    stages = [(s.name, s.status, s.figure) for s in health.stages]
    drawn: dict[str, charts.Chart | None] = {
        "cycle": charts.flywheel_cycle(
            title="The flywheel",
            alt="The five stages of the flywheel in a ring, each coloured by status: "
            + "; ".join(
                f"{name} {charts.STATUS_LABELS[status]}" for name, status, _f in stages
            ),
            stages=stages,
        )
    }
    heatmap = health.heatmap
    # The chart keeps the four measures that fit its width; the table beside it
    # in the report has them all.
    measures = heatmap.measures[:CHART_MEASURES]
    rows = [r for r in heatmap.rows if not r.suppressed]
    drawn["heatmap"] = None
    if heatmap.rows and measures:
        drawn["heatmap"] = charts.heatmap(
            title=f"Engagement and burnout by team, {heatmap.round_label}",
            alt=(
                f"{len(rows)} groups with figures and "
                f"{len(heatmap.rows) - len(rows)} not shown (too few answers), by "
                "measure; colour is status against target"
            ),
            row_labels=[r.label for r in heatmap.rows],
            column_labels=[label for _code, label in measures],
            values=[
                [None if r.suppressed else r.scores.get(code) for code, _l in measures]
                for r in heatmap.rows
            ],
            statuses=[
                [r.statuses.get(code, UNKNOWN) for code, _l in measures]
                for r in heatmap.rows
            ],
        )
    teams = health.turnover_by("team")
    drawn["turnover"] = (
        charts.bar_chart(
            title="Voluntary turnover by team, % a year",
            alt=(
                "Annualised voluntary turnover for each team over the last twelve "
                f"months; the dashed line is the {VOLUNTARY_TURNOVER_TARGET:g}% target"
            ),
            categories=[r.label for r in teams],
            values=[r.voluntary_rate for r in teams],
            value_label="% a year",
            target=VOLUNTARY_TURNOVER_TARGET,
            statuses=[r.status for r in teams],
            digits=1,
            unit="%",
            extra_columns={
                "Voluntary leavers": [str(r.voluntary_leavers) for r in teams],
                "Involuntary leavers": [str(r.involuntary_leavers) for r in teams],
                "Average headcount": [
                    charts.format_value(r.headcount, 1) for r in teams
                ],
            },
        )
        if teams
        else None
    )
    curve = health.retention
    drawn["retention"] = (
        charts.line_chart(
            title="Retention: share still employed by months since hire",
            alt="Kaplan-Meier share of staff still employed against months since "
            "hire, with the people still at risk in the table",
            x_labels=[f"{p.months:g}" for p in curve],
            series={"Still employed (%)": [100 * p.survival for p in curve]},
            y_label="%",
            digits=1,
        )
        if len(curve) >= 2
        else None
    )
    coverage = health.coverage
    drawn["coverage"] = _team_percent_chart(
        coverage,
        title="Cross-training coverage by team",
        share="Share of each team's required skills held by enough people",
        values=[r.coverage for r in coverage],
        value_label="% of required skills covered",
        target=COVERAGE_TARGET,
        extra_columns={
            "Single points of failure": [
                ", ".join(r.spof_skills) or "none" for r in coverage
            ]
        },
    )
    training = health.training.by_team
    drawn["training"] = _team_percent_chart(
        training,
        title="Training compliance by team",
        share="Share of required certificates valid in each team",
        values=[r.compliance for r in training],
        value_label="% valid",
        target=TRAINING_TARGET,
    )
    recognition = health.recognition
    shown = [r for r in recognition if r.per_head is not None]
    drawn["recognition"] = (
        charts.bar_chart(
            title="Recognitions per head by team",
            alt="Approved recognitions per head in the period; teams smaller than "
            "the anonymity threshold are shown as suppressed",
            categories=[r.label for r in recognition],
            values=[r.per_head for r in recognition],
            value_label="per head",
            digits=2,
        )
        if shown
        else None
    )
    nps = [c for c in health.patient_nps if c.team is None]
    months = sorted({c.month for c in nps})
    sites = sorted({c.site for c in nps})
    drawn["nps"] = (
        charts.line_chart(
            title="Patient NPS by site and month",
            alt=(
                f"Patient NPS per site for each month of {health.period.label}; "
                f"the dashed line is the target of {PATIENT_NPS_TARGET:g}"
            ),
            x_labels=months,
            series={
                site: [
                    next(
                        (c.nps for c in nps if c.site == site and c.month == month),
                        None,
                    )
                    for month in months
                ]
                for site in sites
            },
            y_label="NPS",
            target=PATIENT_NPS_TARGET,
        )
        if nps
        else None
    )
    return drawn


def _team_percent_chart(
    rows, *, title, share, values, value_label, target, extra_columns=None
) -> charts.Chart | None:
    """A bar a team (``rows`` have ``team``, ``site`` and ``status``), in percent
    against ``target``; None when there are no rows."""
    if not rows:
        return None
    return charts.bar_chart(
        title=title,
        alt=f"{share}; the dashed line is the {target:g}% target",
        categories=[f"{r.team} ({r.site})" for r in rows],
        values=values,
        value_label=value_label,
        target=target,
        statuses=[r.status for r in rows],
        unit="%",
        extra_columns=extra_columns,
    )


def report_context(health: FlywheelHealth, *, paper: str, run_label: str = "") -> dict:
    suppressed = [r for r in health.heatmap.rows if r.suppressed]
    return {
        "health": health,
        "charts": report_charts(health),
        "paper": PAPER_CSS[paper],
        "version": REPORT_VERSION,
        "generated_at": timezone.now(),
        "top_findings": health.top_findings(3),
        "suppressed_rows": suppressed,
        "status_labels": charts.STATUS_LABELS,
        "status_colours": charts.STATUS_COLOURS,
        "burnout_target": BURNOUT_TARGET,
        "statuses": {"met": MET, "watch": WATCH, "off": OFF, "unknown": UNKNOWN},
        "run_label": run_label,
    }


def report_html(health: FlywheelHealth, *, paper: str = "a4") -> str:
    """The report's final HTML (what WeasyPrint lays out)."""
    if paper not in PAPER_CSS:
        raise ValueError(f"paper must be one of {', '.join(PAPER_CSS)}, not {paper!r}")
    return render_to_string(TEMPLATE, report_context(health, paper=paper))


# SVG presentation properties in the charts' ``style`` attributes. WeasyPrint's
# CSS parser does not know them and warns once per element (hundreds a report),
# but its SVG renderer reads them itself: strokes, dashes, fills and text
# anchors come out right in the PDF (checked on rendered pages). Other warnings
# (a missing image, a bad CSS rule of ours) still reach the log.
_SVG_STYLE_WARNING = re.compile(
    r"^Ignored `(fill|stroke|text-anchor|clip-path|font-style)[a-z-]*: "
    r".*unknown property\.$"
)


class _SvgStyleWarningFilter(logging.Filter):
    def filter(self, record):
        return not _SVG_STYLE_WARNING.match(record.getMessage())


def html_to_pdf(html: str) -> tuple[bytes, int]:
    """(PDF bytes, page count) of ``html`` with WeasyPrint."""
    # Imported here: loading WeasyPrint is slow, and only rendering needs it.
    import weasyprint

    weasyprint_log = logging.getLogger("weasyprint")
    quiet = _SvgStyleWarningFilter()
    weasyprint_log.addFilter(quiet)
    try:
        document = weasyprint.HTML(string=html).render()
        buffer = io.BytesIO()
        document.write_pdf(buffer)
    finally:
        weasyprint_log.removeFilter(quiet)
    return buffer.getvalue(), len(document.pages)


def report_pdf(health: FlywheelHealth, *, paper: str = "a4") -> RenderedReport:
    html = report_html(health, paper=paper)
    pdf, pages = html_to_pdf(html)
    return RenderedReport(pdf=pdf, page_count=pages, html=html)

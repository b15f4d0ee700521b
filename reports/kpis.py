"""Importing practice KPIs: ``site, month, kpi, value``, one value per row.

All-or-nothing like every import here: the whole file is checked first and
every problem reported by row and column. A site's value of a KPI for a month
is unique; importing it again replaces it (a corrected export from the
practice management system simply overwrites), and KPIs missing from the file
are left as they are.
"""

import re
from dataclasses import asdict, dataclass
from datetime import date
from decimal import Decimal

from django.db import transaction
from django.utils.translation import gettext as _

from reports.models import KPI, PracticeKPI
from reports.patients.csvstream import ImportRejected
from reports.patients.rows import name_key
from workforce.audit import audit_record
from workforce.csvimport import FirstRows, check_rows, parse_decimal, read_rows, shown
from workforce.models import AuditEvent, Organization, Site
from workforce.roster import organization_today

KPI_COLUMNS = ("site", "month", "kpi", "value")
MONTH = re.compile(r"(\d{4})-(\d{2})")
MAX_VALUE = Decimal(10) ** 9

RATES = {KPI.SHOW_RATE, KPI.CAPACITY_UTILISATION}
COUNTS = {
    KPI.NEW_PATIENTS,
    KPI.REFERRALS,
    KPI.COMPLAINTS,
    KPI.COMPLAINTS_RESOLVED,
}
AMOUNTS = {KPI.DAYS_IN_AR, KPI.AVERAGE_WAIT_MINUTES}


@dataclass(frozen=True)
class KpiRow:
    row: int
    site_id: int
    month: date
    kpi: str
    value: Decimal


@dataclass
class KpiImportResult:
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0


def _month(raw: str, today: date) -> tuple[date | None, str]:
    match = MONTH.fullmatch(raw)
    if match is None or not 1 <= int(match[2]) <= 12:
        return None, _("Expected a month as YYYY-MM (e.g. 2024-01), got %(value)s.") % {
            "value": shown(raw)
        }
    month = date(int(match[1]), int(match[2]), 1)
    if month > today.replace(day=1):
        return None, _("%(month)s has not happened yet.") % {"month": raw}
    return month, ""


def _value(raw: str, kpi: str) -> tuple[Decimal | None, str]:
    if kpi in COUNTS:
        value = parse_decimal(raw, places=0)
        if value is None or value >= MAX_VALUE:
            return None, _(
                "%(kpi)s is a count: expected a whole number, 0 or more, got %(value)s."
            ) % {"kpi": kpi, "value": shown(raw)}
        return value, ""
    value = parse_decimal(raw, places=4, leading_point=False)
    if value is None or value >= MAX_VALUE:
        if kpi in RATES:
            message = _(
                "%(kpi)s is a rate: expected a number from 0 to 1 with at most four "
                "decimals (write 85%% as 0.85), got %(value)s."
            )
        else:
            message = _(
                "%(kpi)s: expected a number, 0 or more, with at most four decimals, "
                "got %(value)s."
            )
        return None, message % {"kpi": kpi, "value": shown(raw)}
    if kpi in RATES and value > 1:
        return None, _(
            "%(kpi)s is a rate: expected a number from 0 to 1 (write 85%% as "
            "0.85), got %(value)s."
        ) % {"kpi": kpi, "value": shown(raw)}
    return value, ""


def parse_kpis(data, *, organization: Organization) -> list[KpiRow]:
    """Every row checked; raises ImportRejected listing all problems."""
    rows, problems = read_rows(data, KPI_COLUMNS, rejected=ImportRejected)
    sites = {
        name_key(name): pk
        for pk, name in Site.objects.filter(organization=organization).values_list(
            "pk", "name"
        )
    }
    today = organization_today(organization)
    known = ", ".join(KPI.values)
    first_rows = FirstRows()

    def check(number, raw, fail):
        site_id = sites.get(name_key(raw["site"])) if raw["site"] else None
        if not raw["site"]:
            fail("site", _("Empty; name the site."))
        elif site_id is None:
            fail(
                "site",
                _("%(org)s has no site called %(value)s.")
                % {"org": organization.name, "value": shown(raw["site"])},
            )
        month, message = _month(raw["month"], today)
        if message:
            fail("month", message)
        kpi = raw["kpi"].lower()
        value = None
        if kpi not in KPI.values:
            fail(
                "kpi",
                _("Unknown KPI %(value)s; the known KPIs are: %(known)s.")
                % {"value": shown(raw["kpi"]), "known": known},
            )
        else:
            value, message = _value(raw["value"], kpi)
            if message:
                fail("value", message)
        if site_id is not None and month is not None and kpi in KPI.values:
            key = (site_id, month, kpi)
            earlier = first_rows.earlier(key, number)
            if earlier:
                fail(
                    "",
                    _("Same site, month and KPI as row %(row)d; each may appear once.")
                    % {"row": earlier},
                )
        return KpiRow(number, site_id, month, kpi, value)

    parsed, row_problems = check_rows(rows, check)
    problems.extend(row_problems)
    if problems:
        raise ImportRejected(problems)
    return parsed


def kpi_import(*, organization: Organization, file, actor=None) -> KpiImportResult:
    """Check the whole file, then write every value in one transaction.

    A value for a site, month and KPI already stored is replaced.
    """
    rows = parse_kpis(file, organization=organization)
    result = KpiImportResult(rows=len(rows))
    with transaction.atomic():
        existing = {
            (site_id, month, kpi): value
            for site_id, month, kpi, value in PracticeKPI.objects.select_for_update()
            .filter(
                site_id__in={row.site_id for row in rows},
                month__in={row.month for row in rows},
            )
            .values_list("site_id", "month", "kpi", "value")
        }
        changed = []
        for row in rows:
            current = existing.get((row.site_id, row.month, row.kpi))
            if current is None:
                result.created += 1
            elif current == row.value:
                result.unchanged += 1
                continue
            else:
                result.updated += 1
            changed.append(
                PracticeKPI(
                    site_id=row.site_id, month=row.month, kpi=row.kpi, value=row.value
                )
            )
        # An upsert, so an import racing another cannot trip the unique key.
        PracticeKPI.objects.bulk_create(
            changed,
            batch_size=1000,
            update_conflicts=True,
            unique_fields=["site", "month", "kpi"],
            update_fields=["value", "updated_at"],
        )
        audit_record(
            organization=organization,
            actor=actor,
            action=AuditEvent.Action.IMPORT_APPLIED,
            target="Import of practice KPIs",
            detail={"kind": "practice KPIs", **asdict(result)},
        )
    return result

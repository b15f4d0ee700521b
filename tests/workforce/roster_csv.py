"""Building roster CSV files for the roster import tests."""

import csv
import io

from workforce.models import JobRole, Site, StaffMember, Team, TeamMembership
from workforce.roster import COLUMNS

DEFAULTS = {
    "employee_id": "E1",
    "full_name": "Ana Diaz",
    "email": "ana@example.com",
    "phone": "+1 555 0100",
    "site": "Northside",
    "team": "Front desk",
    "job_role": "Receptionist",
    "employment_type": "full_time",
    "fte": "1",
    "hire_date": "2024-01-15",
    "termination_date": "",
    "termination_reason": "",
}


def person(**values):
    """One row as a dict, defaults filled in."""
    unknown = set(values) - set(DEFAULTS)
    assert not unknown, unknown
    return {**DEFAULTS, **values}


def roster_csv(*rows, columns=COLUMNS, newline="\r\n") -> str:
    """A roster file: header then ``rows`` (dicts from :func:`person`)."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator=newline)
    writer.writerow(columns)
    for row in rows:
        writer.writerow([row.get(column, "") for column in columns])
    return buffer.getvalue()


def table_counts() -> dict:
    """Row counts of everything an import may write."""
    return {
        model.__name__: model.objects.count()
        for model in (StaffMember, Site, Team, JobRole, TeamMembership)
    }


def spells(staff_member):
    """(team name, start, end) of a person's memberships, oldest first."""
    return [
        (m.team.name, m.start_date.isoformat(), m.end_date and m.end_date.isoformat())
        for m in staff_member.memberships.select_related("team").order_by(
            "start_date", "pk"
        )
    ]

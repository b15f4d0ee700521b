"""``training_import``: completions from a CSV, all-or-nothing.

Columns ``employee_id, course, completed_on, expires_on, cpd_hours``. The
whole file is read and checked against the database before anything is
written; every problem names its row (as a spreadsheet numbers them, header =
1) and column.

Unknown courses are refused rather than created: a course's validity decides
every expiry, and a typo that silently made a new course with no validity
would make certificates look valid for ever. The error lists the known names.

An empty ``expires_on`` is computed from the course's validity; an empty
``cpd_hours`` is 0. A row for a person, course and completion date already
recorded corrects its expiry and CPD hours, so re-importing a file changes
nothing.
"""

from dataclasses import asdict, dataclass
from datetime import date
from decimal import Decimal

from django.db import transaction
from django.utils.translation import gettext as _

from workforce.audit import audit_record
from workforce.csvimport import (
    FirstRows,
    Progress,
    bulk_write,
    check_rows,
    date_cell,
    no_progress,
    parse_decimal,
    read_rows,
    shown,
    staff_pks,
    unknown_employee_ids,
)
from workforce.models import AuditEvent, Organization
from workforce.recognition.dates import organization_today
from workforce.skills.csvfile import SkillsImportError

from .expiry import expiry_from
from .models import Completion, Course
from .services import normalise_course_name

COLUMNS = ("employee_id", "course", "completed_on", "expires_on", "cpd_hours")
MAX_CPD_HOURS = Decimal("9999.99")


class TrainingImportError(SkillsImportError):
    """The file was rejected; ``errors`` lists every problem found."""


@dataclass(frozen=True)
class CompletionRow:
    row: int
    employee_id: str
    course: Course
    completed_on: date
    expires_on: date | None
    cpd_hours: Decimal


@dataclass
class ImportResult:
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0


def _cpd(raw: str, fail) -> Decimal | None:
    if raw == "":
        return Decimal(0)
    hours = parse_decimal(raw, places=2, signed=True)
    if hours is None:
        fail(
            "cpd_hours",
            _(
                "Expected a number of hours such as 1.5 (at most two decimals), "
                "got %(value)s."
            )
            % {"value": shown(raw)},
        )
        return None
    if hours < 0:
        fail("cpd_hours", _("Must be 0 or more, got %(value)s.") % {"value": raw})
        return None
    if hours > MAX_CPD_HOURS:
        fail(
            "cpd_hours",
            _("At most %(max)s hours, got %(value)s.")
            % {"max": MAX_CPD_HOURS, "value": raw},
        )
        return None
    return hours


def parse_training(
    data, *, organization: Organization, today: date | None = None
) -> list[CompletionRow]:
    """Every row checked, against the organization's staff and courses too;
    raises TrainingImportError listing all problems."""
    today = today or organization_today(organization)
    courses = {
        course.name.casefold(): course
        for course in Course.objects.filter(organization=organization)
    }
    known_names = ", ".join(sorted(course.name for course in courses.values()))
    rows, errors = read_rows(data, COLUMNS, rejected=TrainingImportError)
    first_rows = FirstRows()

    def check(number, raw, fail):
        employee_id = raw["employee_id"]
        if not employee_id:
            fail("employee_id", _("Empty; give the person's employee id."))
        course_name = normalise_course_name(raw["course"])
        course = None
        if not course_name:
            fail("course", _("Empty; name the course."))
        else:
            course = courses.get(course_name.casefold())
            if course is None:
                fail(
                    "course",
                    _(
                        "No course %(value)s in %(org)s; add it in the back office "
                        "first (its validity decides the expiry). Known courses: "
                        "%(names)s."
                    )
                    % {
                        "value": shown(course_name),
                        "org": organization.name,
                        "names": known_names or _("none yet"),
                    },
                )
        completed_on = date_cell(raw["completed_on"], "completed_on", fail)
        if completed_on is not None and completed_on > today:
            fail(
                "completed_on",
                _("%(day)s is in the future; today is %(today)s.")
                % {"day": completed_on.isoformat(), "today": today.isoformat()},
            )
            completed_on = None
        expires_on = None
        if raw["expires_on"]:
            expires_on = date_cell(raw["expires_on"], "expires_on", fail)
            if expires_on and completed_on and expires_on < completed_on:
                fail(
                    "expires_on",
                    _("%(expires)s is before the completion date %(completed)s.")
                    % {
                        "expires": expires_on.isoformat(),
                        "completed": completed_on.isoformat(),
                    },
                )
        elif course is not None and completed_on is not None:
            expires_on = expiry_from(completed_on, course.validity_months)
        cpd_hours = _cpd(raw["cpd_hours"], fail)
        if employee_id and course and completed_on:
            key = (employee_id, course.pk, completed_on)
            earlier = first_rows.earlier(key, number)
            if earlier:
                fail(
                    "",
                    _(
                        "Same person, course and completion date as row %(row)d; "
                        "each may appear once."
                    )
                    % {"row": earlier},
                )
        return CompletionRow(
            number, employee_id, course, completed_on, expires_on, cpd_hours
        )

    parsed, row_errors = check_rows(rows, check)
    errors.extend(row_errors)
    errors.extend(unknown_employee_ids(organization, parsed))
    if errors:
        raise TrainingImportError(errors)
    return parsed


def training_import(
    *,
    organization: Organization,
    file,
    progress: Progress = no_progress,
    actor=None,
) -> ImportResult:
    """Check the whole file, then write every completion in one transaction."""
    rows = parse_training(file, organization=organization)
    progress("checked", len(rows), len(rows))
    result = ImportResult(rows=len(rows))
    with transaction.atomic():
        people = staff_pks(organization, rows)
        existing = {
            (c.staff_member_id, c.course_id, c.completed_on): c
            for c in Completion.objects.filter(
                staff_member_id__in=people.values(),
                course_id__in={row.course.pk for row in rows},
            )
        }
        to_create, to_update = [], []
        for row in rows:
            key = (people[row.employee_id], row.course.pk, row.completed_on)
            current = existing.get(key)
            if current is None:
                to_create.append(
                    Completion(
                        staff_member_id=key[0],
                        course=row.course,
                        completed_on=row.completed_on,
                        expires_on=row.expires_on,
                        cpd_hours=row.cpd_hours,
                    )
                )
            elif (current.expires_on, current.cpd_hours) != (
                row.expires_on,
                row.cpd_hours,
            ):
                current.expires_on, current.cpd_hours = row.expires_on, row.cpd_hours
                to_update.append(current)
            else:
                result.unchanged += 1
        bulk_write(
            Completion, to_create, to_update, ["expires_on", "cpd_hours"], progress
        )
        result.created, result.updated = len(to_create), len(to_update)
        audit_record(
            organization=organization,
            actor=actor,
            action=AuditEvent.Action.IMPORT_APPLIED,
            target="Import of training completions",
            detail={"kind": "training completions", **asdict(result)},
        )
    return result

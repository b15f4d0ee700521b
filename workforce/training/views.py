"""Training pages. Who sees whom: ``workforce.selectors.visible_staff``; whose
evidence and completions: ``selectors.visible_completions``.

- The matrix and its CSV are for owner, HR, site managers and team leads
  (staff get 403); a site or team id out of the user's scope is a 404.
- A person's page is for the managers who may see that person; anyone else
  gets a 404 (staff a 403, as on every manager page).
- "My training" is for anyone whose login is linked to a staff record.
- Evidence is downloaded and uploaded by the person themselves or a manager
  who may see them; for anyone else the completion does not exist (404).
"""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from workforce import selectors as scope
from workforce.models import Role
from workforce.permissions import MANAGERS, role_required
from workforce.recognition.dates import organization_today
from workforce.spreadsheets import csv_response

from . import selectors, services
from .evidence import ACCEPT, kind_of_name
from .expiry import TONE, Status
from .forms import CompletionForm, EvidenceForm, MatrixFilterForm

EVERYONE = tuple(Role)
CSV_HEADER = [
    "site",
    "team",
    "employee_id",
    "full_name",
    "job_role",
    "course",
    "status",
    "completed_on",
    "expires_on",
    "days_left",
]


def _matrix(request):
    """The filter form and the matrix it selects; 404 for ids out of scope."""
    form = MatrixFilterForm(request.GET or None, user=request.user)
    organization = request.user.organization
    today = organization_today(organization)
    people = scope.visible_staff(request.user)
    if form.is_bound and not form.is_valid():
        if form.out_of_scope():
            raise Http404(_("No such site or team among those you can see."))
        people = people.none()
    elif form.is_bound:
        people = form.filter(people)
    matrix = selectors.compliance_matrix(
        people=people, organization=organization, today=today
    )
    return form, matrix


def _percent(share):
    return None if share is None else round(share * 100)


@role_required(*MANAGERS)
def matrix(request):
    form, matrix = _matrix(request)
    query = urlencode(form.query()) if form.is_bound and form.is_valid() else ""
    summary = matrix.summary
    return render(
        request,
        "training/matrix.html",
        {
            "form": form,
            "matrix": matrix,
            "percent": _percent(summary.compliance),
            "counts": [
                (status, summary.counts[status], TONE[status])
                for status in reversed(Status)
            ],
            "course_summaries": matrix.course_summaries(),
            "csv_url": reverse("training:matrix_csv") + (f"?{query}" if query else ""),
        },
    )


@role_required(*MANAGERS)
def matrix_csv(request):
    _form, matrix = _matrix(request)
    rows = []
    for row in matrix.rows:
        person = row.person
        for course, cell in zip(matrix.courses, row.cells, strict=True):
            if cell is None:
                continue
            held = cell.completion
            rows.append(
                [
                    person.site.name,
                    person.team.name,
                    person.employee_id,
                    person.full_name,
                    person.job_role.name,
                    course.name,
                    str(cell.status.label),
                    held.completed_on.isoformat() if held else "",
                    held.expires_on.isoformat() if held and held.expires_on else "",
                    cell.days_left,
                ]
            )
    return csv_response(
        f"training-compliance-{matrix.today.isoformat()}.csv", CSV_HEADER, rows
    )


@role_required(*MANAGERS)
def person(request, staff_id):
    staff_member = get_object_or_404(scope.visible_staff(request.user), pk=staff_id)
    organization = request.user.organization
    today = organization_today(organization)
    form = CompletionForm(
        request.POST or None,
        request.FILES or None,
        organization=organization,
        today=today,
    )
    if request.method == "POST" and form.is_valid():
        try:
            completion = services.completion_record(
                staff_member=staff_member,
                course=form.cleaned_data["course"],
                completed_on=form.cleaned_data["completed_on"],
                expires_on=form.cleaned_data["expires_on"],
                cpd_hours=form.cleaned_data["cpd_hours"],
                evidence=form.cleaned_data["evidence"],
                recorded_by=request.user,
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(
                request,
                _("Recorded “%(course)s” completed on %(day)s.")
                % {
                    "course": completion.course.name,
                    "day": completion.completed_on.isoformat(),
                },
            )
            return redirect("training:person", staff_member.pk)
    return render(
        request,
        "training/person.html",
        {
            "training": selectors.person_training(person=staff_member, today=today),
            "form": form,
            "evidence_form": EvidenceForm(),
            "accept": ACCEPT,
        },
    )


@role_required(*EVERYONE)
def mine(request):
    staff_member = request.user.staff_member
    training = None
    if staff_member is not None and (
        staff_member.organization_id == request.user.organization_id
    ):
        training = selectors.person_training(
            person=staff_member, today=organization_today(request.user.organization)
        )
    return render(
        request,
        "training/mine.html",
        {"training": training, "evidence_form": EvidenceForm(), "accept": ACCEPT},
    )


def _back_to(request, completion):
    if completion.staff_member_id == request.user.staff_member_id:
        return redirect("training:mine")
    return redirect("training:person", completion.staff_member_id)


@require_POST
@role_required(*EVERYONE)
def evidence_upload(request, completion_id):
    completion = get_object_or_404(
        selectors.visible_completions(request.user), pk=completion_id
    )
    form = EvidenceForm(request.POST, request.FILES)
    if form.is_valid():
        services.completion_attach_evidence(
            completion=completion, file=form.cleaned_data["evidence"]
        )
        messages.success(
            request,
            _("Evidence saved for “%(course)s” completed on %(day)s.")
            % {
                "course": completion.course.name,
                "day": completion.completed_on.isoformat(),
            },
        )
    else:
        for error in form["evidence"].errors:
            messages.error(
                request,
                _("Evidence for “%(course)s” was not saved: %(error)s")
                % {"course": completion.course.name, "error": error},
            )
    return _back_to(request, completion)


@role_required(*EVERYONE)
def evidence_download(request, completion_id):
    completion = get_object_or_404(
        selectors.visible_completions(request.user).exclude(evidence=""),
        pk=completion_id,
    )
    kind = kind_of_name(completion.evidence.name)
    if kind is None:
        raise Http404
    try:
        handle = completion.evidence.open("rb")
    except FileNotFoundError as exc:
        raise Http404 from exc
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=completion.evidence_name
        or f"evidence-{completion.pk}{kind.extension}",
        content_type=kind.content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response

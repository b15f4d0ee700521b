"""Skills matrix pages. Who sees which team: ``workforce.selectors.visible_teams``.

Everybody who may see a team (its lead, its site's manager, owner and HR) may
also record assessments for it: a team lead only ever reaches the teams they
lead. Staff get 403; another organization's ids, or a team out of scope, 404.
"""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from workforce import selectors as scope
from workforce.models import StaffMember
from workforce.permissions import MANAGERS, role_required
from workforce.spreadsheets import csv_response

from . import coverage, selectors, services
from .forms import AddSkillForm, HistoryForm, SkillGridForm
from .models import Level

MAX_EXTRA_SKILLS = 20


def _team(request, team_id):
    return get_object_or_404(scope.visible_teams(request.user), pk=team_id)


def _extra_skill_ids(request) -> list[int]:
    """Skill ids from ``?add=`` (skills the lead asked to see); junk is ignored
    and foreign ids come to nothing, as team_skills keeps the team's organization."""
    ids = [value for value in request.GET.getlist("add") if value.isdigit()]
    return [int(value) for value in dict.fromkeys(ids)][:MAX_EXTRA_SKILLS]


def _percent(share):
    return None if share is None else round(share * 100)


def _history(request):
    form = HistoryForm(request.GET or None)
    months = form.cleaned_data["months"] if form.is_valid() else 12
    organization = request.user.organization
    today = services.organization_today(organization)
    first = selectors.months_before(today, months - 1)
    teams = list(scope.visible_teams(request.user).order_by("site__name", "name"))
    rows = selectors.team_month_coverage(
        organization=organization, start=first, end=today, teams=teams, until=today
    )
    return form, months, teams, rows


@role_required(*MANAGERS)
def overview(request):
    form, months, teams, rows = _history(request)
    by_team = {}
    for row in rows:
        by_team.setdefault(row["team_id"], []).append(
            {**row, "percent": _percent(row["coverage"])}
        )
    table = [(team, by_team.get(team.pk, [])) for team in teams]
    month_list = [row["month"] for row in table[0][1]] if table else []
    return render(
        request,
        "skills/overview.html",
        {"form": form, "months": months, "table": table, "month_list": month_list},
    )


@role_required(*MANAGERS)
def overview_csv(request):
    _form, months, teams, rows = _history(request)
    names = {team.pk: team for team in teams}
    return csv_response(
        f"skills-coverage-{months}-months.csv",
        [
            "site",
            "team",
            "month",
            "required_skills",
            "covered_skills",
            "coverage",
            "spof_count",
            "uncovered_count",
        ],
        [
            [
                names[row["team_id"]].site.name,
                names[row["team_id"]].name,
                row["month"].strftime("%Y-%m"),
                row["required_skills"],
                row["covered_skills"],
                "" if row["coverage"] is None else round(row["coverage"], 3),
                row["spof_count"],
                row["uncovered_count"],
            ]
            for row in rows
        ],
    )


@role_required(*MANAGERS)
def team_detail(request, team_id):
    team = _team(request, team_id)
    today = services.organization_today(request.user.organization)
    matrix = selectors.team_skills(team=team, on=today)
    skills = {skill.pk: skill for skill in matrix.skills}
    members = {person.pk: person for person in matrix.members}

    what_if = None
    leaves = request.GET.get("leaves")
    if leaves:
        if not leaves.isdigit() or int(leaves) not in members:
            raise Http404(_("That person is not in this team today."))
        what_if = coverage.what_if_leaves(
            person=int(leaves),
            members=set(members),
            levels=matrix.levels,
            requirements=matrix.requirements,
        )

    site_people, site_levels = selectors.site_levels(team=team, on=today)
    pairings = coverage.suggest_pairings(
        skills=matrix.coverage.at_risk,
        team_members=sorted(members),
        site_members=sorted(site_people),
        levels=site_levels,
    )
    trainer_ids = {p.trainer for p in pairings if p.trainer is not None}
    # Trainers from other teams are named only to someone who may see them.
    visible_ids = set(
        scope.visible_staff(request.user)
        .filter(pk__in=trainer_ids)
        .values_list("pk", flat=True)
    )
    people = {
        person.pk: person
        for person in StaffMember.objects.filter(
            pk__in=trainer_ids & visible_ids
        ).select_related("team")
    } | members

    statuses = [
        {"skill": skills[status.skill], "status": status}
        for status in matrix.coverage.skills
    ]
    return render(
        request,
        "skills/team_detail.html",
        {
            "team": team,
            "today": today,
            "matrix": matrix,
            "statuses": statuses,
            "percent": _percent(matrix.coverage.coverage),
            "spof": [skills[pk] for pk in matrix.coverage.spof],
            "uncovered": [skills[pk] for pk in matrix.coverage.uncovered],
            "pairings": [
                {
                    "skill": skills[p.skill],
                    "learner": members.get(p.learner),
                    "learner_level": p.learner_level,
                    "trainer": people.get(p.trainer),
                    "trainer_from": p.trainer_from,
                }
                for p in pairings
            ],
            "what_if": what_if,
            "what_if_person": members.get(what_if.person) if what_if else None,
            "what_if_lists": (
                [
                    (title, [skills[pk] for pk in skill_ids])
                    for title, skill_ids in (
                        (_("Would fall below the minimum"), what_if.below_minimum),
                        (_("Would depend on one person"), what_if.new_spof),
                        (_("Nobody left who can do it"), what_if.uncovered),
                    )
                ]
                if what_if
                else []
            ),
        },
    )


def _add_query(extra_ids) -> str:
    """``?add=…`` keeping the extra columns across pages; empty if none."""
    return f"?{urlencode({'add': extra_ids}, doseq=True)}" if extra_ids else ""


def _grid_url(team, extra_ids):
    return reverse("skills:grid", args=[team.pk]) + _add_query(extra_ids)


@role_required(*MANAGERS)
def grid(request, team_id):
    team = _team(request, team_id)
    organization = request.user.organization
    today = services.organization_today(organization)
    extra_ids = _extra_skill_ids(request)
    matrix = selectors.team_skills(team=team, on=today, extra_skill_ids=extra_ids)
    if request.method == "POST":
        form = SkillGridForm(matrix, request.POST)
        if form.is_valid():
            written = services.assessments_record(
                organization=organization,
                changes=form.changes(),
                assessed_on=today,
                assessed_by=request.user,
            )
            messages.success(
                request,
                ngettext(
                    "Saved %(count)d change, dated %(day)s.",
                    "Saved %(count)d changes, dated %(day)s.",
                    written,
                )
                % {"count": written, "day": today.isoformat()}
                if written
                else _("Nothing had changed; nothing was saved."),
            )
            return redirect(_grid_url(team, extra_ids))
    else:
        form = SkillGridForm(matrix)
    add_form = AddSkillForm(organization=organization, exclude=matrix.skills)
    return render(
        request,
        "skills/grid.html",
        {
            "team": team,
            "today": today,
            "matrix": matrix,
            "form": form,
            "add_form": add_form,
            "add_query": _add_query(extra_ids),
            "levels": Level.choices,
        },
    )


@require_POST
@role_required(*MANAGERS)
def add_skill(request, team_id):
    team = _team(request, team_id)
    organization = request.user.organization
    extra_ids = _extra_skill_ids(request)
    form = AddSkillForm(request.POST, organization=organization)
    if not form.is_valid():
        for error in form.non_field_errors() + form["skill"].errors:
            messages.error(request, error)
        return redirect(_grid_url(team, extra_ids))
    skill = form.cleaned_data["skill"]
    if skill is None:
        skill, _created = services.skill_get_or_create(
            organization=organization, name=form.cleaned_data["new_name"]
        )
    messages.success(
        request,
        _("“%(skill)s” added as a column; set levels and save.")
        % {"skill": skill.name},
    )
    return redirect(_grid_url(team, [*extra_ids, skill.pk]))


@role_required(*MANAGERS)
def grid_print(request, team_id):
    team = _team(request, team_id)
    today = services.organization_today(request.user.organization)
    matrix = selectors.team_skills(
        team=team, on=today, extra_skill_ids=_extra_skill_ids(request)
    )
    rows = [
        (person, [(skill, matrix.level(person, skill)) for skill in matrix.skills])
        for person in matrix.members
    ]
    return render(
        request,
        "skills/print.html",
        {
            "team": team,
            "today": today,
            "matrix": matrix,
            "rows": rows,
            "percent": _percent(matrix.coverage.coverage),
            "levels": Level.choices,
            "statuses": [
                (skill, matrix.coverage.status(skill.pk))
                for skill in matrix.required_skills
            ],
        },
    )

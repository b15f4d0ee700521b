"""Writes for the skills matrix: skills, dated assessments, dated requirements."""

import zoneinfo
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from workforce.models import Organization, StaffMember, Team

from .models import Level, Skill, SkillAssessment, TeamSkillRequirement


def organization_today(organization: Organization) -> date:
    """Today's date where the practice is, which is the date people will expect."""
    return timezone.localdate(timezone=zoneinfo.ZoneInfo(organization.timezone))


def normalise_skill_name(name: str) -> str:
    return " ".join(name.split())


def skill_find(*, organization: Organization, name: str) -> Skill | None:
    return Skill.objects.filter(
        organization=organization, name__iexact=normalise_skill_name(name)
    ).first()


@transaction.atomic
def skill_get_or_create(*, organization: Organization, name: str) -> tuple[Skill, bool]:
    """The organization's skill called ``name`` (any case), created if new."""
    name = normalise_skill_name(name)
    existing = skill_find(organization=organization, name=name)
    if existing is not None:
        return existing, False
    skill = Skill(organization=organization, name=name)
    skill.full_clean(validate_constraints=False)
    skill.save()
    return skill, True


@dataclass(frozen=True)
class LevelChange:
    staff_member: StaffMember
    skill: Skill
    level: int


@transaction.atomic
def assessments_record(
    *,
    organization: Organization,
    changes: Iterable[LevelChange],
    assessed_on: date,
    assessed_by=None,
) -> int:
    """Record each change as the person's level in the skill on ``assessed_on``.

    A change on a day that already has an assessment corrects that day's row
    (one judgement per person, skill and day); earlier days are never touched.
    Returns how many rows were written.
    """
    written = 0
    for change in changes:
        if (
            change.staff_member.organization_id != organization.pk
            or change.skill.organization_id != organization.pk
        ):
            raise ValidationError(_("The person or skill is in another organization."))
        if change.level not in Level.values:
            raise ValidationError(
                _("A level must be 0 to 3, not %(level)s.") % {"level": change.level}
            )
        SkillAssessment.objects.update_or_create(
            staff_member=change.staff_member,
            skill=change.skill,
            assessed_on=assessed_on,
            defaults={"level": change.level, "assessed_by": assessed_by},
        )
        written += 1
    return written


def requirement_change_problem(
    open_spell: TeamSkillRequirement | None, on: date
) -> str | None:
    """Why a requirement cannot change on ``on``, or None when it can."""
    if open_spell is not None and open_spell.start_date > on:
        return _(
            "The requirement already changes on %(start)s; a change cannot take "
            "effect before that (on %(on)s)."
        ) % {"start": open_spell.start_date.isoformat(), "on": on.isoformat()}
    return None


@transaction.atomic
def requirement_set(
    *, team: Team, skill: Skill, min_competent: int | None, on: date
) -> TeamSkillRequirement | None:
    """From ``on``, ``team`` needs ``min_competent`` competent people in ``skill``.

    ``None`` means the skill is no longer required. The open spell closes on
    ``on`` and a new one opens the same day, so earlier months keep the minimum
    they had; a spell that starts on ``on`` is simply corrected.
    """
    if skill.organization_id != team.site.organization_id:
        raise ValidationError(_("The skill belongs to another organization."))
    if min_competent is not None and min_competent < 1:
        raise ValidationError(_("The minimum must be at least 1."))
    open_spell = (
        TeamSkillRequirement.objects.select_for_update()
        .filter(team=team, skill=skill, end_date__isnull=True)
        .first()
    )
    problem = requirement_change_problem(open_spell, on)
    if problem:
        raise ValidationError(problem)
    if open_spell is not None:
        if open_spell.min_competent == min_competent:
            return open_spell
        if open_spell.start_date == on:
            if min_competent is None:
                open_spell.delete()
                return None
            open_spell.min_competent = min_competent
            open_spell.save(update_fields=["min_competent"])
            return open_spell
        open_spell.end_date = on
        open_spell.save(update_fields=["end_date"])
    if min_competent is None:
        return None
    requirement = TeamSkillRequirement(
        team=team, skill=skill, min_competent=min_competent, start_date=on
    )
    requirement.full_clean(validate_constraints=False)
    requirement.save()
    return requirement

"""Forms for the skills pages: the people × skills grid and its helpers."""

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import Level, Skill
from .selectors import TeamSkills
from .services import LevelChange, normalise_skill_name

LEVEL_CHOICES = [(value, f"{value} – {label}") for value, label in Level.choices]
MONTH_CHOICES = [(6, "6"), (12, "12"), (24, "24"), (36, "36")]


def cell_name(person, skill) -> str:
    return f"level_{person.pk}_{skill.pk}"


class SkillGridForm(forms.Form):
    """One select per member and skill, starting at their level today.

    Each select carries its starting value in a hidden input
    (``show_hidden_initial``), so only the cells this person changed are saved:
    a cell somebody else changed meanwhile is left alone, not reverted.
    """

    def __init__(self, matrix: TeamSkills, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.matrix = matrix
        for person in matrix.members:
            for skill in matrix.skills:
                self.fields[cell_name(person, skill)] = forms.TypedChoiceField(
                    choices=LEVEL_CHOICES,
                    coerce=int,
                    initial=matrix.level(person, skill),
                    show_hidden_initial=True,
                    label=f"{person.full_name} – {skill.name}",
                )

    def rows(self):
        """``[(person, [(skill, bound field), …]), …]`` in display order."""
        return [
            (
                person,
                [
                    (skill, self[cell_name(person, skill)])
                    for skill in self.matrix.skills
                ],
            )
            for person in self.matrix.members
        ]

    def changes(self) -> list[LevelChange]:
        changed = set(self.changed_data)
        return [
            LevelChange(person, skill, self.cleaned_data[cell_name(person, skill)])
            for person in self.matrix.members
            for skill in self.matrix.skills
            if cell_name(person, skill) in changed
        ]


class AddSkillForm(forms.Form):
    """Show another skill as a column of the grid: an existing one or a new name."""

    skill = forms.ModelChoiceField(
        queryset=Skill.objects.none(),
        required=False,
        label=_("An existing skill"),
        empty_label=_("— choose —"),
    )
    new_name = forms.CharField(
        required=False,
        max_length=Skill._meta.get_field("name").max_length,
        label=_("Or a new skill"),
    )

    def __init__(self, *args, organization, exclude=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["skill"].queryset = Skill.objects.filter(
            organization=organization
        ).exclude(pk__in=[skill.pk for skill in exclude])

    def clean(self):
        cleaned = super().clean()
        skill = cleaned.get("skill")
        new_name = normalise_skill_name(cleaned.get("new_name") or "")
        cleaned["new_name"] = new_name
        if bool(skill) == bool(new_name):
            raise forms.ValidationError(
                _("Choose an existing skill or type a new one (not both).")
            )
        return cleaned


class HistoryForm(forms.Form):
    months = forms.TypedChoiceField(
        choices=MONTH_CHOICES, coerce=int, initial=12, label=_("Months")
    )

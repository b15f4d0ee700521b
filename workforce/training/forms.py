"""Forms for the training pages: matrix filters, completions, evidence."""

from datetime import date

from django import forms
from django.utils.translation import gettext_lazy as _

from workforce import selectors as scope

from .evidence import ACCEPT, check_evidence
from .models import Course


class MatrixFilterForm(forms.Form):
    """Site and team, offered from what the user may see only."""

    site = forms.ModelChoiceField(
        label=_("Site"), queryset=None, required=False, empty_label=_("All sites")
    )
    team = forms.ModelChoiceField(
        label=_("Team"), queryset=None, required=False, empty_label=_("All teams")
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["site"].queryset = scope.visible_sites(user).order_by("name")
        self.fields["team"].queryset = scope.visible_teams(user).order_by(
            "site__name", "name"
        )

    def out_of_scope(self) -> bool:
        """A site or team id the user may not see (or that does not exist)."""
        return any(
            error.code == "invalid_choice"
            for name in ("site", "team")
            for error in self.errors.as_data().get(name, ())
        )

    def clean(self):
        cleaned = super().clean()
        site, team = cleaned.get("site"), cleaned.get("team")
        if site and team and team.site_id != site.pk:
            raise forms.ValidationError(
                _("%(team)s is not at %(site)s: choose “All sites” or its own site.")
                % {"team": team.name, "site": site.name}
            )
        return cleaned

    def filter(self, people):
        site, team = self.cleaned_data.get("site"), self.cleaned_data.get("team")
        if site is not None:
            people = people.filter(site=site)
        if team is not None:
            people = people.filter(team=team)
        return people

    def query(self) -> dict:
        """The chosen filters as query parameters, for the CSV link."""
        return {
            name: self.cleaned_data[name].pk
            for name in ("site", "team")
            if self.cleaned_data.get(name) is not None
        }


def _evidence_field(required: bool):
    return forms.FileField(
        label=_("Evidence (certificate)"),
        required=required,
        help_text=_("A PDF, PNG or JPEG of at most 5 MB."),
        widget=forms.ClearableFileInput(attrs={"accept": ACCEPT}),
    )


class CompletionForm(forms.Form):
    course = forms.ModelChoiceField(label=_("Course"), queryset=None)
    completed_on = forms.DateField(
        label=_("Completed on"), widget=forms.DateInput(attrs={"type": "date"})
    )
    expires_on = forms.DateField(
        label=_("Expires on"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_(
            "The last day it counts. Leave empty to use the course's validity."
        ),
    )
    cpd_hours = forms.DecimalField(
        label=_("CPD hours"),
        required=False,
        min_value=0,
        max_digits=6,
        decimal_places=2,
        initial=0,
    )
    evidence = _evidence_field(required=False)

    def __init__(self, *args, organization, today: date, **kwargs):
        super().__init__(*args, **kwargs)
        self.today = today
        self.fields["course"].queryset = Course.objects.filter(
            organization=organization
        ).order_by("name")

    def clean_completed_on(self):
        day = self.cleaned_data["completed_on"]
        if day > self.today:
            raise forms.ValidationError(
                _("That is in the future; today is %(today)s.")
                % {"today": self.today.isoformat()}
            )
        return day

    def clean_evidence(self):
        upload = self.cleaned_data.get("evidence")
        if upload:
            check_evidence(upload)
        return upload or None

    def clean(self):
        cleaned = super().clean()
        completed_on, expires_on = (
            cleaned.get("completed_on"),
            cleaned.get("expires_on"),
        )
        if completed_on and expires_on and expires_on < completed_on:
            self.add_error(
                "expires_on", _("The expiry date is before the completion date.")
            )
        if cleaned.get("cpd_hours") is None:
            cleaned["cpd_hours"] = 0
        return cleaned


class EvidenceForm(forms.Form):
    evidence = _evidence_field(required=True)

    def clean_evidence(self):
        upload = self.cleaned_data["evidence"]
        check_evidence(upload)
        return upload

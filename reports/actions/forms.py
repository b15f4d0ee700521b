"""Forms for the action pages: the list filter and the create/edit form."""

from django import forms
from django.utils.translation import gettext_lazy as _

from workforce import selectors as scope
from workforce.models import Role, User
from workforce.permissions import MANAGERS

from .models import ActionPlan, Measure


class StatusFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("", _("All statuses")), *ActionPlan.Status.choices],
    )


class ActionPlanForm(forms.Form):
    """Teams, sites and owners offered from what the user may see only."""

    title = forms.CharField(label=_("What"), max_length=200)
    team = forms.ModelChoiceField(
        label=_("Team"), queryset=None, required=False, empty_label=_("No team")
    )
    site = forms.ModelChoiceField(
        label=_("Or a whole site"),
        queryset=None,
        required=False,
        empty_label=_("No site"),
        help_text=_("A site action applies to all of the site's teams."),
    )
    measure = forms.ChoiceField(label=_("Measure it targets"), choices=Measure.choices)
    start_date = forms.DateField(
        label=_("Start date"), widget=forms.DateInput(attrs={"type": "date"})
    )
    owner = forms.ModelChoiceField(label=_("Owner"), queryset=None)
    status = forms.ChoiceField(label=_("Status"), choices=ActionPlan.Status.choices)
    notes = forms.CharField(
        label=_("Notes"), required=False, widget=forms.Textarea(attrs={"rows": 4})
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["team"].queryset = scope.visible_teams(user).order_by(
            "site__name", "name"
        )
        if user.role == Role.TEAM_LEAD:
            del self.fields["site"]
        else:
            self.fields["site"].queryset = scope.visible_sites(user).order_by("name")
        self.fields["owner"].queryset = User.objects.filter(
            organization_id=user.organization_id, role__in=MANAGERS, is_active=True
        ).order_by("first_name", "last_name", "username")
        self.fields["owner"].label_from_instance = lambda owner: (
            owner.get_full_name() or owner.username
        )

    def clean(self):
        cleaned = super().clean()
        team, site = cleaned.get("team"), cleaned.get("site")
        if "site" in self.fields and (team is None) == (site is None):
            if not self.has_error("team") and not self.has_error("site"):
                raise forms.ValidationError(_("Choose either one team or one site."))
        return cleaned

    @classmethod
    def initial_for(cls, action: ActionPlan) -> dict:
        return {
            "title": action.title,
            "team": action.team_id,
            "site": action.site_id,
            "measure": action.measure,
            "start_date": action.start_date,
            "owner": action.owner_id,
            "status": action.status,
            "notes": action.notes,
        }

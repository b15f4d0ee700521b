"""Forms for recognition pages. They parse input; the services decide."""

import datetime
from itertools import groupby

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import STORY_MAX_LENGTH, CompanyValue


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format="%Y-%m-%d")


class NomineeField(forms.TypedChoiceField):
    """A select of colleagues that also accepts the nominator's own id.

    The nominator is never offered, but a crafted or stale post naming them
    reaches the service, which refuses it with a message people understand.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.also_valid: set[str] = set()

    def valid_value(self, value):
        return str(value) in self.also_valid or super().valid_value(value)


class NominationForm(forms.Form):
    """Pick a colleague (grouped by team), a value and a short story."""

    nominee = NomineeField(label=_("Colleague"), coerce=int)
    value = forms.ModelChoiceField(
        label=_("Value they showed"),
        queryset=CompanyValue.objects.none(),
        widget=forms.RadioSelect,
        empty_label=None,
    )
    story = forms.CharField(
        label=_("What did they do?"),
        max_length=STORY_MAX_LENGTH,
        help_text=_("A sentence or two, up to 500 characters."),
        widget=forms.Textarea(attrs={"rows": 4, "maxlength": STORY_MAX_LENGTH}),
    )

    def __init__(self, *args, people, values, nominator_staff=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.people = {person.pk: person for person in people}
        if nominator_staff is not None:
            self.people.setdefault(nominator_staff.pk, nominator_staff)
            self.fields["nominee"].also_valid = {str(nominator_staff.pk)}
        choices = [("", _("Choose a colleague"))]
        for team, members in groupby(people, key=lambda person: person.team):
            choices.append(
                (str(team), [(person.pk, person.full_name) for person in members])
            )
        self.fields["nominee"].choices = choices
        self.fields["value"].queryset = values

    def clean_nominee(self):
        return self.people[self.cleaned_data["nominee"]]


class ReviewForm(forms.Form):
    APPROVE = "approve"
    DECLINE = "decline"

    decision = forms.ChoiceField(
        choices=[(APPROVE, _("Approve")), (DECLINE, _("Decline"))]
    )
    reason = forms.CharField(
        label=_("Reason (needed to decline)"),
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3, "maxlength": 500}),
    )

    def clean(self):
        cleaned = super().clean()
        if (
            cleaned.get("decision") == self.DECLINE
            and not cleaned.get("reason", "").strip()
        ):
            self.add_error("reason", _("Say why, for the person who nominated."))
        return cleaned


class PreferenceForm(forms.Form):
    wall_opt_out = forms.BooleanField(
        label=_("Recognise me privately, not on the wall"),
        required=False,
        help_text=_(
            "Your recognitions stay off the wall. You and HR still see them, "
            "and they still count in totals."
        ),
    )


class SettingsForm(forms.Form):
    allow_staff_nominations = forms.BooleanField(
        label=_("Every staff member may nominate"),
        required=False,
        help_text=_("When off, only team leads nominate."),
    )
    require_approval = forms.BooleanField(
        label=_("Review nominations before they are published"),
        required=False,
        help_text=_("A site manager of the person's site, or HR, approves each one."),
    )


class CompanyValueForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=80)
    description = forms.CharField(
        label=_("Description"), max_length=240, required=False
    )
    is_active = forms.BooleanField(
        label=_("Offered for new nominations"), required=False, initial=True
    )
    position = forms.IntegerField(
        label=_("Position in the list"), min_value=0, max_value=999, initial=0
    )


class WindowForm(forms.Form):
    start = forms.DateField(label=_("From"), widget=DateInput)
    end = forms.DateField(label=_("To"), widget=DateInput)

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("start"), cleaned.get("end")
        if start and end:
            if end < start:
                self.add_error("end", _("The end is before the start."))
            elif end - start > datetime.timedelta(days=3 * 366):
                self.add_error("start", _("Choose a window of three years or less."))
        return cleaned


class AwardPeriodForm(forms.Form):
    title = forms.CharField(
        label=_("Award title"),
        max_length=120,
        help_text=_("For example “Patient Experience Star”."),
    )
    site = forms.ModelChoiceField(
        label=_("Site"),
        queryset=None,
        required=False,
        empty_label=_("Whole organization"),
    )
    period_start = forms.DateField(label=_("Period start"), widget=DateInput)
    period_end = forms.DateField(label=_("Period end"), widget=DateInput)

    def __init__(self, *args, sites, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["site"].queryset = sites

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("period_start"), cleaned.get("period_end")
        if start and end and end < start:
            self.add_error("period_end", _("The period ends before it starts."))
        return cleaned


class AwardChoiceForm(forms.Form):
    recognition = forms.ModelChoiceField(
        label=_("Recognition"),
        queryset=None,
        widget=forms.RadioSelect,
        empty_label=None,
        error_messages={"required": _("Choose one recognition.")},
    )

    def __init__(self, *args, candidates, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["recognition"].queryset = candidates

"""The form that starts an analysis run."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from reports.services import analysis_period, parse_month


class MonthInput(forms.TextInput):
    """``<input type="month">``; browsers without it show a text box for YYYY-MM."""

    input_type = "month"


class AnalysisPeriodForm(forms.Form):
    start = forms.CharField(
        label=_("First month"),
        required=False,
        widget=MonthInput(attrs={"placeholder": "YYYY-MM", "pattern": r"\d{4}-\d{2}"}),
        help_text=_("YYYY-MM. Empty: 35 months before the last month."),
    )
    end = forms.CharField(
        label=_("Last month"),
        required=False,
        widget=MonthInput(attrs={"placeholder": "YYYY-MM", "pattern": r"\d{4}-\d{2}"}),
        help_text=_("YYYY-MM. Empty: last month, the latest complete one."),
    )

    def __init__(self, *args, organization, **kwargs):
        super().__init__(*args, **kwargs)
        self.organization = organization

    def clean_start(self):
        return self._month("start")

    def clean_end(self):
        return self._month("end")

    def _month(self, name):
        try:
            return parse_month(self.cleaned_data[name])
        except ValidationError as error:
            raise forms.ValidationError(error.messages) from error

    def clean(self):
        cleaned = super().clean()
        if self.errors:
            return cleaned
        try:
            cleaned["start"], cleaned["end"] = analysis_period(
                self.organization, cleaned.get("start"), cleaned.get("end")
            )
        except ValidationError as error:
            raise forms.ValidationError(error.messages) from error
        return cleaned

"""Forms for the workforce pages."""

from django import forms
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _

ROSTER_MAX_BYTES = 5 * 1024 * 1024


class RosterUploadForm(forms.Form):
    file = forms.FileField(
        label=_("Roster file (CSV, UTF-8)"),
        help_text=_("At most 5 MB. The columns are listed below."),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,text/csv"}),
    )
    effective_date = forms.DateField(
        label=_("Team changes take effect on"),
        required=False,
        help_text=_("YYYY-MM-DD. Leave empty for today."),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if not upload.name.lower().endswith(".csv"):
            raise forms.ValidationError(
                _("Upload a .csv file. In Excel: Save As → CSV UTF-8.")
            )
        if upload.size > ROSTER_MAX_BYTES:
            raise forms.ValidationError(
                _("The file is %(size)s; the limit is %(limit)s. Split it in two.")
                % {
                    "size": filesizeformat(upload.size),
                    "limit": filesizeformat(ROSTER_MAX_BYTES),
                }
            )
        return upload


def _normalized(text: str) -> str:
    return " ".join(text.split()).casefold()


class StaffEraseForm(forms.Form):
    """Confirm an erasure by typing the person's employee id or full name."""

    confirmation = forms.CharField(
        label=_("Type their employee id or full name to confirm"),
        max_length=200,
        strip=True,
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )

    def __init__(self, *args, person, **kwargs):
        super().__init__(*args, **kwargs)
        self.person = person

    def clean_confirmation(self):
        typed = _normalized(self.cleaned_data["confirmation"])
        expected = {_normalized(self.person.employee_id)}
        expected.add(_normalized(self.person.full_name))
        if typed not in expected:
            raise forms.ValidationError(
                _(
                    "That is not this person's employee id (%(employee_id)s) or "
                    "full name. Type one of them exactly as shown above; capitals "
                    "and extra spaces do not matter. Nothing was erased."
                )
                % {"employee_id": self.person.employee_id}
            )
        return typed

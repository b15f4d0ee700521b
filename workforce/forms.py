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

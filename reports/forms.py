"""Forms for the patient feedback pages."""

from django import forms
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _

from reports.models import PatientFeedbackSettings
from reports.patients.capture import COMMENT_MAX_LENGTH
from workforce.models import Site, Team

# A million rows of site, team, date, score and channel is about 40 MB.
FEEDBACK_MAX_BYTES = 200 * 1024 * 1024


class FeedbackUploadForm(forms.Form):
    file = forms.FileField(
        label=_("Patient scores (CSV, UTF-8)"),
        help_text=_("Up to 200 MB. The columns are listed below."),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,text/csv"}),
    )
    drop_extra_columns = forms.BooleanField(
        label=_("Drop any other columns unread"),
        required=False,
        help_text=_(
            "Without this, a file with any other column (a name, a date of birth, "
            "a record number…) is rejected. With it, those columns are skipped "
            "without being read or stored, and you are told which."
        ),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if not upload.name.lower().endswith(".csv"):
            raise forms.ValidationError(
                _("Upload a .csv file. In Excel: Save As → CSV UTF-8.")
            )
        if upload.size > FEEDBACK_MAX_BYTES:
            raise forms.ValidationError(
                _("The file is %(size)s; the limit is %(limit)s. Split it in two.")
                % {
                    "size": filesizeformat(upload.size),
                    "limit": filesizeformat(FEEDBACK_MAX_BYTES),
                }
            )
        return upload


class FeedbackSettingsForm(forms.ModelForm):
    class Meta:
        model = PatientFeedbackSettings
        fields = ["collect_comments"]
        labels = {"collect_comments": _("Offer patients a comment box")}


class CapturePointForm(forms.Form):
    """Which site (and optionally team) a new QR code is for, within scope."""

    site = forms.ModelChoiceField(queryset=Site.objects.none())
    team = forms.ModelChoiceField(queryset=Team.objects.none(), required=False)

    def __init__(self, *args, sites, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["site"].queryset = sites
        self.fields["team"].queryset = Team.objects.filter(site__in=sites)

    def clean(self):
        cleaned = super().clean()
        site, team = cleaned.get("site"), cleaned.get("team")
        if site and team and team.site_id != site.pk:
            raise forms.ValidationError(_("The team belongs to another site."))
        return cleaned


class CaptureForm(forms.Form):
    """The patient's answer. Messages come from ``copy`` (English or Spanish)."""

    score = forms.TypedChoiceField(
        choices=[(str(n), str(n)) for n in range(11)], coerce=int
    )
    comment = forms.CharField(required=False, max_length=COMMENT_MAX_LENGTH)

    def __init__(self, *args, copy, collect_comments, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["score"].error_messages = {
            "required": copy["choose_score"],
            "invalid_choice": copy["choose_score"],
        }
        self.fields["comment"].error_messages = {"max_length": copy["comment_too_long"]}
        if not collect_comments:
            del self.fields["comment"]

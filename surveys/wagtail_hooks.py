"""The survey back office: owner and HR run questions, surveys, rounds and pulses.

Built on the organization-scoped viewsets of ``workforce.wagtail_hooks``: every
lookup goes through the viewset's ``scoped_queryset``, so another
organization's object is a 404 on every URL, and every form offers only the
user's own sites, teams, surveys and questions. A round is managed on its own
page (launch, send, remind, close, release, links and slips); the lifecycle
rules live in the services, and their refusals are shown as messages.
"""

from django import forms
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Q
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from django.views.generic import TemplateView
from wagtail import hooks
from wagtail.admin import messages
from wagtail.admin.ui.tables import Column
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin
from wagtail.admin.viewsets.model import ModelViewSetGroup
from wagtail.admin.widgets.button import ListingButton

from workforce import selectors
from workforce.spreadsheets import csv_response
from workforce.wagtail_hooks import (
    OrganizationScopedViewSet,
    ScopedDeleteView,
    ScopedEditView,
    ScopedIndexView,
    ScopedViewMixin,
)

from . import tasks
from .admin_forms import (
    PulseScheduleForm,
    QuestionForm,
    RoundForm,
    SurveyForm,
    SurveyQuestionForm,
)
from .invitations import LINKS_CSV_HEADER, links_rows, round_invitations
from .models import (
    Channel,
    PulseSchedule,
    Question,
    Round,
    RoundStatus,
    Survey,
    SurveyQuestion,
)
from .services import round_close, round_launch, round_release
from .slips import SLIP_VARIANTS, slips_file_path, slips_files_delete, slips_files_ready

EDITABLE_ROUND_STATUSES = (RoundStatus.DRAFT, RoundStatus.SCHEDULED)
SITES_AND_TEAMS_WIDGETS = {
    "sites": forms.CheckboxSelectMultiple,
    "teams": forms.CheckboxSelectMultiple,
}


def _organization_id(user):
    return user.organization_id if selectors.can_manage_organization(user) else None


# --- Questions and surveys -----------------------------------------------------


class QuestionViewSet(OrganizationScopedViewSet):
    """The organization's own questions; built-in ones are chosen, not edited."""

    model = Question
    name = "surveys_question"
    url_prefix = "surveys/questions"
    icon = "help"
    menu_label = _("Custom questions")
    scope = "organization"
    base_form_class = QuestionForm
    fields = ["code", "kind", "text_en", "text_es", "options_text", "active"]
    list_display = ["code", "text_en", "kind", "active"]
    inspect_view_fields = ["code", "kind", "text_en", "text_es", "options", "active"]


class SurveyViewSet(OrganizationScopedViewSet):
    model = Survey
    name = "surveys_survey"
    url_prefix = "surveys/surveys"
    icon = "list-ul"
    scope = "organization"
    base_form_class = SurveyForm
    fields = ["name", "intro_en", "intro_es", "questions"]
    list_display = ["name", "created_at"]
    inspect_view_fields = ["name", "intro_en", "intro_es"]


def _survey_questions(user):
    return (
        SurveyQuestion.objects.filter(survey__organization_id=_organization_id(user))
        .select_related("survey", "question")
        .order_by("survey__name", "position", "pk")
    )


class SurveyQuestionViewSet(OrganizationScopedViewSet):
    """Order and required flags of a survey's questions."""

    model = SurveyQuestion
    name = "surveys_surveyquestion"
    url_prefix = "surveys/survey-questions"
    icon = "order"
    menu_label = _("Survey questions")
    scope = _survey_questions
    base_form_class = SurveyQuestionForm
    fields = ["survey", "question", "position", "required"]
    list_display = ["survey", "position", "question", "required"]


# --- Rounds -------------------------------------------------------------------


def _rounds(user):
    return Round.objects.filter(organization_id=_organization_id(user)).select_related(
        "survey", "schedule"
    )


class RoundIndexView(ScopedIndexView):
    def get_base_queryset(self):
        return (
            super()
            .get_base_queryset()
            .annotate(
                invited=Count("invitations", distinct=True),
                sent=Count(
                    "invitations",
                    filter=Q(invitations__sent_at__isnull=False),
                    distinct=True,
                ),
                answered=Count("participations", distinct=True),
            )
        )

    def get_edit_url(self, instance):
        # A round's name opens its page, where it is launched and followed.
        return reverse("surveys_round:manage", args=[instance.pk])

    def get_list_more_buttons(self, instance):
        buttons = []
        if instance.status in EDITABLE_ROUND_STATUSES:
            buttons.append(
                ListingButton(
                    _("Edit settings"),
                    url=reverse("surveys_round:edit", args=[instance.pk]),
                    icon_name="edit",
                    priority=10,
                )
            )
            buttons.append(
                ListingButton(
                    _("Delete"),
                    url=reverse("surveys_round:delete", args=[instance.pk]),
                    icon_name="bin",
                    priority=30,
                )
            )
        return buttons


class RoundLaunchedRedirectMixin:
    """Launched rounds are not edited or deleted: their page says why."""

    def dispatch(self, request, *args, **kwargs):
        if (
            getattr(self, "object", None) is not None
            and self.object.status not in EDITABLE_ROUND_STATUSES
        ):
            messages.warning(
                request,
                _(
                    "“%(round)s” has been launched: its settings no longer change "
                    "and it cannot be deleted."
                )
                % {"round": self.object},
            )
            return redirect("surveys_round:manage", self.object.pk)
        return super().dispatch(request, *args, **kwargs)


class RoundEditView(RoundLaunchedRedirectMixin, ScopedEditView):
    def setup(self, request, *args, **kwargs):
        super().setup(request, *args, **kwargs)
        # Scoped lookup first (404 for another organization), then the status.
        self.object = self.get_object()


class RoundDeleteView(RoundLaunchedRedirectMixin, ScopedDeleteView):
    pass


class RoundManageView(ScopedViewMixin, WagtailAdminTemplateMixin, TemplateView):
    """One round: counts, lifecycle actions, links and slips."""

    template_name = "surveys/admin/round_manage.html"
    header_icon = "date"
    actions = {"launch", "send", "remind", "close", "release", "slips"}

    def setup(self, request, *args, **kwargs):
        super().setup(request, *args, **kwargs)
        self.round = get_object_or_404(
            _rounds(request.user).select_related("organization"), pk=kwargs["pk"]
        )

    def get_page_title(self):
        return str(self.round)

    def get_breadcrumbs_items(self):
        return [
            {"url": reverse("wagtailadmin_home"), "label": _("Home")},
            {"url": reverse("surveys_round:index"), "label": _("Rounds")},
            {"url": "", "label": str(self.round)},
        ]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        round_ = self.round
        invitations = round_invitations(round_, None)
        by_channel = dict(
            invitations.values_list("channel").annotate(n=Count("pk")).order_by()
        )
        invited = sum(by_channel.values())
        answered = round_.participations.count()
        context.update(
            {
                "round": round_,
                "editable": round_.status in EDITABLE_ROUND_STATUSES,
                "invited": invited,
                "by_channel": [
                    (label, by_channel.get(value, 0))
                    for value, label in Channel.choices
                ],
                "sent": invitations.filter(sent_at__isnull=False).count(),
                "reminded": invitations.filter(reminded_at__isnull=False).count(),
                "answered": answered,
                "response_rate": round(100 * answered / invited) if invited else None,
                "slip_variants": [
                    (variant, channel, paper)
                    for variant, (channel, paper) in SLIP_VARIANTS.items()
                ],
                "slips_ready": slips_files_ready(round_id=round_.pk),
            }
        )
        return context

    def post(self, request, *args, **kwargs):
        action = request.POST.get("action")
        if action not in self.actions:
            raise Http404
        try:
            getattr(self, f"do_{action}")(request)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        return redirect("surveys_round:manage", self.round.pk)

    def do_launch(self, request):
        round_ = round_launch(round_=self.round)
        # With the broker down the launch stands; the pulse tick sends them later.
        transaction.on_commit(
            lambda: tasks.defer(tasks.round_send_invitations, round_.pk)
        )
        messages.success(
            request,
            _(
                "“%(round)s” is open: %(count)s invitations are going out by email "
                "and text message. Print slips for those without either."
            )
            % {"round": round_, "count": round_.invitations.count()},
        )

    def _require_open(self):
        if self.round.status != RoundStatus.OPEN:
            raise ValidationError(
                _("“%(round)s” is %(status)s; messages go out only while it is open.")
                % {
                    "round": self.round,
                    "status": self.round.get_status_display().lower(),
                }
            )

    def do_send(self, request):
        self._require_open()
        round_id = self.round.pk
        transaction.on_commit(
            lambda: tasks.defer(tasks.round_send_invitations, round_id)
        )
        messages.success(
            request, _("Invitations not yet sent are going out now, each once.")
        )

    def do_remind(self, request):
        self._require_open()
        round_id = self.round.pk
        transaction.on_commit(
            lambda: tasks.round_send_reminders.delay(round_id, when_due=False)
        )
        messages.success(
            request,
            _(
                "Reminders are going out to those who have not answered; nobody "
                "is reminded twice."
            ),
        )

    def do_close(self, request):
        round_close(round_=self.round)
        slips_files_delete(round_id=self.round.pk)
        messages.success(request, _("“%(round)s” is closed.") % {"round": self.round})

    def do_release(self, request):
        round_release(round_=self.round)
        messages.success(
            request,
            _("Results of “%(round)s” are released to managers.")
            % {"round": self.round},
        )

    def do_slips(self, request):
        self._require_open()
        variant = request.POST.get("variant")
        if variant not in SLIP_VARIANTS:
            raise Http404
        round_id = self.round.pk
        transaction.on_commit(lambda: tasks.round_slips_render.delay(round_id, variant))
        messages.success(
            request,
            _(
                "The slips are being prepared. Reload this page in a minute "
                "to download them."
            ),
        )


class RoundDownloadMixin(ScopedViewMixin):
    def setup(self, request, *args, **kwargs):
        super().setup(request, *args, **kwargs)
        self.round = get_object_or_404(_rounds(request.user), pk=kwargs["pk"])


class RoundLinksCsvView(RoundDownloadMixin, TemplateView):
    """Every invitee's code and link, for mail-merge; spreadsheet-safe cells."""

    def get(self, request, *args, **kwargs):
        if not round_invitations(self.round, None).exists():
            raise Http404
        return csv_response(
            f"round-{self.round.pk}-links.csv",
            LINKS_CSV_HEADER,
            links_rows(round_=self.round),
        )


class RoundSlipsDownloadView(RoundDownloadMixin, TemplateView):
    def get(self, request, *args, **kwargs):
        variant = kwargs["variant"]
        if variant not in SLIP_VARIANTS:
            raise Http404
        path = slips_file_path(round_id=self.round.pk, variant=variant)
        try:
            handle = path.open("rb")
        except FileNotFoundError as exc:
            raise Http404 from exc
        return FileResponse(
            handle,
            as_attachment=True,
            filename=f"round-{self.round.pk}-slips-{variant}.pdf",
            content_type="application/pdf",
        )


class RoundViewSet(OrganizationScopedViewSet):
    model = Round
    name = "surveys_round"
    url_prefix = "surveys/rounds"
    icon = "date"
    menu_label = _("Rounds")
    index_view_class = RoundIndexView
    edit_view_class = RoundEditView
    delete_view_class = RoundDeleteView
    # The round page shows everything; history and inspect add nothing here.
    inspect_view_enabled = False
    list_display = [
        "name",
        "survey",
        "period",
        "status",
        Column("invited", label=_("Invited")),
        Column("sent", label=_("Sent")),
        Column("answered", label=_("Answered")),
    ]
    scope = _rounds
    base_form_class = RoundForm
    fields = ["survey", "name", "period", "opens_at", "closes_at", "sites", "teams"]
    widgets = SITES_AND_TEAMS_WIDGETS

    def get_urlpatterns(self):
        return super().get_urlpatterns() + [
            path("manage/<int:pk>/", RoundManageView.as_view(), name="manage"),
            path("links/<int:pk>/", RoundLinksCsvView.as_view(), name="links_csv"),
            path(
                "slips/<int:pk>/<str:variant>/",
                RoundSlipsDownloadView.as_view(),
                name="slips_pdf",
            ),
        ]


# --- Pulse schedules --------------------------------------------------------------


def _pulse_schedules(user):
    return PulseSchedule.objects.filter(
        organization_id=_organization_id(user)
    ).select_related("survey")


class PulseScheduleViewSet(OrganizationScopedViewSet):
    model = PulseSchedule
    name = "surveys_pulseschedule"
    url_prefix = "surveys/pulses"
    icon = "repeat"
    menu_label = _("Pulse schedules")
    scope = _pulse_schedules
    base_form_class = PulseScheduleForm
    fields = [
        "survey",
        "frequency",
        "open_days",
        "reminder_after_days",
        "sites",
        "teams",
        "active",
    ]
    widgets = SITES_AND_TEAMS_WIDGETS
    list_display = ["survey", "frequency", "open_days", "reminder_after_days", "active"]


class SurveysGroup(ModelViewSetGroup):
    menu_label = _("Surveys")
    menu_icon = "list-ul"
    menu_order = 210
    items = (
        RoundViewSet,
        PulseScheduleViewSet,
        SurveyViewSet,
        SurveyQuestionViewSet,
        QuestionViewSet,
    )


@hooks.register("register_admin_viewset")
def register_survey_viewsets():
    return SurveysGroup()

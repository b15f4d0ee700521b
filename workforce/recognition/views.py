"""Recognition pages. Each one scopes through the selectors, then renders."""

import datetime

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from workforce.models import Role
from workforce.permissions import MANAGERS, ORG_ADMINS, role_required

from . import fairness, selectors, services
from .dates import add_months, organization_today
from .forms import (
    AwardChoiceForm,
    AwardPeriodForm,
    CompanyValueForm,
    NominationForm,
    PreferenceForm,
    ReviewForm,
    SettingsForm,
    WindowForm,
)
from .models import CompanyValue, RecognitionStatus

ALL_ROLES = tuple(Role)
REVIEWERS = (Role.OWNER, Role.HR, Role.SITE_MANAGER)
PAGE_SIZE = 30


def _organization(request):
    organization = selectors.user_organization(request.user)
    if organization is None:
        raise PermissionDenied
    return organization


def _add_errors(form, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for field, field_errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, field_errors)
    else:
        form.add_error(None, error)


@role_required(*ALL_ROLES)
def home(request):
    user = request.user
    return render(
        request,
        "recognition/home.html",
        {
            "can_nominate": selectors.can_nominate(user),
            "wall_sites": selectors.wall_sites(user),
            "pending_count": selectors.pending_reviews(user).count(),
            "is_reviewer": user.role in REVIEWERS,
            "is_manager": user.role in MANAGERS,
            "is_org_admin": user.role in ORG_ADMINS,
        },
    )


@role_required(*ALL_ROLES)
def nominate(request):
    user = request.user
    if not selectors.can_nominate(user):
        raise PermissionDenied
    organization = _organization(request)
    services.company_values_seed_defaults(organization=organization)
    query = request.GET.get("q", "").strip()
    people = list(selectors.nominee_choices(user, query=query))
    values = selectors.active_values(organization)
    if request.method == "POST":
        form = NominationForm(
            request.POST,
            people=people,
            values=values,
            nominator_staff=user.staff_member,
        )
        if form.is_valid():
            try:
                recognition = services.recognition_nominate(
                    nominator=user,
                    nominee=form.cleaned_data["nominee"],
                    value=form.cleaned_data["value"],
                    story=form.cleaned_data["story"],
                )
            except ValidationError as error:
                _add_errors(form, error)
            else:
                if recognition.status == RecognitionStatus.PENDING:
                    messages.success(
                        request,
                        _("Thank you. Your nomination of %(name)s awaits review.")
                        % {"name": recognition.nominee.full_name},
                    )
                else:
                    messages.success(
                        request,
                        _("Thank you. %(name)s has been recognised.")
                        % {"name": recognition.nominee.full_name},
                    )
                return redirect("recognition:home")
    else:
        initial = {"nominee": people[0].pk} if query and len(people) == 1 else {}
        form = NominationForm(initial=initial, people=people, values=values)
    return render(
        request,
        "recognition/nominate.html",
        {"form": form, "query": query, "match_count": len(people)},
    )


@role_required(*ALL_ROLES)
def wall(request, site_id):
    site = get_object_or_404(selectors.wall_sites(request.user), pk=site_id)
    page = Paginator(selectors.wall_recognitions(site), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(request, "recognition/wall.html", {"site": site, "page": page})


@role_required(*ALL_ROLES)
def mine(request):
    person = request.user.staff_member
    if person is not None and person.organization_id != request.user.organization_id:
        person = None
    if request.method == "POST":
        if person is None:
            raise PermissionDenied
        form = PreferenceForm(request.POST)
        if form.is_valid():
            services.recognition_preference_set(
                staff_member=person, wall_opt_out=form.cleaned_data["wall_opt_out"]
            )
            messages.success(request, _("Your choice is saved."))
            return redirect("recognition:mine")
    else:
        form = PreferenceForm(
            initial={
                "wall_opt_out": person is not None and selectors.wall_opt_out(person)
            }
        )
    return render(
        request,
        "recognition/mine.html",
        {
            "person": person,
            "form": form,
            "received": selectors.received_recognitions(person) if person else [],
            "given": selectors.given_recognitions(request.user),
        },
    )


@role_required(*MANAGERS)
def recognition_list(request):
    recognitions = selectors.recognitions_in_scope(request.user)
    status = request.GET.get("status", RecognitionStatus.APPROVED)
    if status not in RecognitionStatus.values:
        status = RecognitionStatus.APPROVED
    page = Paginator(recognitions.filter(status=status), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "recognition/list.html",
        {
            "page": page,
            "status": status,
            "statuses": RecognitionStatus.choices,
            "show_private": request.user.role in ORG_ADMINS,
        },
    )


@role_required(*REVIEWERS)
def review_list(request):
    return render(
        request,
        "recognition/review_list.html",
        {"pending": selectors.pending_reviews(request.user)},
    )


@role_required(*REVIEWERS)
def review(request, recognition_id):
    recognition = get_object_or_404(
        selectors.with_privacy(selectors.reviewable_recognitions(request.user)),
        pk=recognition_id,
    )
    if recognition.status != RecognitionStatus.PENDING:
        messages.info(
            request,
            _("This nomination was already %(status)s.")
            % {"status": recognition.get_status_display().lower()},
        )
        return redirect("recognition:review_list")
    form = ReviewForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            if form.cleaned_data["decision"] == ReviewForm.APPROVE:
                services.recognition_approve(
                    recognition=recognition, reviewer=request.user
                )
                messages.success(
                    request,
                    _("Approved. %(name)s will hear about it by email.")
                    % {"name": recognition.nominee.full_name},
                )
            else:
                services.recognition_decline(
                    recognition=recognition,
                    reviewer=request.user,
                    reason=form.cleaned_data["reason"],
                )
                messages.success(request, _("Declined."))
        except ValidationError as error:
            _add_errors(form, error)
        else:
            return redirect("recognition:review_list")
    return render(
        request,
        "recognition/review.html",
        {"recognition": recognition, "form": form},
    )


@role_required(*ALL_ROLES)
def award_list(request):
    awards = selectors.visible_awards(request.user)
    user = request.user
    own_id = user.staff_member_id
    rows = [
        {
            "award": award,
            # A private person's award is shown without their name, except to
            # them and to HR.
            "show_name": not award.is_private
            or user.role in ORG_ADMINS
            or award.recognition.nominee_id == own_id,
        }
        for award in awards
    ]
    return render(
        request,
        "recognition/award_list.html",
        {"rows": rows, "can_choose": user.role in ORG_ADMINS},
    )


@role_required(*ORG_ADMINS)
def award_new(request):
    organization = _organization(request)
    sites = selectors.visible_sites(request.user)
    data = request.POST if request.method == "POST" else request.GET
    if "period_start" in data:
        period_form = AwardPeriodForm(data, sites=sites)
    else:
        this_month = organization_today(organization).replace(day=1)
        period_form = AwardPeriodForm(
            sites=sites,
            initial={
                "period_start": add_months(this_month, -1),
                "period_end": this_month - datetime.timedelta(days=1),
            },
        )
    choice_form = None
    if period_form.is_bound and period_form.is_valid():
        period = period_form.cleaned_data
        candidates = selectors.award_candidates(
            organization=organization,
            site=period["site"],
            period_start=period["period_start"],
            period_end=period["period_end"],
        )
        if request.method == "POST":
            choice_form = AwardChoiceForm(request.POST, candidates=candidates)
            if choice_form.is_valid():
                try:
                    services.award_choose(
                        organization=organization,
                        chosen_by=request.user,
                        site=period["site"],
                        title=period["title"],
                        period_start=period["period_start"],
                        period_end=period["period_end"],
                        recognition=choice_form.cleaned_data["recognition"],
                    )
                except ValidationError as error:
                    _add_errors(choice_form, error)
                else:
                    messages.success(request, _("Award saved."))
                    return redirect("recognition:award_list")
        else:
            choice_form = AwardChoiceForm(candidates=candidates)
    return render(
        request,
        "recognition/award_new.html",
        {"period_form": period_form, "choice_form": choice_form},
    )


@role_required(*ORG_ADMINS)
def fairness_view(request):
    organization = _organization(request)
    today = organization_today(organization)
    default = {"start": add_months(today, -fairness.NONE_WINDOW_MONTHS), "end": today}
    form = WindowForm(request.GET if "start" in request.GET else None, initial=default)
    window = form.cleaned_data if form.is_bound and form.is_valid() else default
    report = fairness.fairness_report(
        organization=organization,
        start=window["start"],
        end=window["end"],
        today=today,
    )
    return render(
        request, "recognition/fairness.html", {"form": form, "report": report}
    )


@role_required(*ORG_ADMINS)
def value_list(request):
    organization = _organization(request)
    services.company_values_seed_defaults(organization=organization)
    form = CompanyValueForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.company_value_save(
                organization=organization, changed_by=request.user, **form.cleaned_data
            )
        except ValidationError as error:
            _add_errors(form, error)
        else:
            messages.success(request, _("Value added."))
            return redirect("recognition:value_list")
    values = CompanyValue.objects.filter(organization=organization)
    return render(
        request, "recognition/value_list.html", {"values": values, "form": form}
    )


@role_required(*ORG_ADMINS)
def value_edit(request, value_id):
    organization = _organization(request)
    value = get_object_or_404(
        CompanyValue.objects.filter(organization=organization), pk=value_id
    )
    form = CompanyValueForm(
        request.POST or None,
        initial={
            "name": value.name,
            "description": value.description,
            "is_active": value.is_active,
            "position": value.position,
        },
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.company_value_save(
                organization=organization,
                changed_by=request.user,
                value=value,
                **form.cleaned_data,
            )
        except ValidationError as error:
            _add_errors(form, error)
        else:
            messages.success(request, _("Value saved."))
            return redirect("recognition:value_list")
    return render(
        request, "recognition/value_edit.html", {"form": form, "value": value}
    )


@role_required(*ORG_ADMINS)
def settings_view(request):
    organization = _organization(request)
    current = selectors.recognition_settings(organization)
    form = SettingsForm(
        request.POST or None,
        initial={
            "allow_staff_nominations": current.allow_staff_nominations,
            "require_approval": current.require_approval,
        },
    )
    if request.method == "POST" and form.is_valid():
        services.recognition_settings_update(
            organization=organization, changed_by=request.user, **form.cleaned_data
        )
        messages.success(request, _("Recognition settings saved."))
        return redirect(reverse("recognition:settings"))
    return render(request, "recognition/settings.html", {"form": form})

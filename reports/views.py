"""Patient feedback pages.

Back office (owner and HR): upload a file of scores, preview the counts,
confirm (imported by a Celery task, with a progress page), list and undo
batches, the comment setting and the comments. Posters (owner, HR, site
managers for their sites): one QR code per site or team. Scoping goes through
``workforce.selectors``; an id outside the user's scope is a 404.

The patient page (``/p/<token>/``) is at the end: no login, no session, no
cookie but CSRF's, no address kept.
"""

import functools

import segno
from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST
from django_ratelimit.core import is_ratelimited

from reports.forms import (
    CaptureForm,
    CapturePointForm,
    FeedbackSettingsForm,
    FeedbackUploadForm,
)
from reports.patients import batches, capture
from reports.patients.csvstream import ImportRejected
from reports.patients.wording import COPY, LANGUAGE_NAMES, LANGUAGES, patient_language
from workforce.permissions import ORG_ADMINS, role_required
from workforce.spreadsheets import csv_response

ERRORS_SHOWN = 1000
# Answers per capture point and address. A shared waiting-room tablet sends
# every answer from one address, so the limit is generous; the address is only
# hashed into a cache key for the window (django-ratelimit), never stored.
CAPTURE_RATE = "30/10m"


class SeeOther(HttpResponseRedirect):
    status_code = 303


# --- Back office: upload → preview → confirm → status; batches; undo ----------


def _batch_or_404(request, batch_id):
    return get_object_or_404(batches.feedback_batches_for(request.user), pk=batch_id)


@role_required(*ORG_ADMINS)
def feedback_home(request):
    organization = request.user.organization
    form = FeedbackUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        batch = batches.feedback_upload(
            organization=organization,
            uploaded_by=request.user,
            filename=upload.name,
            file=upload,
            drop_extra_columns=form.cleaned_data["drop_extra_columns"],
        )
        return redirect("reports:batch", batch_id=batch.pk)
    page = Paginator(
        batches.feedback_batches_for(request.user).select_related(
            "created_by", "undone_by"
        ),
        25,
    ).get_page(request.GET.get("page"))
    return render(
        request,
        "reports/feedback_home.html",
        {
            "form": form,
            "page": page,
            "settings_form": FeedbackSettingsForm(
                instance=capture.feedback_settings(organization)
            ),
        },
    )


@role_required(*ORG_ADMINS)
def batch_detail(request, batch_id):
    batch = _batch_or_404(request, batch_id)
    done, total = batches.feedback_batch_progress(batch)
    return render(
        request,
        "reports/batch.html",
        {
            "batch": batch,
            "done": done,
            "total": total,
            "errors": batch.errors[:ERRORS_SHOWN],
            "errors_hidden": max(batch.error_count - ERRORS_SHOWN, 0),
        },
    )


@require_POST
@role_required(*ORG_ADMINS)
def batch_confirm(request, batch_id):
    batch = _batch_or_404(request, batch_id)
    try:
        queued = batches.feedback_batch_queue(batch=batch)
    except ImportRejected as exc:
        messages.error(request, str(exc.errors[0]))
    else:
        if not queued:
            messages.info(request, _("This file was already imported or queued."))
    return redirect("reports:batch", batch_id=batch.pk)


@require_POST
@role_required(*ORG_ADMINS)
def batch_discard(request, batch_id):
    batch = _batch_or_404(request, batch_id)
    if batches.feedback_batch_discard(batch=batch):
        messages.success(request, _("The upload was discarded; nothing was imported."))
    else:
        messages.info(
            request, _("Only an upload that was not imported can be discarded.")
        )
    return redirect("reports:patient_feedback")


@require_POST
@role_required(*ORG_ADMINS)
def batch_undo(request, batch_id):
    batch = _batch_or_404(request, batch_id)
    deleted = batches.feedback_batch_undo(batch=batch, undone_by=request.user)
    if deleted is None:
        messages.info(request, _("Only an imported batch can be undone."))
    else:
        messages.success(
            request,
            _("Batch #%(id)d was undone: %(n)d scores deleted.")
            % {"id": batch.pk, "n": deleted},
        )
    return redirect("reports:patient_feedback")


@role_required(*ORG_ADMINS)
def batch_errors_csv(request, batch_id):
    batch = _batch_or_404(request, batch_id)
    if not batch.errors:
        raise Http404
    return csv_response(
        f"patient-feedback-{batch.pk}-problems.csv",
        ["row", "column", "message"],
        ([e["row"], e["column"], e["message"]] for e in batch.errors),
    )


@require_POST
@role_required(*ORG_ADMINS)
def feedback_settings(request):
    organization = request.user.organization
    form = FeedbackSettingsForm(
        request.POST, instance=capture.feedback_settings(organization)
    )
    if form.is_valid():
        capture.feedback_settings_update(
            organization=organization,
            collect_comments=form.cleaned_data["collect_comments"],
        )
        messages.success(request, _("Settings saved."))
    return redirect("reports:patient_feedback")


@role_required(*ORG_ADMINS)
def comment_list(request):
    page = Paginator(capture.comments_for(request.user), 50).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "reports/comments.html",
        {
            "page": page,
            "collecting": capture.feedback_settings(
                request.user.organization
            ).collect_comments,
        },
    )


# --- Posters ------------------------------------------------------------------


def _public_url(point) -> str:
    return settings.SITE_URL.rstrip("/") + reverse(
        "patient:capture", kwargs={"token": point.token}
    )


@role_required(*capture.POSTER_ROLES)
def poster_list(request):
    sites = capture.poster_sites(request.user).prefetch_related("teams")
    live = {
        (point.site_id, point.team_id): point
        for point in capture.capture_points_for(request.user).filter(
            revoked_at__isnull=True
        )
    }
    rows = []
    for site in sites:
        rows.append({"site": site, "team": None, "point": live.get((site.pk, None))})
        for team in site.teams.all():
            rows.append(
                {"site": site, "team": team, "point": live.get((site.pk, team.pk))}
            )
    return render(request, "reports/posters.html", {"rows": rows})


@require_POST
@role_required(*capture.POSTER_ROLES)
def poster_create(request):
    form = CapturePointForm(request.POST, sites=capture.poster_sites(request.user))
    if not form.is_valid():
        raise Http404
    point = capture.capture_point_create(
        site=form.cleaned_data["site"],
        team=form.cleaned_data["team"],
        created_by=request.user,
    )
    return redirect("reports:poster", point_id=point.pk)


@require_POST
@role_required(*capture.POSTER_ROLES)
def poster_revoke(request, point_id):
    point = get_object_or_404(capture.capture_points_for(request.user), pk=point_id)
    if capture.capture_point_revoke(point=point):
        messages.success(
            request,
            _("The code for %(place)s no longer works. Take its posters down.")
            % {"place": point},
        )
    return redirect("reports:posters")


@role_required(*capture.POSTER_ROLES)
def poster(request, point_id):
    point = get_object_or_404(capture.capture_points_for(request.user), pk=point_id)
    url = _public_url(point)
    qr = segno.make(url, error="m")
    # segno writes the SVG itself (no user text in it but the URL we built).
    svg = mark_safe(
        qr.svg_inline(scale=10, border=4, title=url, svgclass="qr", omitsize=True)
    )
    return render(
        request,
        "reports/poster.html",
        {
            "point": point,
            "url": url,
            "short_url": url.split("://", 1)[-1],
            "svg": svg,
            "copies": [COPY[language] for language in LANGUAGES],
        },
    )


# --- The patient page: /p/<token>/ ------------------------------------------


def patient_page(view):
    """No cookie of ours (the language travels in ``?lang=``), no caching, not
    indexed. The token in the path goes to no other site: the page loads nothing
    from elsewhere and the referrer policy is ``same-origin`` (not
    ``no-referrer``, under which browsers post ``Origin: null`` and Django's
    CSRF check refuses the form)."""

    @functools.wraps(view)
    def wrapper(request, token):
        language = patient_language(request.GET.get("lang"), translation.get_language())
        with translation.override(language):
            request.patient_language = language
            # A shared waiting-room tablet: the thank-you page returns to the
            # question for the next person.
            request.kiosk = request.GET.get("kiosk") == "1"
            request.patient_copy = COPY[language]
            request.language_links = [
                {
                    "code": code,
                    "name": LANGUAGE_NAMES[code],
                    "current": code == language,
                }
                for code in LANGUAGES
            ]
            point = capture.live_capture_point(token)
            if point is None:
                response = render(request, "reports/patient/gone.html", status=404)
            else:
                response = view(request, point)
        response["Cache-Control"] = "no-store"
        response["Referrer-Policy"] = "same-origin"
        response["X-Robots-Tag"] = "noindex"
        return response

    return wrapper


def _capture_limited(request, point) -> bool:
    return is_ratelimited(
        request,
        group=f"reports.capture.{point.pk}",
        key="ip",
        rate=CAPTURE_RATE,
        method=is_ratelimited.ALL,
        increment=True,
    )


@require_http_methods(["GET", "POST"])
@patient_page
def capture_page(request, point):
    collect = capture.collects_comments(point)
    form = CaptureForm(
        request.POST or None, copy=request.patient_copy, collect_comments=collect
    )
    status = 200
    if request.method == "POST":
        if _capture_limited(request, point):
            return render(request, "reports/patient/limited.html", status=429)
        if form.is_valid():
            capture.feedback_submit(
                point=point,
                score=form.cleaned_data["score"],
                comment=form.cleaned_data.get("comment", ""),
            )
            thanks = reverse("patient:thanks", kwargs={"token": point.token})
            kiosk = "&kiosk=1" if request.kiosk else ""
            return SeeOther(f"{thanks}?lang={request.patient_language}{kiosk}")
        status = 400
    chosen = form["score"].value() if form.is_bound else None
    return render(
        request,
        "reports/patient/capture.html",
        {
            "point": point,
            "form": form,
            "collect_comments": collect,
            "scores": [
                {"value": n, "checked": str(n) == str(chosen)} for n in range(11)
            ],
        },
        status=status,
    )


@require_http_methods(["GET"])
@patient_page
def thanks_page(request, point):
    return render(request, "reports/patient/thanks.html", {"point": point})

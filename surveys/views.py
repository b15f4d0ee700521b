"""Pages for staff answering a survey: code entry, personal link, answers, thanks.

Respondents are anonymous visitors. They get no session (nothing of theirs in
``django_session``); their code and draft answers live in a signed cookie
(``surveys.drafts``) until they submit. Every page here is ``no-store`` and sends
no referrer, and the personal link's code leaves the address bar at once.
"""

import functools
import logging

from django.conf import settings
from django.db import DatabaseError
from django.http import HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods
from django_ratelimit.core import is_ratelimited

from . import drafts, submission, tokens
from .forms import CodeForm, answers_from_post, question_items

logger = logging.getLogger(__name__)

LAYOUTS = ("single", "paged")
# Wrong codes per address before the code form pauses. A practice's staff share
# one address, so this counts failures only; codes have ~50 bits, so guessing
# stays hopeless at this pace. The address is hashed into a cache key and kept
# only for the window; it is never stored.
CODE_FAILURES_RATE = "20/10m"
# Posts per code, against a script hammering the answer form.
ANSWER_POST_RATE = "120/h"
KIOSK_RETURN_SECONDS = 8


class SeeOther(HttpResponseRedirect):
    status_code = 303


def survey_layout() -> str:
    layout = getattr(settings, "SURVEY_LAYOUT", "single")
    return layout if layout in LAYOUTS else "single"


def _language_query(request, language):
    query = request.GET.copy()
    query["lang"] = language
    return query.urlencode()


def survey_page(view):
    """Headers and language handling shared by every respondent page.

    ``?lang=es`` switches language for this page and, through Django's language
    cookie, the pages after it. A failing database gives a page that says to try
    again, never a stack trace.
    """

    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        chosen = request.GET.get("lang")
        supported = {code for code, _name in settings.LANGUAGES}
        if chosen in supported:
            translation.activate(chosen)
            request.LANGUAGE_CODE = chosen
        request.language_links = [
            {
                "code": code,
                "name": name,
                "query": _language_query(request, code),
                "current": code == translation.get_language(),
            }
            for code, name in settings.LANGUAGES
        ]
        try:
            response = view(request, *args, **kwargs)
        except DatabaseError as exc:
            # A database restart or failover. Nothing was recorded: a post comes
            # back as a form that sends the same answers again.
            logger.warning("survey page: database unavailable (%s)", type(exc).__name__)
            resubmit = (
                [
                    (key, value)
                    for key in request.POST
                    for value in request.POST.getlist(key)
                ]
                if request.method == "POST"
                else None
            )
            response = render(
                request,
                "surveys/respond/unavailable.html",
                {"resubmit": resubmit},
                status=503,
            )
        if chosen in supported:
            response.set_cookie(
                settings.LANGUAGE_COOKIE_NAME,
                chosen,
                max_age=settings.LANGUAGE_COOKIE_AGE,
                path=settings.LANGUAGE_COOKIE_PATH,
                samesite="Lax",
            )
        response["Cache-Control"] = "no-store"
        response["Referrer-Policy"] = "no-referrer"
        response["X-Robots-Tag"] = "noindex"
        return response

    return wrapper


def _cross_site(request) -> bool:
    """A POST that a page on another site made the browser send."""
    fetch_site = request.headers.get("Sec-Fetch-Site")
    if fetch_site is not None:
        return fetch_site not in {"same-origin", "none"}
    origin = request.headers.get("Origin")
    if origin in (None, "null"):
        return False
    return origin != f"{request.scheme}://{request.get_host()}"


def same_site_posts(view):
    """Cross-site request forgery protection that works with ``no-referrer``.

    Under ``Referrer-Policy: no-referrer`` browsers send ``Origin: null`` with a
    form post, which Django's CSRF middleware rejects, so these views are exempt
    from it and guard themselves instead: browsers mark every request with
    ``Sec-Fetch-Site`` and a post from another site is refused; without that
    header a foreign ``Origin`` is refused. The answer page also needs the
    respondent cookie, which is ``SameSite=Lax`` and so never rides along on a
    post from another site.
    """

    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        if request.method == "POST" and _cross_site(request):
            return render(request, "surveys/respond/expired.html", status=403)
        return view(request, *args, **kwargs)

    return csrf_exempt(wrapper)


def _code_failures_limited(request, *, increment: bool) -> bool:
    return is_ratelimited(
        request,
        group="surveys.code",
        key="ip",
        rate=CODE_FAILURES_RATE,
        method=is_ratelimited.ALL,
        increment=increment,
    )


def _too_many_attempts(request):
    return render(request, "surveys/respond/limited.html", status=429)


def _start(request, code: str, *, kiosk: bool):
    """Open the answer page for a valid code, resuming its draft if there is one."""
    state = drafts.read_state(request)
    if state is None or state.code != code:
        state = drafts.RespondentState(code=code)
    state.kiosk = state.kiosk or kiosk
    response = SeeOther(reverse("surveys:answer"))
    drafts.write_state(request, response, state)
    return response


@require_http_methods(["GET", "POST"])
@survey_page
@same_site_posts
def code_entry(request):
    """Type the code on a printed slip; also the shared-tablet kiosk's start page."""
    kiosk = (request.POST if request.method == "POST" else request.GET).get(
        "kiosk"
    ) == "1"
    form = CodeForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if _code_failures_limited(request, increment=False):
            return _too_many_attempts(request)
        if form.is_valid():
            code = form.cleaned_data["code"]
            try:
                submission.invitation_for_code(code)
            except submission.InvalidCode:
                form.add_error(
                    "code",
                    _(
                        "We could not find that code. Check it against your slip "
                        "and try again."
                    ),
                )
            else:
                return _start(request, code, kiosk=kiosk)
        _code_failures_limited(request, increment=True)
        status = 400
    response = render(
        request,
        "surveys/respond/entry.html",
        {"form": form, "kiosk": kiosk},
        status=status,
    )
    if kiosk and request.method == "GET":
        # The shared tablet starts each person afresh, unfinished drafts included.
        drafts.clear_state(response)
    return response


@require_GET
@survey_page
def respond_link(request, code):
    """The personal link: trade the code in the address for a cookie, then go on."""
    if _code_failures_limited(request, increment=False):
        return _too_many_attempts(request)
    try:
        submission.invitation_for_code(code)
    except submission.InvalidCode:
        _code_failures_limited(request, increment=True)
        return render(request, "surveys/respond/invalid.html", status=404)
    return _start(request, tokens.normalize_code(code), kiosk=False)


def _ended(request, template, status, *, kiosk=False):
    response = render(request, template, {"kiosk": kiosk}, status=status)
    drafts.clear_state(response)
    return response


def _thanks_url(kiosk: bool) -> str:
    url = reverse("surveys:thanks")
    return f"{url}?kiosk=1" if kiosk else url


class AnswerPage:
    """What the answer view needs about the respondent and their round."""

    def __init__(self, request, state, invitation):
        self.request = request
        self.state = state
        self.round = invitation.round
        self.questions = submission.round_questions(self.round)
        self.layout = survey_layout()
        last = max(len(self.questions) - 1, 0)
        self.state.page = min(max(self.state.page, 0), last)
        self.last_page = last

    def page_questions(self, page):
        if self.layout == "single":
            return self.questions
        return self.questions[page : page + 1]

    def render(self, *, errors=None, status=200, notice="", trimmed=False):
        errors = errors or {}
        language = translation.get_language()
        page = self.state.page
        shown = self.page_questions(page)
        first_number = 1 if self.layout == "single" else page + 1
        items = question_items(
            shown,
            answers=self.state.answers,
            errors=errors,
            language=language,
            first_number=first_number,
            total=len(self.questions),
        )
        survey = self.round.survey
        spanish = language.startswith("es")
        context = {
            "round": self.round,
            "organization_name": self.round.organization.name,
            "intro": (
                survey.intro_es if spanish and survey.intro_es else survey.intro_en
            ),
            "items": items,
            "error_items": [item for item in items if item.error],
            "layout": self.layout,
            "page": page,
            "page_number": page + 1,
            "total": len(self.questions),
            "is_first": self.layout == "single" or page == 0,
            "is_last": self.layout == "single" or page >= self.last_page,
            "kiosk": self.state.kiosk,
            "notice": notice,
            "trimmed": trimmed,
        }
        response = render(
            self.request, "surveys/respond/answer.html", context, status=status
        )
        complete = drafts.write_state(self.request, response, self.state)
        if not complete and not trimmed:
            # Re-render once so the page says the long comment was not kept.
            return self.render(
                errors=errors, status=status, notice=notice, trimmed=True
            )
        return response


@require_http_methods(["GET", "POST"])
@survey_page
@same_site_posts
def answer(request):
    state = drafts.read_state(request)
    if state is None:
        return _ended(request, "surveys/respond/expired.html", 400)
    try:
        invitation = submission.invitation_for_code(state.code)
    except submission.InvalidCode:
        return _ended(request, "surveys/respond/invalid.html", 404)
    if not submission.round_is_open(invitation.round):
        return _ended(request, "surveys/respond/closed.html", 410, kiosk=state.kiosk)
    if submission.has_answered(state.code):
        return _ended(request, "surveys/respond/already.html", 409, kiosk=state.kiosk)
    page = AnswerPage(request, state, invitation)
    if request.method == "GET":
        notice = _saved_notice() if request.GET.get("saved") == "1" else ""
        return page.render(notice=notice)
    return _answer_post(request, page)


def _saved_notice():
    return _(
        "Your answers are saved on this device for two hours. To finish, open your "
        "personal link again or type your code."
    )


def _answer_post(request, page: AnswerPage):
    state = page.state
    digest = tokens.participation_digest(state.code)
    if is_ratelimited(
        request,
        group="surveys.answer",
        key=lambda _group, _request: digest,
        rate=ANSWER_POST_RATE,
        increment=True,
    ):
        return _too_many_attempts(request)
    action = request.POST.get("action", "submit")
    try:
        posted_page = int(request.POST.get("page", state.page))
    except ValueError:
        posted_page = state.page
    posted_page = min(max(posted_page, 0), page.last_page)
    shown = page.page_questions(posted_page)
    errors = {}
    try:
        cleaned = submission.clean_answers(
            shown,
            answers_from_post(request.POST, shown),
            enforce_required=action in {"next", "submit"},
        )
    except submission.InvalidAnswers as invalid:
        errors = invalid.errors
        cleaned = {}
    for sq in shown:
        if sq.question_id in cleaned:
            state.answers[sq.question_id] = cleaned[sq.question_id]
        elif sq.question_id not in errors:
            state.answers.pop(sq.question_id, None)
    state.page = posted_page
    if errors:
        return page.render(errors=errors)
    if action == "save":
        response = SeeOther(reverse("surveys:answer") + "?saved=1")
        drafts.write_state(request, response, state)
        return response
    if page.layout == "paged" and action in {"next", "back"}:
        step = 1 if action == "next" else -1
        state.page = min(max(posted_page + step, 0), page.last_page)
        response = SeeOther(reverse("surveys:answer"))
        drafts.write_state(request, response, state)
        return response
    try:
        submission.response_submit(
            round_=page.round, code=state.code, answers=state.answers
        )
    except submission.InvalidAnswers as invalid:
        # A required answer missing on another page: go to the first one.
        first = min(
            i for i, sq in enumerate(page.questions) if sq.question_id in invalid.errors
        )
        state.page = first if page.layout == "paged" else 0
        return page.render(errors=invalid.errors)
    except submission.AlreadyAnswered:
        return _ended(request, "surveys/respond/already.html", 409, kiosk=state.kiosk)
    except submission.RoundClosed:
        return _ended(request, "surveys/respond/closed.html", 410, kiosk=state.kiosk)
    except submission.InvalidCode:
        return _ended(request, "surveys/respond/invalid.html", 404)
    except DatabaseError:
        # Nothing was written. Keep the answers in the cookie so "Submit" again works.
        return page.render(
            status=503,
            notice=_(
                "We could not save your answers just now, and nothing was recorded. "
                "Your answers are still here: please submit again in a moment."
            ),
        )
    response = SeeOther(_thanks_url(state.kiosk))
    drafts.clear_state(response)
    return response


@require_GET
@survey_page
def thanks(request):
    kiosk = request.GET.get("kiosk") == "1"
    stay = request.GET.get("stay") == "1"
    context = {
        "kiosk": kiosk,
        "refresh_seconds": KIOSK_RETURN_SECONDS if kiosk and not stay else None,
    }
    response = render(request, "surveys/respond/thanks.html", context)
    drafts.clear_state(response)
    # Leave nothing of this respondent in the browser: the next person may share it.
    response["Clear-Site-Data"] = '"cache", "cookies", "storage"'
    return response

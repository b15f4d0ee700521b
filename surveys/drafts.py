"""The respondent's state between pages: a short-lived signed cookie, nothing else.

Respondents have no account and no server-side session. Their code, their draft
answers, the page they are on and whether they use the shared kiosk travel in one
cookie, signed (not encrypted: it holds only what the respondent typed) and
limited to ``/s/``. Nothing of a respondent reaches the database before they
submit; the thank-you page deletes the cookie.
"""

from dataclasses import dataclass, field

from django.conf import settings
from django.core import signing

COOKIE_NAME = "pf_survey"
COOKIE_PATH = "/s/"
SALT = "surveys.drafts.respondent"
# Browsers keep cookies up to 4096 bytes, name and attributes included.
MAX_VALUE_BYTES = 3800


def cookie_age() -> int:
    return getattr(settings, "SURVEY_COOKIE_AGE", 2 * 60 * 60)


@dataclass
class RespondentState:
    code: str
    answers: dict[int, int | str] = field(default_factory=dict)
    page: int = 0
    kiosk: bool = False

    def to_payload(self) -> dict:
        payload = {"c": self.code, "a": {str(k): v for k, v in self.answers.items()}}
        if self.page:
            payload["p"] = self.page
        if self.kiosk:
            payload["k"] = 1
        return payload

    @classmethod
    def from_payload(cls, payload) -> "RespondentState | None":
        try:
            answers = {int(k): v for k, v in payload.get("a", {}).items()}
            state = cls(
                code=str(payload["c"]),
                answers=answers,
                page=int(payload.get("p", 0)),
                kiosk=bool(payload.get("k")),
            )
        except (AttributeError, KeyError, TypeError, ValueError):
            return None
        if not all(isinstance(v, int | str) for v in answers.values()):
            return None
        return state


def read_state(request) -> RespondentState | None:
    """The state in the request's cookie, or None if absent, tampered or expired."""
    value = request.COOKIES.get(COOKIE_NAME)
    if not value:
        return None
    try:
        payload = signing.loads(value, salt=SALT, max_age=cookie_age())
    except signing.BadSignature:
        return None
    return RespondentState.from_payload(payload)


def _encode(state: RespondentState) -> str:
    return signing.dumps(state.to_payload(), salt=SALT, compress=True)


def write_state(request, response, state: RespondentState) -> bool:
    """Set the cookie; returns False if long free text had to be left out.

    Long comments can outgrow a cookie. The rest of the draft is still kept and the
    page tells the respondent; a comment typed on the page it is submitted from
    never needs the cookie.
    """
    value = _encode(state)
    complete = True
    if len(value) > MAX_VALUE_BYTES:
        complete = False
        trimmed = RespondentState(
            code=state.code,
            answers={k: v for k, v in state.answers.items() if not isinstance(v, str)},
            page=state.page,
            kiosk=state.kiosk,
        )
        value = _encode(trimmed)
    response.set_cookie(
        COOKIE_NAME,
        value,
        max_age=cookie_age(),
        path=COOKIE_PATH,
        # Production sets SESSION_COOKIE_SECURE; plain-HTTP development cannot.
        secure=request.is_secure() or settings.SESSION_COOKIE_SECURE,
        httponly=True,
        samesite="Lax",
    )
    return complete


def clear_state(response) -> None:
    response.delete_cookie(COOKIE_NAME, path=COOKIE_PATH, samesite="Lax")

"""Nothing but the second-factor pages until an MFA user has passed it."""

from urllib.parse import urlencode

from django.conf import settings
from django.shortcuts import redirect
from django.urls import reverse

from . import mfa_required
from .services import has_confirmed_device

# Paths open to a signed-in user who has not passed the second factor yet:
# the factor pages themselves, signing out (here and in Wagtail), static files,
# the language switch, and the anonymous staff survey (/s/) and patient (/p/)
# pages, which show no account data and must behave the same for everyone.
_OPEN_URL_NAMES = (
    "workforce:mfa_verify",
    "workforce:mfa_setup",
    "login",
    "logout",
    "wagtailadmin_login",
    "wagtailadmin_logout",
    "set_language",
)
_OPEN_PREFIXES = ("/s/", "/p/")


class MFARequiredMiddleware:
    """Send an MFA user without a verified session to enrol or to enter a code.

    Must come after ``django_otp.middleware.OTPMiddleware``. Applies to every
    URL, the Wagtail admin included, except the short list above.
    """

    def __init__(self, get_response):
        self.get_response = get_response
        self._open_paths = None

    def __call__(self, request):
        user = request.user
        if (
            mfa_required(user)
            and not user.is_verified()
            and not self._is_open(request.path_info)
        ):
            target = (
                "workforce:mfa_verify"
                if has_confirmed_device(user)
                else "workforce:mfa_setup"
            )
            query = urlencode({"next": request.get_full_path()})
            return redirect(f"{reverse(target)}?{query}")
        return self.get_response(request)

    def _is_open(self, path):
        if self._open_paths is None:
            self._open_paths = frozenset(reverse(name) for name in _OPEN_URL_NAMES)
        static = settings.STATIC_URL or "/static/"
        return path in self._open_paths or path.startswith((*_OPEN_PREFIXES, static))

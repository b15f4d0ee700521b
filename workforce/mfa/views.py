"""Second-factor pages: enrol an authenticator, enter a code, see backup codes."""

from urllib.parse import urlencode

import segno
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.db.models import Exists, OuterRef, Q
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from . import MFA_ROLES, mfa_required, services
from .forms import BackupCodeAwareForm, CodeForm

_NEW_CODES_SESSION_KEY = "mfa_new_backup_codes"


def _next_url(request):
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return ""


def _done(request):
    return redirect(_next_url(request) or "home")


@never_cache
@sensitive_post_parameters("code")
@login_required
def mfa_setup(request):
    """Scan a QR code (or type the secret), then confirm with the app's code."""
    user = request.user
    if not mfa_required(user) or user.is_verified():
        return _done(request)
    if services.has_confirmed_device(user):
        # Replacing an authenticator is an administrator's job (it would let
        # anyone holding the password swap in their own phone).
        return redirect(_with_next(request, "workforce:mfa_verify"))
    device = services.totp_device_for_enrolment(user=user)
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        outcome = services.totp_device_confirm(
            device=device, token=form.cleaned_data["code"]
        )
        if outcome.device is not None:
            otp_login(request, outcome.device)
            request.session[_NEW_CODES_SESSION_KEY] = services.backup_codes_issue(
                user=user
            )
            return redirect(_with_next(request, "workforce:mfa_backup_codes"))
        form.add_error("code", outcome.error)
    qr = segno.make(device.config_url, error="m")
    return render(
        request,
        "registration/mfa_setup.html",
        {
            "form": form,
            "qr_svg": qr.svg_inline(scale=5, border=2, omitsize=True),
            "secret": services.totp_secret_for_display(device),
            "next": _next_url(request),
        },
    )


@never_cache
@sensitive_post_parameters("code")
@login_required
def mfa_verify(request):
    """Ask for the second factor before any other page."""
    user = request.user
    if not mfa_required(user) or user.is_verified():
        return _done(request)
    if not services.has_confirmed_device(user):
        return redirect(_with_next(request, "workforce:mfa_setup"))
    form = BackupCodeAwareForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        outcome = services.mfa_verify(user=user, token=form.cleaned_data["code"])
        if outcome.device is not None:
            otp_login(request, outcome.device)
            return _done(request)
        form.add_error("code", outcome.error)
    return render(
        request,
        "registration/mfa_verify.html",
        {"form": form, "next": _next_url(request)},
    )


@never_cache
@login_required
def mfa_backup_codes(request):
    """Show new backup codes once; a POST replaces them with a fresh set."""
    user = request.user
    if not mfa_required(user):
        return redirect("home")
    if request.method == "POST":
        request.session[_NEW_CODES_SESSION_KEY] = services.backup_codes_issue(user=user)
        return redirect(_with_next(request, "workforce:mfa_backup_codes"))
    codes = request.session.pop(_NEW_CODES_SESSION_KEY, None)
    return render(
        request,
        "registration/mfa_backup_codes.html",
        {
            "codes": codes,
            "next": _next_url(request),
            "title": _("Backup codes"),
        },
    )


def _with_next(request, name):
    url = reverse(name)
    next_url = _next_url(request)
    return f"{url}?{urlencode({'next': next_url})}" if next_url else url


# --- Reset someone's second factor (a lost phone): owners and superusers ------


def _reset_allowed(request):
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    if not services.can_reset_mfa(request.user):
        raise PermissionDenied
    return None


@never_cache
def mfa_reset_list(request):
    """The logins whose two-step sign-in the user may reset, with their status."""
    refused = _reset_allowed(request)
    if refused:
        return refused
    enrolled = TOTPDevice.objects.filter(user=OuterRef("pk"), confirmed=True)
    users = (
        services.mfa_resettable_users(request.user)
        .filter(Q(role__in=MFA_ROLES) | Q(is_superuser=True))
        .annotate(enrolled=Exists(enrolled))
        .order_by("organization__name", "last_name", "first_name", "username")
    )
    return render(
        request,
        "registration/mfa_reset_list.html",
        {"users": users, "show_organization": request.user.is_superuser},
    )


@never_cache
def mfa_reset_confirm(request, user_id):
    """Confirm, then remove the user's authenticator and backup codes."""
    refused = _reset_allowed(request)
    if refused:
        return refused
    target = get_object_or_404(services.mfa_resettable_users(request.user), pk=user_id)
    if request.method == "POST":
        services.mfa_reset(user=target, actor=request.user)
        messages.success(
            request,
            _(
                "Two-step sign-in reset for %(user)s. They set up their "
                "authenticator app again the next time they sign in."
            )
            % {"user": target.get_full_name() or target.get_username()},
        )
        return redirect("workforce:mfa_reset_list")
    return render(
        request,
        "registration/mfa_reset_confirm.html",
        {
            "target": target,
            "enrolled": services.has_confirmed_device(target),
        },
    )

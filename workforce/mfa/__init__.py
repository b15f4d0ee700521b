"""Second sign-in factor (TOTP) for everyone who can see other people's data.

Owners, HR, site managers and team leads (and platform superusers) must
confirm an authenticator app before any page; staff accounts and the anonymous
survey (/s/) and patient (/p/) pages are untouched. Built on django-otp:
``request.user.is_verified()`` comes from ``django_otp.middleware.OTPMiddleware``
and :class:`workforce.mfa.middleware.MFARequiredMiddleware` enforces it.
"""

from workforce.models import Role

MFA_ROLES = frozenset({Role.OWNER, Role.HR, Role.SITE_MANAGER, Role.TEAM_LEAD})


def mfa_required(user) -> bool:
    """Whether ``user`` must pass a second factor before using the site."""
    return bool(
        user is not None
        and user.is_authenticated
        and (user.is_superuser or user.role in MFA_ROLES)
    )

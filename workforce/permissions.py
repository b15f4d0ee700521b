"""View guards. Scoping of objects lives in selectors; this only gates roles."""

from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied

from .models import Role


def role_required(*roles: Role):
    """Allow only signed-in users of an organization holding one of ``roles``."""

    def decorator(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            user = request.user
            if not user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not user.organization_id or user.role not in roles:
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapper

    return decorator


MANAGERS = (Role.OWNER, Role.HR, Role.SITE_MANAGER, Role.TEAM_LEAD)
ORG_ADMINS = (Role.OWNER, Role.HR)

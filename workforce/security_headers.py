"""Content-Security-Policy and Permissions-Policy on every response.

The site-wide policy is ``settings.CONTENT_SECURITY_POLICY``. Wagtail's admin
(under /admin/) ships inline ``<script>`` blocks in its date pickers and inline
panels and inline styles in many widgets, so it gets a relaxed script and
style policy; everything else that protects against injection and framing
(object-src, base-uri, form-action, default-src) stays as strict there too.
"""

from csp.constants import SELF, UNSAFE_INLINE
from csp.middleware import CSPMiddleware
from django.conf import settings
from django.urls import reverse

# Only for Wagtail's own admin screens; no page of ours needs any of this.
WAGTAIL_ADMIN_RELAXATIONS = {
    # Wagtail 8's date/time widgets and InlinePanel write inline <script>.
    "script-src": [SELF, UNSAFE_INLINE],
    # Its widgets and icons use inline style attributes and <style> blocks.
    "style-src": [SELF, UNSAFE_INLINE],
    "style-src-elem": [SELF, UNSAFE_INLINE],
    "style-src-attr": [UNSAFE_INLINE],
    # Image and document previews and upload thumbnails.
    "img-src": [SELF, "data:", "blob:"],
    # The page editor's live preview frames admin URLs on the same origin.
    "frame-src": [SELF],
    "frame-ancestors": [SELF],
}


class SecurityHeadersMiddleware(CSPMiddleware):
    """django-csp's middleware, plus the admin policy and Permissions-Policy."""

    _admin_prefix = None

    def get_policy_parts(self, request, response, report_only=False):
        parts = super().get_policy_parts(request, response, report_only)
        if not report_only and request.path_info.startswith(self._admin()):
            parts.replace = {**WAGTAIL_ADMIN_RELAXATIONS, **(parts.replace or {})}
        return parts

    def process_response(self, request, response):
        response = super().process_response(request, response)
        policy = getattr(settings, "PERMISSIONS_POLICY", "")
        if policy and "Permissions-Policy" not in response:
            response["Permissions-Policy"] = policy
        return response

    @classmethod
    def _admin(cls):
        if cls._admin_prefix is None:
            cls._admin_prefix = reverse("wagtailadmin_home")
        return cls._admin_prefix

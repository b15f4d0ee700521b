"""Debian's Chromium for browser tests: its path and the flags DEVELOPERS.md lists."""

import shutil

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
# Playwright adds --headless itself. Without the networking flags Chromium keeps
# trying hosts this closed network refuses.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]


def session_cookie(user) -> str:
    """A ``Client.force_login`` session for ``user``, to copy into a browser.

    Call it before Playwright starts: its event loop forbids the ORM. One client
    per user, since logging a second user into a client ends the first's session.
    """
    from django.conf import settings
    from django.test import Client

    client = Client()
    client.force_login(user)
    return client.cookies[settings.SESSION_COOKIE_NAME].value


def signed_in_context(browser, live_server, session: str, *, width=360, height=740):
    """A new browser context with a ``width`` × ``height`` viewport, signed in
    with ``session`` (from :func:`session_cookie`) on ``live_server``."""
    from django.conf import settings

    context = browser.new_context(viewport={"width": width, "height": height})
    context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": session,
                "url": live_server.url,
            }
        ]
    )
    return context

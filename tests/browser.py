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

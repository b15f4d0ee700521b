"""Settings for the worker processes of the flywheel report fault test.

``tests.fault_settings`` (real queueing, the file outbox) plus:

- ``FAULT_PRIVATE_STORAGE_ROOT``: where reports are written, so the test
  process can look at the same folder;
- ``FAULT_RENDER_DELAY_SECONDS``: WeasyPrint waits this long before laying out
  the pages, so the test can kill the worker while a report is "rendering";
- a short Redis visibility timeout, swept every second: a message taken by a
  worker that was killed goes back to the queue after seconds, not the default
  hour, so the test can watch the redelivery happen by itself.
"""

import os
import time

from tests.fault_settings import *  # noqa: F403
from tests.fault_settings import PRIVATE_STORAGE_ROOT

PRIVATE_STORAGE_ROOT = os.environ.get(
    "FAULT_PRIVATE_STORAGE_ROOT", PRIVATE_STORAGE_ROOT
)
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": int(os.environ.get("FAULT_VISIBILITY_TIMEOUT", "5")),
    "unacked_restore_interval": 1,
    "unacked_restore_throttle": 1,
}

_render_delay = float(os.environ.get("FAULT_RENDER_DELAY_SECONDS", "0"))
if _render_delay:
    # Test-only: the product has no hook for this, and needs none.
    import weasyprint

    _render = weasyprint.HTML.render

    def _slow_render(self, *args, **kwargs):
        time.sleep(_render_delay)
        return _render(self, *args, **kwargs)

    weasyprint.HTML.render = _slow_render

"""Keep personal survey codes out of logs.

A code appears in exactly one place, the personal link path ``/s/t/<code>/``. The
request loggers (``django.request``, ``django.server``, gunicorn's access and
error logs) write paths, so this filter masks that segment in the message and
its arguments before any handler formats the record.
"""

import logging
import re

CODE_IN_PATH = re.compile(r"(/s/t/)[^/\s?#\"']+")
MASK = r"\1[code]"


def mask_codes(text: str) -> str:
    return CODE_IN_PATH.sub(MASK, text)


def _mask(value):
    return mask_codes(value) if isinstance(value, str) else value


class MaskSurveyCodes(logging.Filter):
    """Rewrite ``/s/t/<code>`` as ``/s/t/[code]`` in a record; never drops it."""

    def filter(self, record):
        if isinstance(record.msg, str):
            record.msg = mask_codes(record.msg)
        if isinstance(record.args, dict):
            # gunicorn's access log passes its atoms as a mapping.
            record.args = {key: _mask(value) for key, value in record.args.items()}
        elif isinstance(record.args, tuple):
            record.args = tuple(_mask(value) for value in record.args)
        request = getattr(record, "request", None)
        if request is not None and not isinstance(request, str):
            # django.server attaches the raw socket request; django.request the
            # HttpRequest. Neither is formatted by our handlers, but error
            # reporters read them: hide the request rather than leak the path.
            path = getattr(request, "path", "") or getattr(request, "requestline", "")
            if CODE_IN_PATH.search(str(path)):
                record.request = None
        return True

"""Roster import: one CSV of the people employed, applied all-or-nothing.

Three layers, so each can be tested on its own:

1. ``parsing``: ``decode_roster`` / ``parse_roster`` turn bytes into RosterRow
   objects or a RosterImportError listing every problem by row and column. Pure.
2. ``changes``: ``plan_changes`` compares the rows with the organization's data
   and decides every change (people, sites, teams, job roles, team spells);
   ``write_changes`` writes a plan in bulk.
3. ``services``: ``roster_import`` does both in one transaction; the back-office
   flow (upload, preview, apply in a Celery task) builds on it.

People missing from the file are left as they are: a roster adds and updates.
"""

from .changes import RosterImportResult
from .parsing import (
    COLUMNS,
    ISO_DATE,
    REQUIRED,
    RosterError,
    RosterImportError,
    RosterRow,
    decode_roster,
    parse_roster,
)
from .services import (
    organization_today,
    roster_import,
    roster_import_progress,
    roster_import_queue,
    roster_import_run,
    roster_import_upload,
    roster_imports_for,
    roster_preview,
)

__all__ = [
    "COLUMNS",
    "ISO_DATE",
    "REQUIRED",
    "RosterError",
    "RosterImportError",
    "RosterImportResult",
    "RosterRow",
    "decode_roster",
    "organization_today",
    "parse_roster",
    "roster_import",
    "roster_import_progress",
    "roster_import_queue",
    "roster_import_run",
    "roster_import_upload",
    "roster_imports_for",
    "roster_preview",
]

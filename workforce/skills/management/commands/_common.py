"""Shared by the skills import commands: find the organization, read the file,
print progress and every problem."""

from pathlib import Path

from django.core.management.base import CommandError

from workforce.models import Organization
from workforce.skills.csvfile import SkillsImportError


def organization_by_slug(slug: str) -> Organization:
    try:
        return Organization.objects.get(slug=slug)
    except Organization.DoesNotExist as exc:
        raise CommandError(f"No organization with slug {slug!r}.") from exc


def read_file(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise CommandError(f"Cannot read {path}: {exc.strerror}.") from exc


def progress_printer(command):
    def progress(stage, done, total):
        if stage == "checked":
            command.stdout.write(f"checked {total} rows")
        else:
            command.stdout.write(f"written {done}/{total}")

    return progress


def run_import(command, path: Path, do_import):
    """Run ``do_import()``; on rejection print every problem and fail."""
    try:
        return do_import()
    except SkillsImportError as exc:
        for error in exc.errors:
            command.stderr.write(str(error))
        raise CommandError(
            f"{len(exc.errors)} problem(s) in {path.name}; nothing was imported."
        ) from exc

"""``manage.py survey_invite --round ID``: send, remind, or write links and slips."""

from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from surveys.invitations import (
    invitations_send,
    links_csv,
    reminders_send,
    round_invitations,
)
from surveys.models import Channel, Round
from surveys.slips import PAPER_SIZES, round_slips_pdf


class Command(BaseCommand):
    help = (
        "Send a round's invitations by email and text message (each once), or "
        "with --remind remind those who have not answered. --links-csv and "
        "--slips-pdf write the personal links or printed slips without sending."
    )

    def add_arguments(self, parser):
        parser.add_argument("--round", type=int, required=True, dest="round_id")
        parser.add_argument(
            "--channel",
            choices=Channel.values,
            help="Only invitations of this channel (slips default to printed).",
        )
        parser.add_argument(
            "--links-csv",
            type=Path,
            help="Write employee_id, full_name, site, team, channel, code, link.",
        )
        parser.add_argument(
            "--slips-pdf", type=Path, help="Write printable slips as PDF."
        )
        parser.add_argument("--paper", choices=sorted(PAPER_SIZES), default="letter")
        parser.add_argument(
            "--remind",
            action="store_true",
            help="Remind invitees whose code has not answered (once per round).",
        )

    def handle(
        self, *args, round_id, channel, links_csv, slips_pdf, paper, remind, **options
    ):
        try:
            round_ = Round.objects.select_related("organization").get(pk=round_id)
        except Round.DoesNotExist as exc:
            raise CommandError(f"No round with id {round_id}.") from exc
        total = round_invitations(round_, channel).count()
        self.stdout.write(
            f"Round “{round_.name}” ({round_.organization.name}, "
            f"{round_.get_status_display().lower()}): {total} invitation(s)"
            + (f" by {channel}" if channel else "")
            + "."
        )
        if not round_invitations(round_, None).exists():
            raise CommandError("The round has no invitations yet: launch it first.")
        try:
            if links_csv or slips_pdf:
                if links_csv:
                    self._write_links(round_, channel, links_csv)
                if slips_pdf:
                    self._write_slips(round_, channel, slips_pdf, paper)
            elif remind:
                self._report(
                    "Reminders",
                    reminders_send(round_=round_, on_progress=self._progress),
                )
            else:
                self._report(
                    "Invitations",
                    invitations_send(
                        round_=round_, channel=channel, on_progress=self._progress
                    ),
                )
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from exc

    def _progress(self, done, total):
        if done == total or done % 50 == 0:
            self.stdout.write(f"  {done}/{total}")

    def _write_links(self, round_, channel, path):
        try:
            path.write_text(links_csv(round_=round_, channel=channel), encoding="utf-8")
        except OSError as exc:
            raise CommandError(f"Cannot write {path}: {exc.strerror}.") from exc
        count = round_invitations(round_, channel).count()
        self.stdout.write(
            self.style.SUCCESS(f"Wrote {count} link(s) to {path}. Nothing was sent.")
        )

    def _write_slips(self, round_, channel, path, paper):
        channel = channel or Channel.PRINTED
        if not round_invitations(round_, channel).exists():
            raise CommandError(f"No {channel} invitations in this round to print.")
        self.stdout.write(f"Rendering slips for {channel} invitations…")
        pdf, count = round_slips_pdf(round_=round_, channel=channel, paper=paper)
        try:
            path.write_bytes(pdf)
        except OSError as exc:
            raise CommandError(f"Cannot write {path}: {exc.strerror}.") from exc
        self.stdout.write(self.style.SUCCESS(f"Wrote {count} slip(s) to {path}."))

    def _report(self, what, result):
        self.stdout.write(
            self.style.SUCCESS(
                f"{what}: {result.sent} sent, {result.already_done} already done, "
                f"{result.failed} failed"
                + (f", {result.answered} already answered" if result.answered else "")
                + "."
            )
        )
        if result.printed:
            self.stdout.write(
                f"{result.printed} invitee(s) have no email or phone: print their "
                f"slips with --slips-pdf FILE."
            )
        if result.failed:
            self.stdout.write(
                self.style.WARNING(
                    f"{result.failed} could not be sent (no valid address or number, "
                    "or the provider refused). Fix the roster and run again, or "
                    "print slips for them with --channel email|sms --slips-pdf FILE."
                )
            )

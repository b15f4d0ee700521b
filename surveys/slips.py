"""Printed invitation slips: a PDF with one cut-out slip per invitee.

For staff without email or a mobile number. Each slip carries the person's
name (so it can be handed out), their personal QR code, the same code to type
in, the address of the code entry page and the anonymity promise in English and
Spanish. Six slips to a page, with dashed cut lines.
"""

import os
from pathlib import Path

import segno
from django.conf import settings
from django.db.models import QuerySet
from django.template.loader import render_to_string

from .invitations import (
    InvitationLink,
    code_entry_url,
    invitation_links,
    printed_mark_sent,
    round_invitations,
)
from .models import Channel, Invitation, Round

SLIPS_PER_PAGE = 6
COLUMNS = 2
PAPER_SIZES = {"letter": "letter", "a4": "A4"}


def qr_svg(url: str) -> str:
    """The QR code of ``url`` as inline SVG, sized by the stylesheet."""
    return segno.make(url, error="m").svg_inline(omitsize=True, border=2)


def _pages(links: list[InvitationLink]) -> list[list[list[dict]]]:
    slips = [
        {
            "full_name": link.invitation.staff_member.full_name,
            "site": link.invitation.site.name,
            "team": link.invitation.team.name,
            "code": link.grouped_code,
            "qr_svg": qr_svg(link.url),
        }
        for link in links
    ]
    pages = [
        slips[start : start + SLIPS_PER_PAGE]
        for start in range(0, len(slips), SLIPS_PER_PAGE)
    ]
    return [
        [page[row : row + COLUMNS] for row in range(0, len(page), COLUMNS)]
        for page in pages
    ]


def slips_html(links: list[InvitationLink], *, paper: str = "letter") -> str:
    if paper not in PAPER_SIZES:
        raise ValueError(f"Paper must be one of {', '.join(PAPER_SIZES)}.")
    organization = links[0].invitation.round.organization if links else None
    return render_to_string(
        "surveys/slips/slips.html",
        {
            "pages": _pages(links),
            "page_size": PAPER_SIZES[paper],
            "organization": organization,
            "code_entry_url": code_entry_url(),
            "min_group_size": (
                links[0].invitation.round.min_group_size or organization.min_group_size
            )
            if links
            else None,
        },
    )


def slips_pdf(links: list[InvitationLink], *, paper: str = "letter") -> bytes:
    """The slips for ``links`` as PDF bytes."""
    # Imported here: loading WeasyPrint is slow and logs, and only this needs it.
    import weasyprint

    html = slips_html(links, paper=paper)
    return weasyprint.HTML(string=html).write_pdf()


def round_slips_pdf(
    *,
    round_: Round,
    channel: str | None = Channel.PRINTED,
    paper: str = "letter",
) -> tuple[bytes, int]:
    """Slips for a round's invitations of ``channel`` (None: everyone).

    Printed invitations count as sent once their slips exist. Returns the PDF
    and the number of slips.
    """
    invitations: QuerySet[Invitation] = round_invitations(round_, channel)
    links = invitation_links(invitations)
    pdf = slips_pdf(links, paper=paper)
    printed_mark_sent(round_=round_, invitations=invitations)
    return pdf, len(links)


# --- Slips prepared in the background for the back office -----------------------
#
# Rendering hundreds of slips takes seconds, so the back office asks a worker
# for them and offers the file once it is there. The file holds every code of
# the round: it lives in private storage (never served by URL) and is deleted
# when the round closes, when the codes stop opening anything.

SLIP_VARIANTS = {
    f"{channel}-{paper}": (channel, paper)
    for channel in (Channel.PRINTED, "all")
    for paper in PAPER_SIZES
}


def _slips_dir() -> Path:
    return Path(settings.PRIVATE_STORAGE_ROOT) / "survey-slips"


def slips_file_path(*, round_id: int, variant: str) -> Path:
    if variant not in SLIP_VARIANTS:
        raise ValueError(f"Unknown slips variant {variant!r}.")
    return _slips_dir() / f"round-{round_id}-{variant}.pdf"


def slips_file_write(*, round_: Round, variant: str) -> Path | None:
    """Render the variant's slips to private storage unless already there."""
    path = slips_file_path(round_id=round_.pk, variant=variant)
    if path.exists():
        return path
    channel, paper = SLIP_VARIANTS[variant]
    channel = None if channel == "all" else channel
    if not round_invitations(round_, channel).exists():
        return None
    pdf, _ = round_slips_pdf(round_=round_, channel=channel, paper=paper)
    path.parent.mkdir(parents=True, exist_ok=True)
    # Write then rename, so a download never sees half a file.
    partial = path.with_suffix(f".{os.getpid()}.partial")
    partial.write_bytes(pdf)
    os.replace(partial, path)
    return path


def slips_files_ready(*, round_id: int) -> list[str]:
    """The variants whose file is ready, in SLIP_VARIANTS order."""
    return [
        variant
        for variant in SLIP_VARIANTS
        if slips_file_path(round_id=round_id, variant=variant).exists()
    ]


def slips_files_delete(*, round_id: int) -> int:
    deleted = 0
    for variant in SLIP_VARIANTS:
        path = slips_file_path(round_id=round_id, variant=variant)
        if path.exists():
            path.unlink(missing_ok=True)
            deleted += 1
    return deleted

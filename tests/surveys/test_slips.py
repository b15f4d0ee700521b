import re
import shutil
import subprocess

import pytest
import segno

from surveys import tokens
from surveys.invitations import code_entry_url, invitation_links, respond_url
from surveys.models import Channel, Invitation
from surveys.slips import qr_svg, round_slips_pdf, slips_html
from tests.surveys.delivery import code_of, launched_round

pytestmark = pytest.mark.skipif(
    shutil.which("pdftotext") is None, reason="poppler-utils is not installed"
)


@pytest.fixture
def round_(org_world, settings):
    settings.SITE_URL = "https://survey.example.org"
    return launched_round(org_world)


def _pdf_text(tmp_path, pdf: bytes) -> str:
    path = tmp_path / "slips.pdf"
    path.write_bytes(pdf)
    return subprocess.run(
        ["pdftotext", "-layout", str(path), "-"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout


def test_slips_pdf_has_every_invitee_with_code_and_qr(round_, tmp_path):
    pdf, count = round_slips_pdf(round_=round_, channel=None, paper="a4")
    invitations = list(Invitation.objects.filter(round=round_))
    assert count == len(invitations) == 9
    assert pdf.startswith(b"%PDF")
    text = _pdf_text(tmp_path, pdf)
    # Six slips a page: nine invitees take two pages.
    assert text.count("\f") == 2
    for invitation in invitations:
        assert tokens.format_code(code_of(invitation)) in text
        assert invitation.staff_member.full_name in text
    assert text.count("survey.example.org/s/") >= 9
    assert "Anonymous" in text and "Anónima" in text

    html = slips_html(invitation_links(Invitation.objects.filter(round=round_)))
    assert html.count("<svg") == 9
    for invitation in invitations:
        # Each slip's QR code is that invitee's own link.
        assert qr_svg(respond_url(code_of(invitation))) in html


def test_qr_code_encodes_the_personal_link():
    url = "https://survey.example.org/s/t/ABCDEFGHJK/"
    expected = segno.make(url, error="m")
    svg = qr_svg(url)
    assert svg.startswith("<svg")
    assert f'viewBox="0 0 {expected.symbol_size(border=2)[0]}' in svg


def test_printed_slips_mark_printed_invitations_sent(round_, tmp_path):
    pdf, count = round_slips_pdf(round_=round_)
    assert count == 1
    printed = Invitation.objects.get(round=round_, channel=Channel.PRINTED)
    assert printed.sent_at is not None
    assert not Invitation.objects.filter(round=round_, sent_at__isnull=False).exclude(
        channel=Channel.PRINTED
    )
    text = _pdf_text(tmp_path, pdf)
    assert tokens.format_code(code_of(printed)) in text
    assert code_entry_url().removeprefix("https://") in text


def test_unknown_paper_is_refused(round_):
    links = invitation_links(Invitation.objects.filter(round=round_))
    with pytest.raises(ValueError, match="letter, a4"):
        slips_html(links, paper="legal")


def test_page_one_renders_to_an_image(round_, tmp_path):
    pdf, _ = round_slips_pdf(round_=round_, channel=None, paper="letter")
    (tmp_path / "slips.pdf").write_bytes(pdf)
    subprocess.run(
        [
            "pdftoppm",
            "-png",
            "-r",
            "60",
            "-f",
            "1",
            "-l",
            "1",
            str(tmp_path / "slips.pdf"),
            str(tmp_path / "page"),
        ],
        check=True,
    )
    (image,) = tmp_path.glob("page*.png")
    assert image.stat().st_size > 10_000
    assert re.match(rb"\x89PNG", image.read_bytes()[:4])

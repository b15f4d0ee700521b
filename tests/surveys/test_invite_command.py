import csv
import io
import logging

import pytest
from django.core import mail
from django.core.management import CommandError, call_command

from surveys import sms, tokens
from surveys.invitations import LINKS_CSV_HEADER, respond_url
from surveys.models import Channel, Invitation
from surveys.services import round_close
from tests.factories import RoundFactory
from tests.surveys.delivery import answer_as, code_of, invitation_of, launched_round


@pytest.fixture(autouse=True)
def _sms_outbox(settings):
    settings.SURVEY_SMS_BACKEND = "surveys.sms.LocmemBackend"
    settings.SITE_URL = "https://survey.example.org"
    sms.outbox.clear()
    yield
    sms.outbox.clear()


@pytest.fixture
def round_(org_world):
    return launched_round(org_world)


def _run(*args):
    out = io.StringIO()
    call_command("survey_invite", *args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def test_sends_once_and_reports_progress(round_):
    output = _run("--round", str(round_.pk))
    assert "9 invitation(s)" in output
    assert "8/8" in output
    assert "Invitations: 8 sent, 0 already done, 0 failed." in output
    assert "1 invitee(s) have no email or phone" in output
    assert len(mail.outbox) == 7 and len(sms.outbox) == 1

    again = _run("--round", str(round_.pk))
    assert "0 sent, 8 already done" in again
    assert len(mail.outbox) == 7 and len(sms.outbox) == 1


def test_channel_limits_sending(round_):
    output = _run("--round", str(round_.pk), "--channel", "sms")
    assert "1 invitation(s) by sms" in output
    assert mail.outbox == [] and len(sms.outbox) == 1


def test_remind_skips_respondents(round_):
    _run("--round", str(round_.pk))
    mail.outbox.clear()
    answer_as(invitation_of(round_, Channel.EMAIL))
    output = _run("--round", str(round_.pk), "--remind")
    assert "Reminders: 7 sent" in output
    assert "1 already answered" in output
    assert len(mail.outbox) == 6


def test_links_csv_writes_every_link_without_sending(round_, tmp_path, org_world):
    person = org_world["people"][org_world["team_a2"]][0]
    person.full_name = '=HYPERLINK("http://evil.example","x")'
    person.save()
    path = tmp_path / "links.csv"
    output = _run("--round", str(round_.pk), "--links-csv", str(path))
    assert "Wrote 9 link(s)" in output and "Nothing was sent" in output
    assert mail.outbox == [] and sms.outbox == []
    assert not Invitation.objects.filter(round=round_, sent_at__isnull=False).exists()

    rows = list(csv.reader(path.read_text(encoding="utf-8").splitlines()))
    assert rows[0] == LINKS_CSV_HEADER
    by_id = {row[0]: dict(zip(LINKS_CSV_HEADER, row, strict=True)) for row in rows[1:]}
    assert len(by_id) == 9
    for invitation in Invitation.objects.filter(round=round_):
        row = by_id[invitation.staff_member.employee_id]
        code = code_of(invitation)
        assert row["code"] == tokens.format_code(code)
        assert row["link"] == respond_url(code)
        assert row["channel"] == invitation.channel
        assert row["site"] == invitation.site.name
        assert row["team"] == invitation.team.name
    # A formula typed into the roster is inert in the spreadsheet.
    assert by_id[person.employee_id]["full_name"].startswith("'=HYPERLINK")


def test_links_csv_for_one_channel(round_, tmp_path):
    path = tmp_path / "printed.csv"
    _run("--round", str(round_.pk), "--channel", "printed", "--links-csv", str(path))
    rows = list(csv.reader(path.read_text(encoding="utf-8").splitlines()))
    assert len(rows) == 2
    assert rows[1][4] == Channel.PRINTED


def test_slips_pdf_defaults_to_printed_invitations(round_, tmp_path):
    path = tmp_path / "slips.pdf"
    output = _run("--round", str(round_.pk), "--slips-pdf", str(path), "--paper", "a4")
    assert "Wrote 1 slip(s)" in output
    assert path.read_bytes().startswith(b"%PDF")
    assert mail.outbox == []


def test_errors_people_can_act_on(round_, org_world, tmp_path):
    with pytest.raises(CommandError, match="No round with id 999999"):
        _run("--round", "999999")
    draft = RoundFactory(survey__organization=org_world["org"])
    with pytest.raises(CommandError, match="launch it first"):
        _run("--round", str(draft.pk))
    round_close(round_=round_)
    with pytest.raises(CommandError, match="only while it is open"):
        _run("--round", str(round_.pk))


def test_no_code_in_logs_or_progress(round_, caplog):
    with caplog.at_level(logging.DEBUG):
        output = _run("--round", str(round_.pk))
        output += _run("--round", str(round_.pk), "--remind")
    for invitation in Invitation.objects.filter(round=round_):
        code = code_of(invitation)
        for text in (caplog.text, output):
            assert code not in text
            assert tokens.format_code(code) not in text

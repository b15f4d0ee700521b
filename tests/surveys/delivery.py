"""Building blocks for the delivery tests: a launched round with every channel."""

from surveys import tokens
from surveys.models import Channel, Invitation, Participation
from surveys.services import round_launch
from tests.factories import RoundFactory, SurveyQuestionFactory

SMS_PHONE = "+1 212 555 0100"


def launched_round(org_world, **round_kwargs):
    """An open round of org_world's organization: 7 email, 1 SMS, 1 printed invitee."""
    first, second, _ = org_world["people"][org_world["team_a1"]]
    first.email, first.phone = "", SMS_PHONE
    first.save()
    second.email, second.phone = "", ""
    second.save()
    round_ = RoundFactory(survey__organization=org_world["org"], **round_kwargs)
    SurveyQuestionFactory(survey=round_.survey)
    return round_launch(round_=round_)


def code_of(invitation: Invitation) -> str:
    return tokens.invitation_code(invitation.pk, invitation.nonce)


def answer_as(invitation: Invitation) -> None:
    """Record that ``invitation``'s code has answered, as submission does."""
    Participation.objects.create(
        round=invitation.round,
        digest=tokens.participation_digest(code_of(invitation)),
    )


def invitation_of(round_, channel: Channel) -> Invitation:
    return round_.invitations.filter(channel=channel).first()

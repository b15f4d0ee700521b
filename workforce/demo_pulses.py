"""Demo pulses: a monthly round of the standard pulse for every month of the window.

Rows are the ones the survey services write (``round_launch``, ``round_close``,
``round_release``, ``response_submit``), written in bulk and back-dated: a round
per month linked to the organization's monthly ``PulseSchedule``, invitations
that snapshot each person's site, team, role, tenure band and employment type
on the launch day, a participation digest per code that answered, and anonymous
responses whose answers pass ``surveys.submission.clean_answers``. Responses and
participations are inserted in separate random orders, so nothing links them.

Answers come from the team's latent climate (workforce/demo_climate.py): a
person's engagement is the team's latent level that month plus their own lasting
and passing differences; the engagement items, eNPS and the other agreement
items follow it, the burnout item follows the team's latent burnout.
"""

import datetime
import math
import random
import uuid
import zoneinfo

from django.db import connection

from surveys import tokens
from surveys.models import (
    Answer,
    Channel,
    Frequency,
    Invitation,
    Participation,
    PulseSchedule,
    Response,
    Round,
    RoundStatus,
)
from surveys.pulses import period_label
from surveys.question_bank import default_pulse_survey
from surveys.services import tenure_band
from surveys.submission import clean_answers, round_questions

from .demo import insert_rows
from .demo_history import team_on

OPEN_DAYS = 7
REMINDER_AFTER_DAYS = 3
_BATCH_SIZE = 1000

# A person's engagement around their team's: lasting (who they are) and passing
# (their month); with the item noise this gives an individual spread of about
# 16 points and an ICC(1) of roughly 0.1-0.2, as in real pulse data.
PERSON_SD = 11.0
MONTH_SD = 9.0
ITEM_SD = 0.75
# How the agreement items sit around the engagement level (1-5 scale).
_ITEM_SHIFT = {
    "eng_clear_expectations": 0.25,
    "eng_tools": -0.05,
    "eng_recognition": -0.2,
    "eng_cared_for": 0.2,
    "eng_growth": -0.15,
    "eng_voice": -0.05,
    "recognition_fair": -0.25,
    "growth_training": -0.1,
    "manager_support": 0.1,
}
_ANSWER_CHANCE = 0.97
_COMMENT_CHANCE = 0.12
_SPANISH_SHARE = 0.2

COMMENTS = {
    ("negative", "en"): (
        "We are short-staffed most days and it shows in how rushed everyone is.",
        "The schedule is overbooked and lunch breaks keep getting cut.",
        "Nobody follows up when we raise problems with the equipment.",
        "New people leave before they are trained; the rest of us cover.",
        "I would like to hear about changes before they happen, not after.",
    ),
    ("neutral", "en"): (
        "Things are okay. More notice about schedule changes would help.",
        "The new software is getting better, but training was too short.",
        "Team huddles in the morning are useful when they happen.",
        "It would help to know who covers when someone is out sick.",
    ),
    ("positive", "en"): (
        "Great team this month; everyone helped each other out.",
        "Thanks for the extra training on the new scanner.",
        "I feel listened to by my manager, that makes a big difference.",
        "Patients have noticed how well the front and back work together.",
    ),
    ("negative", "es"): (
        "Faltan personas casi todos los días y vamos con prisa todo el tiempo.",
        "La agenda está sobrecargada y no nos da tiempo a comer.",
        "Cuando avisamos de un problema nadie hace seguimiento.",
    ),
    ("neutral", "es"): (
        "Todo bien en general. Avisar antes de los cambios de horario ayudaría.",
        "Las reuniones breves por la mañana son útiles cuando las hacemos.",
    ),
    ("positive", "es"): (
        "Muy buen equipo este mes, todos nos hemos ayudado.",
        "Gracias por la formación adicional, me siento más segura.",
        "Mi responsable me escucha y eso se nota.",
    ),
}


def _expit(x: float) -> float:
    return 1 / (1 + math.exp(-x))


def _logit(p: float) -> float:
    return math.log(p / (1 - p))


def _agreement(rng: random.Random, level: float, shift: float) -> int:
    value = 1 + 4 * level / 100 + shift + rng.gauss(0, ITEM_SD)
    return min(5, max(1, round(value)))


def _uuid(rng: random.Random) -> uuid.UUID:
    """A version-4 UUID from ``rng``, so one seed gives the same ids."""
    return uuid.UUID(int=rng.getrandbits(128), version=4)


def _answers(rng, *, questions, level, team_level, burnout):
    """One respondent's answers by question id, before ``clean_answers``."""
    answers = {}
    person_burnout = _expit(_logit(burnout) - 0.035 * (level - team_level))
    burned_out = rng.random() < person_burnout
    for code, question in questions.items():
        if code == "comment":
            if rng.random() < _COMMENT_CHANCE:
                mood = (
                    "negative"
                    if level < 55 or burned_out
                    else "positive"
                    if level > 78
                    else "neutral"
                )
                language = "es" if rng.random() < _SPANISH_SHARE else "en"
                answers[question.pk] = rng.choice(COMMENTS[(mood, language)])
            continue
        if rng.random() >= _ANSWER_CHANCE:
            continue  # every item is optional, and some are skipped
        if code == "burnout_single":
            if burned_out:
                value = rng.choices((3, 4, 5), (0.62, 0.27, 0.11))[0]
            else:
                value = rng.choices((1, 2), (0.35, 0.65))[0]
        elif code == "enps":
            score = level / 10 + 1.3 - (1.0 if burned_out else 0) + rng.gauss(0, 1.6)
            value = min(10, max(0, round(score)))
        elif code == "workload_staffing":
            value = _agreement(rng, level, -0.1 - (0.9 if burned_out else 0))
        else:
            value = _agreement(rng, level, _ITEM_SHIFT.get(code, 0.0))
        answers[question.pk] = value
    return answers


def _at(day: datetime.date, hour: int, minute: int, zone) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(hour, minute), tzinfo=zone)


def seed_pulses(*, workforce, rng: random.Random, stdout) -> None:
    organization = workforce.organization
    zone = zoneinfo.ZoneInfo(organization.timezone)
    climate = workforce.climate
    today = workforce.today
    survey = default_pulse_survey(organization)
    (schedule,) = PulseSchedule.objects.bulk_create(
        [
            PulseSchedule(
                organization=organization,
                survey=survey,
                frequency=Frequency.MONTHLY,
                open_days=OPEN_DAYS,
                reminder_after_days=REMINDER_AFTER_DAYS,
            )
        ]
    )
    survey_questions = round_questions(Round(survey=survey))
    questions = {sq.question.code: sq.question for sq in survey_questions}
    people = sorted(workforce.history, key=lambda person: person.staff_id)
    lasting = {person.staff_id: rng.gauss(0, PERSON_SD) for person in people}
    months = workforce.months
    rounds = Round.objects.bulk_create(
        _round(
            organization=organization,
            survey=survey,
            schedule=schedule,
            month=month,
            today=today,
            zone=zone,
        )
        for month in months
    )
    invitations_total = responses_total = 0
    for index, (month, round_) in enumerate(zip(months, rounds, strict=True)):
        # An open round has the answers that came in so far.
        elapsed = min(1.0, ((today - month).days + 1) / OPEN_DAYS)
        if round_.status != RoundStatus.OPEN:
            elapsed = 1.0
        invitations, answering = [], []
        for person in people:
            if person.hire_date > month or (
                person.termination_date is not None and person.termination_date <= month
            ):
                continue
            team = team_on(person, month)
            team_climate = climate.teams[team]
            team_level = team_climate.engagement[index]
            rate = min(
                0.9,
                max(
                    0.5,
                    team_climate.response_rate
                    + 0.004 * (team_level - team_climate.engagement_mean),
                ),
            )
            answers_now = rng.random() < rate * elapsed
            # Reminded after three days: everyone who had not answered by then.
            reminded = not answers_now or rng.random() < 0.4
            invitation = Invitation(
                round_id=round_.pk,
                staff_member_id=person.staff_id,
                nonce=f"{rng.getrandbits(128):032x}",
                lookup_digest=f"pending-{round_.pk}-{len(invitations)}",
                channel=Channel.EMAIL
                if person.email
                else Channel.SMS
                if person.phone
                else Channel.PRINTED,
                site_id=workforce.sites[team[0]].pk,
                team_id=workforce.teams[team].pk,
                job_role_id=workforce.job_roles[person.role].pk,
                tenure_band=tenure_band(hire_date=person.hire_date, on=month),
                employment_type=person.employment_type,
                sent_at=round_.launched_at
                + datetime.timedelta(minutes=rng.randint(1, 20)),
                reminded_at=round_.launched_at
                + datetime.timedelta(days=REMINDER_AFTER_DAYS)
                if reminded and elapsed * OPEN_DAYS > REMINDER_AFTER_DAYS
                else None,
            )
            invitations.append(invitation)
            if answers_now:
                level = team_level + lasting[person.staff_id] + rng.gauss(0, MONTH_SD)
                answers = _answers(
                    rng,
                    questions=questions,
                    level=level,
                    team_level=team_level,
                    burnout=team_climate.burnout[index],
                )
                answering.append((invitation, clean_answers(survey_questions, answers)))
        _write_round(round_, invitations, answering, rng)
        invitations_total += len(invitations)
        responses_total += len(answering)
        number = index + 1
        if number % 6 == 0 or number == len(months):
            stdout.write(
                f"{workforce.blueprint.name}: pulses month {number}/{len(months)}"
            )
    stdout.write(
        f"{workforce.blueprint.name}: pulse rounds {len(rounds)}, invitations "
        f"{invitations_total}, responses {responses_total}"
    )


def _round(*, organization, survey, schedule, month, today, zone) -> Round:
    """The round of ``month`` as launch, close and release would have left it."""
    opens = _at(month, 8, 0, zone)
    closes = opens + datetime.timedelta(days=OPEN_DAYS)
    released = _at(closes.date() + datetime.timedelta(days=1), 10, 0, zone)
    if released.date() <= today:
        status = RoundStatus.RELEASED
    elif closes.date() <= today:
        status = RoundStatus.CLOSED
    else:
        status = RoundStatus.OPEN
    return Round(
        organization=organization,
        survey=survey,
        schedule=schedule,
        name=f"{survey.name} – {period_label(Frequency.MONTHLY, month)}",
        period=month,
        status=status,
        opens_at=opens,
        closes_at=closes,
        launched_at=opens,
        closed_at=None
        if status == RoundStatus.OPEN
        else closes + datetime.timedelta(minutes=12),
        released_at=released if status == RoundStatus.RELEASED else None,
        min_group_size=organization.min_group_size,
    )


def _write_round(round_, invitations, answering, rng) -> None:
    """Invitations with their lookup digests, participations, responses, answers."""
    Invitation.objects.bulk_create(invitations, batch_size=_BATCH_SIZE)
    codes = {
        invitation.pk: tokens.invitation_code(invitation.pk, invitation.nonce)
        for invitation in invitations
    }
    # Digests need the primary keys, as in round_launch. One prepared UPDATE per
    # row is much quicker here than bulk_update's CASE over thousands of rows.
    table = connection.ops.quote_name(Invitation._meta.db_table)
    with connection.cursor() as cursor:
        cursor.executemany(
            f"UPDATE {table} SET lookup_digest = %s WHERE id = %s",
            [(tokens.lookup_digest(code), pk) for pk, code in codes.items()],
        )
    participations = [
        Participation(
            round_id=round_.pk,
            digest=tokens.participation_digest(codes[invitation.pk]),
        )
        for invitation, _cleaned in answering
    ]
    rng.shuffle(participations)
    Participation.objects.bulk_create(participations, batch_size=_BATCH_SIZE)
    rng.shuffle(answering)
    responses, answers = [], []
    for invitation, cleaned in answering:
        response_id = _uuid(rng)
        responses.append(
            Response(
                id=response_id,
                round_id=round_.pk,
                site_id=invitation.site_id,
                team_id=invitation.team_id,
                job_role_id=invitation.job_role_id,
                tenure_band=invitation.tenure_band,
                employment_type=invitation.employment_type,
            )
        )
        answers.extend(
            (
                _uuid(rng),
                response_id,
                question_id,
                value if isinstance(value, int) else None,
                value if isinstance(value, str) else "",
            )
            for question_id, value in cleaned.items()
        )
    Response.objects.bulk_create(responses, batch_size=_BATCH_SIZE)
    insert_rows(Answer, ["id", "response", "question", "value", "text"], answers)


def step_pulses(*, context, rng: random.Random) -> None:
    """Monthly pulse rounds with answers for every demo organization."""
    for workforce in context.workforces.values():
        seed_pulses(workforce=workforce, rng=rng, stdout=context.stdout)

"""The organization-wide numbers of one round, hidden where anonymity says so.

Used through ``surveys.results`` (which scopes, caches and compares rounds).

- Response counts and rates per group follow the respondents' snapshotted groups.
- Each measure is decided on its own, from who answered it (every question is
  optional, so a team with 6 respondents may have 4 eNPS answers); a cell shows
  only when its group is released for both. All measures use the respondents'
  team roll-up, so "Other teams" means the same teams in every column.
- Comments come from groups of at least ``COMMENT_MIN_GROUP_SIZE`` respondents,
  with the same differencing rules at that size, in a keyed shuffled order.

Scales: the engagement index and the 1–5 measures (workload, recognition, growth,
manager support, custom agreement items) are 0–100: 0 means everyone strongly
disagrees, 100 everyone strongly agrees, each person's answers averaged first.
eNPS is -100..100; burnout is the percentage of respondents at option 3 or above.
"""

from __future__ import annotations

import hashlib
import hmac
import math
from dataclasses import dataclass, field

from django.conf import settings
from django.utils.translation import gettext as _

from workforce.models import EmploymentType, JobRole, Site, Team

from . import anonymity
from . import results_statistics as rs
from .anonymity import (
    COMMENT_MIN_GROUP_SIZE,
    JOB_ROLE,
    ORGANIZATION,
    OTHER_TEAMS,
    SITE,
    TEAM,
    TENURE_BAND,
    GroupKey,
    Person,
)
from .models import (
    Answer,
    Invitation,
    Measure,
    QuestionKind,
    Response,
    Round,
    SurveyQuestion,
    TenureBand,
)
from .question_bank import BURNOUT_THRESHOLD

RESULT_DIMENSIONS = (JOB_ROLE, TENURE_BAND)
ALPHA_MINIMUM = 0.70

MEAN = "mean"  # mean with a t interval
NPS = "enps"
RATE = "rate"  # percentage with a Wilson interval
DISTRIBUTION = "distribution"


@dataclass(frozen=True)
class MeasureSpec:
    code: str
    label: str
    scale: str
    estimate: str
    higher_is_better: bool = True
    question_ids: tuple[int, ...] = ()
    kind: str = QuestionKind.AGREEMENT
    options: tuple = ()


@dataclass(frozen=True)
class Respondent:
    person: Person
    # question id -> numeric value or comment text
    answers: dict = field(default_factory=dict)


@dataclass
class RoundData:
    round: Round
    k: int
    respondents: list[Respondent]
    invited: list[Person]
    questions: list  # Question objects in survey order
    site_names: dict[int, str]
    team_names: dict[int, str]
    role_names: dict[int, str]


PERSON_FIELDS = ("site_id", "team_id", "job_role_id", "tenure_band", "employment_type")


def load_round(round_: Round) -> RoundData:
    """Everything the results need, in memory: people, answers, names."""
    respondents = {}
    rows = Response.objects.filter(round=round_).values_list("id", *PERSON_FIELDS)
    for row in rows:
        respondents[row[0]] = Respondent(Person(*row[1:]), {})
    answers = Answer.objects.filter(response__round=round_).values_list(
        "response_id", "question_id", "value", "text"
    )
    for response_id, question_id, value, text in answers:
        if value is not None:
            respondents[response_id].answers[question_id] = value
        elif text.strip():
            respondents[response_id].answers[question_id] = text.strip()
    invited = [
        Person(*row)
        for row in Invitation.objects.filter(round=round_).values_list(*PERSON_FIELDS)
    ]
    questions = [
        sq.question
        for sq in SurveyQuestion.objects.filter(survey=round_.survey).select_related(
            "question"
        )
    ]
    people = [r.person for r in respondents.values()] + invited
    return RoundData(
        round=round_,
        k=anonymity.round_min_group_size(round_),
        # By the random response id: never insertion or time order.
        respondents=[respondents[key] for key in sorted(respondents)],
        invited=invited,
        questions=questions,
        site_names=dict(
            Site.objects.filter(pk__in={p.site for p in people}).values_list(
                "pk", "name"
            )
        ),
        team_names=dict(
            Team.objects.filter(pk__in={p.team for p in people}).values_list(
                "pk", "name"
            )
        ),
        role_names=dict(
            JobRole.objects.filter(pk__in={p.job_role for p in people}).values_list(
                "pk", "name"
            )
        ),
    )


# --- measures ----------------------------------------------------------------

STANDARD = [
    (Measure.ENGAGEMENT, MEAN, "0–100", True),
    (Measure.ENPS, NPS, "−100 to 100", True),
    (Measure.BURNOUT, RATE, "%", False),
    (Measure.WORKLOAD, MEAN, "0–100", True),
    (Measure.RECOGNITION, MEAN, "0–100", True),
    (Measure.GROWTH, MEAN, "0–100", True),
    (Measure.MANAGER, MEAN, "0–100", True),
]


def measure_specs(questions) -> list[MeasureSpec]:
    """The measures a survey feeds: standard ones first, then custom questions."""
    specs = []
    for measure, estimate, scale, better in STANDARD:
        ids = tuple(q.pk for q in questions if q.measure == measure)
        if not ids:
            continue
        if measure == Measure.BURNOUT:
            label = _("Burnout rate")
        else:
            label = str(Measure(measure).label)
        specs.append(MeasureSpec(measure, label, scale, estimate, better, ids))
    for q in questions:
        if q.measure != Measure.CUSTOM or q.kind == QuestionKind.TEXT:
            continue
        if q.kind == QuestionKind.CHOICE:
            estimate, scale = DISTRIBUTION, "%"
        elif q.kind == QuestionKind.SCALE:
            estimate, scale = MEAN, "0–10"
        else:
            estimate, scale = MEAN, "0–100"
        options = tuple((o["value"], o.get("en", str(o["value"]))) for o in q.options)
        specs.append(
            MeasureSpec(
                f"q:{q.code}",
                q.text_en,
                scale,
                estimate,
                True,
                (q.pk,),
                q.kind,
                options,
            )
        )
    return specs


def agreement_0_100(value: int, *, reverse: bool = False) -> float:
    """A 1–5 answer on the 0–100 scale: 1 -> 0, 3 -> 50, 5 -> 100."""
    if reverse:
        value = 6 - value
    return (value - 1) / 4 * 100


def respondent_value(spec: MeasureSpec, respondent: Respondent, questions_by_id):
    """One respondent's value for a measure, or None if they did not answer it.

    The engagement index needs at least half of its items answered; the other
    1–5 measures average whichever of their items were answered.
    """
    answers = respondent.answers
    if spec.code == Measure.BURNOUT:
        value = answers.get(spec.question_ids[0])
        if not isinstance(value, int):
            return None
        return 1 if value >= BURNOUT_THRESHOLD else 0
    if spec.estimate in (NPS, DISTRIBUTION) or spec.kind == QuestionKind.SCALE:
        value = answers.get(spec.question_ids[0])
        return value if isinstance(value, int) else None
    values = [
        agreement_0_100(answers[q], reverse=questions_by_id[q].reverse_scored)
        for q in spec.question_ids
        if isinstance(answers.get(q), int)
    ]
    needed = 1
    if spec.code == Measure.ENGAGEMENT:
        needed = math.ceil(len(spec.question_ids) / 2)
    if len(values) < needed:
        return None
    return math.fsum(values) / len(values)


def estimate(spec: MeasureSpec, values: list):
    """The estimate for one group: an ``rs.Estimate`` or an option distribution."""
    if spec.estimate == NPS:
        return rs.enps(values)
    if spec.estimate == RATE:
        return rs.wilson_interval(sum(values), len(values))
    if spec.estimate == DISTRIBUTION:
        return {
            "n": len(values),
            "options": [
                {
                    "value": option,
                    "label": label,
                    "percent": round1(
                        100 * sum(1 for v in values if v == option) / len(values)
                    ),
                }
                for option, label in spec.options
            ],
        }
    return rs.mean_interval(values)


def cell(spec: MeasureSpec, result) -> dict:
    """An estimate as published: rounded, rates in percent."""
    if isinstance(result, dict):
        return result
    scale = 100 if spec.estimate == RATE else 1
    published = {
        "value": round1(result.value * scale),
        "ci_low": round1(result.low * scale),
        "ci_high": round1(result.high * scale),
        "n": result.n,
    }
    if spec.estimate == NPS:
        published["se"] = round1(result.spread)
    return published


def round1(value: float, digits: int = 1) -> float:
    return round(value, digits) + 0.0  # + 0.0 turns -0.0 into 0.0


def engagement_reliability(data: RoundData, spec: MeasureSpec | None) -> dict:
    """Cronbach's alpha of the engagement items over complete answer sets."""
    if spec is None:
        return {"alpha": None, "reported": False, "reason": None, "n": 0}
    by_id = {q.pk: q for q in data.questions}
    rows = []
    for respondent in data.respondents:
        values = [respondent.answers.get(q) for q in spec.question_ids]
        if all(isinstance(v, int) for v in values):
            rows.append(
                [
                    6 - v if by_id[q].reverse_scored else v
                    for q, v in zip(spec.question_ids, values, strict=True)
                ]
            )
    # Alpha describes the people who answered every item: never fewer than k.
    alpha = rs.cronbach_alpha(rows) if len(rows) >= data.k else None
    reason = None
    if len(spec.question_ids) < 2:
        reason = _("The index needs at least two engagement questions.")
    elif alpha is None:
        reason = _("Too few complete answers to check that the questions agree.")
    elif alpha < ALPHA_MINIMUM:
        reason = _(
            "The engagement questions did not agree well enough this round "
            "(Cronbach's alpha %(alpha).2f; at least %(minimum).2f is needed), so "
            "one index would mislead. Read the other measures instead."
        ) % {"alpha": alpha, "minimum": ALPHA_MINIMUM}
    return {
        "alpha": None if alpha is None else round1(alpha, 2),
        "reported": reason is None,
        "reason": reason,
        "n": len(rows),
    }


# --- groups and labels -------------------------------------------------------


def group_label(data: RoundData, key: GroupKey) -> str:
    site = data.site_names.get(key.site, "") if key.site is not None else ""
    if key.kind == ORGANIZATION:
        return data.round.organization.name
    if key.kind == SITE:
        return site
    if key.kind == TEAM:
        return data.team_names.get(key.value, str(key.value))
    if key.kind == OTHER_TEAMS:
        return _("Other teams at %(site)s") % {"site": site}
    if key.kind == JOB_ROLE:
        name = data.role_names.get(key.value, str(key.value))
    elif key.kind == TENURE_BAND:
        name = str(TenureBand(key.value).label)
    else:
        name = str(EmploymentType(key.value).label)
    if key.site is None:
        return name
    return _("%(group)s at %(site)s") % {"group": name, "site": site}


def section(key: GroupKey) -> str:
    if key.kind in (ORGANIZATION, SITE, TEAM, OTHER_TEAMS):
        return "sites"
    return key.kind


def row_order(key: GroupKey):
    """Organization, then each site followed by its teams; breakdowns after."""
    order = {"sites": 0, JOB_ROLE: 1, TENURE_BAND: 2}.get(section(key), 3)
    site = -1 if key.site is None else key.site
    return (order, site, key.sort_key)


def group_header(data: RoundData, key: GroupKey, rolled_up) -> dict:
    row = {
        "key": str(key),
        "kind": key.kind,
        "section": section(key),
        "label": group_label(data, key),
        "site": key.site,
        "site_label": data.site_names.get(key.site) if key.site is not None else None,
    }
    if key.kind == TEAM:
        row["team_ids"] = [key.value]
    elif key.kind == OTHER_TEAMS:
        teams = sorted(rolled_up.get(key.site, ()))
        row["team_ids"] = teams
        row["teams"] = sorted(data.team_names.get(t, str(t)) for t in teams)
    return row


def members(key: GroupKey, respondents, rolled_up) -> list[Respondent]:
    return [r for r in respondents if anonymity.in_group(key, r.person, rolled_up)]


# --- a released round --------------------------------------------------------


@dataclass
class Computed:
    """The published payload plus unrounded estimates for comparing rounds."""

    payload: dict
    estimates: dict = field(default_factory=dict)  # (group key, code) -> Estimate


def compute_results(data: RoundData) -> Computed:
    """Organization-wide results of a released round, before scoping."""
    k = data.k
    responses = anonymity.decide(
        [r.person for r in data.respondents], k=k, dimensions=RESULT_DIMENSIONS
    )
    rolled_up = responses.structure.rolled_up
    specs = measure_specs(data.questions)
    by_id = {q.pk: q for q in data.questions}
    engagement = next((s for s in specs if s.code == Measure.ENGAGEMENT), None)
    reliability = engagement_reliability(data, engagement)

    answered = {}  # code -> [(respondent, value)]
    families = {}
    for spec in specs:
        pairs = []
        for respondent in data.respondents:
            value = respondent_value(spec, respondent, by_id)
            if value is not None:
                pairs.append((respondent, value))
        answered[spec.code] = pairs
        families[spec.code] = anonymity.decide(
            [r.person for r, _value in pairs],
            k=k,
            dimensions=RESULT_DIMENSIONS,
            rollup=responses.structure.rollup,
        )

    computed = Computed(payload={})
    groups = []
    for key in responses.groups:
        row = group_header(data, key, rolled_up)
        groups.append(row)
        if not responses.is_released(key):
            row["hidden"] = anonymity.hidden_text(responses, key)
            continue
        group = members(key, data.respondents, rolled_up)
        invited = sum(1 for p in data.invited if anonymity.in_group(key, p, rolled_up))
        row["respondents"] = len(group)
        row["invited"] = invited
        row["response_rate"] = round1(100 * len(group) / invited) if invited else None
        row["scores"] = {}
        for spec in specs:
            family = families[spec.code]
            if not family.is_released(key):
                hidden = anonymity.hidden_text(family, key)
                row["scores"][spec.code] = {"hidden": hidden}
                continue
            if spec is engagement and not reliability["reported"]:
                row["scores"][spec.code] = {"hidden": _("not reported (see note)")}
                continue
            values = [
                v
                for r, v in answered[spec.code]
                if anonymity.in_group(key, r.person, rolled_up)
            ]
            result = estimate(spec, values)
            row["scores"][spec.code] = cell(spec, result)
            computed.estimates[(row["key"], spec.code)] = result
    groups += small_team_rows(data, responses)
    groups.sort(key=lambda g: row_order(parse_key(g["key"])))

    computed.payload = {
        "min_group_size": k,
        "measures": [
            {
                "code": s.code,
                "label": s.label,
                "scale": s.scale,
                "estimate": s.estimate,
                "higher_is_better": s.higher_is_better,
            }
            for s in specs
        ],
        "engagement_reliability": reliability,
        "groups": groups,
        "comments": comment_groups(data),
    }
    return computed


def small_team_rows(data: RoundData, responses: anonymity.Decision) -> list[dict]:
    """Teams below k, or invited with no responses at all: no numbers, a note."""
    rolled_up = responses.structure.rolled_up
    answered = {p.team for p in responses.structure.people}
    teams = {(p.site, p.team) for p in responses.structure.people}
    teams |= {(p.site, p.team) for p in data.invited}
    rows = []
    for site, team in sorted(teams):
        key = GroupKey(TEAM, site, team)
        if key in responses.structure.members:
            continue
        row = group_header(data, key, rolled_up)
        row["hidden"] = anonymity.suppressed_text(data.k)
        site_name = data.site_names.get(site, "")
        if team in answered and responses.is_released(GroupKey(OTHER_TEAMS, site)):
            row["note"] = _("Counted in Other teams at %(site)s.") % {"site": site_name}
        elif team in answered:
            row["note"] = _("Counted in the %(site)s total only.") % {"site": site_name}
        rows.append(row)
    return rows


def parse_key(text: str) -> GroupKey:
    """The inverse of ``str(GroupKey)``."""
    head, _at, site = text.partition("@")
    kind, _colon, value = head.partition(":")
    parsed_value: int | str | None = None
    if value:
        parsed_value = int(value) if value.lstrip("-").isdigit() else value
    return GroupKey(kind, int(site) if site else None, parsed_value)


def comment_order(round_id: int, question_id: int, text: str) -> bytes:
    """A keyed shuffle: stable for a round, unrelated to time or insertion order."""
    message = f"comments:{round_id}:{question_id}:{text}".encode()
    return hmac.new(settings.SECRET_KEY.encode(), message, hashlib.sha256).digest()


def comment_groups(data: RoundData) -> list[dict]:
    """Comments of groups with at least COMMENT_MIN_GROUP_SIZE respondents."""
    text_questions = [q for q in data.questions if q.kind == QuestionKind.TEXT]
    if not text_questions:
        return []
    decision = anonymity.decide(
        [r.person for r in data.respondents],
        k=max(COMMENT_MIN_GROUP_SIZE, data.k),
        dimensions=(),
    )
    rolled_up = decision.structure.rolled_up
    groups = []
    for key in sorted(decision.released, key=row_order):
        group = members(key, data.respondents, rolled_up)
        questions = []
        for question in text_questions:
            texts = [
                r.answers[question.pk]
                for r in group
                if isinstance(r.answers.get(question.pk), str)
            ]
            texts.sort(key=lambda t, q=question.pk: comment_order(data.round.pk, q, t))
            if texts:
                questions.append({"question": question.text_en, "comments": texts})
        row = group_header(data, key, rolled_up)
        row["questions"] = questions
        groups.append(row)
    return groups


# --- a round still collecting answers -----------------------------------------


def response_rates(data: RoundData) -> list[dict]:
    """Response rates for groups of at least k invitees; nothing else.

    The groups, the roll-up of small teams and the differencing rules all follow
    the invitees, whose groups do not change while the round is open.
    """
    decision = anonymity.decide(data.invited, k=data.k, dimensions=())
    rolled_up = decision.structure.rolled_up
    rows = []
    for key in decision.groups:
        row = group_header(data, key, rolled_up)
        if decision.is_released(key):
            invited = decision.structure.size(key)
            responded = len(members(key, data.respondents, rolled_up))
            row["response_rate"] = round(100 * responded / invited)
        elif decision.reason(key) == anonymity.COMPLEMENTARY:
            row["hidden"] = anonymity.complementary_text()
        else:
            row["hidden"] = anonymity.invited_text(data.k)
        rows.append(row)
    for site, teams in sorted(rolled_up.items()):
        for team in teams:
            row = group_header(data, GroupKey(TEAM, site, team), rolled_up)
            row["hidden"] = anonymity.invited_text(data.k)
            rows.append(row)
    rows.sort(key=lambda g: row_order(parse_key(g["key"])))
    return rows

import itertools
from types import SimpleNamespace

import numpy as np
import pytest
from django.core.exceptions import ValidationError
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy.linalg import null_space

from surveys import anonymity
from surveys.anonymity import (
    COMPLEMENTARY,
    DIMENSIONS,
    JOB_ROLE,
    ORGANIZATION_KEY,
    OTHER_TEAMS,
    SITE,
    SMALL,
    TEAM,
    GroupKey,
    Person,
    decide,
    organization_set_min_group_size,
)
from surveys.models import Measure, Question, QuestionKind, RoundStatus
from surveys.results_compute import Respondent, RoundData, compute_results
from tests.factories import OrganizationFactory, RoundFactory, SiteFactory, TeamFactory
from tests.surveys.results_data import add_response


def people_in(site, team, count, *, job_role=1, tenure="1to2", employment="ft"):
    return [Person(site, team, job_role, tenure, employment)] * count


def site_key(site):
    return GroupKey(SITE, site)


def team_key(site, team):
    return GroupKey(TEAM, site, team)


# --- hand-worked examples ---------------------------------------------------


def test_site_total_released_hides_the_team_it_would_expose():
    # Teams of 6 and 4 (k=5): site minus the team of 6 would be the other 4.
    people = people_in(1, 10, 6) + people_in(1, 11, 4)
    decision = decide(people, k=5, dimensions=())
    assert decision.is_released(site_key(1))
    assert decision.reason(team_key(1, 10)) == COMPLEMENTARY
    assert decision.reason(GroupKey(OTHER_TEAMS, 1)) == SMALL


def test_organization_minus_released_sites():
    people = people_in(1, 10, 10) + people_in(2, 20, 3)
    decision = decide(people, k=5, dimensions=())
    assert decision.is_released(ORGANIZATION_KEY)
    assert decision.reason(site_key(2)) == SMALL
    # Releasing site 1 would expose site 2 as organization minus site 1.
    assert decision.reason(site_key(1)) == COMPLEMENTARY


def test_small_teams_roll_up_when_the_merged_group_reaches_k():
    people = people_in(1, 10, 3) + people_in(1, 11, 3) + people_in(1, 12, 6)
    decision = decide(people, k=5, dimensions=())
    other = GroupKey(OTHER_TEAMS, 1)
    assert decision.structure.rolled_up == {1: (10, 11)}
    assert decision.structure.size(other) == 6
    assert decision.is_released(other)
    assert decision.is_released(team_key(1, 12))
    assert decision.is_released(site_key(1))
    assert team_key(1, 10) not in decision.structure.members


def test_roll_up_under_k_stays_in_the_site_total_only():
    people = people_in(1, 10, 2) + people_in(1, 11, 2) + people_in(1, 12, 8)
    decision = decide(people, k=5, dimensions=())
    assert decision.reason(GroupKey(OTHER_TEAMS, 1)) == SMALL
    # Site (12) minus team (8) would be the 4 people in the small teams.
    assert decision.reason(team_key(1, 12)) == COMPLEMENTARY
    assert decision.is_released(site_key(1))


def test_filter_leaving_a_remainder_under_k_is_hidden_too():
    people = people_in(1, 10, 8, job_role=1) + people_in(1, 10, 4, job_role=2)
    decision = decide(people, k=5, dimensions=(JOB_ROLE,))
    assert decision.reason(GroupKey(JOB_ROLE, 1, 2)) == SMALL
    assert decision.reason(GroupKey(JOB_ROLE, 1, 1)) == COMPLEMENTARY
    assert decision.reason(GroupKey(JOB_ROLE, None, 1)) is not None


def test_job_role_nested_in_a_team_cannot_expose_the_one_other_person():
    # Front desk: 6 receptionists and the only manager; hygiene: 6 hygienists.
    people = (
        people_in(1, 10, 6, job_role=1)
        + people_in(1, 10, 1, job_role=2)
        + people_in(1, 11, 6, job_role=3)
    )
    decision = decide(people, k=5, dimensions=(JOB_ROLE,))
    assert decision.is_released(team_key(1, 10))
    receptionists = [
        GroupKey(JOB_ROLE, 1, 1),
        GroupKey(JOB_ROLE, None, 1),
    ]
    # Front desk minus receptionists would be the manager alone.
    assert not any(decision.is_released(key) for key in receptionists)
    assert smallest_derivable(decision) is None


def test_organization_below_k_releases_nothing():
    decision = decide(people_in(1, 10, 4), k=5)
    assert decision.released == frozenset()


def test_k_must_be_positive():
    with pytest.raises(ValueError):
        decide([], k=0)


def test_texts_never_carry_the_count():
    people = people_in(1, 10, 6) + people_in(1, 11, 4)
    decision = decide(people, k=5, dimensions=())
    small = anonymity.hidden_text(decision, GroupKey(OTHER_TEAMS, 1))
    assert small == "fewer than 5 responses"
    assert "4" not in small
    assert "6" not in anonymity.hidden_text(decision, team_key(1, 10))


# --- properties on generated organizations ----------------------------------

TENURE = ["lt1", "1to2", "2to5", "5plus"]
EMPLOYMENT = ["full_time", "part_time", "per_diem"]


@st.composite
def organizations(draw, max_sites=3, max_teams=3, max_size=15, roles=3):
    people = []
    for site in range(draw(st.integers(1, max_sites))):
        for team in range(draw(st.integers(1, max_teams))):
            size = draw(st.integers(0, max_size))
            for _ in range(size):
                people.append(
                    Person(
                        site,
                        site * 100 + team,
                        draw(st.integers(1, roles)),
                        draw(st.sampled_from(TENURE)),
                        draw(st.sampled_from(EMPLOYMENT)),
                    )
                )
    return people


def family_sets(decision):
    """Released groups as sets of person indices, plus the partitions."""
    members = decision.structure.members
    return {
        key: members[key] for key in decision.released
    }, decision.structure.partitions


PROPERTY_SETTINGS = settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


@PROPERTY_SETTINGS
@given(people=organizations(), k=st.integers(3, 6))
def test_no_released_group_is_small(people, k):
    decision = decide(people, k=k)
    for key in decision.released:
        assert decision.structure.size(key) >= k


@PROPERTY_SETTINGS
@given(people=organizations(), k=st.integers(3, 6))
def test_nested_released_groups_never_differ_by_fewer_than_k(people, k):
    decision = decide(people, k=k)
    released, _ = family_sets(decision)
    for (a, mask_a), (b, mask_b) in itertools.permutations(released.items(), 2):
        if mask_a & ~mask_b == 0:  # a inside b
            difference = (mask_b & ~mask_a).bit_count()
            assert difference == 0 or difference >= k, (a, b, difference)


@PROPERTY_SETTINGS
@given(people=organizations(), k=st.integers(3, 6))
def test_parent_minus_released_children_is_zero_or_at_least_k(people, k):
    decision = decide(people, k=k)
    members = decision.structure.members
    for parent, children in decision.structure.partitions:
        if not decision.is_released(parent):
            continue
        remainder = members[parent]
        for child in children:
            if decision.is_released(child):
                remainder &= ~members[child]
        assert remainder.bit_count() == 0 or remainder.bit_count() >= k


@PROPERTY_SETTINGS
@given(people=organizations(), k=st.integers(3, 6))
def test_hierarchy_remainders_through_hidden_sites(people, k):
    """Organization minus released sites minus released teams of hidden sites."""
    decision = decide(people, k=k, dimensions=())
    members = decision.structure.members
    if not decision.is_released(ORGANIZATION_KEY):
        return
    remainder = members[ORGANIZATION_KEY]
    for key in decision.released:
        if key.kind == SITE:
            remainder &= ~members[key]
    for key in decision.released:
        if key.kind in (TEAM, OTHER_TEAMS) and not decision.is_released(
            site_key(key.site)
        ):
            remainder &= ~members[key]
    assert remainder.bit_count() == 0 or remainder.bit_count() >= k


@PROPERTY_SETTINGS
@given(people=organizations(), k=st.integers(3, 6), data=st.data())
def test_decisions_ignore_the_order_people_answered_in(people, k, data):
    shuffled = data.draw(st.permutations(people))
    assert decide(people, k=k).released == decide(shuffled, k=k).released


def smallest_derivable(decision):
    """Brute force: a set of 1..k-1 people whose totals follow from released ones.

    Independent of the implementation: people with the same released groups form
    a block; a set of blocks is derivable when its indicator lies in the span of
    the released groups' indicators, i.e. is orthogonal to their null space.
    """
    released = sorted(decision.released, key=lambda g: g.sort_key)
    people = decision.structure.people
    if not released:
        return None
    blocks = {}
    for index in range(len(people)):
        signature = tuple(
            bool(decision.structure.members[g] >> index & 1) for g in released
        )
        blocks.setdefault(signature, []).append(index)
    signatures = list(blocks)
    matrix = np.array([[float(s[g]) for s in signatures] for g in range(len(released))])
    kernel = null_space(matrix)  # blocks x d
    weights = [len(blocks[s]) for s in signatures]
    light = [b for b, w in enumerate(weights) if w < decision.k]
    for size in range(1, decision.k):
        for combo in itertools.combinations(light, size):
            if sum(weights[b] for b in combo) >= decision.k:
                continue
            if kernel.shape[1] == 0 or np.allclose(
                kernel[list(combo)].sum(axis=0), 0, atol=1e-9
            ):
                return [blocks[signatures[b]] for b in combo]
    return None


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(
    people=organizations(max_sites=2, max_teams=2, max_size=8, roles=2),
    k=st.integers(3, 4),
)
def test_no_small_group_is_a_linear_combination_of_released_groups(people, k):
    decision = decide(people, k=k)
    assert smallest_derivable(decision) is None


def test_oracle_finds_a_plain_difference():
    """The brute force above can fail: it sees site minus team."""
    people = people_in(1, 10, 6) + people_in(1, 11, 4)
    structure = anonymity.build_structure(people, k=5, dimensions=())
    unsafe = anonymity.Decision(
        5, structure, frozenset({site_key(1), team_key(1, 10)}), frozenset()
    )
    assert [len(block) for block in smallest_derivable(unsafe)] == [4]


def test_audit_timeout_falls_back_to_the_site_and_team_tree(monkeypatch):
    def too_slow(structure, released, k):
        raise anonymity.AuditTimeout

    monkeypatch.setattr(anonymity, "_exact_violation", too_slow)
    anonymity._decide.cache_clear()
    people = people_in(1, 10, 6, job_role=1) + people_in(1, 11, 6, job_role=2)
    try:
        decision = decide(people, k=5)
    finally:
        anonymity._decide.cache_clear()
    assert {key.kind for key in decision.released} == {
        ORGANIZATION_KEY.kind,
        SITE,
        TEAM,
    }
    assert decision.reason(GroupKey(JOB_ROLE, 1, 1)) == COMPLEMENTARY


def test_default_dimensions_cover_every_breakdown():
    assert set(DIMENSIONS) == {"job_role", "tenure_band", "employment_type"}


# --- the organization's k ---------------------------------------------------


def test_min_group_size_floor(db):
    org = OrganizationFactory()
    with pytest.raises(ValidationError):
        organization_set_min_group_size(organization=org, k=2)
    organization_set_min_group_size(organization=org, k=7)
    org.refresh_from_db()
    assert org.min_group_size == 7


@pytest.mark.parametrize(
    ("status", "allowed"),
    [
        (RoundStatus.OPEN, False),
        (RoundStatus.CLOSED, False),
        (RoundStatus.RELEASED, True),
    ],
)
def test_min_group_size_frozen_while_a_round_with_responses_is_unreleased(
    db, status, allowed
):
    org = OrganizationFactory()
    team = TeamFactory(site=SiteFactory(organization=org))
    round_ = RoundFactory(survey__organization=org, status=status, min_group_size=5)
    add_response(round_, team=team)
    if allowed:
        organization_set_min_group_size(organization=org, k=8)
    else:
        with pytest.raises(ValidationError, match="not released"):
            organization_set_min_group_size(organization=org, k=8)
    org.refresh_from_db()
    assert org.min_group_size == (8 if allowed else 5)
    round_.refresh_from_db()
    assert round_.min_group_size == 5


def test_open_round_without_responses_does_not_block(db):
    org = OrganizationFactory()
    RoundFactory(survey__organization=org, status=RoundStatus.OPEN)
    organization_set_min_group_size(organization=org, k=6)
    org.refresh_from_db()
    assert org.min_group_size == 6


def test_round_k_never_below_floor(db):
    round_ = RoundFactory(min_group_size=None)
    assert anonymity.round_min_group_size(round_) == round_.organization.min_group_size
    round_.min_group_size = 2
    assert anonymity.round_min_group_size(round_) == 3


# --- value independence, through the results computation ---------------------

QUESTION_SPECS = [
    *[(f"eng_{i}", QuestionKind.AGREEMENT, Measure.ENGAGEMENT) for i in range(6)],
    ("enps", QuestionKind.SCALE, Measure.ENPS),
    ("burnout", QuestionKind.CHOICE, Measure.BURNOUT),
    ("workload", QuestionKind.AGREEMENT, Measure.WORKLOAD),
    ("comment", QuestionKind.TEXT, Measure.COMMENT),
]
QUESTIONS = [
    Question(pk=i + 1, code=code, kind=kind, measure=measure, text_en=code)
    for i, (code, kind, measure) in enumerate(QUESTION_SPECS)
]
VALUE_RANGES = {
    QuestionKind.AGREEMENT: st.integers(1, 5),
    QuestionKind.SCALE: st.integers(0, 10),
    QuestionKind.CHOICE: st.integers(1, 5),
    QuestionKind.TEXT: st.text(min_size=1, max_size=5).map(lambda t: t.strip() or "x"),
}


def round_data(people, answered, values):
    respondents = [
        Respondent(
            person,
            {q.pk: values[i][j] for j, q in enumerate(QUESTIONS) if answered[i][j]},
        )
        for i, person in enumerate(people)
    ]
    return RoundData(
        round=SimpleNamespace(pk=1, organization=SimpleNamespace(name="Org")),
        k=5,
        respondents=respondents,
        invited=list(people),
        questions=QUESTIONS,
        site_names={},
        team_names={},
        role_names={},
    )


def release_pattern(payload):
    """What is shown or hidden, and why; never the numbers themselves."""
    anonymity_texts = {anonymity.suppressed_text(5), anonymity.complementary_text()}
    pattern = {}
    for row in payload["groups"]:
        pattern[row["key"]] = row.get("hidden", "shown")
        for code, cell in row.get("scores", {}).items():
            hidden = cell.get("hidden")
            pattern[(row["key"], code)] = (
                hidden if hidden in anonymity_texts else "shown"
            )
    pattern["comments"] = [group["key"] for group in payload["comments"]]
    return pattern


@st.composite
def answered_rounds(draw):
    people = draw(organizations(max_sites=2, max_teams=3, max_size=9))
    answered = [[draw(st.booleans()) for _ in QUESTIONS] for _ in people]

    def values():
        return [[draw(VALUE_RANGES[q.kind]) for q in QUESTIONS] for _ in people]

    return people, answered, values(), values()


@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(case=answered_rounds())
def test_suppression_is_identical_when_answer_values_change(case):
    people, answered, first, second = case
    one = compute_results(round_data(people, answered, first)).payload
    two = compute_results(round_data(people, answered, second)).payload
    assert release_pattern(one) == release_pattern(two)

"""Hand-computed examples for the pure coverage functions (no database)."""

from datetime import date

from workforce.skills.coverage import (
    Assessment,
    Pairing,
    RequirementSpell,
    Spell,
    coverage_by_month,
    levels_as_of,
    suggest_pairings,
    team_coverage,
    what_if_leaves,
)

# Team a, b, c. Requirements and levels chosen so each rule shows once:
#   checkin  min 2: a=2, b=3, c=1   -> 2 competent: exactly the minimum, covered
#                                      (c's level 1 does not count, b's 3 does)
#   billing  min 1: a=3             -> 1: covered, but a single point of failure
#   xray     min 2: a=1, b=2        -> 1: below the minimum, and a SPOF
#   sched    min 1: nobody (d=3 is not in the team) -> 0: uncovered
REQUIREMENTS = {"checkin": 2, "billing": 1, "xray": 2, "sched": 1}
LEVELS = {
    ("a", "checkin"): 2,
    ("b", "checkin"): 3,
    ("c", "checkin"): 1,
    ("a", "billing"): 3,
    ("a", "xray"): 1,
    ("b", "xray"): 2,
    ("c", "sched"): 0,
    ("d", "sched"): 3,
    ("e", "xray"): 3,
}
TEAM = {"a", "b", "c"}


def test_team_coverage_hand_computed():
    result = team_coverage(members=TEAM, levels=LEVELS, requirements=REQUIREMENTS)

    assert [(s.skill, s.competent) for s in result.skills] == [
        ("checkin", 2),
        ("billing", 1),
        ("xray", 1),
        ("sched", 0),
    ]
    assert result.required_skills == 4
    assert result.covered_skills == 2
    assert result.coverage == 0.5
    assert result.spof == ["billing", "xray"]
    assert result.uncovered == ["sched"]
    assert result.below_minimum == ["xray", "sched"]
    assert result.at_risk == ["billing", "xray", "sched"]


def test_exactly_the_minimum_is_covered_and_one_less_is_not():
    levels = {("a", "s"): 2, ("b", "s"): 2}
    covered = team_coverage(members={"a", "b"}, levels=levels, requirements={"s": 2})
    short = team_coverage(members={"a", "b"}, levels=levels, requirements={"s": 3})

    assert covered.coverage == 1.0
    assert short.coverage == 0.0
    assert covered.spof == short.spof == []


def test_learning_does_not_count_and_training_does():
    learning = team_coverage(
        members={"a"}, levels={("a", "s"): 1}, requirements={"s": 1}
    )
    trainer = team_coverage(
        members={"a"}, levels={("a", "s"): 3}, requirements={"s": 1}
    )

    assert learning.uncovered == ["s"] and learning.coverage == 0.0
    assert trainer.uncovered == [] and trainer.coverage == 1.0
    assert trainer.spof == ["s"]


def test_nothing_required_has_no_coverage_figure():
    result = team_coverage(members={"a"}, levels={("a", "s"): 3}, requirements={})

    assert result.required_skills == 0
    assert result.coverage is None


def test_levels_as_of_takes_the_latest_on_or_before_the_day():
    assessments = [
        Assessment("a", "s", 1, date(2025, 1, 10)),
        Assessment("a", "s", 2, date(2025, 3, 1)),
        Assessment("a", "s", 3, date(2025, 6, 1)),
        # Same day: the later one (higher sequence) wins whatever the list order.
        Assessment("b", "s", 2, date(2025, 2, 1), sequence=2),
        Assessment("b", "s", 0, date(2025, 2, 1), sequence=1),
    ]

    assert levels_as_of(assessments, date(2025, 1, 9)) == {}
    assert levels_as_of(assessments, date(2025, 3, 1)) == {
        ("a", "s"): 2,
        ("b", "s"): 2,
    }
    assert levels_as_of(assessments, date(2025, 12, 31))[("a", "s")] == 3


def test_what_if_the_most_skilled_person_leaves():
    result = what_if_leaves(
        person="a", members=TEAM, levels=LEVELS, requirements=REQUIREMENTS
    )

    # checkin 2 -> 1 (below its minimum of 2 and a new SPOF); billing 1 -> 0
    # (below, and nobody left: it was a SPOF already, so not a *new* one);
    # xray stays at 1 (b) and sched stays uncovered: neither changes.
    assert result.below_minimum == ["checkin", "billing"]
    assert result.new_spof == ["checkin"]
    assert result.uncovered == ["billing"]
    assert result.after.coverage == 0.0
    assert not result.harmless


def test_what_if_a_learner_leaves_is_harmless():
    result = what_if_leaves(
        person="c", members=TEAM, levels=LEVELS, requirements=REQUIREMENTS
    )

    assert result.harmless
    assert result.after.coverage == result.before.coverage == 0.5


def test_pairings_prefer_a_learner_at_level_1_and_a_trainer_in_the_team():
    pairings = suggest_pairings(
        skills=["billing", "xray", "sched", "sterilisation"],
        team_members=TEAM,
        site_members=TEAM | {"d", "e"},
        levels=LEVELS,
    )

    assert pairings == [
        # b and c both at 0, nobody paired yet: smallest id. a trains (team).
        Pairing("billing", "b", 0, "a", "team"),
        # a is learning (1) so is preferred; nobody in the team is at 3: e, site.
        Pairing("xray", "a", 1, "e", "site"),
        # all at 0; a and b already have a pairing, so c. d trains from the site.
        Pairing("sched", "c", 0, "d", "site"),
        # Nobody anywhere at level 3: said so, not hidden. a, b, c have one each.
        Pairing("sterilisation", "a", 0, None, None),
    ]


def test_pairings_with_nobody_left_to_learn():
    pairings = suggest_pairings(
        skills=["s"],
        team_members={"a"},
        site_members={"a"},
        levels={("a", "s"): 3},
    )

    assert pairings == [Pairing("s", None, None, "a", "team")]


def test_coverage_by_month_follows_history():
    jan, feb, mar = date(2025, 1, 1), date(2025, 2, 1), date(2025, 3, 1)
    month_ends = [
        (jan, date(2025, 1, 31)),
        (feb, date(2025, 2, 28)),
        (mar, date(2025, 3, 31)),
    ]
    spells = [
        # a moves from team 1 to team 2 on 10 February.
        Spell("a", 1, date(2024, 1, 1), date(2025, 2, 10)),
        Spell("a", 2, date(2025, 2, 10)),
        # b leaves on 15 March (termination date): gone from the March figure.
        Spell("b", 1, date(2024, 1, 1), left_on=date(2025, 3, 15)),
    ]
    assessments = [
        Assessment("a", "s", 3, date(2024, 6, 1)),
        Assessment("b", "s", 1, date(2024, 6, 1)),
        # b becomes competent in February: January must not change.
        Assessment("b", "s", 2, date(2025, 2, 20)),
    ]
    requirements = [
        RequirementSpell(1, "s", 1, date(2024, 1, 1)),
        RequirementSpell(2, "s", 2, date(2024, 1, 1), date(2025, 3, 1)),
        RequirementSpell(2, "s", 1, date(2025, 3, 1)),
    ]

    rows = coverage_by_month(
        teams=[1, 2],
        month_ends=month_ends,
        spells=spells,
        assessments=assessments,
        requirements=requirements,
    )
    table = {
        (row.team, row.month): (row.coverage, row.spof_count, row.uncovered_count)
        for row in rows
    }

    assert table == {
        (1, jan): (1.0, 1, 0),  # a (3); b still learning
        (2, jan): (0.0, 0, 1),  # nobody yet
        (1, feb): (1.0, 1, 0),  # a gone, b now competent
        (2, feb): (0.0, 1, 0),  # a arrived; minimum 2 not met
        (1, mar): (0.0, 0, 1),  # b left
        (2, mar): (1.0, 1, 0),  # the minimum dropped to 1 in March
    }

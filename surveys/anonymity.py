"""Which survey aggregates may be shown: the one place suppression is decided.

Every output path (pages, JSON, CSV, PDF, emails) asks :func:`decide` and shows
only what it releases. Decisions look at who is in which group (snapshotted site,
team, job role, tenure band, employment type) and never at what anyone answered,
so changing answers cannot change what is hidden.

The rules, with k the round's minimum reporting group size:

1. **Threshold.** A group with fewer than k people is not shown. It reads
   "fewer than k responses", never its count.
2. **Roll-up.** At each site, teams with fewer than k people are merged into
   "Other teams at <site>". If that merged group still has fewer than k, those
   people count only in the site total.
3. **No differencing.** A group that is hidden must stay hidden when released
   numbers are combined. We track what can be worked out from released groups:
   a group whose parent is known and whose siblings are all known; a parent whose
   children are all known; the remainder of a known group after its known
   children (through several levels: organization minus released sites minus
   released teams of hidden sites); a known group minus a known child; and any
   of these that coincides with another group. Every such set must hold 0 or at
   least k people, and when one of them contains another the difference must be
   0 or at least k (this catches site minus its only other team, a filter that
   leaves a remainder under k, roll-up versus site, and a job-role cell nested in
   a team). When a rule fails we also hide the smallest released group that the
   offending set was worked out from (complementary suppression), then check
   again until nothing fails.
4. The same holds for every breakdown: job role, tenure band and employment type
   within the organization and within each site, each cell also being a part of
   the organization-wide cell for the same value.
5. **Exact audit.** After the rules hold, an integer program checks the
   general case: no set of 1..k-1 people may have totals that are a linear
   combination of released totals (inclusion-exclusion across breakdowns
   included). If it finds one, the smallest released group it used is hidden
   and the rules run again. If the audit cannot finish within
   ``EXACT_AUDIT_SECONDS`` (very large organizations), the breakdown cells are
   hidden and only the site and team tree is released, for which rule 3 alone
   is exact.

The minimum group size: every round copies the organization's k at launch
(``Round.min_group_size``) and keeps it; later changes apply to later rounds.
:func:`organization_set_min_group_size` refuses a k below
``settings.SURVEY_MIN_GROUP_SIZE_FLOOR`` and refuses any change while a round of
the organization is open, or closed but not yet released, and already has
responses, so k cannot be tuned while someone is watching a round come in.
"""

from __future__ import annotations

import functools
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from scipy.optimize import Bounds, LinearConstraint, milp

ORGANIZATION = "organization"
SITE = "site"
TEAM = "team"
OTHER_TEAMS = "other_teams"
JOB_ROLE = "job_role"
TENURE_BAND = "tenure_band"
EMPLOYMENT_TYPE = "employment_type"
DIMENSIONS = (JOB_ROLE, TENURE_BAND, EMPLOYMENT_TYPE)

# Why a group is hidden.
SMALL = "small"
COMPLEMENTARY = "complementary"

COMMENT_MIN_GROUP_SIZE = 10
# Budget for the exact audit of one family of numbers (see _exact_violation).
EXACT_AUDIT_SECONDS = 20.0

_KIND_ORDER = {
    ORGANIZATION: 0,
    SITE: 1,
    TEAM: 2,
    OTHER_TEAMS: 3,
    JOB_ROLE: 4,
    TENURE_BAND: 5,
    EMPLOYMENT_TYPE: 6,
}


class Person(NamedTuple):
    """One respondent (or invitee) as the rules see them: attributes, no answers."""

    site: int
    team: int
    job_role: int
    tenure_band: str
    employment_type: str


class GroupKey(NamedTuple):
    """A reporting group.

    ``site`` is set for everything inside one site; ``value`` is the team id for
    a team, or the job role id / tenure band / employment type for a breakdown
    cell (``site`` None means the organization-wide cell).
    """

    kind: str
    site: int | None = None
    value: int | str | None = None

    def __str__(self):
        text = self.kind
        if self.value is not None:
            text += f":{self.value}"
        if self.site is not None:
            text += f"@{self.site}"
        return text

    @property
    def depth(self) -> int:
        if self.kind == ORGANIZATION:
            return 0
        if self.kind == SITE or self.site is None:
            return 1
        return 2

    @property
    def sort_key(self):
        value = self.value
        if value is None:
            value_key = (0, 0, "")
        elif isinstance(value, int):
            value_key = (1, value, "")
        else:
            value_key = (2, 0, str(value))
        site = -1 if self.site is None else self.site
        return (_KIND_ORDER[self.kind], site, value_key)


ORGANIZATION_KEY = GroupKey(ORGANIZATION)

# Which teams are merged into "Other teams": ((site, (team, ...)), ...).
Rollup = tuple[tuple[int, tuple[int, ...]], ...]


def in_group(key: GroupKey, person: Person, rolled_up: dict[int, tuple]) -> bool:
    """Whether ``person`` counts in group ``key`` (``rolled_up`` as in Structure)."""
    if key.kind == ORGANIZATION:
        return True
    if person.site != key.site and key.site is not None:
        return False
    if key.kind == SITE:
        return True
    if key.kind == TEAM:
        return person.team == key.value
    if key.kind == OTHER_TEAMS:
        return person.team in rolled_up.get(key.site, ())
    return getattr(person, key.kind) == key.value


@dataclass(frozen=True)
class Structure:
    """The groups one set of people forms and how they nest.

    ``members`` maps each group to a bitmask over ``people``; ``partitions`` lists
    (parent, children) where the children split the parent without overlap.
    ``rolled_up`` maps a site to its teams below k (merged or in the total only).
    """

    @property
    def rollup(self) -> Rollup:
        return tuple(sorted(self.rolled_up.items()))

    people: tuple[Person, ...]
    members: dict[GroupKey, int]
    partitions: tuple[tuple[GroupKey, tuple[GroupKey, ...]], ...]
    rolled_up: dict[int, tuple[int, ...]]

    def size(self, key: GroupKey) -> int:
        return self.members.get(key, 0).bit_count()


def build_structure(
    people: Iterable[Person],
    *,
    k: int,
    dimensions: Iterable[str] = DIMENSIONS,
    rollup: Rollup | None = None,
) -> Structure:
    """Groups for ``people``: organization, sites, teams after roll-up, breakdowns.

    ``rollup`` fixes which teams are merged (site, teams) instead of deciding it
    from these people's counts, so that every measure of a round reports the
    same groups as its response counts do.
    """
    fixed = None if rollup is None else dict(rollup)
    people = tuple(people)
    members: dict[GroupKey, int] = defaultdict(int)
    partitions: list[tuple[GroupKey, tuple[GroupKey, ...]]] = []
    team_masks: dict[int, dict[int, int]] = defaultdict(lambda: defaultdict(int))
    for index, person in enumerate(people):
        bit = 1 << index
        members[ORGANIZATION_KEY] |= bit
        members[GroupKey(SITE, person.site)] |= bit
        team_masks[person.site][person.team] |= bit
    if not people:
        return Structure(people, {}, (), {})

    sites = sorted(team_masks)
    partitions.append((ORGANIZATION_KEY, tuple(GroupKey(SITE, s) for s in sites)))
    rolled_up = {}
    for site in sites:
        children = []
        small = []
        other = 0
        for team, mask in sorted(team_masks[site].items()):
            if fixed is None:
                merged = mask.bit_count() < k
            else:
                merged = team in fixed.get(site, ())
            if not merged:
                key = GroupKey(TEAM, site, team)
                members[key] = mask
                children.append(key)
            else:
                small.append(team)
                other |= mask
        if small:
            key = GroupKey(OTHER_TEAMS, site)
            members[key] = other
            children.append(key)
            rolled_up[site] = tuple(small)
        partitions.append((GroupKey(SITE, site), tuple(children)))

    for dimension in dimensions:
        org_cells: dict[object, int] = defaultdict(int)
        site_cells: dict[int, dict[object, int]] = defaultdict(lambda: defaultdict(int))
        for index, person in enumerate(people):
            value = getattr(person, dimension)
            org_cells[value] |= 1 << index
            site_cells[person.site][value] |= 1 << index
        values = sorted(org_cells, key=lambda v: GroupKey(dimension, None, v).sort_key)
        for value in values:
            members[GroupKey(dimension, None, value)] = org_cells[value]
        partitions.append(
            (ORGANIZATION_KEY, tuple(GroupKey(dimension, None, v) for v in values))
        )
        for site in sites:
            cells = site_cells[site]
            keys = []
            for value in values:
                if value in cells:
                    key = GroupKey(dimension, site, value)
                    members[key] = cells[value]
                    keys.append(key)
            partitions.append((GroupKey(SITE, site), tuple(keys)))
        for value in values:
            keys = tuple(
                GroupKey(dimension, s, value) for s in sites if value in site_cells[s]
            )
            partitions.append((GroupKey(dimension, None, value), keys))
    return Structure(people, dict(members), tuple(partitions), rolled_up)


@dataclass(frozen=True)
class Decision:
    """What may be shown for one family of numbers (one measure, or responses)."""

    k: int
    structure: Structure
    released: frozenset[GroupKey]
    complementary: frozenset[GroupKey]

    def is_released(self, key: GroupKey) -> bool:
        return key in self.released

    def reason(self, key: GroupKey) -> str | None:
        """None if released, else SMALL or COMPLEMENTARY."""
        if key in self.released:
            return None
        if key in self.complementary:
            return COMPLEMENTARY
        return SMALL

    @property
    def groups(self) -> list[GroupKey]:
        return sorted(self.structure.members, key=lambda g: g.sort_key)


def decide(
    people: Iterable[Person],
    *,
    k: int,
    dimensions: Iterable[str] = DIMENSIONS,
    rollup: Rollup | None = None,
) -> Decision:
    """Release every group that passes the rules in the module docstring."""
    if k < 1:
        raise ValueError("k must be at least 1")
    # Only who is where matters, not the order they came in.
    key = tuple(sorted(people))
    if rollup is not None:
        rollup = tuple(sorted((site, tuple(sorted(teams))) for site, teams in rollup))
    return _decide(key, k, tuple(dimensions), rollup)


@functools.lru_cache(maxsize=256)
def _decide(people, k, dimensions, rollup):
    structure = build_structure(people, k=k, dimensions=dimensions, rollup=rollup)
    released = {g for g in structure.members if structure.size(g) >= k}
    complementary = set()
    exact = True
    while True:
        culprits = _find_violation(structure, released, k)
        if culprits is None and exact:
            try:
                culprits = _exact_violation(structure, released, k)
            except AuditTimeout:
                # Without breakdowns the groups nest like a tree, and for a tree
                # the remainder rule alone is exact: fall back to that.
                for group in [g for g in released if g.kind in DIMENSIONS]:
                    released.discard(group)
                    complementary.add(group)
                exact = False
                continue
        if culprits is None:
            break
        victim = min(
            culprits & released,
            key=lambda g: (structure.size(g), -g.depth, g.sort_key),
        )
        released.discard(victim)
        complementary.add(victim)
    return Decision(k, structure, frozenset(released), frozenset(complementary))


class AuditTimeout(Exception):
    """The exact audit did not finish in ``EXACT_AUDIT_SECONDS``."""


def _known_groups(structure: Structure, released: set[GroupKey]):
    """Groups whose people and totals can be worked out, with what they rest on.

    Returns ``known`` and ``provenance``: for each known group, the released
    groups its numbers can be computed from.
    """
    members = structure.members
    provenance = {g: frozenset([g]) for g in released}
    known = set(released)
    while True:
        changed = False
        for parent, children in structure.partitions:
            unknown = [c for c in children if c not in known]
            if parent in known and len(unknown) == 1:
                (child,) = unknown
                sources = provenance[parent].union(
                    *(provenance[c] for c in children if c != child)
                )
                known.add(child)
                provenance[child] = sources
                changed = True
            elif parent not in known and children and not unknown:
                known.add(parent)
                provenance[parent] = frozenset().union(
                    *(provenance[c] for c in children)
                )
                changed = True
        # A hidden group with the same people as something derivable is derivable.
        derived = _derived_sets(structure, known, provenance)
        for group, mask in members.items():
            if group not in known and mask in derived:
                known.add(group)
                provenance[group] = derived[mask]
                changed = True
        if not changed:
            return known, provenance, derived


def _derived_sets(structure, known, provenance) -> dict[int, frozenset[GroupKey]]:
    """Every set of people whose totals follow from known groups, by bitmask."""
    members = structure.members
    derived: dict[int, frozenset[GroupKey]] = {}

    def add(mask, sources):
        if mask and mask not in derived:
            derived[mask] = sources

    for group in sorted(known, key=lambda g: g.sort_key):
        add(members[group], provenance[group])

    by_parent = defaultdict(list)
    for parent, children in structure.partitions:
        by_parent[parent].append(children)
    cache = {}

    def deepest_remainder(group):
        """The fewest people of an unknown group not covered by known descendants."""
        if group in cache:
            return cache[group]
        best = (members[group], frozenset())
        for children in by_parent.get(group, ()):
            mask = 0
            sources = frozenset()
            for child in children:
                if child in known:
                    sources |= provenance[child]
                else:
                    child_mask, child_sources = deepest_remainder(child)
                    mask |= child_mask
                    sources |= child_sources
            if mask.bit_count() < best[0].bit_count():
                best = (mask, sources)
        cache[group] = best
        return best

    for parent, children in structure.partitions:
        if parent not in known:
            continue
        known_children = [c for c in children if c in known]
        unknown = [c for c in children if c not in known]
        base = provenance[parent].union(*(provenance[c] for c in known_children))
        if known_children and unknown:
            shallow = 0
            for child in unknown:
                shallow |= members[child]
            add(shallow, base)
        deep_mask = 0
        deep_sources = base
        for child in unknown:
            child_mask, child_sources = deepest_remainder(child)
            deep_mask |= child_mask
            deep_sources |= child_sources
        add(deep_mask, deep_sources)
        for child in known_children:
            add(
                members[parent] & ~members[child],
                provenance[parent] | provenance[child],
            )
    return derived


def _find_violation(structure, released, k) -> frozenset[GroupKey] | None:
    """Released groups behind the first set of 1..k-1 people that can be derived."""
    _, _, derived = _known_groups(structure, released)
    entries = sorted(
        derived.items(),
        key=lambda item: (item[0].bit_count(), sorted(g.sort_key for g in item[1])),
    )
    for mask, sources in entries:
        if mask.bit_count() < k:
            return sources
    by_size = defaultdict(list)
    for mask, sources in entries:
        by_size[mask.bit_count()].append((mask, sources))
    for mask, sources in entries:
        size = mask.bit_count()
        for bigger in range(size + 1, size + k):
            for other, other_sources in by_size.get(bigger, ()):
                if mask & ~other == 0:
                    return sources | other_sources
    return None


def _exact_violation(structure, released, k) -> frozenset[GroupKey] | None:
    """Released groups combining to the totals of 1..k-1 people, if any do.

    The safety net behind the rules: people in the same released groups form a
    block; a set of blocks can be worked out exactly when its indicator is a
    linear combination of released groups' indicators. A small integer program
    looks for such a set of 1..k-1 people (blocks of k or more cannot be part of
    one, so they are fixed at zero).
    """
    groups = sorted(released, key=lambda g: g.sort_key)
    if not groups:
        return None
    signatures: dict[tuple[bool, ...], int] = defaultdict(int)
    for index in range(len(structure.people)):
        bit = 1 << index
        signature = tuple(bool(structure.members[g] & bit) for g in groups)
        signatures[signature] += 1
    blocks = list(signatures.items())
    light = [b for b, (_, weight) in enumerate(blocks) if weight < k]
    if not light:
        return None
    n_groups = len(groups)
    light_column = {b: n_groups + i for i, b in enumerate(light)}
    n_vars = n_groups + len(light)
    # Block b: sum of lambda over groups containing it, minus x_b, equals 0.
    rows = np.zeros((len(blocks) + 1, n_vars))
    for b, (signature, _weight) in enumerate(blocks):
        for g, inside in enumerate(signature):
            if inside:
                rows[b, g] = 1.0
        if b in light_column:
            rows[b, light_column[b]] = -1.0
    weights = np.zeros(n_vars)
    for b in light:
        weights[light_column[b]] = blocks[b][1]
    rows[-1] = weights
    lower = np.zeros(len(blocks) + 1)
    upper = np.zeros(len(blocks) + 1)
    lower[-1], upper[-1] = 1, k - 1
    bounds_low = np.concatenate([np.full(n_groups, -np.inf), np.zeros(len(light))])
    bounds_high = np.concatenate([np.full(n_groups, np.inf), np.ones(len(light))])
    integrality = np.concatenate([np.zeros(n_groups), np.ones(len(light))])
    result = milp(
        weights,
        integrality=integrality,
        bounds=Bounds(bounds_low, bounds_high),
        constraints=LinearConstraint(rows, lower, upper),
        options={"time_limit": EXACT_AUDIT_SECONDS},
    )
    if result.status == 2:
        return None  # infeasible: no set of 1..k-1 people can be worked out
    if result.status != 0 or result.x is None:
        raise AuditTimeout
    used = frozenset(
        g
        for g, value in zip(groups, result.x[:n_groups], strict=True)
        if abs(value) > 1e-6
    )
    return used or frozenset(groups)


def suppressed_text(k: int) -> str:
    """What a hidden small group shows instead of numbers."""
    return _("fewer than %(k)s responses") % {"k": k}


def complementary_text() -> str:
    """What a group hidden to protect a smaller one shows."""
    return _("hidden so that a smaller group cannot be worked out")


def invited_text(k: int) -> str:
    """What a group too small for a response rate shows while a round is open."""
    return _("fewer than %(k)s people invited") % {"k": k}


def hidden_text(decision: Decision, key: GroupKey) -> str:
    if decision.reason(key) == COMPLEMENTARY:
        return complementary_text()
    return suppressed_text(decision.k)


def round_min_group_size(round_) -> int:
    """The k a round reports with: frozen at launch, never below the floor."""
    k = round_.min_group_size or round_.organization.min_group_size
    return max(k, settings.SURVEY_MIN_GROUP_SIZE_FLOOR)


@transaction.atomic
def organization_set_min_group_size(*, organization, k: int, actor=None):
    """Change the k future rounds launch with (see the module docstring)."""
    from workforce.audit import audit_record
    from workforce.models import AuditEvent, Organization

    from .models import Round, RoundStatus

    organization = Organization.objects.select_for_update().get(pk=organization.pk)
    floor = settings.SURVEY_MIN_GROUP_SIZE_FLOOR
    if k < floor:
        raise ValidationError(
            _("The minimum group size cannot be below %(floor)s.") % {"floor": floor}
        )
    if k == organization.min_group_size:
        return organization
    busy = (
        Round.objects.filter(
            organization=organization,
            status__in=[RoundStatus.OPEN, RoundStatus.CLOSED],
            responses__isnull=False,
        )
        .distinct()
        .order_by("period")
        .first()
    )
    if busy is not None:
        raise ValidationError(
            _(
                "Round “%(round)s” has responses and its results are not released "
                "yet; change the minimum group size after it is released."
            )
            % {"round": busy.name}
        )
    before = organization.min_group_size
    organization.min_group_size = k
    organization.full_clean()
    organization.save(update_fields=["min_group_size"])
    audit_record(
        organization=organization,
        actor=actor,
        action=AuditEvent.Action.THRESHOLD_CHANGED,
        target=f"Minimum group size of {organization.name}",
        detail={"from": before, "to": k},
    )
    return organization

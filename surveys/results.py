"""Survey results of a round, limited to what the viewer may see.

:func:`results_payload` builds the one payload every output uses: the results
page, the JSON view, the CSV export and the ``survey_results`` command. The
numbers come from ``surveys.results_compute``; what is hidden is decided only by
``surveys.anonymity``.

- Before release there are no scores at all (no live results): an open or
  closed round shows response rates for groups of at least k invitees.
- After release: scores per organization, site, team (after roll-up), job role
  and tenure band, each compared with the previous released round of the same
  survey where both rounds released it.
- Who sees what: owner and HR everything; a site manager the organization total
  and everything inside their sites; a team lead the organization and site
  totals and their own teams' groups, and comments only at organization and
  site level; staff nothing.
"""

from __future__ import annotations

import copy
import datetime
from dataclasses import dataclass

from django.core.cache import cache
from django.db.models import Count
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from workforce.models import Role
from workforce.selectors import visible_sites, visible_teams

from . import results_statistics as rs
from .anonymity import ORGANIZATION, OTHER_TEAMS, SITE, TEAM, round_min_group_size
from .models import Round, RoundStatus
from .results_compute import (
    DISTRIBUTION,
    NPS,
    RATE,
    Computed,
    compute_results,
    load_round,
    response_rates,
    round1,
)
from .retention import results_snapshot

PAYLOAD_VERSION = 1
# Released rounds do not change; a day keeps memory bounded.
CACHE_SECONDS = 24 * 60 * 60


class NoResults(Exception):
    """The round has no results of any kind yet (draft or scheduled)."""


@dataclass(frozen=True)
class Scope:
    """The groups a viewer may see (see the module docstring)."""

    organization_id: int
    whole_organization: bool = False
    site_totals: frozenset[int] = frozenset()
    site_details: frozenset[int] = frozenset()
    teams: frozenset[int] = frozenset()
    filtered_comments: bool = True

    @classmethod
    def for_user(cls, user) -> Scope | None:
        if not user.is_authenticated or not user.organization_id:
            return None
        org = user.organization_id
        if user.role in (Role.OWNER, Role.HR):
            return cls(org, whole_organization=True)
        sites = frozenset(visible_sites(user).values_list("pk", flat=True))
        teams = frozenset(visible_teams(user).values_list("pk", flat=True))
        if user.role == Role.SITE_MANAGER:
            return cls(org, site_totals=sites, site_details=sites, teams=teams)
        if user.role == Role.TEAM_LEAD:
            return cls(org, site_totals=sites, teams=teams, filtered_comments=False)
        return None

    @classmethod
    def whole(cls, organization) -> Scope:
        return cls(organization.pk, whole_organization=True)

    def sees(self, row: dict) -> bool:
        kind, site = row["kind"], row["site"]
        if kind == ORGANIZATION or self.whole_organization:
            return True
        if kind == SITE:
            return site in self.site_totals
        if site in self.site_details:
            return True
        if kind in (TEAM, OTHER_TEAMS):
            return bool(self.teams.intersection(row["team_ids"]))
        return False

    def sees_comments(self, row: dict) -> bool:
        if not self.sees(row):
            return False
        return self.filtered_comments or row["kind"] in (ORGANIZATION, SITE)


def results_payload(round_: Round, scope: Scope) -> dict:
    """What ``scope`` may see of ``round_``: scores if released, else rates."""
    if round_.organization_id != scope.organization_id:
        raise NoResults
    if round_.status == RoundStatus.RELEASED:
        payload = copy.deepcopy(released_results(round_))
        payload["groups"] = [g for g in payload["groups"] if scope.sees(g)]
        payload["comments"] = [c for c in payload["comments"] if scope.sees_comments(c)]
        return payload
    if round_.status in (RoundStatus.OPEN, RoundStatus.CLOSED):
        data = load_round(round_)
        rates = [r for r in response_rates(data) if scope.sees(r)]
        return {
            "version": PAYLOAD_VERSION,
            "round": round_info(round_),
            "min_group_size": data.k,
            "note": _("Scores appear when the results are released."),
            "response_rates": rates,
        }
    raise NoResults


def round_overview(scope: Scope) -> list[dict]:
    """The organization's rounds that have something to show, newest first.

    The overall response rate shows once at least k people were invited.
    """
    rounds = (
        Round.objects.filter(
            organization_id=scope.organization_id,
            status__in=[RoundStatus.OPEN, RoundStatus.CLOSED, RoundStatus.RELEASED],
        )
        .select_related("survey", "organization")
        .annotate(
            invited=Count("invitations", distinct=True),
            responded=Count("responses", distinct=True),
        )
        .order_by("-period", "-pk")
    )
    overview = []
    for round_ in rounds:
        rate = None
        if round_.invited and round_.invited >= round_min_group_size(round_):
            rate = round(100 * round_.responded / round_.invited)
        overview.append({"round": round_, "response_rate": rate})
    return overview


def round_info(round_: Round) -> dict:
    return {
        "id": round_.pk,
        "name": round_.name,
        "survey": round_.survey.name,
        "period": round_.period.strftime("%Y-%m"),
        "status": round_.status,
    }


def _stamp(moment: datetime.datetime | None) -> str:
    return moment.isoformat() if moment else "-"


def _computed(round_: Round) -> Computed:
    # Texts in the payload are translated: one entry per language.
    key = (
        f"survey-results:{PAYLOAD_VERSION}:{round_.pk}:"
        f"{_stamp(round_.released_at)}:{get_language()}"
    )
    computed = cache.get(key)
    if computed is None:
        # Past the retention period the raw answers are gone: the snapshot taken
        # before the purge is the released result (surveys.retention).
        computed = results_snapshot(round_, get_language() or "en")
    if computed is None:
        computed = compute_results(load_round(round_))
    cache.set(key, computed, CACHE_SECONDS)
    return computed


def released_results(round_: Round) -> dict:
    """The organization-wide payload of a released round, with changes."""
    if round_.status != RoundStatus.RELEASED:
        raise NoResults
    computed = _computed(round_)
    payload = copy.deepcopy(computed.payload)
    payload["version"] = PAYLOAD_VERSION
    payload["round"] = round_info(round_)
    previous = previous_round(round_)
    payload["previous_round"] = round_info(previous) if previous else None
    if previous is not None:
        add_changes(payload, computed, _computed(previous))
    return payload


def previous_round(round_: Round) -> Round | None:
    """The latest released round of the same survey before this one."""
    return (
        Round.objects.filter(
            organization=round_.organization_id,
            survey=round_.survey_id,
            status=RoundStatus.RELEASED,
            period__lt=round_.period,
        )
        .order_by("-period", "-pk")
        .first()
    )


def add_changes(payload: dict, current: Computed, previous: Computed) -> None:
    """Current minus previous for groups and measures both rounds released.

    Means: Welch interval; burnout: Newcombe's interval for a difference of
    proportions; eNPS: SE = sqrt(SE1² + SE2²). "Other teams" compares only when
    the same teams were merged both times.
    """
    estimates = {m["code"]: m["estimate"] for m in payload["measures"]}
    old_rows = {g["key"]: g for g in previous.payload["groups"]}
    for row in payload["groups"]:
        old_row = old_rows.get(row["key"])
        if "scores" not in row or old_row is None:
            continue
        if row["kind"] == OTHER_TEAMS and row["team_ids"] != old_row["team_ids"]:
            continue
        changes = {}
        for code, kind in estimates.items():
            new = current.estimates.get((row["key"], code))
            old = previous.estimates.get((row["key"], code))
            if new is None or old is None or kind == DISTRIBUTION:
                continue
            changes[code] = _difference(kind, old, new)
        row["changes"] = changes


def _difference(kind: str, old: rs.Estimate, new: rs.Estimate) -> dict:
    scale = 1
    if kind == NPS:
        diff = rs.enps_difference(old, new)
    elif kind == RATE:
        diff = rs.proportion_difference(old, new)
        scale = 100
    else:
        diff = rs.welch_difference(old, new)
    return {
        "previous": round1(old.value * scale),
        "difference": round1(diff.value * scale),
        "ci_low": round1(diff.low * scale),
        "ci_high": round1(diff.high * scale),
    }

"""Checking one row of a patient score file against the organization's names.

Called a million times per file, so the common case (a good row) is a handful
of dictionary lookups; the messages are only built for a row with a problem.
"""

import functools
import re
from dataclasses import dataclass
from datetime import date

from django.utils.translation import gettext as _

from reports.models import CHANNEL_MAX_LENGTH, SCORE_MAX
from workforce.models import Organization, Site, Team
from workforce.roster import organization_today
from workforce.skills.csvfile import ImportProblem, parse_iso_date, shown

SCORES = {str(score): score for score in range(SCORE_MAX + 1)}
CHANNEL = re.compile(rf"[a-z0-9][a-z0-9_-]{{0,{CHANNEL_MAX_LENGTH - 1}}}")
# Spellings of names and channels remembered as good; bounded, since a file
# may spell things a million ways.
REMEMBERED_MAX = 10_000

# A checked row: (site_id, team_id or None, date, score, channel).
Row = tuple[int, int | None, date, int, str]


def name_key(name: str) -> str:
    """Names match without regard to case or repeated spaces."""
    return " ".join(name.split()).casefold()


@dataclass
class Lookups:
    """The organization's sites and teams by name: small, whatever the file."""

    sites: dict[str, int]
    teams: dict[tuple[int, str], int]
    site_names: dict[int, str]
    organization_name: str
    today: date

    @classmethod
    def of(cls, organization: Organization) -> "Lookups":
        sites = dict(
            Site.objects.filter(organization=organization).values_list("pk", "name")
        )
        teams = Team.objects.filter(site__organization=organization).values_list(
            "site_id", "name", "pk"
        )
        return cls(
            sites={name_key(name): pk for pk, name in sites.items()},
            teams={(site, name_key(name)): pk for site, name, pk in teams},
            site_names=sites,
            organization_name=organization.name,
            today=organization_today(organization),
        )


@functools.lru_cache(maxsize=8192)
def _date(raw: str) -> date | None:
    # A file has few distinct days and many rows per day.
    return parse_iso_date(raw)


class RowChecker:
    """``checker(number, cells)`` → ``(Row, [])`` or ``(None, [problems])``.

    ``columns`` names the cells, as ``CsvStream.header.columns`` gives them.
    """

    def __init__(self, columns: tuple[str, ...], lookups: Lookups):
        self.lookups = lookups
        self._site = columns.index("site")
        self._team = columns.index("team")
        self._day = columns.index("date")
        self._score = columns.index("score")
        self._channel = columns.index("channel") if "channel" in columns else None
        self._sites: dict[str, int] = {}
        self._teams: dict[tuple[int, str], int] = {}
        self._channels: set[str] = set()

    def _site_id(self, raw: str) -> int | None:
        site_id = self._sites.get(raw)
        if site_id is None and raw:
            site_id = self.lookups.sites.get(name_key(raw))
            if site_id is not None and len(self._sites) < REMEMBERED_MAX:
                self._sites[raw] = site_id
        return site_id

    def _team_id(self, site_id: int, raw: str) -> int | None:
        team_id = self._teams.get((site_id, raw))
        if team_id is None:
            team_id = self.lookups.teams.get((site_id, name_key(raw)))
            if team_id is not None and len(self._teams) < REMEMBERED_MAX:
                self._teams[(site_id, raw)] = team_id
        return team_id

    def _channel_ok(self, channel: str) -> bool:
        if not channel or channel in self._channels:
            return True
        if CHANNEL.fullmatch(channel):
            if len(self._channels) < REMEMBERED_MAX:
                self._channels.add(channel)
            return True
        return False

    def __call__(self, number: int, cells: tuple[str, ...]):
        site_id = self._site_id(cells[self._site])
        raw_team = cells[self._team]
        team_id = (
            self._team_id(site_id, raw_team)
            if raw_team and site_id is not None
            else None
        )
        day = _date(cells[self._day])
        score = SCORES.get(cells[self._score])
        channel = cells[self._channel].lower() if self._channel is not None else ""
        if (
            site_id is not None
            and (team_id is not None or not raw_team)
            and day is not None
            and day <= self.lookups.today
            and score is not None
            and self._channel_ok(channel)
        ):
            return (site_id, team_id, day, score, channel), []
        return None, self._problems(number, cells, site_id, team_id, day, score)

    def _problems(self, number, cells, site_id, team_id, day, score):
        problems = []

        def fail(column, message):
            problems.append(ImportProblem(number, column, message))

        lookups = self.lookups
        raw_site = cells[self._site]
        if not raw_site:
            fail("site", _("Empty; name the site."))
        elif site_id is None:
            fail(
                "site",
                _("%(org)s has no site called %(value)s.")
                % {"org": lookups.organization_name, "value": shown(raw_site)},
            )
        raw_team = cells[self._team]
        if raw_team and site_id is not None and team_id is None:
            fail(
                "team",
                _(
                    "%(site)s has no team called %(value)s (leave the cell empty "
                    "for the whole site)."
                )
                % {"site": lookups.site_names[site_id], "value": shown(raw_team)},
            )
        if day is None:
            fail(
                "date",
                _("Expected a date as YYYY-MM-DD (e.g. 2024-01-31), got %(value)s.")
                % {"value": shown(cells[self._day])},
            )
        elif day > lookups.today:
            fail(
                "date",
                _("%(day)s is in the future; today is %(today)s.")
                % {"day": day.isoformat(), "today": lookups.today.isoformat()},
            )
        if score is None:
            fail(
                "score",
                _("Expected a whole number from 0 to 10, got %(value)s.")
                % {"value": shown(cells[self._score])},
            )
        if self._channel is not None and not self._channel_ok(
            cells[self._channel].lower()
        ):
            fail(
                "channel",
                _(
                    "Expected a short code such as sms, email, kiosk or paper "
                    "(letters, digits, - or _, at most %(max)d), got %(value)s."
                )
                % {"max": CHANNEL_MAX_LENGTH, "value": shown(cells[self._channel])},
            )
        return problems

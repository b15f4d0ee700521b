"""Month-by-month simulation of a practice group's staffing, without a database.

Every team has a fixed set of posts. Each month every employed person may leave
(voluntarily or not) at their role's annual rate; the voluntary part of that rate
is multiplied by the team's climate (workforce/demo_climate.py): up with last
month's latent burnout, down with last month's skills coverage, which comes from
the cross-training simulated alongside (workforce/demo_skills.py). The post then
stays vacant for
a few weeks until a new hire starts, or until someone with the same role moves
over from another team, whose own post is then filled by a hire. Now and then two
people with the same role swap teams within a site (a dental assistant's turn in
sterilisation). A leaver keeps their last team and their last spell closes on the
termination date, which is, like a spell's end, the first day they no longer work
there. All randomness comes from the ``random.Random`` passed in.
"""

import datetime
import heapq
import math
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from .demo_climate import OrganizationClimate
from .demo_data import FIRST_NAMES, LAST_NAMES, RoleSpec
from .demo_skills import SkillLearning
from .models import TerminationReason

# A person must have been in their team this long before moving to another.
_MIN_DAYS_BEFORE_TRANSFER = 180
_MIN_DAYS_BETWEEN_TRANSFERS = 365
# Posts vacant when the window opens.
_INITIAL_VACANCY_SHARE = 0.03


@dataclass
class Person:
    role: str
    full_name: str
    email: str
    phone: str
    employment_type: str
    fte: Decimal
    hire_date: datetime.date
    post: "Post | None" = None
    spells: list[list] = field(default_factory=list)  # [team key, start, end]
    termination_date: datetime.date | None = None
    termination_reason: str = ""
    moving: bool = False
    last_move: datetime.date | None = None
    # Skills: current level and day of the last assessment by skill name, and
    # every assessment as (skill, day, level); see demo_skills.SkillLearning.
    skills: dict[str, int] = field(default_factory=dict)
    skill_days: dict[str, datetime.date] = field(default_factory=dict)
    assessments: list[tuple[str, datetime.date, int]] = field(default_factory=list)
    # The StaffMember's primary key once written.
    staff_id: int | None = None


@dataclass(eq=False)
class Post:
    team: tuple[str, str]
    role: str
    holder: Person | None = None


_LEAVE, _TRANSFER, _ROTATE, _HIRE = 0, 1, 2, 3  # same day: leaving beats moving
# Monthly chance that two people with the same role swap teams within a site,
# e.g. a dental assistant taking a turn in sterilisation.
_ROTATION_CHANCE = 0.1


class StaffingHistory:
    """One organization's staffing over ``months``; ``run()`` returns everyone."""

    def __init__(
        self, *, blueprint, rng, months, today, stdout, climate: OrganizationClimate
    ):
        self.blueprint = blueprint
        self.climate = climate
        self.learning = SkillLearning(
            blueprint=blueprint, climate=climate, rng=climate.rng("skills")
        )
        self.baselined = False
        # Skills coverage of each team at the end of the previous month.
        self.coverage: dict[tuple[str, str], float | None] = {}
        self.roles: dict[str, RoleSpec] = {role.slug: role for role in blueprint.roles}
        self.rng = rng
        self.months = months
        self.today = today
        self.stdout = stdout
        self.people: list[Person] = []
        self.posts = [
            Post((site.slug, team.slug), role)
            for site in blueprint.sites
            for team in site.teams
            for role, count in team.positions
            for _ in range(count)
        ]
        teams_by_role = defaultdict(set)
        for post in self.posts:
            teams_by_role[(post.team[0], post.role)].add(post.team)
        self.rotations = [
            (role, sorted(teams))
            for (_, role), teams in teams_by_role.items()
            if len(teams) > 1
        ]
        self.events: list = []
        self.sequence = 0
        self.transfers = 0
        self.names: set[str] = set()
        self.phones: set[str] = set()

    def run(self) -> list[Person]:
        start = self.months[0]
        for post in self.posts:
            # A few posts are vacant when the window opens.
            if self.rng.random() < _INITIAL_VACANCY_SHARE:
                self._schedule_hire(post, start - datetime.timedelta(days=14))
                continue
            role = self.roles[post.role]
            tenure_years = min(self.rng.expovariate(role.annual_turnover), 30.0)
            hired = start - datetime.timedelta(days=30 + int(tenure_years * 365.25))
            self._start(self._new_person(post.role, hired), post, hired)
        self.learning.baseline(
            [post.holder for post in self.posts if post.holder is not None], start
        )
        self.baselined = True
        self.coverage = self.learning.coverage(self._members())
        for number, month in enumerate(self.months, start=1):
            end = self._month_end(month)
            self._draw_leavers(number - 1, month, end)
            self._draw_rotations(month, end)
            while self.events and self.events[0][0] < end:
                day, kind, _, payload = heapq.heappop(self.events)
                if kind == _LEAVE:
                    self._leave(day, *payload)
                elif kind == _TRANSFER:
                    self._transfer(day, *payload)
                elif kind == _ROTATE:
                    self._rotate(day, *payload)
                else:
                    post = payload[0]
                    self._start(self._new_person(post.role, day), post, day)
            members = self._members()
            self.learning.month(month, end, members)
            self.coverage = self.learning.coverage(members)
            if number % 6 == 0 or number == len(self.months):
                self.stdout.write(
                    f"{self.blueprint.name}: staff history month "
                    f"{number}/{len(self.months)}"
                )
        return self.people

    def _members(self) -> dict[tuple[str, str], list[Person]]:
        """Each team's current members, teams and people in a fixed order."""
        members = {key: [] for key in self.climate.teams}
        for post in self.posts:
            if post.holder is not None:
                members[post.team].append(post.holder)
        return members

    def _month_end(self, month: datetime.date) -> datetime.date:
        """Exclusive end of the month, or the day after ``today`` in its month."""
        following = (month + datetime.timedelta(days=32)).replace(day=1)
        return min(following, self.today + datetime.timedelta(days=1))

    def _push(self, day, kind, *payload):
        if day <= self.today:
            self.sequence += 1
            heapq.heappush(self.events, (day, kind, self.sequence, payload))
            return True
        return False

    def _draw_leavers(self, index, month, end):
        days = (end - month).days
        for post in self.posts:
            person = post.holder
            if person is None:
                continue
            role = self.roles[person.role]
            # Turnover rates count leavers per average head, so they are hazards:
            # a post can turn over twice in a year. Only voluntary leaving
            # follows the team's climate.
            ratio = self.climate.leaving_rate_ratio(
                post.team, index, self.coverage.get(post.team)
            )
            involuntary = role.annual_turnover * role.involuntary_share
            voluntary = role.annual_turnover * (1 - role.involuntary_share) * ratio
            rate = involuntary + voluntary
            chance = 1 - math.exp(-rate * days / 365.25)
            if self.rng.random() < chance:
                day = month + datetime.timedelta(days=self.rng.randrange(days))
                reason = (
                    TerminationReason.INVOLUNTARY
                    if self.rng.random() < involuntary / rate
                    else TerminationReason.VOLUNTARY
                )
                self._push(day, _LEAVE, person, reason)

    def _draw_rotations(self, month, end):
        for role, teams in self.rotations:
            if self.rng.random() >= _ROTATION_CHANCE:
                continue
            day = _next_monday(month + datetime.timedelta(self.rng.randrange(28)))
            if day >= end:
                continue
            # The smaller team's member swaps with one from the other team(s).
            counts = {
                team: sum(
                    post.team == team and post.role == role for post in self.posts
                )
                for team in teams
            }
            small = min(teams, key=lambda team: (counts[team], team))
            pools = ([], [])
            for post in self.posts:
                if (
                    post.role == role
                    and post.team in teams
                    and self._can_move(post.holder, day)
                ):
                    pools[post.team != small].append(post.holder)
            if pools[0] and pools[1]:
                pair = (self.rng.choice(pools[0]), self.rng.choice(pools[1]))
                if self._push(day, _ROTATE, *pair):
                    for person in pair:
                        person.moving = True

    def _can_move(self, person, day):
        return (
            person is not None
            and not person.moving
            and (day - person.spells[-1][1]).days >= _MIN_DAYS_BEFORE_TRANSFER
            and (
                person.last_move is None
                or (day - person.last_move).days >= _MIN_DAYS_BETWEEN_TRANSFERS
            )
        )

    def _rotate(self, day, first, second):
        first.moving = second.moving = False
        if first.termination_date is not None or second.termination_date is not None:
            return
        first_post, second_post = first.post, second.post
        for person, post in ((first, second_post), (second, first_post)):
            person.spells[-1][2] = day
            person.last_move = day
            self._start(person, post, day)
            self.transfers += 1

    def _leave(self, day, person, reason):
        # Someone leaving on the window's first day missed its skills audit.
        person.assessments = [item for item in person.assessments if item[1] < day]
        person.termination_date = day
        person.termination_reason = reason
        person.spells[-1][2] = day
        post, person.post = person.post, None
        post.holder = None
        self._fill(post, day, allow_transfer=True)

    def _fill(self, post, day, *, allow_transfer):
        role = self.roles[post.role]
        if allow_transfer and self.rng.random() < role.internal_fill:
            candidates = [
                other.holder
                for other in self.posts
                if other.role == post.role
                and other.team != post.team
                and self._can_move(other.holder, day)
            ]
            if candidates:
                # Moves within a site are likelier than moves across town.
                weights = [
                    3 if person.post.team[0] == post.team[0] else 1
                    for person in candidates
                ]
                person = self.rng.choices(candidates, weights)[0]
                moving_day = _next_monday(
                    day + datetime.timedelta(self.rng.randint(14, 42))
                )
                if self._push(moving_day, _TRANSFER, person, post):
                    person.moving = True
                    return
        self._schedule_hire(post, day)

    def _schedule_hire(self, post, day):
        low, high = self.roles[post.role].vacancy_days
        start = _next_monday(day + datetime.timedelta(self.rng.randint(low, high)))
        self._push(start, _HIRE, post)

    def _transfer(self, day, person, post):
        person.moving = False
        if person.termination_date is not None:
            # They resigned before the move: recruit instead.
            self._schedule_hire(post, day)
            return
        old_post = person.post
        old_post.holder = None
        person.spells[-1][2] = day
        person.last_move = day
        self._start(person, post, day)
        self.transfers += 1
        self._fill(old_post, day, allow_transfer=False)

    def _start(self, person, post, day):
        post.holder = person
        person.post = post
        person.spells.append([post.team, day, None])
        if self.baselined:
            # People there before the window get the baseline audit instead.
            self.learning.joined(person, post.team, day)

    def _new_person(self, role_slug, hire_date) -> Person:
        rng = self.rng
        role = self.roles[role_slug]
        while True:
            first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
            if f"{first} {last}" not in self.names:
                break
        self.names.add(f"{first} {last}")
        email = f"{first}.{last}@{self.blueprint.email_domain}".lower()
        while True:
            area_code = rng.choice(self.blueprint.area_codes)
            phone = f"+1{area_code}55501{rng.randint(0, 99):02d}"
            if phone not in self.phones:
                break
        self.phones.add(phone)
        kinds, weights, ftes = zip(*role.employment, strict=True)
        choice = rng.choices(range(len(kinds)), weights)[0]
        person = Person(
            role=role_slug,
            full_name=f"{first} {last}",
            email=email,
            phone=phone,
            employment_type=kinds[choice],
            fte=Decimal(rng.choice(ftes[choice])),
            hire_date=hire_date,
        )
        self.people.append(person)
        return person


def team_on(person: Person, day: datetime.date) -> tuple[str, str] | None:
    """The team ``person`` belonged to on ``day``, or None if not employed then."""
    for team, start, end in person.spells:
        if start <= day and (end is None or day < end):
            return team
    return None


def _next_monday(day: datetime.date) -> datetime.date:
    return day + datetime.timedelta(days=(7 - day.weekday()) % 7)

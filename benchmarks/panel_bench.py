"""How long does the database side of the flywheel analysis take for a big group?

Builds a synthetic organization in a throwaway test database (SQLite by default,
PostgreSQL with ``DATABASE_URL``): ``--teams`` teams (10 to a site) of 8 people
over ``--months`` months, with monthly leaving (2%, replaced the same day) and
transfers (0.5%), a released monthly pulse answered by about 70% of each team
(six engagement items, eNPS, burnout), 30 patient scores per team-month, three
required skills per team with dated assessments, and two required courses with
completions. Then times, with query counts:

- ``team_month_panel`` (the ORM -> DataFrame seam),
- ``people_frame`` (person spells),
- the whole ``analysis_run`` (panel, spells, fingerprint, models, teams table
  with suppression through the survey results, KPIs, writing the run);
- the baseline, in the same run: bare SQL ``GROUP BY`` aggregates of the same
  rows the panel reads (answers by team and period, patient scores by team and
  month, team spells, course completions and skill assessments by team), fetched
  with a cursor and nothing else: what reading the data costs at least;
- team_month_panel's peak traced memory (a separate call under tracemalloc, so
  tracing does not slow the timed one).

Writes benchmarks/results/panel.json; ``run()`` gives benchmarks/run.py its
figures (``make bench``).

    .venv/bin/python benchmarks/panel_bench.py [--teams 2000] [--months 36]
"""

import argparse
import datetime
import json
import os
import platform
import random
import resource
import sys
import tempfile
import time
import tracemalloc
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")

TEAMS_PER_SITE = 10
PEOPLE_PER_TEAM = 8
MONTHLY_LEAVING = 0.02
MONTHLY_TRANSFERS = 0.005
RESPONSE_RATE = 0.7
PATIENT_SCORES = 30
BATCH = 20_000


def add_months(day, months):
    index = day.year * 12 + day.month - 1 + months
    return datetime.date(index // 12, index % 12 + 1, 1)


def build(n_teams: int, n_months: int, first: datetime.date, rng: random.Random):
    """The organization; returns (organization, counts)."""
    from django.utils import timezone

    from reports.models import PatientFeedback
    from surveys.models import Answer, Response, Round, RoundStatus, SurveyQuestion
    from surveys.question_bank import default_pulse_survey
    from surveys.services import tenure_band
    from workforce.models import (
        JobRole,
        Organization,
        Site,
        StaffMember,
        Team,
        TeamMembership,
    )
    from workforce.skills.models import Skill, SkillAssessment, TeamSkillRequirement
    from workforce.training.models import Completion, Course, Requirement

    org = Organization.objects.create(name="Benchmark group", slug="bench")
    role = JobRole.objects.create(organization=org, name="Clinician", slug="clinician")
    sites = Site.objects.bulk_create(
        Site(organization=org, name=f"Site {s:04d}", slug=f"site-{s}")
        for s in range(n_teams // TEAMS_PER_SITE or 1)
    )
    teams = Team.objects.bulk_create(
        Team(site=sites[t % len(sites)], name=f"Team {t:05d}", slug=f"team-{t}")
        for t in range(n_teams)
    )
    skills = Skill.objects.bulk_create(
        Skill(organization=org, name=f"Skill {i}") for i in range(5)
    )
    TeamSkillRequirement.objects.bulk_create(
        TeamSkillRequirement(
            team=team, skill=skills[(t + i) % 5], min_competent=1, start_date=first
        )
        for t, team in enumerate(teams)
        for i in range(3)
    )
    courses = [
        Course.objects.create(organization=org, name=f"Course {i}", validity_months=24)
        for i in range(2)
    ]
    for course in courses:
        Requirement.objects.create(organization=org, course=course)

    # Each of a team's places is held by a chain of people: now and then the
    # holder leaves and is replaced the same day.
    staff_rows = []  # (team index, hire, termination, reason)
    for t in range(n_teams):
        for _ in range(PEOPLE_PER_TEAM):
            hire = first - datetime.timedelta(days=rng.randrange(30, 3000))
            for m in range(n_months):
                if rng.random() >= MONTHLY_LEAVING:
                    continue
                leave = add_months(first, m) + datetime.timedelta(
                    days=rng.randrange(28)
                )
                reason = "voluntary" if rng.random() < 0.85 else "involuntary"
                staff_rows.append((t, hire, leave, reason))
                hire = leave
            staff_rows.append((t, hire, None, ""))
    people = StaffMember.objects.bulk_create(
        (
            StaffMember(
                organization=org,
                employee_id=f"E{i:07d}",
                full_name=f"Person {i}",
                site=teams[t].site,
                team=teams[t],
                job_role=role,
                employment_type="full_time",
                hire_date=hire,
                termination_date=left,
                termination_reason=reason,
            )
            for i, (t, hire, left, reason) in enumerate(staff_rows)
        ),
        batch_size=BATCH,
    )
    memberships = []
    for person, (t, hire, left, _reason) in zip(people, staff_rows, strict=True):
        start = hire
        team = teams[t]
        if rng.random() < MONTHLY_TRANSFERS * n_months:
            moved = first + datetime.timedelta(days=rng.randrange(n_months * 30))
            if start < moved and (left is None or moved < left):
                memberships.append(
                    TeamMembership(
                        staff_member=person, team=team, start_date=start, end_date=moved
                    )
                )
                same_site = [
                    x for x in teams[t % len(sites) :: len(sites)] if x != team
                ]
                team, start = rng.choice(same_site or [team]), moved
        memberships.append(
            TeamMembership(staff_member=person, team=team, start_date=start)
        )
    TeamMembership.objects.bulk_create(memberships, batch_size=BATCH)
    SkillAssessment.objects.bulk_create(
        (
            SkillAssessment(
                staff_member=person,
                skill=skills[rng.randrange(5)],
                level=rng.choice((1, 2, 3)),
                assessed_on=max(person.hire_date, first - datetime.timedelta(days=400))
                + datetime.timedelta(days=rng.randrange(500)),
            )
            for person in people
            for _ in range(2)
        ),
        batch_size=BATCH,
        ignore_conflicts=True,
    )
    Completion.objects.bulk_create(
        (
            Completion(
                staff_member=person,
                course=course,
                completed_on=person.hire_date + datetime.timedelta(days=10),
                cpd_hours=2,
            )
            for person in people
            for course in courses
        ),
        batch_size=BATCH,
    )

    survey = default_pulse_survey(org)
    questions = {
        sq.question.code: sq.question
        for sq in SurveyQuestion.objects.filter(survey=survey).select_related(
            "question"
        )
    }
    engagement = [q for q in questions.values() if q.measure == "engagement"]
    enps = next(q for q in questions.values() if q.measure == "enps")
    burnout = next(q for q in questions.values() if q.measure == "burnout")
    by_team = {}
    for person, (t, *_rest) in zip(people, staff_rows, strict=True):
        by_team.setdefault(t, []).append(person)
    climate = {t: rng.gauss(68, 7) for t in range(n_teams)}
    counts = {"responses": 0, "answers": 0, "patient_scores": 0}
    for m in range(n_months):
        month = add_months(first, m)
        round_ = Round.objects.create(
            organization=org,
            survey=survey,
            name=f"Pulse {month:%Y-%m}",
            period=month,
            status=RoundStatus.RELEASED,
            min_group_size=5,
            released_at=timezone.now(),
        )
        responses, answers, feedback = [], [], []
        for t, team in enumerate(teams):
            climate[t] = 0.8 * climate[t] + 0.2 * 68 + rng.gauss(0, 3)
            present = [
                p
                for p in by_team[t]
                if p.hire_date <= month
                and (p.termination_date is None or p.termination_date > month)
            ]
            for person in present:
                if rng.random() > RESPONSE_RATE:
                    continue
                response = Response(
                    id=uuid.uuid4(),
                    round=round_,
                    site=team.site,
                    team=team,
                    job_role=role,
                    tenure_band=tenure_band(hire_date=person.hire_date, on=month),
                    employment_type="full_time",
                )
                responses.append(response)
                level = min(5, max(1, round(1 + (climate[t] + rng.gauss(0, 15)) / 25)))
                answers += [
                    Answer(response=response, question=q, value=level)
                    for q in engagement
                ]
                answers.append(
                    Answer(response=response, question=enps, value=min(10, level * 2))
                )
                answers.append(
                    Answer(response=response, question=burnout, value=6 - level)
                )
            feedback += [
                PatientFeedback(
                    site=team.site,
                    team=team,
                    date=month + datetime.timedelta(days=rng.randrange(28)),
                    score=min(
                        10, max(0, round(rng.gauss(7.5 + (climate[t] - 68) / 10, 2)))
                    ),
                )
                for _ in range(PATIENT_SCORES)
            ]
        Response.objects.bulk_create(responses, batch_size=BATCH)
        Answer.objects.bulk_create(answers, batch_size=BATCH)
        PatientFeedback.objects.bulk_create(feedback, batch_size=BATCH)
        counts["responses"] += len(responses)
        counts["answers"] += len(answers)
        counts["patient_scores"] += len(feedback)
    counts.update(
        staff=len(people), memberships=len(memberships), teams=n_teams, sites=len(sites)
    )
    return org, counts


def timed(label, function, results):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        started, cpu = time.perf_counter(), time.process_time()
        value = function()
        seconds = time.perf_counter() - started
        cpu = time.process_time() - cpu
    results[label] = {
        "seconds": round(seconds, 3),
        "cpu_seconds": round(cpu, 3),
        "queries": len(queries),
    }
    print(f"{label}: {results[label]}", flush=True)
    return value


def bare_aggregates(organization) -> int:
    """The baseline: plain GROUP BYs over the rows the panel reads; rows fetched."""
    from django.db import connection

    from reports.models import PatientFeedback
    from surveys.models import Answer, Response, Round
    from workforce.models import Site, StaffMember, TeamMembership
    from workforce.skills.models import SkillAssessment
    from workforce.training.models import Completion

    q = connection.ops.quote_name

    def t(model):
        return q(model._meta.db_table)

    def c(model, name):
        return q(model._meta.get_field(name).column)

    if connection.vendor == "postgresql":
        month = f"date_trunc('month', p.{c(PatientFeedback, 'date')})"
    else:
        month = f"strftime('%%Y-%%m', p.{c(PatientFeedback, 'date')})"
    org = organization.pk
    queries = [
        (
            f"""SELECT r.{c(Response, "team")}, rd.{c(Round, "period")}, COUNT(*),
                AVG(a.{c(Answer, "value")})
            FROM {t(Answer)} a
            JOIN {t(Response)} r ON a.{c(Answer, "response")} = r.{c(Response, "id")}
            JOIN {t(Round)} rd ON r.{c(Response, "round")} = rd.{c(Round, "id")}
            WHERE rd.{c(Round, "organization")} = %s
            GROUP BY r.{c(Response, "team")}, rd.{c(Round, "period")}""",
            [org],
        ),
        (
            f"""SELECT p.{c(PatientFeedback, "team")}, {month}, COUNT(*),
                AVG(p.{c(PatientFeedback, "score")})
            FROM {t(PatientFeedback)} p
            JOIN {t(Site)} s ON p.{c(PatientFeedback, "site")} = s.{c(Site, "id")}
            WHERE s.{c(Site, "organization")} = %s
            GROUP BY p.{c(PatientFeedback, "team")}, {month}""",
            [org],
        ),
    ]
    # Spells, course completions and skill assessments, each counted by team.
    for model in (TeamMembership, Completion, SkillAssessment):
        queries.append(
            (
                f"""SELECT s.{c(StaffMember, "team")}, COUNT(*)
                FROM {t(model)} m
                JOIN {t(StaffMember)} s
                    ON m.{c(model, "staff_member")} = s.{c(StaffMember, "id")}
                WHERE s.{c(StaffMember, "organization")} = %s
                GROUP BY s.{c(StaffMember, "team")}""",
                [org],
            )
        )
    fetched = 0
    with connection.cursor() as cursor:
        for sql, params in queries:
            cursor.execute(sql, params)
            fetched += len(cursor.fetchall())
    return fetched


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--teams", type=int, default=2000)
    parser.add_argument("--months", type=int, default=36)
    parser.add_argument(
        "--output", type=Path, default=ROOT / "benchmarks" / "results" / "panel.json"
    )
    args = parser.parse_args(argv)

    import django

    django.setup()
    from django.db import connection

    from benchmarks.bench_db import throwaway_database

    # A file for SQLite (the data do not fit in memory comfortably), a separate
    # database on a PostgreSQL server.
    name = (
        "bench_panel"
        if connection.vendor == "postgresql"
        else str(Path(tempfile.gettempdir()) / "flywheel_bench_panel.sqlite3")
    )
    with throwaway_database(name):
        from reports.selectors import people_frame, team_month_panel
        from reports.services import analysis_run

        first = datetime.date(2023, 1, 1)
        last = add_months(first, args.months - 1)
        results = {}
        started = time.perf_counter()
        org, counts = build(args.teams, args.months, first, random.Random(20260101))
        print(f"built in {time.perf_counter() - started:.0f} s: {counts}", flush=True)
        panel = timed(
            "team_month_panel",
            lambda: team_month_panel(organization=org, start=first, end=last),
            results,
        )
        # After the panel, so the baseline finds the same rows as warm in the
        # caches as the panel did (a cold start would flatter the ratio).
        timed("bare_sql_aggregates", lambda: bare_aggregates(org), results)
        # Again, traced, for its peak memory; the timed call above is the figure.
        tracemalloc.start()
        team_month_panel(organization=org, start=first, end=last)
        _, peak_bytes = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        people = timed(
            "people_frame",
            lambda: people_frame(organization=org, start=first, end=last),
            results,
        )
        run = timed(
            "analysis_run",
            lambda: analysis_run(organization=org, start=first, end=last),
            results,
        )
        timed(
            "analysis_run again (unchanged: reused)",
            lambda: analysis_run(organization=org, start=first, end=last),
            results,
        )
        output = {
            "database": connection.vendor,
            "teams": args.teams,
            "months": args.months,
            "data": counts,
            "panel_rows": len(panel),
            "people_rows": len(people),
            "statuses": {k: f["status"] for k, f in run.result["findings"].items()},
            "timings": results,
            "panel_peak_traced_memory_mb": round(peak_bytes / 2**20, 1),
            "process_peak_rss_mb": round(
                resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1
            ),
            "machine": platform.platform(),
            "python": platform.python_version(),
            "cpus": os.cpu_count(),
        }
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(output, indent=1) + "\n", encoding="utf-8")
    print(json.dumps(output, indent=1))
    return output


def run(*, quick=False, results_dir=ROOT / "benchmarks" / "results"):
    """The figures for benchmarks/run.py: the panel and a run vs bare SQL."""
    argv = ["--output", str(results_dir / "panel.json")]
    if quick:
        argv += ["--teams", "60", "--months", "12"]
    result = main(argv)
    timings = result["timings"]
    bare = timings["bare_sql_aggregates"]
    data = result["data"]
    size = (
        f"{result['teams']:,} teams x {result['months']} months, "
        f"{data['answers']:,} answers, {data['patient_scores']:,} patient scores, "
        f"{data['staff']:,} people, {result['database']}"
    )
    baseline_note = (
        "baseline: bare SQL GROUP BYs over the same rows (answers by team and "
        f"period, patient scores by team and month, spells, completions and "
        f"assessments by team) in {bare['queries']} queries, no pandas"
    )

    def ratio(seconds):
        return round(seconds / bare["seconds"], 3) if bare["seconds"] else None

    panel = timings["team_month_panel"]
    analysis = timings["analysis_run"]
    return [
        {
            "name": "panel.team_month_panel_seconds",
            "value": panel["seconds"],
            "unit": "s",
            "baseline": bare["seconds"],
            "ratio": ratio(panel["seconds"]),
            "notes": f"team_month_panel, {result['panel_rows']:,} team-months in "
            f"{panel['queries']} queries, {size}; peak traced memory "
            f"{result['panel_peak_traced_memory_mb']} MB; {baseline_note}",
        },
        {
            "name": "panel.analysis_run_seconds",
            "value": analysis["seconds"],
            "unit": "s",
            "baseline": bare["seconds"],
            "ratio": ratio(analysis["seconds"]),
            "notes": f"analysis_run end to end (panel, spells, models, teams table "
            f"with suppression, KPIs, stored) in {analysis['queries']} queries; "
            f"process peak RSS {result['process_peak_rss_mb']} MB; same baseline",
        },
    ]


if __name__ == "__main__":
    main()

"""How fast is a large roster import next to simply copying its rows in?

Generates a roster CSV of ``--rows`` people (20 sites of 5 teams, 8 job roles,
one in ten a leaver), then on a throwaway PostgreSQL test database, alternating
the two and keeping the best of ``--repeat`` runs of each:

1. a bare COPY of the same CSV (psycopg ``copy``) into a scratch table with the
   roster's columns, committed: the ceiling for getting these rows in;
2. the real import, ``workforce.roster.roster_import`` (parse and check every
   row, plan people, sites, teams, job roles and team spells, write them in
   bulk, one transaction), into a fresh organization each time, committed.

Reports rows per second of each and their ratio. Writes
benchmarks/results/roster.json.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/test \\
        .venv/bin/python benchmarks/roster_bench.py [--rows 10000] [--repeat 3]
"""

import argparse
import csv
import datetime
import io
import json
import os
import platform
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")

RESULTS = ROOT / "benchmarks" / "results"
SITES = 20
TEAMS_PER_SITE = 5
JOB_ROLES = (
    "Dentist",
    "Hygienist",
    "Dental assistant",
    "Receptionist",
    "Practice manager",
    "Nurse",
    "Physician",
    "Medical assistant",
)
EMPLOYMENT_TYPES = ("full_time", "full_time", "full_time", "part_time", "per_diem")
LEAVER_SHARE = 0.1
SCRATCH_TABLE = "bench_roster_copy"
# The roster's columns with the types and lengths the import checks; in CSV
# COPY an empty optional cell arrives as NULL.
SCRATCH_COLUMNS = """
    employee_id varchar(64) NOT NULL,
    full_name varchar(200) NOT NULL,
    email varchar(254),
    phone varchar(32),
    site varchar(200) NOT NULL,
    team varchar(200) NOT NULL,
    job_role varchar(120) NOT NULL,
    employment_type varchar(20) NOT NULL,
    fte numeric(3, 2) NOT NULL,
    hire_date date NOT NULL,
    termination_date date,
    termination_reason varchar(20)
"""


def roster_csv(rows: int, *, seed: int = 20261125, leavers: bool = True) -> str:
    """A valid roster of ``rows`` people, everyone hired before today."""
    from workforce.roster import COLUMNS

    rnd = random.Random(seed)
    today = datetime.datetime.now(datetime.UTC).date()
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for n in range(1, rows + 1):
        hire_date = today - datetime.timedelta(days=30 + rnd.randrange(3650))
        termination_date, reason = "", ""
        if leavers and rnd.random() < LEAVER_SHARE:
            days_employed = (today - hire_date).days - 1
            termination_date = (
                hire_date + datetime.timedelta(days=1 + rnd.randrange(days_employed))
            ).isoformat()
            reason = "voluntary" if rnd.random() < 0.7 else "involuntary"
        site = rnd.randrange(SITES) + 1
        writer.writerow(
            [
                f"E{n:06d}",
                f"Person {n}",
                f"person{n}@example.com",
                f"+1 555 {n % 10000:04d}" if n % 3 else "",
                f"Site {site}",
                f"Team {rnd.randrange(TEAMS_PER_SITE) + 1}",
                JOB_ROLES[rnd.randrange(len(JOB_ROLES))],
                EMPLOYMENT_TYPES[rnd.randrange(len(EMPLOYMENT_TYPES))],
                "1" if rnd.random() < 0.7 else f"0.{rnd.randrange(1, 10)}",
                hire_date.isoformat(),
                termination_date,
                reason,
            ]
        )
    return buffer.getvalue()


def bare_copy(data: bytes) -> tuple[float, int]:
    """Seconds to COPY the CSV into the scratch table and commit (then emptied)."""
    from django.db import connection, transaction

    started = time.perf_counter()
    with transaction.atomic():
        with connection.cursor() as cursor:
            sql = f"COPY {SCRATCH_TABLE} FROM STDIN WITH (FORMAT csv, HEADER true)"
            with cursor.cursor.copy(sql) as copy:
                copy.write(data)
    seconds = time.perf_counter() - started
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM {SCRATCH_TABLE}")
        copied = cursor.fetchone()[0]
        cursor.execute(f"TRUNCATE {SCRATCH_TABLE}")
    return seconds, copied


def timed_import(organization, data: bytes) -> dict:
    from workforce.roster import roster_import

    marks = {}

    def progress(done, total):
        marks.setdefault("checked", time.perf_counter())

    started = time.perf_counter()
    result = roster_import(organization=organization, file=data, progress=progress)
    finished = time.perf_counter()
    return {
        "seconds": finished - started,
        "check_and_plan_seconds": marks["checked"] - started,
        "write_seconds": finished - marks["checked"],
        "created": result.created,
    }


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=3, help="best of N runs each")
    parser.add_argument("--output", type=Path, default=RESULTS / "roster.json")
    args = parser.parse_args(argv)
    if args.rows < 1 or args.repeat < 1:
        parser.error("--rows and --repeat must be at least 1")
    if not os.environ.get("DATABASE_URL", "").startswith(("postgres", "postgresql")):
        parser.error("set DATABASE_URL to a PostgreSQL server (the bare COPY needs it)")

    from benchmarks.bench_db import throwaway_database

    with throwaway_database("bench_roster") as connection:
        from workforce.models import Organization, StaffMember

        data = roster_csv(args.rows).encode()
        with connection.cursor() as cursor:
            cursor.execute(f"CREATE TABLE {SCRATCH_TABLE} ({SCRATCH_COLUMNS})")
            cursor.execute("SHOW server_version")
            server_version = cursor.fetchone()[0]
        copies, imports = [], []
        for n in range(args.repeat):
            seconds, copied = bare_copy(data)
            assert copied == args.rows, copied
            copies.append(seconds)
            organization = Organization.objects.create(
                name=f"Roster benchmark {n}", slug=f"roster-bench-{n}"
            )
            run = timed_import(organization, data)
            stored = StaffMember.objects.filter(organization=organization).count()
            assert run["created"] == stored == args.rows, (run["created"], stored)
            imports.append(run)
            print(
                f"roster run {n + 1}/{args.repeat}: bare COPY {seconds:.3f} s, "
                f"import {run['seconds']:.2f} s",
                flush=True,
            )

    copy_seconds = min(copies)
    best = min(imports, key=lambda run: run["seconds"])
    import_rate = args.rows / best["seconds"]
    copy_rate = args.rows / copy_seconds
    result = {
        "benchmark": "benchmarks/roster_bench.py",
        "measured_at": datetime.datetime.now(datetime.UTC).isoformat(
            timespec="seconds"
        ),
        "environment": {
            "python": platform.python_version(),
            "postgresql": server_version,
            "machine": platform.machine(),
            "cpu_count": os.cpu_count(),
            "load_average_at_end": [round(x, 2) for x in os.getloadavg()],
        },
        "method": {
            "rows": args.rows,
            "file_bytes": len(data),
            "shape": f"{SITES} sites x {TEAMS_PER_SITE} teams, {len(JOB_ROLES)} job "
            f"roles, {LEAVER_SHARE:.0%} leavers; every row a new person",
            "bare_copy": "COPY of the same CSV (FORMAT csv, HEADER) into a scratch "
            "table with the roster's columns, committed",
            "import": "roster_import into a fresh organization: parse, check, plan, "
            "bulk writes of people, sites, teams, job roles and team spells, "
            "one transaction, committed",
            "repeat": f"best of {args.repeat}, the two alternating",
        },
        "results": {
            "bare_copy": {
                "seconds": round(copy_seconds, 3),
                "rows_per_second": round(copy_rate),
                "all_seconds": [round(s, 3) for s in copies],
            },
            "import": {
                "seconds": round(best["seconds"], 3),
                "check_and_plan_seconds": round(best["check_and_plan_seconds"], 3),
                "write_seconds": round(best["write_seconds"], 3),
                "rows_per_second": round(import_rate),
                "ratio_to_bare_copy": round(import_rate / copy_rate, 4),
                "all_seconds": [round(run["seconds"], 3) for run in imports],
            },
        },
    }
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result["results"], indent=2))
    return result


def run(*, quick: bool = False, results_dir: Path = RESULTS) -> list[dict]:
    """The figures for benchmarks/run.py."""
    argv = ["--output", str(results_dir / "roster.json")]
    if quick:
        argv += ["--rows", "1000", "--repeat", "1"]
    result = main(argv)
    method, copy, imported = (
        result["method"],
        result["results"]["bare_copy"],
        result["results"]["import"],
    )
    return [
        {
            "name": "roster.import_rows_per_second",
            "value": imported["rows_per_second"],
            "unit": "rows/s",
            "baseline": copy["rows_per_second"],
            "ratio": imported["ratio_to_bare_copy"],
            "notes": f"{method['rows']:,} new people, {imported['seconds']} s "
            f"(check and plan {imported['check_and_plan_seconds']} s, write "
            f"{imported['write_seconds']} s) vs a bare psycopg COPY of the same CSV "
            f"into a scratch table with the same columns, {copy['seconds']} s; "
            f"{method['repeat']}",
        }
    ]


if __name__ == "__main__":
    main()

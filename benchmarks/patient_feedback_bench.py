"""How fast and how lean is the patient feedback import on a million rows?

Generates a CSV of ``--rows`` patient scores (site, team, date, score, channel;
8 sites of 5 teams, a fifth of the rows site-level) on disk, then on a
throwaway PostgreSQL test database:

1. a bare COPY of the same rows, ids already resolved, streamed from a file
   into the same table and committed: the ceiling for getting these rows in;
2. the real import (``reports.patients.imports.feedback_import``: check pass,
   then write pass with COPY in one transaction), timed;
3. the same import again (after undoing the first) under ``tracemalloc``, for
   the peak Python memory, which should stay far below the file size.

Import speed is reported as rows per second and as a ratio to the bare COPY.
The result goes to benchmarks/results/patient_feedback.json.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/test \\
        .venv/bin/python benchmarks/patient_feedback_bench.py [--rows 1000000]
"""

import argparse
import datetime
import json
import os
import platform
import random
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")

SITES = 8
TEAMS_PER_SITE = 5
SITE_LEVEL_SHARE = 0.2
FIRST_DAY = datetime.date(2023, 1, 1)
DAYS = 730
CHANNELS = ("sms", "email", "kiosk", "paper")
COPY_BLOCK = 1024 * 1024


def generate(directory: Path, rows: int, team_ids: dict, site_ids: dict, batch_id):
    """The import's CSV, and the same rows as COPY text with ids resolved."""
    rnd = random.Random(20240131)
    csv_path = directory / "patient_feedback.csv"
    copy_path = directory / "patient_feedback.copy"
    with csv_path.open("w", newline="") as csv_file, copy_path.open("w") as copy:
        csv_file.write("site,team,date,score,channel\r\n")
        for _ in range(rows):
            site = f"Site {rnd.randrange(SITES) + 1}"
            team = (
                ""
                if rnd.random() < SITE_LEVEL_SHARE
                else f"Team {rnd.randrange(TEAMS_PER_SITE) + 1}"
            )
            day = (FIRST_DAY + datetime.timedelta(days=rnd.randrange(DAYS))).isoformat()
            score = rnd.randrange(11)
            channel = CHANNELS[rnd.randrange(len(CHANNELS))]
            csv_file.write(f"{site},{team},{day},{score},{channel}\r\n")
            team_id = team_ids[(site, team)] if team else "\\N"
            copy.write(
                f"{batch_id}\t{site_ids[site]}\t{team_id}\t{day}\t{score}\t{channel}\n"
            )
    return csv_path, copy_path


def bare_copy(copy_path: Path) -> float:
    """Seconds to COPY the resolved rows in and commit (then removed again)."""
    from django.db import connection, transaction

    from reports.models import PatientFeedback

    started = time.perf_counter()
    with transaction.atomic():
        with connection.cursor() as cursor:
            sql = (
                "COPY reports_patientfeedback "
                "(batch_id, site_id, team_id, date, score, channel) FROM STDIN"
            )
            with cursor.cursor.copy(sql) as copy, copy_path.open("rb") as source:
                while block := source.read(COPY_BLOCK):
                    copy.write(block)
    seconds = time.perf_counter() - started
    PatientFeedback.objects.all().delete()
    return seconds


def run_import(organization, csv_path: Path, *, measure_memory: bool):
    from reports.patients.imports import feedback_import

    marks = {}

    def progress(stage, done, total):
        if stage == "checked":
            marks["checked"] = time.perf_counter()

    if measure_memory:
        tracemalloc.start()
    started = time.perf_counter()
    batch = feedback_import(
        organization=organization,
        open_file=lambda: csv_path.open("rb"),
        filename=csv_path.name,
        progress=progress,
    )
    finished = time.perf_counter()
    peak = None
    if measure_memory:
        _current, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    return batch, {
        "seconds": round(finished - started, 3),
        "check_pass_seconds": round(marks["checked"] - started, 3),
        "write_pass_seconds": round(finished - marks["checked"], 3),
        "peak_python_bytes": peak,
    }


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument(
        "--output",
        type=Path,
        default=ROOT / "benchmarks" / "results" / "patient_feedback.json",
    )
    args = parser.parse_args(argv)
    if not os.environ.get("DATABASE_URL", "").startswith(("postgres", "postgresql")):
        parser.error("set DATABASE_URL to a PostgreSQL server (the bare COPY needs it)")

    from benchmarks.bench_db import throwaway_database

    with throwaway_database("bench_patient_feedback") as connection:
        from reports.models import PatientFeedbackBatch
        from reports.patients.batches import feedback_batch_undo
        from workforce.models import Organization, Site, Team

        organization = Organization.objects.create(name="Benchmark", slug="bench")
        site_ids, team_ids = {}, {}
        for s in range(1, SITES + 1):
            site = Site.objects.create(
                organization=organization, name=f"Site {s}", slug=f"site-{s}"
            )
            site_ids[site.name] = site.pk
            for t in range(1, TEAMS_PER_SITE + 1):
                team = Team.objects.create(site=site, name=f"Team {t}", slug=f"t-{t}")
                team_ids[(site.name, team.name)] = team.pk
        holder = PatientFeedbackBatch.objects.create(
            organization=organization,
            filename="bare copy",
            file_sha256="0" * 64,
            status=PatientFeedbackBatch.Status.FAILED,
        )
        with tempfile.TemporaryDirectory() as directory:
            csv_path, copy_path = generate(
                Path(directory), args.rows, team_ids, site_ids, holder.pk
            )
            file_bytes = csv_path.stat().st_size
            copy_seconds = bare_copy(copy_path)
            batch, timed = run_import(organization, csv_path, measure_memory=False)
            assert batch.rows == args.rows, batch.rows
            feedback_batch_undo(batch=batch, undone_by=None)
            batch, traced = run_import(organization, csv_path, measure_memory=True)
        with connection.cursor() as cursor:
            cursor.execute("SHOW server_version")
            server_version = cursor.fetchone()[0]

    import_rate = args.rows / timed["seconds"]
    copy_rate = args.rows / copy_seconds
    peak = traced["peak_python_bytes"]
    result = {
        "benchmark": "benchmarks/patient_feedback_bench.py",
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
            "file_bytes": file_bytes,
            "columns": "site, team, date, score, channel",
            "shape": f"{SITES} sites x {TEAMS_PER_SITE} teams, "
            f"{SITE_LEVEL_SHARE:.0%} site-level rows, {DAYS} days",
            "bare_copy": "COPY of the same rows with ids resolved, streamed from a "
            "file into the same table, committed (deferred foreign keys checked)",
            "import": "feedback_import: streaming check pass, then streaming write "
            "pass with COPY, one transaction, committed",
            "memory": "tracemalloc peak over a second, identical import (Python "
            "allocations only)",
        },
        "results": {
            "bare_copy": {
                "seconds": round(copy_seconds, 3),
                "rows_per_second": round(copy_rate),
            },
            "import": {
                **{k: v for k, v in timed.items() if k != "peak_python_bytes"},
                "rows_per_second": round(import_rate),
                "ratio_to_bare_copy": round(import_rate / copy_rate, 3),
            },
            "memory": {
                "peak_python_bytes": peak,
                "peak_to_file_size": round(peak / file_bytes, 4),
                "traced_import_seconds": traced["seconds"],
            },
        },
    }
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result["results"], indent=2))


def run(*, quick=False, results_dir=ROOT / "benchmarks" / "results"):
    """The figures for benchmarks/run.py: import speed and memory."""
    output = results_dir / "patient_feedback.json"
    argv = ["--output", str(output)]
    if quick:
        argv += ["--rows", "20000"]
    main(argv)
    result = json.loads(output.read_text())
    rows, file_bytes = result["method"]["rows"], result["method"]["file_bytes"]
    copy, imported = result["results"]["bare_copy"], result["results"]["import"]
    memory = result["results"]["memory"]
    return [
        {
            "name": "patient_feedback.import_rows_per_second",
            "value": imported["rows_per_second"],
            "unit": "rows/s",
            "baseline": copy["rows_per_second"],
            "ratio": imported["ratio_to_bare_copy"],
            "notes": f"feedback_import of {rows:,} rows, {imported['seconds']} s "
            f"(check {imported['check_pass_seconds']} s, write "
            f"{imported['write_pass_seconds']} s); baseline: bare COPY of the "
            f"same rows with ids resolved, {copy['seconds']} s",
        },
        {
            "name": "patient_feedback.peak_python_memory",
            "value": round(memory["peak_python_bytes"] / 2**20, 1),
            "unit": "MiB",
            "baseline": round(file_bytes / 2**20, 1),
            "ratio": memory["peak_to_file_size"],
            "notes": "tracemalloc peak during the same import; baseline: the "
            "size of the CSV file",
        },
    ]


if __name__ == "__main__":
    main()

"""How long does a flywheel health PDF take, and the site reports through Celery?

Seeds the demo organizations (``seed_demo``, 36 months; 6 with ``--quick``) in a
throwaway PostgreSQL database, runs the flywheel analysis for Brightsmile Dental
Group, then measures, for the last full month:

1. the organization report through the product service
   (``flywheel_report_generate``: health figures, charts, HTML, WeasyPrint,
   the atomic file write and the row), against laying out the same final HTML
   with bare WeasyPrint (``HTML(string=...).write_pdf()``) in the same process;
   median of ``--repeats``; then the peak Python memory of each (tracemalloc, a
   separate run, so tracing does not slow the timed ones) and the process's
   maximum RSS;
2. every site report of the organization queued through the service
   (``flywheel_report_queue``) to a real ``celery worker`` subprocess (prefork,
   ``--concurrency`` processes, its own queue on Redis at 127.0.0.1), timed from
   the first queueing until the last row is ``done``, against the same reports
   rendered one after another in this process. The worker renders the whole set
   once to warm its pool processes (their first render imports WeasyPrint and
   matplotlib), then again for the timed run.

Writes benchmarks/results/report.json.

    DATABASE_URL=postgres://... .venv/bin/python benchmarks/report_bench.py [--quick]
"""

import argparse
import json
import logging
import os
import platform
import resource
import secrets
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
import uuid
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

BENCH_DATABASE = "bench_report"
# A Redis database of its own (the tests use 0 and the helpers' numbers,
# survey_rush 3); the worker's queue has a name of its own as well.
REDIS_URL = os.environ.get("BENCH_REPORT_REDIS_URL", "redis://127.0.0.1:6379/4")
ORGANIZATION = "brightsmile-dental"
TODAY = "2026-03-15"
PERIOD = "2026-02"
WORKER_START_TIMEOUT = 90.0
RENDER_TIMEOUT = 900.0


def require_loopback(url: str) -> None:
    if urlsplit(url).hostname != "127.0.0.1":
        raise SystemExit(f"{url}: the benchmark only runs against 127.0.0.1")


def configure_environment(private_root: Path, static_root: Path) -> None:
    """Production settings (benchmarks.bench_settings) for this process and the
    worker it starts; mail stays in memory (nothing here sends any)."""
    os.environ.update(
        {
            "DJANGO_SETTINGS_MODULE": "benchmarks.bench_settings",
            "DJANGO_SECRET_KEY": f"bench-dummy-{secrets.token_hex(32)}",
            "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
            "DJANGO_LOG_LEVEL": "WARNING",
            "DJANGO_EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
            "DJANGO_PRIVATE_STORAGE_ROOT": str(private_root),
            "BENCH_STATIC_ROOT": str(static_root),
            "REDIS_URL": REDIS_URL,
        }
    )


def worker_database_url(settings_dict: dict) -> str:
    """DATABASE_URL of the database ``setup_databases`` made (the worker's)."""
    base = os.environ["DATABASE_URL"]
    return urlunsplit(urlsplit(base)._replace(path=f"/{settings_dict['NAME']}"))


def start_worker(*, queue: str, concurrency: int, log_path: Path, database_url: str):
    environment = {**os.environ, "DATABASE_URL": database_url}
    with open(log_path, "wb") as log_file:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "config.celery",
                "worker",
                "--queues",
                queue,
                "--concurrency",
                str(concurrency),
                "--hostname",
                f"{queue}@%h",
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
                "--loglevel",
                "INFO",
            ],
            cwd=ROOT,
            env=environment,
            stdout=log_file,
            stderr=subprocess.STDOUT,
        )
    deadline = time.monotonic() + WORKER_START_TIMEOUT
    while " ready." not in log_path.read_text(errors="replace"):
        if process.poll() is not None or time.monotonic() > deadline:
            stop_worker(process)
            raise RuntimeError(
                "celery worker did not start:\n"
                + log_path.read_text(errors="replace")[-3000:]
            )
        time.sleep(0.1)
    return process


def stop_worker(process) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


def purge_queue(queue: str) -> None:
    import redis

    client = redis.Redis.from_url(REDIS_URL, socket_timeout=5)
    try:
        client.delete(queue, f"_kombu.binding.{queue}")
    finally:
        client.close()


def forget_reports(organization) -> None:
    """Delete the organization's report rows and files, so the next render is
    a first one (a done report is returned as it is)."""
    from django.conf import settings

    from reports.models import FlywheelReport

    FlywheelReport.objects.filter(organization=organization).delete()
    shutil.rmtree(
        Path(settings.PRIVATE_STORAGE_ROOT) / "flywheel-reports", ignore_errors=True
    )


def median_seconds(function, repeats: int, before=None) -> tuple[float, list[float]]:
    times = []
    for _ in range(repeats):
        if before is not None:
            before()
        started = time.perf_counter()
        function()
        times.append(time.perf_counter() - started)
    return statistics.median(times), times


def traced_peak(function) -> int:
    tracemalloc.start()
    try:
        function()
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return peak


def measure_organization_report(organization, repeats: int) -> dict:
    import weasyprint

    from reports.flywheel_report.render import report_html
    from reports.flywheel_report.services import flywheel_report_generate
    from reports.health import ReportPeriod, flywheel_health

    def service():
        report = flywheel_report_generate(organization=organization, period=PERIOD)
        assert report.status == "done", (report.status, report.error)
        return report

    def clear():
        forget_reports(organization)

    # Warm-up (not counted): imports, fonts, template loading.
    clear()
    report = service()
    # The same final HTML the service laid out (only its "generated at" differs).
    period = ReportPeriod.parse(PERIOD)
    health_started = time.perf_counter()
    health = flywheel_health(organization=organization, site=None, period=period)
    health_seconds = time.perf_counter() - health_started
    html_started = time.perf_counter()
    html = report_html(health, paper=report.paper)
    html_seconds = time.perf_counter() - html_started

    def bare():
        return weasyprint.HTML(string=html).write_pdf()

    bare()  # warm-up
    service_seconds, service_times = median_seconds(service, repeats, before=clear)
    bare_seconds, bare_times = median_seconds(bare, repeats)
    clear()
    service_peak = traced_peak(service)
    bare_peak = traced_peak(bare)
    report = service()  # the row as it stands, for its page count
    return {
        "pages": report.page_count,
        "html_bytes": len(html.encode()),
        "pdf_bytes": Path(report.file.path).stat().st_size,
        "service_seconds": service_seconds,
        "service_times": service_times,
        "bare_weasyprint_seconds": bare_seconds,
        "bare_times": bare_times,
        "ratio": service_seconds / bare_seconds,
        "parts_once": {
            "flywheel_health_seconds": health_seconds,
            "report_html_seconds (charts + template)": html_seconds,
        },
        "service_peak_python_bytes": service_peak,
        "bare_peak_python_bytes": bare_peak,
    }


def measure_site_reports(
    organization, *, concurrency: int, scratch: Path, database_url: str
) -> dict:
    from config.celery import app
    from reports.flywheel_report.services import (
        flywheel_report_generate,
        flywheel_report_queue,
    )
    from reports.models import FlywheelReport
    from workforce.models import Site

    sites = list(Site.objects.filter(organization=organization).order_by("name"))
    if not sites:
        raise RuntimeError(f"{organization.slug} has no sites")

    forget_reports(organization)
    started = time.perf_counter()
    for site in sites:
        report = flywheel_report_generate(
            organization=organization, site=site, period=PERIOD
        )
        assert report.status == "done", (site.slug, report.status, report.error)
    sequential_seconds = time.perf_counter() - started
    pages = sorted(
        FlywheelReport.objects.filter(organization=organization).values_list(
            "page_count", flat=True
        )
    )

    queue = f"bench-report-{uuid.uuid4().hex[:12]}"
    app.conf.task_default_queue = queue
    app.conf.task_always_eager = False
    process = start_worker(
        queue=queue,
        concurrency=concurrency,
        log_path=scratch / "worker.log",
        database_url=database_url,
    )

    def through_worker() -> float:
        forget_reports(organization)
        begun = time.perf_counter()
        for site in sites:
            _report, queued = flywheel_report_queue(
                organization=organization, site=site, period=PERIOD
            )
            assert queued, site.slug
        rows = FlywheelReport.objects.filter(organization=organization)
        deadline = time.monotonic() + RENDER_TIMEOUT
        while rows.filter(status=FlywheelReport.Status.DONE).count() < len(sites):
            failed = rows.filter(status=FlywheelReport.Status.FAILED).first()
            if failed is not None:
                raise RuntimeError(f"site report failed: {failed.error}")
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(
                    "the worker did not finish the site reports:\n"
                    + (scratch / "worker.log").read_text(errors="replace")[-3000:]
                )
            time.sleep(0.05)
        return time.perf_counter() - begun

    try:
        warm_up_seconds = through_worker()
        worker_seconds = through_worker()
    finally:
        stop_worker(process)
        purge_queue(queue)
    return {
        "sites": len(sites),
        "pages": pages,
        "sequential_in_process_seconds": sequential_seconds,
        "worker_warm_up_round_seconds": warm_up_seconds,
        "worker_seconds": worker_seconds,
        "worker_concurrency": concurrency,
        "ratio": worker_seconds / sequential_seconds,
    }


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="6 months, 1 repeat")
    parser.add_argument("--repeats", type=int, default=None)
    parser.add_argument("--concurrency", type=int, default=os.cpu_count() or 2)
    parser.add_argument(
        "--output", type=Path, default=ROOT / "benchmarks" / "results" / "report.json"
    )
    args = parser.parse_args(argv)
    if not os.environ.get("DATABASE_URL", "").startswith(("postgres", "postgresql")):
        parser.error(
            "set DATABASE_URL to a PostgreSQL server (the worker process must "
            "reach the benchmark's database)"
        )
    require_loopback(os.environ["DATABASE_URL"])
    require_loopback(REDIS_URL)
    months = 6 if args.quick else 36
    repeats = args.repeats or (1 if args.quick else 3)

    with tempfile.TemporaryDirectory(prefix="flywheel-report-bench-") as directory:
        scratch = Path(directory)
        configure_environment(scratch / "private", scratch / "static")

        import django

        django.setup()
        # WeasyPrint logs each chart SVG style it does not know, thousands of
        # lines: to a file here, as the worker logs them to its file.
        weasyprint_log = logging.getLogger("weasyprint")
        weasyprint_log.addHandler(logging.FileHandler(scratch / "weasyprint.log"))
        weasyprint_log.propagate = False
        from django.core.management import call_command

        from benchmarks.bench_db import throwaway_database

        with throwaway_database(BENCH_DATABASE) as connection:
            from reports.services import analysis_run
            from workforce.models import Organization

            started = time.perf_counter()
            call_command(
                "seed_demo", "--months", str(months), "--today", TODAY, verbosity=0
            )
            organization = Organization.objects.get(slug=ORGANIZATION)
            analysis_run(organization=organization, end=PERIOD)
            seeded_seconds = time.perf_counter() - started
            print(f"seeded and analysed in {seeded_seconds:.0f} s", flush=True)
            organization_report = measure_organization_report(organization, repeats)
            print(json.dumps(organization_report, indent=1), flush=True)
            site_reports = measure_site_reports(
                organization,
                concurrency=args.concurrency,
                scratch=scratch,
                database_url=worker_database_url(connection.settings_dict),
            )
            print(json.dumps(site_reports, indent=1), flush=True)

    result = {
        "method": {
            "organization": ORGANIZATION,
            "period": PERIOD,
            "seed_demo_months": months,
            "repeats": repeats,
            "seed_and_analysis_seconds": round(seeded_seconds, 1),
            "settings": "benchmarks.bench_settings (production), PostgreSQL and "
            "Redis on 127.0.0.1",
        },
        "results": {
            "organization_report": organization_report,
            "site_reports": site_reports,
            "max_rss_bytes": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024,
        },
        "machine": platform.platform(),
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
    }
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(result, indent=1) + "\n", encoding="utf-8")
    return result


def run(*, quick=False, results_dir=ROOT / "benchmarks" / "results"):
    """The figures for benchmarks/run.py."""
    argv = ["--output", str(results_dir / "report.json")]
    if quick:
        argv.append("--quick")
    result = main(argv)
    org = result["results"]["organization_report"]
    sites = result["results"]["site_reports"]
    rss = result["results"]["max_rss_bytes"] / 2**20
    months = result["method"]["seed_demo_months"]
    return [
        {
            "name": "report.organization_pdf_seconds",
            "value": round(org["service_seconds"], 2),
            "unit": "s",
            "baseline": round(org["bare_weasyprint_seconds"], 2),
            "ratio": round(org["ratio"], 2),
            "notes": f"flywheel_report_generate for {ORGANIZATION} {PERIOD} "
            f"({months} months of seed_demo, {org['pages']} pages), median of "
            f"{result['method']['repeats']}; baseline: bare WeasyPrint "
            "HTML(string=...).write_pdf() of the same final HTML; peak Python "
            f"memory (tracemalloc) {org['service_peak_python_bytes'] / 2**20:.0f} "
            f"MiB vs {org['bare_peak_python_bytes'] / 2**20:.0f} MiB bare; max "
            f"RSS of the process {rss:.0f} MiB",
        },
        {
            "name": "report.site_pdfs_through_worker_seconds",
            "value": round(sites["worker_seconds"], 2),
            "unit": "s",
            "baseline": round(sites["sequential_in_process_seconds"], 2),
            "ratio": round(sites["ratio"], 2),
            "notes": f"all {sites['sites']} site reports queued with "
            "flywheel_report_queue to a real celery worker (prefork, concurrency "
            f"{sites['worker_concurrency']}, Redis on 127.0.0.1), first queueing to "
            "last row done, after one warm-up round; baseline: the same reports "
            "rendered one after another in this process",
        },
    ]


if __name__ == "__main__":
    main()

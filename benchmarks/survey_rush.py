"""Survey launch rush: 500 staff open their personal link and submit at once.

Serves the site as production does, with gunicorn (2 sync workers,
``config.wsgi``) on ``benchmarks.bench_settings`` (production settings less the
HTTPS-only bits), PostgreSQL and Redis, all on 127.0.0.1. A dedicated database
(``flywheel_bench``) is created, migrated and seeded through the real services:
a 500-person roster through ``roster_import``, the standard pulse, a round
opened with ``round_launch``, and each person's code from
``invitation_code_for``.

Then a bounded asyncio client (httpx, ``--concurrency`` respondents in flight,
at most ``--time-limit`` seconds) plays the rush in four waves, every respondent
taking part in each: open the personal link (303 to the answer page, with the
respondent cookie), load the answer page, post an answer to every question as a
browser does (``Sec-Fetch-Site: same-origin``), load the thank-you page. Each
wave is one kind of request under the same load, so its throughput and latency
compare directly with a minimal Django view (``/bench/minimal/``, through the
same middleware, workers and client) measured before and after the rush.
Afterwards the database must hold exactly one response and one participation
per respondent, and no request may have failed.

    .venv/bin/python benchmarks/survey_rush.py [--staff 500] [--concurrency 50]

Writes benchmarks/results/survey_rush.json.
"""

import argparse
import asyncio
import datetime
import html.parser
import json
import math
import os
import platform
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

RESULTS = ROOT / "benchmarks" / "results"
BENCH_DATABASE = "flywheel_bench"


def bench_database_url() -> str:
    """BENCH_DATABASE_URL, else flywheel_bench on DATABASE_URL's server."""
    if os.environ.get("BENCH_DATABASE_URL"):
        return os.environ["BENCH_DATABASE_URL"]
    server = os.environ.get("DATABASE_URL", "")
    if not server.startswith(("postgres://", "postgresql://")):
        server = "postgres://postgres@127.0.0.1:5432/postgres"
    return urlunsplit(urlsplit(server)._replace(path=f"/{BENCH_DATABASE}"))


DATABASE_URL = bench_database_url()
# A Redis database of its own, apart from the tests' (db 0).
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/3")
WORKERS = 2
REQUEST_TIMEOUT = 60.0
SERVER_START_TIMEOUT = 90.0
# Each warm-up and baseline phase stops by itself after this long.
BASELINE_TIMEOUT = 120.0
COMMENT = "More time between patients would help the whole team."


def require_loopback(url: str) -> None:
    host = urlsplit(url).hostname
    if host != "127.0.0.1":
        raise SystemExit(f"{url}: the benchmark only runs against 127.0.0.1")


def configure_environment(static_root: Path) -> None:
    """Settings for this process and the gunicorn it starts (same secret key)."""
    os.environ.update(
        {
            "DJANGO_SETTINGS_MODULE": "benchmarks.bench_settings",
            "DJANGO_SECRET_KEY": f"bench-dummy-{secrets.token_hex(32)}",
            "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
            "DJANGO_SECURE_SSL_REDIRECT": "false",
            "DJANGO_LOG_LEVEL": "WARNING",
            # The production default: a database connection per request.
            "DJANGO_CONN_MAX_AGE": "0",
            "DATABASE_URL": DATABASE_URL,
            "REDIS_URL": REDIS_URL,
            "BENCH_STATIC_ROOT": str(static_root),
        }
    )


def recreate_database() -> None:
    import psycopg

    parts = urlsplit(DATABASE_URL)
    name = parts.path.lstrip("/")
    server = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(server, autocommit=True, connect_timeout=10) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def drop_database() -> None:
    import psycopg

    parts = urlsplit(DATABASE_URL)
    name = parts.path.lstrip("/")
    server = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(server, autocommit=True, connect_timeout=10) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def seed(staff_count: int):
    """An organization of ``staff_count`` people with the pulse open to all."""
    from django.utils import timezone

    from benchmarks.roster_bench import roster_csv
    from surveys.models import Round
    from surveys.question_bank import default_pulse_survey
    from surveys.services import invitation_code_for, round_launch
    from workforce.models import Organization
    from workforce.roster import roster_import

    organization = Organization.objects.create(name="Rush Dental Group", slug="rush")
    roster_import(
        organization=organization, file=roster_csv(staff_count, leavers=False)
    )
    survey = default_pulse_survey(organization)
    round_ = Round.objects.create(
        organization=organization,
        survey=survey,
        name="Launch rush",
        period=timezone.localdate().replace(day=1),
    )
    round_launch(round_=round_)
    codes = [
        invitation_code_for(invitation)
        for invitation in round_.invitations.order_by("pk")
    ]
    if len(codes) != staff_count:
        raise RuntimeError(f"{len(codes)} invitations for {staff_count} staff")
    return round_, codes


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_gunicorn(port: int, log_file):
    command = [
        sys.executable,
        "-m",
        "gunicorn",
        "config.wsgi:application",
        "--workers",
        str(WORKERS),
        "--bind",
        f"127.0.0.1:{port}",
        "--chdir",
        str(ROOT),
        "--log-level",
        "warning",
    ]
    return subprocess.Popen(
        command, cwd=ROOT, stdout=log_file, stderr=subprocess.STDOUT
    )


def wait_until_serving(process, base_url: str, log_path: Path) -> None:
    import httpx

    deadline = time.monotonic() + SERVER_START_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"gunicorn exited:\n{log_path.read_text()[-3000:]}")
        try:
            if httpx.get(f"{base_url}/bench/minimal/", timeout=5).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.25)
    raise RuntimeError(f"gunicorn did not answer within {SERVER_START_TIMEOUT} s")


def stop_gunicorn(process) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


class AnswerForm(html.parser.HTMLParser):
    """The answer page's form as a browser sees it: radio groups and text areas."""

    def __init__(self):
        super().__init__()
        self.action = None
        self.hidden = {}
        self.radios: dict[str, list[str]] = {}
        self.textareas: list[str] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form" and attrs.get("method") == "post":
            self.action = attrs.get("action")
        elif tag == "input" and attrs.get("type") == "hidden":
            self.hidden[attrs["name"]] = attrs.get("value", "")
        elif tag == "input" and attrs.get("type") == "radio":
            self.radios.setdefault(attrs["name"], []).append(attrs.get("value", ""))
        elif tag == "textarea":
            self.textareas.append(attrs["name"])

    def answers(self) -> dict[str, str]:
        """A considered answer everywhere: the middle option, a short comment."""
        data = dict(self.hidden)
        for name, values in self.radios.items():
            options = [value for value in values if value]  # not "prefer not to"
            data[name] = options[len(options) // 2]
        for name in self.textareas:
            data[name] = COMMENT
        data["action"] = "submit"
        return data


@dataclass
class Respondent:
    code: str
    cookie: str = ""
    answers: dict = field(default_factory=dict)
    failed: bool = False

    def remember(self, response) -> None:
        value = response.cookies.get("pf_survey")
        if value is not None:
            self.cookie = value


@dataclass
class Wave:
    """One kind of request, every respondent (or every baseline request) once."""

    name: str
    seconds: float = 0.0
    latencies: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    not_run: int = 0

    @property
    def completed(self) -> int:
        return len(self.latencies)

    def summary(self) -> dict:
        ordered = sorted(self.latencies)

        def percentile(p):
            if not ordered:
                return None
            # Nearest rank: the smallest value with p % of the sample at or below.
            index = max(0, math.ceil(p / 100 * len(ordered)) - 1)
            return round(ordered[index] * 1000, 1)

        return {
            "requests": self.completed + len(self.errors) + self.not_run,
            "completed": self.completed,
            "errors": len(self.errors) + self.not_run,
            "error_samples": sorted(set(self.errors))[:5],
            "seconds": round(self.seconds, 3),
            "requests_per_second": round(self.completed / self.seconds, 1)
            if self.seconds
            else None,
            "latency_ms": {
                "p50": percentile(50),
                "p95": percentile(95),
                "p99": percentile(99),
                "mean": round(statistics.fmean(ordered) * 1000, 1) if ordered else None,
            },
        }


class Step(Exception):
    """A response other than the one a browser would get on the happy path."""


def expect(response, status: int, location: str | None = None) -> None:
    if response.status_code != status:
        raise Step(f"{response.request.url.path}: HTTP {response.status_code}")
    if location is not None and response.headers.get("location") != location:
        raise Step(f"redirect to {response.headers.get('location')!r}")


async def open_link(client, respondent: Respondent):
    response = await client.get(f"/s/t/{respondent.code}/")
    expect(response, 303, "/s/answer/")
    respondent.remember(response)
    if not respondent.cookie:
        raise Step("no respondent cookie")


async def answer_page(client, respondent: Respondent):
    response = await client.get(
        "/s/answer/", headers={"Cookie": f"pf_survey={respondent.cookie}"}
    )
    expect(response, 200)
    respondent.remember(response)
    form = AnswerForm()
    form.feed(response.text)
    if form.action != "/s/answer/" or not form.radios:
        raise Step("answer page without the answer form")
    respondent.answers = form.answers()


async def submit(client, respondent: Respondent):
    response = await client.post(
        "/s/answer/",
        data=respondent.answers,
        headers={
            "Cookie": f"pf_survey={respondent.cookie}",
            "Origin": str(client.base_url).rstrip("/"),
            "Sec-Fetch-Site": "same-origin",
        },
    )
    expect(response, 303, "/s/thanks/")


async def thanks(client, respondent: Respondent):
    response = await client.get("/s/thanks/")
    expect(response, 200)


STEPS = (
    ("open_link", open_link),
    ("answer_page", answer_page),
    ("submit", submit),
    ("thanks", thanks),
)


async def minimal(client, _item):
    response = await client.get("/bench/minimal/")
    expect(response, 200)
    if response.text != "ok":
        raise Step("minimal view did not say ok")


async def run_wave(client, wave: Wave, step, items, concurrency: int, deadline):
    """Every item through ``step``, ``concurrency`` at a time, until the deadline.

    A respondent whose request fails is marked and left out of later waves.
    """
    queue = list(reversed(items))

    async def worker():
        while queue:
            item = queue.pop()
            started = time.perf_counter()
            try:
                await step(client, item)
            except Exception as problem:
                if isinstance(item, Respondent):
                    item.failed = True
                message = str(problem) if isinstance(problem, Step) else repr(problem)
                wave.errors.append(message)
            else:
                wave.latencies.append(time.perf_counter() - started)

    started = time.perf_counter()
    try:
        async with asyncio.timeout_at(deadline):
            await asyncio.gather(*(worker() for _ in range(concurrency)))
    except TimeoutError:
        wave.errors.append("time limit reached")
    wave.seconds = time.perf_counter() - started
    wave.not_run = len(queue)
    return wave


async def load(base_url: str, codes, *, concurrency, baseline_requests, time_limit):
    """Warm up, minimal view, the rush's four waves, minimal view again."""
    import httpx

    loop = asyncio.get_running_loop()
    respondents = [Respondent(code) for code in codes]
    limits = httpx.Limits(
        max_connections=concurrency, max_keepalive_connections=concurrency
    )

    async def baseline(client, name):
        deadline = loop.time() + BASELINE_TIMEOUT
        items = range(baseline_requests)
        return await run_wave(client, Wave(name), minimal, items, concurrency, deadline)

    async with httpx.AsyncClient(
        base_url=base_url, limits=limits, timeout=REQUEST_TIMEOUT
    ) as client:
        # Warm-up (not counted): both workers load their code and templates.
        deadline = loop.time() + BASELINE_TIMEOUT
        await run_wave(client, Wave("warm-up"), minimal, range(40), 4, deadline)
        warm = [Respondent(code) for code in codes[:8]]
        await run_wave(client, Wave("warm-up"), open_link, warm, 4, deadline)
        await run_wave(client, Wave("warm-up"), answer_page, warm, 4, deadline)

        before = await baseline(client, "minimal view, before")
        rush_started = time.perf_counter()
        deadline = loop.time() + time_limit
        waves = {}
        for name, step in STEPS:
            ready = [r for r in respondents if not r.failed]
            wave = await run_wave(
                client, Wave(name), step, ready, concurrency, deadline
            )
            wave.not_run += len(respondents) - len(ready)
            waves[name] = wave
            print(
                f"  {name:12} {wave.completed}/{len(respondents)} in "
                f"{wave.seconds:.1f} s, {len(wave.errors) + wave.not_run} errors",
                flush=True,
            )
        rush_seconds = time.perf_counter() - rush_started
        after = await baseline(client, "minimal view, after")
    combined = Wave(
        "minimal",
        seconds=before.seconds + after.seconds,
        latencies=before.latencies + after.latencies,
        errors=before.errors + after.errors,
        not_run=before.not_run + after.not_run,
    )
    return waves, combined, rush_seconds


def stored_counts(round_) -> dict:
    from surveys.models import Answer, Participation, Response

    return {
        "responses": Response.objects.filter(round=round_).count(),
        "participations": Participation.objects.filter(round=round_).count(),
        "answers": Answer.objects.filter(response__round=round_).count(),
    }


def expected_counts(round_, staff: int) -> dict:
    """One response per respondent, each answering every question."""
    from surveys.submission import round_questions

    questions = len(round_questions(round_))
    return {"responses": staff, "participations": staff, "answers": staff * questions}


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--staff", type=int, default=500)
    parser.add_argument(
        "--concurrency", type=int, default=50, help="respondents in flight at once"
    )
    parser.add_argument(
        "--baseline-requests",
        type=int,
        default=1000,
        help="minimal-view requests before and again after the rush",
    )
    parser.add_argument(
        "--time-limit",
        type=float,
        default=180.0,
        help="seconds for the rush; the client stops there (errors for the rest)",
    )
    parser.add_argument(
        "--keep-database", action="store_true", help="leave flywheel_bench behind"
    )
    parser.add_argument("--output", type=Path, default=RESULTS / "survey_rush.json")
    args = parser.parse_args(argv)
    if min(args.staff, args.concurrency, args.baseline_requests) < 1:
        parser.error("--staff, --concurrency and --baseline-requests must be >= 1")
    require_loopback(DATABASE_URL)
    require_loopback(REDIS_URL)

    static_root = Path(tempfile.gettempdir()) / "flywheel-bench-static"
    configure_environment(static_root)
    started = time.perf_counter()
    recreate_database()
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    print("survey rush: migrating flywheel_bench, collecting static files", flush=True)
    call_command("migrate", interactive=False, verbosity=0)
    call_command("collectstatic", interactive=False, verbosity=0)
    round_, codes = seed(args.staff)
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        server_version = cursor.fetchone()[0]
    # gunicorn's workers open their own connections; this one is not needed.
    connection.close()
    print(f"survey rush: set up in {time.perf_counter() - started:.0f} s", flush=True)

    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    with tempfile.NamedTemporaryFile("w+", suffix=".log") as log:
        server = start_gunicorn(port, log)
        try:
            wait_until_serving(server, base_url, Path(log.name))
            print(
                f"survey rush: {args.staff} respondents, {args.concurrency} at once, "
                f"gunicorn {WORKERS} workers on {base_url}",
                flush=True,
            )
            waves, baseline, rush_seconds = asyncio.run(
                load(
                    base_url,
                    codes,
                    concurrency=args.concurrency,
                    baseline_requests=args.baseline_requests,
                    time_limit=args.time_limit,
                )
            )
        finally:
            stop_gunicorn(server)
        log.seek(0)
        server_log = log.read()
    counts = stored_counts(round_)
    expected = expected_counts(round_, args.staff)
    load_average = [round(x, 2) for x in os.getloadavg()]
    connection.close()
    if not args.keep_database:
        drop_database()

    summaries = {name: wave.summary() for name, wave in waves.items()}
    baseline_summary = baseline.summary()
    errors = sum(s["errors"] for s in summaries.values())
    result = {
        "benchmark": "benchmarks/survey_rush.py",
        "measured_at": datetime.datetime.now(datetime.UTC).isoformat(
            timespec="seconds"
        ),
        "environment": {
            "python": platform.python_version(),
            "postgresql": server_version,
            "machine": platform.machine(),
            "cpu_count": os.cpu_count(),
            "load_average_at_end": load_average,
        },
        "method": {
            "staff": args.staff,
            "concurrency": args.concurrency,
            "server": f"gunicorn, {WORKERS} sync workers, config.wsgi, "
            "benchmarks.bench_settings (production less HTTPS-only settings), "
            "PostgreSQL and Redis on 127.0.0.1, client on the same machine, "
            "a database connection per request (DJANGO_CONN_MAX_AGE=0, the "
            "production default), no static files fetched",
            "waves": "open link (303), answer page (200), submit every answer "
            "(303), thank-you page (200); every respondent in each wave",
            "baseline": f"/bench/minimal/ (HttpResponse('ok') through the same "
            f"middleware), {args.baseline_requests} requests before and "
            f"{args.baseline_requests} after the rush, same client and concurrency",
            "time_limit_seconds": args.time_limit,
        },
        "results": {
            "errors": errors,
            "rush_seconds": round(rush_seconds, 3),
            "stored": counts,
            "expected": expected,
            "waves": summaries,
            "minimal_view": baseline_summary,
        },
        "server_log_tail": server_log[-2000:],
    }
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result["results"], indent=2))
    if errors or counts != expected:
        raise SystemExit(
            f"survey rush failed: {errors} errors, stored {counts}, expected "
            f"{expected} (see {args.output})"
        )
    return result


def run(*, quick: bool = False, results_dir: Path = RESULTS) -> list[dict]:
    """The figures for benchmarks/run.py."""
    argv = ["--output", str(results_dir / "survey_rush.json")]
    if quick:
        argv += ["--staff", "50", "--concurrency", "10", "--baseline-requests", "100"]
    result = main(argv)
    method, results = result["method"], result["results"]
    waves, baseline = results["waves"], results["minimal_view"]
    stored, expected = results["stored"], results["expected"]
    setup = (
        f"{method['staff']} respondents, {method['concurrency']} at once, gunicorn "
        f"{WORKERS} sync workers on production settings, PostgreSQL + Redis, "
        "all on one machine with the client"
    )
    figures = [
        {
            "name": "survey_rush.errors",
            "value": results["errors"],
            "unit": "failed requests",
            "baseline": baseline["errors"],
            "ratio": None,
            "notes": f"{setup}; stored {stored['responses']} responses, "
            f"{stored['participations']} participations and {stored['answers']} "
            f"answers (expected {expected['responses']}, "
            f"{expected['participations']}, {expected['answers']}); baseline: "
            "errors of the minimal view",
        },
        {
            "name": "survey_rush.seconds",
            "value": results["rush_seconds"],
            "unit": "s",
            "baseline": method["time_limit_seconds"],
            "ratio": round(results["rush_seconds"] / method["time_limit_seconds"], 3),
            "notes": "every respondent opens the link, loads the page, submits and "
            "sees the thank-you page; baseline: the 3-minute target (not measured)",
        },
    ]
    for wave, label in (("answer_page", "answer page"), ("submit", "submit")):
        summary = waves[wave]
        figures.append(
            {
                "name": f"survey_rush.{wave}.throughput",
                "value": summary["requests_per_second"],
                "unit": "requests/s",
                "baseline": baseline["requests_per_second"],
                "ratio": round(
                    summary["requests_per_second"] / baseline["requests_per_second"], 3
                ),
                "notes": f"{label}, {summary['completed']} requests in "
                f"{summary['seconds']} s; baseline: minimal Django view, same "
                "server, client and concurrency",
            }
        )
        for p in ("p50", "p95", "p99"):
            figures.append(
                {
                    "name": f"survey_rush.{wave}.latency_{p}",
                    "value": summary["latency_ms"][p],
                    "unit": "ms",
                    "baseline": baseline["latency_ms"][p],
                    "ratio": round(
                        summary["latency_ms"][p] / baseline["latency_ms"][p], 2
                    ),
                    "notes": f"{label} {p} at {method['concurrency']} in flight "
                    "(queueing included); baseline: minimal view's",
                }
            )
    return figures


if __name__ == "__main__":
    main()

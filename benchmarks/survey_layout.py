"""Which answer layout gets a respondent through the pulse faster?

Runs the real staff survey in headless Chromium at phone size against a live
server on a throwaway test database, with a scripted respondent who answers
every question of the standard monthly pulse, once with all questions on one
page ("single") and once with one question per screen ("paged"). For each layout
it records the time from opening the personal link to the thank-you page, the
number of requests and the bytes transferred, on the loopback network and under
emulated mobile conditions (150 ms round trip, 1.6 Mbit/s down, 0.75 Mbit/s up,
the profile Lighthouse uses for mobile). Runs alternate between layouts so drift
affects both alike; the first run of each layout warms up and is not counted.

The layout with the lower median time under mobile conditions becomes the
default (settings.SURVEY_LAYOUT); the measurement goes to
benchmarks/results/survey_layout.json.

    .venv/bin/python benchmarks/survey_layout.py [--runs 5] [--output PATH]
"""

import argparse
import datetime
import json
import os
import platform
import shutil
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
# Playwright's sync API keeps an event loop on the main thread; the ORM calls
# here are plain synchronous ones made between browser steps.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]
LAYOUTS = ("single", "paged")
PROFILES = {
    "loopback": None,
    "mobile": {
        "offline": False,
        "latency": 150,
        "downloadThroughput": 1.6 * 1024 * 1024 / 8,
        "uploadThroughput": 750 * 1024 / 8,
    },
}
DECIDING_PROFILE = "mobile"


def seed(staff_count: int):
    """An organization with one team, an open standard pulse, and its codes."""
    from surveys import tokens
    from surveys.question_bank import default_pulse_survey
    from surveys.services import round_launch
    from tests.factories import (
        OrganizationFactory,
        RoundFactory,
        SiteFactory,
        StaffMemberFactory,
        TeamFactory,
    )

    organization = OrganizationFactory(name="Benchmark Dental", slug="bench")
    team = TeamFactory(site=SiteFactory(organization=organization))
    for _ in range(staff_count):
        StaffMemberFactory(team=team)
    survey = default_pulse_survey(organization)
    round_ = RoundFactory(survey=survey, organization=organization)
    round_launch(round_=round_)
    return [
        tokens.invitation_code(invitation.pk, invitation.nonce)
        for invitation in round_.invitations.order_by("pk")
    ]


def start_server():
    from django.contrib.staticfiles.handlers import StaticFilesHandler
    from django.db import connections
    from django.test.testcases import LiveServerThread

    class ProductionLikeStaticFiles(StaticFilesHandler):
        """Static files cached as WhiteNoise serves hashed names in production."""

        def serve(self, request):
            response = super().serve(request)
            response["Cache-Control"] = "public, max-age=315360000, immutable"
            return response

    shared = {
        conn.alias: conn
        for conn in connections.all()
        if conn.vendor == "sqlite" and conn.is_in_memory_db()
    }
    for conn in shared.values():
        conn.inc_thread_sharing()
    server = LiveServerThread(
        "127.0.0.1", ProductionLikeStaticFiles, connections_override=shared, port=0
    )
    server.daemon = True
    server.start()
    server.is_ready.wait()
    if server.error:
        raise server.error
    return server, f"http://127.0.0.1:{server.port}"


def answer_everything(page, layout: str):
    """The scripted respondent: a middle-of-the-road answer to every question."""

    def fill(fieldset_or_text):
        kind = fieldset_or_text.get_attribute("data-kind")
        if kind == "free_text":
            fieldset_or_text.locator("textarea").fill("More time between patients.")
        elif kind == "scale_0_10":
            fieldset_or_text.get_by_label("8", exact=True).check()
        else:
            fieldset_or_text.locator("input[type=radio]").nth(3).check()

    if layout == "single":
        for question in page.locator("[data-kind]").all():
            fill(question)
        page.get_by_role("button", name="Submit answers").click()
        return
    while True:
        fill(page.locator("[data-kind]").first)
        submit = page.get_by_role("button", name="Submit answers")
        if submit.count():
            submit.click()
            return
        page.get_by_role("button", name="Next").click()
        page.wait_for_load_state()


def one_run(browser, base_url: str, code: str, layout: str, profile):
    context = browser.new_context(
        viewport={"width": 360, "height": 740}, is_mobile=True, has_touch=True
    )
    page = context.new_page()
    if profile is not None:
        cdp = context.new_cdp_session(page)
        cdp.send("Network.enable")
        cdp.send("Network.emulateNetworkConditions", profile)
    requests = []
    page.on("requestfinished", lambda request: requests.append(request))
    started = time.perf_counter()
    page.goto(f"{base_url}/s/t/{code}/")
    answer_everything(page, layout)
    page.wait_for_url(f"{base_url}/s/thanks/")
    page.wait_for_load_state("load")
    elapsed = time.perf_counter() - started
    network, cache_hits, transferred = [], 0, 0
    for request in requests:
        sizes = request.sizes()
        # Chromium reports a memory-cache hit with no encoded bytes at all.
        if sizes["responseHeadersSize"] + sizes["responseBodySize"] <= 0:
            cache_hits += 1
            continue
        network.append(request)
        transferred += (
            sizes["requestHeadersSize"]
            + sizes["requestBodySize"]
            + sizes["responseHeadersSize"]
            + sizes["responseBodySize"]
        )
    documents = sum(1 for r in network if r.resource_type == "document")
    other_hosts = [r.url for r in requests if not r.url.startswith(base_url)]
    context.close()
    return {
        "seconds": round(elapsed, 3),
        "requests": len(network),
        "cache_hits": cache_hits,
        "document_requests": documents,
        "bytes": transferred,
        "third_party_requests": len(other_hosts),
    }


def summarize(runs):
    return {
        "runs": runs,
        "median_seconds": round(statistics.median(r["seconds"] for r in runs), 3),
        "min_seconds": min(r["seconds"] for r in runs),
        "max_seconds": max(r["seconds"] for r in runs),
        "requests": statistics.median(r["requests"] for r in runs),
        "document_requests": statistics.median(r["document_requests"] for r in runs),
        "cache_hits": statistics.median(r["cache_hits"] for r in runs),
        "bytes": statistics.median(r["bytes"] for r in runs),
        "third_party_requests": max(r["third_party_requests"] for r in runs),
    }


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5, help="counted runs per case")
    parser.add_argument(
        "--output",
        type=Path,
        default=ROOT / "benchmarks" / "results" / "survey_layout.json",
    )
    args = parser.parse_args(argv)
    if args.runs < 1:
        parser.error("--runs must be at least 1")

    import django

    django.setup()
    from django.conf import settings
    from django.db import connection
    from django.test import override_settings
    from django.test.utils import (
        setup_databases,
        setup_test_environment,
        teardown_databases,
        teardown_test_environment,
    )
    from playwright.sync_api import sync_playwright

    setup_test_environment()
    old_config = setup_databases(verbosity=0, interactive=False)
    server = None
    try:
        runs_needed = len(PROFILES) * len(LAYOUTS) * (args.runs + 1)
        codes = iter(seed(runs_needed))
        server, base_url = start_server()
        results = {name: {layout: [] for layout in LAYOUTS} for name in PROFILES}
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
            )
            chromium_version = browser.version
            for profile_name, profile in PROFILES.items():
                for iteration in range(args.runs + 1):
                    order = LAYOUTS if iteration % 2 == 0 else LAYOUTS[::-1]
                    for layout in order:
                        with override_settings(SURVEY_LAYOUT=layout):
                            run = one_run(
                                browser, base_url, next(codes), layout, profile
                            )
                        if iteration:  # the first round warms up
                            results[profile_name][layout].append(run)
                        print(
                            f"{profile_name:8} {layout:6} run {iteration}: "
                            f"{run['seconds']:.2f} s, {run['requests']} requests "
                            f"(+{run['cache_hits']} from cache), "
                            f"{run['bytes']} bytes",
                            flush=True,
                        )
            browser.close()
    finally:
        if server is not None:
            server.terminate()
        teardown_databases(old_config, verbosity=0)
        teardown_test_environment()

    summary = {
        name: {layout: summarize(runs) for layout, runs in layouts.items()}
        for name, layouts in results.items()
    }
    deciding = summary[DECIDING_PROFILE]
    faster = min(LAYOUTS, key=lambda layout: deciding[layout]["median_seconds"])
    slower = next(layout for layout in LAYOUTS if layout != faster)
    report = {
        "benchmark": "benchmarks/survey_layout.py",
        "measured_at": datetime.datetime.now(datetime.UTC).isoformat(
            timespec="seconds"
        ),
        "environment": {
            "chromium": chromium_version,
            "python": platform.python_version(),
            "database": connection.vendor,
            "machine": platform.machine(),
            "cpu_count": os.cpu_count(),
        },
        "method": {
            "viewport": "360x740, mobile, touch",
            "questions": "standard monthly pulse (13 questions), every one answered",
            "timed": "open /s/t/<code>/ until the thank-you page has loaded",
            "requests": "requests that reached the server (redirects included); "
            "stylesheet loads served from the browser cache are counted apart",
            "runs_per_case": args.runs,
            "warm_up_runs_per_case": 1,
            "profiles": {
                "loopback": "no throttling",
                "mobile": "150 ms RTT, 1.6 Mbit/s down, 0.75 Mbit/s up (CDP)",
            },
            "bytes": "request + response headers and bodies as served "
            "(no HTTP compression on the test server)",
            "static_files": "served with a one-year immutable cache, as WhiteNoise "
            "serves hashed names in production",
            "decided_on": f"median seconds under the {DECIDING_PROFILE} profile",
        },
        "results": summary,
        "default_layout": faster,
        "speedup_vs_other": round(
            deciding[slower]["median_seconds"] / deciding[faster]["median_seconds"], 2
        ),
        "configured_default": settings.SURVEY_LAYOUT,
        "note": "A scripted respondent does not read: the gap is the cost of "
        "round trips and page loads, which a person on a phone pays on top of "
        "reading time.",
    }
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(report, indent=2) + "\n")
    print(
        f"default layout: {faster} "
        f"({deciding[faster]['median_seconds']} s vs "
        f"{deciding[slower]['median_seconds']} s median, {DECIDING_PROFILE})"
    )
    print(f"written to {args.output}")
    return report


def run(*, quick=False, results_dir=ROOT / "benchmarks" / "results"):
    """The figures for benchmarks/run.py: each profile's single vs paged median."""
    argv = ["--output", str(results_dir / "survey_layout.json")]
    if quick:
        argv += ["--runs", "1"]
    report = main(argv)
    figures = []
    for profile, description in report["method"]["profiles"].items():
        single = report["results"][profile]["single"]["median_seconds"]
        paged = report["results"][profile]["paged"]["median_seconds"]
        figures.append(
            {
                "name": f"survey_layout.single_page_{profile}",
                "value": single,
                "unit": "s",
                "baseline": paged,
                "ratio": round(single / paged, 3),
                "notes": "median time from the personal link to the thank-you "
                "page, all 13 questions on one page, headless Chromium at 360 px, "
                f"{description}, {report['method']['runs_per_case']} runs; "
                "baseline: one question per screen",
            }
        )
    return figures


if __name__ == "__main__":
    main()

"""Run every benchmark and collect their figures: ``make bench``.

Each benchmark module exposes ``run(*, quick, results_dir) -> list[dict]``, one
dict per figure: ``{name, value, unit, baseline, ratio, notes}``, the baseline
measured in the same run on the same machine. Each module runs in a process of
its own (each sets Django up with its own settings and database), in the order
below. The figures go to ``benchmarks/results/latest.json`` (a list) and
``latest.md`` (the same as a table); each benchmark's detail goes to its own
JSON file beside them.

    .venv/bin/python benchmarks/run.py [--only NAME ...] [--quick]

``--quick`` runs small sizes as a smoke test and writes to
``benchmarks/results/quick/`` instead. ``--only`` runs the named benchmarks and
replaces just their figures in the existing results.
"""

import argparse
import ast
import datetime
import importlib
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCHMARKS = ROOT / "benchmarks"
RESULTS = BENCHMARKS / "results"
QUICK_RESULTS = RESULTS / "quick"
FIELDS = ("name", "value", "unit", "baseline", "ratio", "notes")
DEFAULT_POSTGRES_URL = "postgres://postgres@127.0.0.1:5432/test"


# name -> (module file, needs PostgreSQL at DATABASE_URL). A benchmark whose
# file is not there yet, or has no run() yet, is skipped with a message, so one
# being written can be listed before it lands.
REGISTRY = {
    "survey_rush": ("survey_rush.py", True),
    "roster": ("roster_bench.py", True),
    "patient_feedback": ("patient_feedback_bench.py", True),
    "panel": ("panel_bench.py", True),
    "analysis": ("analysis_bench.py", False),
    "survey_layout": ("survey_layout.py", False),
    "report": ("report_bench.py", True),
}


def not_ready(filename: str) -> str:
    """Why a listed benchmark cannot run yet, or "" when it can."""
    path = BENCHMARKS / filename
    if not path.exists():
        return f"{filename} not there"
    module = ast.parse(path.read_text(encoding="utf-8"))
    if not any(
        isinstance(node, ast.FunctionDef) and node.name == "run" for node in module.body
    ):
        return f"{filename} has no run()"
    return ""


def child_environment(needs_postgres: bool) -> dict:
    """PostgreSQL for the benchmarks that ask for it; none for the others.

    Each makes a database of its own on that server (survey_rush
    flywheel_bench, the others a bench_* test database), so a test run on the
    same server is unharmed; survey_layout runs on in-memory SQLite as it always
    has. Redis: survey_rush uses a database number of its own.
    """
    env = dict(os.environ)
    env.pop("REDIS_URL", None)
    postgres_url = env.pop("DATABASE_URL", DEFAULT_POSTGRES_URL)
    if needs_postgres:
        env["DATABASE_URL"] = postgres_url
    return env


def run_child(name: str, *, quick: bool, results_dir: Path) -> list[dict]:
    """Run one benchmark module in a fresh interpreter and return its figures."""
    filename, needs_postgres = REGISTRY[name]
    with tempfile.TemporaryDirectory() as scratch:
        output = Path(scratch) / "figures.json"
        command = [
            sys.executable,
            str(Path(__file__).resolve()),
            "--child",
            name,
            "--figures",
            str(output),
            "--results",
            str(results_dir),
        ]
        if quick:
            command.append("--quick")
        completed = subprocess.run(
            command, cwd=ROOT, env=child_environment(needs_postgres), check=False
        )
        if completed.returncode != 0:
            raise RuntimeError(f"{name} exited with status {completed.returncode}")
        return json.loads(output.read_text())


def child(name: str, *, quick: bool, results_dir: Path, figures_path: Path) -> None:
    """Inside the benchmark's own process: import it, run it, write its figures."""
    sys.path.insert(0, str(ROOT))
    module = importlib.import_module(f"benchmarks.{REGISTRY[name][0][:-3]}")
    figures = module.run(quick=quick, results_dir=results_dir)
    for figure in figures:
        missing = set(FIELDS) - set(figure)
        if missing:
            raise ValueError(f"{name}: figure {figure} lacks {sorted(missing)}")
        if not figure["name"].startswith(f"{name}."):
            raise ValueError(f"{name}: figure {figure['name']} is not {name}.<what>")
    figures_path.write_text(json.dumps(figures))


def loaded_note(load_before: float) -> str:
    """Say so when the machine was busy as a benchmark started.

    The one-minute load average then counts other work on the machine and the
    tail of the benchmark before; the table's header gives the load before the
    first benchmark, which is other work alone.
    """
    cpus = os.cpu_count() or 1
    if load_before < 0.5 * cpus:
        return ""
    return (
        f"machine loaded: load average {load_before:.1f} on {cpus} CPUs as it "
        "started (other work, plus the tail of the benchmark before)"
    )


def format_number(value, *, ratio: bool = False) -> str:
    if value is None:
        return "–"
    if ratio:
        return f"{value:#.3g}"  # 1.00, not 1: a ratio keeps its digits
    if isinstance(value, float):
        if abs(value) >= 100:
            return f"{value:,.0f}"
        return f"{value:.3g}" if abs(value) < 10 else f"{value:.1f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def markdown(figures: list[dict], header: dict) -> str:
    def cell(text) -> str:
        return str(text).replace("|", "\\|").replace("\n", " ")

    lines = [
        "# Benchmark results",
        "",
        f"Measured {header['measured_at']} by `make bench` (benchmarks/run.py"
        f"{' --quick' if header['quick'] else ''}) on {header['machine']}, "
        f"{header['cpu_count']} CPUs, Python {header['python']}, commit "
        f"`{header['commit']}`; load average {header['load_before']:.1f} from "
        "other work as it began. Each ratio is the value over a baseline measured "
        "in the same run on the same machine; the JSON beside this file "
        "(latest.json) holds the same figures, and each benchmark's own JSON the "
        "detail.",
        "",
        *(
            [
                f"This run: {', '.join(header['only'])} only; the other figures "
                "are from an earlier run.",
                "",
            ]
            if header["only"]
            else []
        ),
        "| name | value | unit | baseline | ratio | notes |",
        "|---|---:|---|---:|---:|---|",
    ]
    for figure in figures:
        lines.append(
            "| "
            + " | ".join(
                [
                    cell(figure["name"]),
                    format_number(figure["value"]),
                    cell(figure["unit"]),
                    format_number(figure["baseline"]),
                    format_number(figure["ratio"], ratio=True),
                    cell(figure["notes"]),
                ]
            )
            + " |"
        )
    return "\n".join(lines) + "\n"


def git_commit() -> str:
    completed = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    return completed.stdout.strip() or "unknown"


def merge(previous: list[dict], fresh: dict[str, list[dict]]) -> list[dict]:
    """Previous figures with those of the benchmarks just run replaced, in order.

    A figure is named ``<benchmark>.<what>``, so its benchmark is its prefix.
    """
    by_benchmark: dict[str, list[dict]] = {}
    for figure in previous:
        by_benchmark.setdefault(figure["name"].split(".")[0], []).append(figure)
    by_benchmark.update(fresh)
    ordered = list(REGISTRY) + [key for key in by_benchmark if key not in REGISTRY]
    return [figure for key in ordered for figure in by_benchmark.get(key, [])]


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--only",
        action="append",
        choices=sorted(REGISTRY),
        metavar="NAME",
        help=f"run only this benchmark (repeatable): {', '.join(REGISTRY)}",
    )
    parser.add_argument("--quick", action="store_true", help="small sizes, smoke test")
    parser.add_argument("--results", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--child", choices=sorted(REGISTRY), help=argparse.SUPPRESS)
    parser.add_argument("--figures", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    results_dir = args.results or (QUICK_RESULTS if args.quick else RESULTS)

    if args.child:
        child(
            args.child,
            quick=args.quick,
            results_dir=results_dir,
            figures_path=args.figures,
        )
        return 0

    results_dir.mkdir(parents=True, exist_ok=True)
    names = args.only or list(REGISTRY)
    fresh: dict[str, list[dict]] = {}
    failed = []
    load_before_run = os.getloadavg()[0]
    for position, name in enumerate(names, 1):
        filename, _needs_postgres = REGISTRY[name]
        reason = not_ready(filename)
        if reason:
            print(f"[{position}/{len(names)}] {name}: {reason}, skipped", flush=True)
            continue
        print(f"[{position}/{len(names)}] {name} ({filename})", flush=True)
        load_before = os.getloadavg()[0]
        started = time.perf_counter()
        try:
            figures = run_child(name, quick=args.quick, results_dir=results_dir)
        except Exception as problem:
            print(f"[{position}/{len(names)}] {name} FAILED: {problem}", flush=True)
            failed.append(name)
            continue
        note = loaded_note(load_before)
        for figure in figures:
            if note:
                figure["notes"] = f"{figure['notes']}; {note}".lstrip("; ")
        fresh[name] = [{key: figure[key] for key in FIELDS} for figure in figures]
        print(
            f"[{position}/{len(names)}] {name}: {len(figures)} figures in "
            f"{time.perf_counter() - started:.0f} s",
            flush=True,
        )

    latest_json = results_dir / "latest.json"
    previous = []
    if args.only and latest_json.exists():
        previous = json.loads(latest_json.read_text())
    figures = merge(previous, fresh)
    header = {
        "measured_at": datetime.datetime.now(datetime.UTC).isoformat(
            timespec="minutes"
        ),
        "quick": args.quick,
        "only": sorted(fresh) if args.only else [],
        "machine": platform.machine(),
        "cpu_count": os.cpu_count(),
        "python": platform.python_version(),
        "commit": git_commit(),
        "load_before": load_before_run,
    }
    if fresh:
        latest_json.write_text(json.dumps(figures, indent=2) + "\n")
        (results_dir / "latest.md").write_text(markdown(figures, header))
        print(markdown(figures, header))
        print(f"written to {latest_json} and {results_dir / 'latest.md'}")
    if failed:
        print(f"failed: {', '.join(failed)}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())

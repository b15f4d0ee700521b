"""How much does the analysis layer cost beyond the statsmodels fits it wraps?

Simulates a large group (2,000 teams x 36 months by default, with people spells),
then times:

- the full analysis, ``flywheel_analysis(panel=..., people=...)``: every finding,
  retention curves, shrunk scores, wording and q-values;
- the bare statsmodels fits of the same models on design matrices built
  beforehand (untimed): the within-team WLS, the mixed model, the count model
  (GEE, bias-reduced sandwich), the clustered Cox model and the Kaplan-Meier
  curves.

It reports the full time (wall clock, and CPU time, which is steadier on a shared
machine) as a ratio to the bare fits, and peak memory of the
full analysis (tracemalloc, in a separate run so tracing does not slow the
timed one; plus the process's maximum resident set size). BLAS runs on one
thread (as in the replication tests) so the numbers do not depend on what else
the machine is doing with its cores. Writes benchmarks/results/analysis.json.

    .venv/bin/python benchmarks/analysis_bench.py [--teams 2000] [--months 36]
        [--repeat 1] [--output PATH]
"""

import argparse
import datetime
import json
import platform
import resource
import sys
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import statsmodels  # noqa: E402
import statsmodels.api as sm  # noqa: E402
from statsmodels.duration.hazard_regression import PHReg  # noqa: E402
from statsmodels.duration.survfunc import SurvfuncRight  # noqa: E402
from statsmodels.regression.mixed_linear_model import MixedLM  # noqa: E402
from threadpoolctl import threadpool_limits  # noqa: E402

from reports.analysis.engagement import between_design, paired_months  # noqa: E402
from reports.analysis.fitting import demean_within, group_codes  # noqa: E402
from reports.analysis.flywheel import flywheel_analysis  # noqa: E402
from reports.analysis.panel import team_key  # noqa: E402
from reports.analysis.simulate import PlantedEffects, simulate  # noqa: E402
from reports.analysis.survival import CURVE_GROUPINGS  # noqa: E402
from reports.analysis.turnover import turnover_design, turnover_rows  # noqa: E402

EFFECTS = PlantedEffects(
    engagement_to_nps=0.3,
    engagement_rate_ratio=0.9,
    burnout_rate_ratio=1.3,
    coverage_rate_ratio=0.9,
    breadth_hazard_ratio=0.9,
)


def prepare_bare_fits(panel: pd.DataFrame, people: pd.DataFrame):
    """Design matrices for each model, built outside the timed region."""
    rows = paired_months(panel)
    rows = rows[rows.groupby("team_key")["team_key"].transform("size") > 1]
    codes, n_groups = group_codes(rows["team_key"])
    weights = rows["patient_responses"].to_numpy(dtype=float)
    months = pd.get_dummies(rows["month_index"], dtype=float).iloc[:, 1:]
    matrix = np.column_stack(
        [rows["patient_nps"], rows["engagement_prev"], months.to_numpy()]
    )
    within = demean_within(matrix, codes, n_groups, weights)

    between_rows = paired_months(panel)
    between_exog = between_design(between_rows)

    count_rows = turnover_rows(panel)
    count_exog, _ = turnover_design(count_rows)
    count_codes, _ = group_codes(count_rows["team_key"])

    people = people.sort_values(["person", "start"], kind="stable")
    cluster = team_key(people).groupby(people["person"]).transform("first")
    cox_exog = pd.concat(
        [
            people[["cross_training_breadth"]].astype(float),
            pd.get_dummies(people["job_role"], dtype=float).iloc[:, 1:],
        ],
        axis=1,
    )
    last_event = people.loc[people["event"] == 1, "stop"].max()
    keep = (people["start"] < last_event).to_numpy()
    curve_groups = {
        by: people.groupby("person")[by].transform("first") for by in CURVE_GROUPINGS
    }
    return {
        "within": (within, weights, codes),
        "between": (between_rows, between_exog),
        "count": (count_rows, count_exog, count_codes),
        "cox": (people[keep], cox_exog[keep], cluster[keep]),
        "curves": (people, curve_groups),
    }


def run_bare_fits(prepared) -> dict[str, float]:
    """Time each statsmodels fit alone; returns wall-clock seconds per model."""
    seconds = {}

    start = time.perf_counter()
    within, weights, codes = prepared["within"]
    sm.WLS(within[:, 0], within[:, 1:], weights=weights, hasconst=False).fit(
        method="qr", cov_type="cluster", cov_kwds={"groups": codes}
    )
    seconds["within_wls"] = time.perf_counter() - start

    start = time.perf_counter()
    rows, exog = prepared["between"]
    MixedLM(rows["patient_nps"].to_numpy(), exog, groups=rows["team_key"]).fit(
        reml=True, method="bfgs"
    )
    seconds["between_mixedlm"] = time.perf_counter() - start

    start = time.perf_counter()
    rows, exog, codes = prepared["count"]
    sm.GEE(
        rows["voluntary_leavers"].to_numpy(dtype=float),
        exog,
        groups=codes,
        family=sm.families.Poisson(),
        exposure=rows["headcount"].to_numpy(dtype=float),
        cov_struct=sm.cov_struct.Independence(),
    ).fit(cov_type="bias_reduced")
    seconds["turnover_gee"] = time.perf_counter() - start

    start = time.perf_counter()
    people, exog, cluster = prepared["cox"]
    PHReg(
        people["stop"].to_numpy(dtype=float),
        exog,
        status=people["event"].to_numpy(dtype=float),
        entry=people["start"].to_numpy(dtype=float) + 1e-6,
        ties="efron",
    ).fit(groups=cluster.to_numpy())
    seconds["cox_phreg"] = time.perf_counter() - start

    start = time.perf_counter()
    people, groups = prepared["curves"]
    parts = [people]
    for group in groups.values():
        parts.extend(part for _, part in people.groupby(group))
    for part in parts:
        SurvfuncRight(
            part["stop"].to_numpy(dtype=float),
            part["event"].to_numpy(dtype=float),
            entry=part["start"].to_numpy(dtype=float),
        )
    seconds["kaplan_meier"] = time.perf_counter() - start
    return seconds


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--teams", type=int, default=2000)
    parser.add_argument("--months", type=int, default=36)
    parser.add_argument("--repeat", type=int, default=1, help="best of N runs")
    parser.add_argument(
        "--output", type=Path, default=ROOT / "benchmarks/results/analysis.json"
    )
    args = parser.parse_args(argv)

    with threadpool_limits(limits=1):
        start = time.perf_counter()
        data = simulate(
            n_teams=args.teams, n_months=args.months, seed=2026, effects=EFFECTS
        )
        simulate_seconds = time.perf_counter() - start
        prepared = prepare_bare_fits(data.panel, data.people)

        full_runs, bare_runs, full_cpu, bare_cpu = [], [], [], []
        for _ in range(args.repeat):
            start, cpu = time.perf_counter(), time.process_time()
            analysis = flywheel_analysis(panel=data.panel, people=data.people)
            full_runs.append(time.perf_counter() - start)
            full_cpu.append(time.process_time() - cpu)
            cpu = time.process_time()
            bare_runs.append(run_bare_fits(prepared))
            bare_cpu.append(time.process_time() - cpu)

        tracemalloc.start()
        flywheel_analysis(panel=data.panel, people=data.people)
        _, peak_bytes = tracemalloc.get_traced_memory()
        tracemalloc.stop()

    full_seconds = min(full_runs)
    bare = min(bare_runs, key=lambda run: sum(run.values()))
    bare_seconds = sum(bare.values())
    result = {
        "measured_at": datetime.datetime.now(tz=datetime.UTC).isoformat(
            timespec="seconds"
        ),
        "teams": args.teams,
        "months": args.months,
        "team_months": len(data.panel),
        "people": int(data.people["person"].nunique()),
        "person_spells": len(data.people),
        "simulate_seconds": round(simulate_seconds, 3),
        "full_analysis_seconds": round(full_seconds, 3),
        "bare_statsmodels_seconds": round(bare_seconds, 3),
        "bare_statsmodels_seconds_by_model": {k: round(v, 3) for k, v in bare.items()},
        "ratio_full_to_bare": round(full_seconds / bare_seconds, 3),
        # CPU time is steadier than wall time on a shared machine.
        "full_analysis_cpu_seconds": round(min(full_cpu), 3),
        "bare_statsmodels_cpu_seconds": round(min(bare_cpu), 3),
        "ratio_full_to_bare_cpu": round(min(full_cpu) / min(bare_cpu), 3),
        "peak_traced_memory_mb": round(peak_bytes / 2**20, 1),
        "max_resident_memory_mb": round(
            resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1
        ),
        "repeat": args.repeat,
        "blas_threads": 1,
        "findings": {
            f.key: {"status": f.status, "estimate": f.estimate}
            for f in analysis.findings
        },
        "python": platform.python_version(),
        "numpy": np.__version__,
        "pandas": pd.__version__,
        "statsmodels": statsmodels.__version__,
        "machine": platform.machine(),
    }
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))
    return result


def run(*, quick=False, results_dir=ROOT / "benchmarks" / "results"):
    """The figures for benchmarks/run.py: full analysis vs the bare fits."""
    argv = ["--output", str(results_dir / "analysis.json")]
    if quick:
        argv += ["--teams", "200", "--months", "24"]
    result = main(argv)
    size = (
        f"{result['teams']:,} teams x {result['months']} months, "
        f"{result['people']:,} people, one BLAS thread"
    )
    return [
        {
            "name": "analysis.full_seconds",
            "value": result["full_analysis_seconds"],
            "unit": "s",
            "baseline": result["bare_statsmodels_seconds"],
            "ratio": result["ratio_full_to_bare"],
            "notes": f"flywheel_analysis, every finding, {size}; baseline: the "
            "bare statsmodels fits of the same models (wall clock)",
        },
        {
            "name": "analysis.full_cpu_seconds",
            "value": result["full_analysis_cpu_seconds"],
            "unit": "s CPU",
            "baseline": result["bare_statsmodels_cpu_seconds"],
            "ratio": result["ratio_full_to_bare_cpu"],
            "notes": f"as above in CPU time, steadier on a shared machine; peak "
            f"traced memory {result['peak_traced_memory_mb']} MB",
        },
    ]


if __name__ == "__main__":
    main()

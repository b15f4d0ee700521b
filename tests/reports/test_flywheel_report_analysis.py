"""The PDF carries the analysis the way the analysis page does (issues 7 and 9):
estimates with intervals and sample sizes, the noise-corrected estimate, the
reliability it rests on, the smallest detectable effect after "no clear link",
and the run it used."""

import subprocess

import pytest

from reports.analysis_output import analysis_payload
from reports.flywheel_report.services import flywheel_report_generate
from reports.services import analysis_run
from tests.reports.analysis_world import simulated_group


@pytest.fixture(autouse=True)
def _private_storage(settings, tmp_path):
    settings.PRIVATE_STORAGE_ROOT = str(tmp_path / "private")


def _pdf_text(report) -> str:
    return subprocess.run(
        ["pdftotext", "-layout", report.file.path, "-"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout


def _number(value: float) -> str:
    return f"{value:.2f}"


@pytest.mark.django_db
def test_report_shows_the_analysis_with_its_noise_correction():
    world = simulated_group(slug="report-analysis")
    run = analysis_run(organization=world["org"], start="2025-01", end="2025-08")
    finding = analysis_payload(run)["engagement_to_nps"]
    assert finding["estimate_corrected"] is not None  # the world measures noise

    report = flywheel_report_generate(organization=world["org"], period="2025-08")

    assert report.analysis_run_id == run.pk
    text = _pdf_text(report)
    flat = " ".join(text.split())
    assert "What the analysis found" in flat
    assert (
        f"Corrected for measurement noise: {_number(finding['estimate_corrected'])} "
        f"(95% interval {_number(finding['ci_low_corrected'])} to "
        f"{_number(finding['ci_high_corrected'])})"
    ) in flat
    assert f"Reliability {_number(finding['reliability'])}" in flat
    assert (
        f"across {finding['n_teams']} teams and {finding['n_obs']} team-months" in flat
    )
    assert "The reported estimate is corrected for it" in flat
    # Turnover had nobody leaving: the report says why instead of a number.
    assert "Engagement and voluntary leaving — Not enough data yet" in flat
    assert f"Analysis run #{run.pk} (2025-01 to 2025-08)" in flat


@pytest.mark.django_db
def test_no_clear_link_comes_with_the_smallest_detectable_effect():
    world = simulated_group(slug="report-null", slope=0.0)
    run = analysis_run(organization=world["org"], start="2025-01", end="2025-08")
    finding = analysis_payload(run)["engagement_to_nps"]
    assert finding["status"] == "no_clear_link"

    report = flywheel_report_generate(organization=world["org"], period="2025-08")

    flat = " ".join(_pdf_text(report).split())
    assert (
        "No clear link yet: the smallest effect this data could have detected is "
        f"{_number(finding['min_detectable_effect'])} {finding['unit']}"
    ) in flat

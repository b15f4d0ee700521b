"""The patient feedback import streams: memory stays far below the file size."""

import random
import tracemalloc

import pytest

from reports.models import PatientFeedback
from reports.patients.imports import feedback_import
from tests.factories import OrganizationFactory, SiteFactory, TeamFactory

ROWS = 200_000


def _generate(path, sites, teams):
    rnd = random.Random(7)
    with path.open("w", newline="") as file:
        file.write("site,team,date,score,channel\n")
        for _ in range(ROWS):
            site = rnd.choice(sites)
            team = "" if rnd.random() < 0.2 else rnd.choice(teams)
            file.write(
                f"{site},{team},2025-{rnd.randrange(1, 13):02d}-"
                f"{rnd.randrange(1, 29):02d},{rnd.randrange(11)},sms\n"
            )


@pytest.mark.slow
@pytest.mark.django_db
def test_a_200k_row_file_imports_with_peak_memory_far_below_its_size(tmp_path):
    organization = OrganizationFactory(slug="memory")
    sites = [f"Site {n}" for n in range(5)]
    teams = [f"Team {n}" for n in range(4)]
    for name in sites:
        site = SiteFactory(organization=organization, name=name)
        for team in teams:
            TeamFactory(site=site, name=team)
    path = tmp_path / "scores.csv"
    _generate(path, sites, teams)
    file_size = path.stat().st_size

    tracemalloc.start()
    try:
        batch = feedback_import(
            organization=organization,
            open_file=lambda: path.open("rb"),
            filename=path.name,
        )
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()

    assert batch.rows == ROWS
    assert PatientFeedback.objects.filter(batch=batch).count() == ROWS
    # Holding the rows would take many times the file (a tuple, a date and a
    # str per row); a stream holds one 5,000-row chunk and small lookups.
    assert file_size > 5_000_000
    assert peak < file_size / 3, (peak, file_size)

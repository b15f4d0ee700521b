"""The owner dashboard carries the analysis as the PDF does (issue 9): the
noise-corrected interval, the reliability behind it and the smallest effect the
data could have detected, in the page and in the export."""

import csv
import io

import pytest
from django.test import Client
from django.urls import reverse

from reports.analysis_output import analysis_payload
from reports.services import analysis_run
from tests.factories import UserFactory
from tests.reports.analysis_world import simulated_group
from workforce.models import Role


@pytest.mark.django_db
def test_owner_dashboard_findings_carry_the_noise_fields():
    world = simulated_group(slug="dashboard-findings")
    run = analysis_run(organization=world["org"], start="2025-01", end="2025-08")
    finding = analysis_payload(run)["engagement_to_nps"]
    client = Client()
    client.force_login(UserFactory(organization=world["org"], role=Role.OWNER))

    page = client.get(reverse("dashboards:owner"), {"period": "2025-08"})
    export = client.get(
        reverse("dashboards:owner_export", args=["findings", "csv"]),
        {"period": "2025-08"},
    )

    assert page.status_code == 200
    html = page.content.decode()
    assert "Smallest detectable effect" in html
    rows = list(csv.reader(io.StringIO(export.content.decode())))
    header, line = rows[0], next(r for r in rows if r[0].startswith("Engagement and"))
    shown = dict(zip(header, line, strict=True))
    assert shown["Corrected for noise"] == (
        f"{finding['ci_low_corrected']:.2f} to {finding['ci_high_corrected']:.2f}"
    )
    assert float(shown["Reliability"]) == pytest.approx(finding["reliability"])
    assert "corrected for it" in shown["In plain words"]

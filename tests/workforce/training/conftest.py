import datetime

import pytest
from django.utils import timezone


@pytest.fixture(autouse=True)
def _private_storage(settings, tmp_path):
    """Evidence files land in a fresh private folder per test."""
    settings.PRIVATE_STORAGE_ROOT = str(tmp_path / "private")
    settings.MEDIA_ROOT = str(tmp_path / "media")


@pytest.fixture
def now_is(monkeypatch):
    """Set the clock: ``now_is(datetime)`` with an aware datetime."""

    def set_now(moment: datetime.datetime):
        assert moment.tzinfo is not None
        monkeypatch.setattr(timezone, "now", lambda: moment)
        return moment

    return set_now


# Valid files of each accepted kind, as small as they get.
PDF_BYTES = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG_BYTES = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06"
    b"\x00\x00\x00\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01"
    b"\x00\x05\x18\xd8N\x00\x00\x00\x00IEND\xaeB`\x82"
)
JPEG_BYTES = (
    b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00\xff\xd9"
)
# A Word document (a ZIP) and a script, both of which people rename to .pdf.
DOCX_BYTES = b"PK\x03\x04\x14\x00\x06\x00" + b"\x00" * 40
HTML_BYTES = b"<html><script>alert(1)</script></html>"


TODAY = datetime.date(2025, 6, 1)
# 08:00 in New York on TODAY.
NOW = datetime.datetime(2025, 6, 1, 12, 0, tzinfo=datetime.UTC)


@pytest.fixture
def world(org_world, now_is):
    """org_world with job roles, three courses, requirements and completions.

    Today is 2025-06-01 in the organization's time zone (America/New_York).
    BLS (24 months) is required of everyone, HIPAA (12 months) at Northside
    (site A), the X-ray licence (never expires) of hygienists. In team A1:

    ========  ============  ==================  ==================  ===========
    person    role          BLS                 HIPAA               X-ray
    ========  ============  ==================  ==================  ===========
    ann       hygienist     until 2025-07-01    until 2025-05-31    never
                            (30 days)           (expired)           expires
    bob       receptionist  until 2025-07-02    —  (missing)        not req.
                            (31 days)
    cat       receptionist  old one expired;    until 2025-08-31    not req.
                            renewed until       (91 days: valid)
                            2025-08-30 (90 d)
    ========  ============  ==================  ==================  ===========

    dan (hygienist, team B1 at Southside): BLS valid, X-ray missing, HIPAA not
    required there.
    """
    from tests.factories import JobRoleFactory
    from tests.workforce.training.factories import (
        CompletionFactory,
        CourseFactory,
        RequirementFactory,
    )
    from workforce.training.models import CourseKind

    now_is(NOW)
    org, other_org = org_world["org"], org_world["other_org"]
    hygienist = JobRoleFactory(organization=org, name="Hygienist")
    receptionist = JobRoleFactory(organization=org, name="Receptionist")
    ann, bob, cat = org_world["people"][org_world["team_a1"]]
    dan = org_world["people"][org_world["team_b1"]][0]
    for person, role, name in (
        (ann, hygienist, "Ann Archer"),
        (bob, receptionist, "Bob Baker"),
        (cat, receptionist, "Cat Cole"),
        (dan, hygienist, "Dan Dale"),
    ):
        person.job_role, person.full_name = role, name
        person.save()
    bls = CourseFactory(organization=org, name="BLS/CPR", validity_months=24)
    hipaa = CourseFactory(organization=org, name="HIPAA", validity_months=12)
    xray = CourseFactory(
        organization=org,
        name="X-ray licence",
        validity_months=None,
        kind=CourseKind.LICENCE,
    )
    RequirementFactory(course=bls)
    RequirementFactory(course=hipaa, site=org_world["site_a"])
    RequirementFactory(course=xray, job_role=hygienist)

    d = datetime.date
    completions = {
        "ann_bls": CompletionFactory(
            staff_member=ann,
            course=bls,
            completed_on=d(2023, 7, 1),
            expires_on=d(2025, 7, 1),
        ),
        "ann_hipaa": CompletionFactory(
            staff_member=ann,
            course=hipaa,
            completed_on=d(2024, 5, 31),
            expires_on=d(2025, 5, 31),
        ),
        "ann_xray": CompletionFactory(
            staff_member=ann,
            course=xray,
            completed_on=d(2019, 3, 1),
            expires_on=None,
        ),
        "bob_bls": CompletionFactory(
            staff_member=bob,
            course=bls,
            completed_on=d(2023, 7, 2),
            expires_on=d(2025, 7, 2),
        ),
        "cat_bls_old": CompletionFactory(
            staff_member=cat,
            course=bls,
            completed_on=d(2022, 1, 1),
            expires_on=d(2024, 1, 1),
        ),
        "cat_bls": CompletionFactory(
            staff_member=cat,
            course=bls,
            completed_on=d(2023, 8, 30),
            expires_on=d(2025, 8, 30),
        ),
        "cat_hipaa": CompletionFactory(
            staff_member=cat,
            course=hipaa,
            completed_on=d(2024, 8, 31),
            expires_on=d(2025, 8, 31),
        ),
        "dan_bls": CompletionFactory(
            staff_member=dan,
            course=bls,
            completed_on=d(2025, 1, 1),
            expires_on=d(2027, 1, 1),
        ),
    }
    other_course = CourseFactory(organization=other_org, name="BLS/CPR")
    RequirementFactory(course=other_course)
    outsider = org_world["people"][org_world["other_team"]][0]
    completions["outsider"] = CompletionFactory(
        staff_member=outsider, course=other_course, completed_on=d(2025, 1, 1)
    )
    return {
        **org_world,
        "ann": ann,
        "bob": bob,
        "cat": cat,
        "dan": dan,
        "outsider": outsider,
        "hygienist": hygienist,
        "receptionist": receptionist,
        "bls": bls,
        "hipaa": hipaa,
        "xray": xray,
        "other_course": other_course,
        "completions": completions,
    }

"""Expiry rules at their boundaries, in the organization's time zone."""

import datetime
from types import SimpleNamespace

import pytest

from workforce.training.expiry import (
    Held,
    Status,
    best,
    classify,
    counts_on,
    expiry_from,
    organization_date,
    status_of,
)

D = datetime.date
UTC = datetime.UTC
NEW_YORK = SimpleNamespace(timezone="America/New_York")
TODAY = D(2025, 6, 1)


@pytest.mark.parametrize(
    ("days", "expected"),
    [
        (-365, Status.EXPIRED),
        (-1, Status.EXPIRED),
        (0, Status.EXPIRING_30),  # the last day it counts
        (1, Status.EXPIRING_30),
        (30, Status.EXPIRING_30),  # exactly day 30 is within 30
        (31, Status.EXPIRING_60),
        (60, Status.EXPIRING_60),
        (61, Status.EXPIRING_90),
        (90, Status.EXPIRING_90),
        (91, Status.VALID),
    ],
)
def test_classify_boundaries(days, expected):
    assert classify(TODAY + datetime.timedelta(days=days), TODAY) == expected


def test_never_expiring_is_valid():
    assert classify(None, TODAY) == Status.VALID


def test_expiry_from_validity_months_clamps_to_month_end():
    assert expiry_from(D(2024, 1, 31), 1) == D(2024, 2, 29)
    assert expiry_from(D(2025, 1, 31), 1) == D(2025, 2, 28)
    assert expiry_from(D(2024, 2, 29), 12) == D(2025, 2, 28)
    assert expiry_from(D(2024, 3, 15), 24) == D(2026, 3, 15)
    assert expiry_from(D(2024, 3, 15), None) is None


def test_counts_on_includes_the_expiry_day_and_not_before_completion():
    assert not counts_on(D(2025, 1, 10), D(2025, 3, 1), D(2025, 1, 9))
    assert counts_on(D(2025, 1, 10), D(2025, 3, 1), D(2025, 1, 10))
    assert counts_on(D(2025, 1, 10), D(2025, 3, 1), D(2025, 3, 1))
    assert not counts_on(D(2025, 1, 10), D(2025, 3, 1), D(2025, 3, 2))
    assert counts_on(D(2025, 1, 10), None, D(2099, 1, 1))


def test_best_is_the_one_that_lasts_longest_and_ignores_future_ones():
    old = Held(D(2023, 1, 1), D(2025, 1, 1), "old")
    renewed = Held(D(2024, 12, 1), D(2026, 12, 1), "renewed")
    forever = Held(D(2020, 1, 1), None, "forever")
    later = Held(D(2025, 7, 1), D(2027, 7, 1), "later")

    assert best([old, renewed], TODAY).ref == "renewed"
    assert best([renewed, old], TODAY).ref == "renewed"
    assert best([old, forever, renewed], TODAY).ref == "forever"
    assert best([old, later], TODAY).ref == "old"
    assert best([later], TODAY) is None


def test_status_of_missing_and_expired_and_renewed():
    assert status_of([], TODAY) == (Status.MISSING, None)
    expired = Held(D(2023, 1, 1), D(2025, 5, 31))
    assert status_of([expired], TODAY)[0] == Status.EXPIRED
    renewed = Held(D(2025, 5, 30), D(2027, 5, 30))
    assert status_of([expired, renewed], TODAY) == (Status.VALID, renewed)


def test_today_follows_the_organizations_midnight_across_the_dst_change():
    # New York moved from EST (UTC-5) to EDT (UTC-4) at 2025-03-09 02:00 local,
    # so from then on its day starts at 04:00 UTC, not 05:00 UTC.
    before_change = datetime.datetime(2025, 3, 9, 4, 59, tzinfo=UTC)  # 23:59 EST
    assert organization_date(NEW_YORK, before_change) == D(2025, 3, 8)
    assert organization_date(NEW_YORK, before_change.replace(hour=5)) == D(2025, 3, 9)
    last_minute = datetime.datetime(2025, 3, 10, 3, 59, tzinfo=UTC)  # 23:59 EDT
    assert organization_date(NEW_YORK, last_minute) == D(2025, 3, 9)
    midnight = datetime.datetime(2025, 3, 10, 4, 0, tzinfo=UTC)  # 00:00 EDT
    # A fixed UTC-5 offset would still say 9 March here.
    assert organization_date(NEW_YORK, midnight) == D(2025, 3, 10)


@pytest.mark.parametrize(
    ("moment", "expected"),
    [
        # 23:59 EDT on 9 March: 8 April is 30 days away -> within 30.
        (datetime.datetime(2025, 3, 10, 3, 59, tzinfo=UTC), Status.EXPIRING_30),
        # 00:00 EDT on 10 March: 29 days.
        (datetime.datetime(2025, 3, 10, 4, 0, tzinfo=UTC), Status.EXPIRING_30),
        # 23:59 EST on 8 March: 31 days -> within 60, though in UTC it is
        # already 9 March.
        (datetime.datetime(2025, 3, 9, 4, 59, tzinfo=UTC), Status.EXPIRING_60),
    ],
)
def test_day_30_boundary_across_the_dst_change(moment, expected):
    expires_on = D(2025, 4, 8)
    # The 30 days from 9 March to 8 April span the change and are 719 hours,
    # not 720: counting dates, not hours, keeps day 30 inside the window.
    assert classify(expires_on, organization_date(NEW_YORK, moment)) == expected


def test_day_30_boundary_across_the_autumn_dst_change():
    # 2 November 2025 New York falls back: 30 days from 20 October are 721 hours.
    moment = datetime.datetime(2025, 10, 21, 3, 30, tzinfo=UTC)  # 23:30 EDT, 20 Oct
    today = organization_date(NEW_YORK, moment)
    assert today == D(2025, 10, 20)
    assert classify(D(2025, 11, 19), today) == Status.EXPIRING_30
    assert classify(D(2025, 11, 20), today) == Status.EXPIRING_60


def test_unknown_time_zone_falls_back_to_the_site_default():
    broken = SimpleNamespace(timezone="Not/AZone")
    moment = datetime.datetime(2025, 3, 10, 23, 0, tzinfo=UTC)
    assert organization_date(broken, moment) == D(2025, 3, 10)

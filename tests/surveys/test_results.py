import csv
import datetime
import io
import json
import math
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone
from scipy import stats

from surveys import results_statistics as rs
from surveys.models import Measure, QuestionKind, Response, RoundStatus, SurveyQuestion
from surveys.results import Scope, results_payload
from surveys.results_views import HEAT_BANDS
from tests.browser import CHROMIUM, CHROMIUM_ARGS
from tests.factories import QuestionFactory, RoundFactory, SurveyFactory, TeamFactory
from tests.surveys.results_data import (
    ENGAGEMENT_CODES,
    add_invitation,
    add_response,
    standard_questions,
)
from workforce.models import Role

T_975_4 = 2.7764451051977987  # t quantile, 4 degrees of freedom


@pytest.fixture
def world(org_world):
    survey = SurveyFactory(organization=org_world["org"], name="Monthly pulse")
    return {**org_world, "survey": survey, "q": standard_questions(survey)}


def released_round(world, period=datetime.date(2026, 10, 1), **kwargs):
    return RoundFactory(
        survey=world["survey"],
        status=RoundStatus.RELEASED,
        min_group_size=5,
        period=period,
        released_at=timezone.now(),
        **kwargs,
    )


def answers(q, level=4, *, enps=None, burnout=None, comment=None, skip=()):
    """Every engagement and 1–5 item at ``level``; the rest as given."""
    values = {q[code]: level for code in ENGAGEMENT_CODES}
    for code in ("workload", "recognition", "growth", "manager"):
        values[q[code]] = level
    if enps is not None:
        values[q["enps"]] = enps
    if burnout is not None:
        values[q["burnout"]] = burnout
    if comment is not None:
        values[q["comment"]] = comment
    return {question: v for question, v in values.items() if question not in skip}


def group(payload, key):
    return next(g for g in payload["groups"] if g["key"] == key)


def keys(payload):
    return {g["key"] for g in payload["groups"]}


def whole(round_):
    return results_payload(round_, Scope.whole(round_.organization))


def team_key(team):
    return f"team:{team.pk}@{team.site_id}"


def site_key(site):
    return f"site@{site.pk}"


# --- hand-computed numbers ------------------------------------------------------


def test_engagement_enps_and_burnout_by_hand(world):
    round_ = released_round(world)
    team = world["team_a1"]
    levels = [5, 4, 3, 2, 4]  # engagement 100, 75, 50, 25, 75
    scores = [10, 9, 8, 6, 3]  # 2 promoters, 2 detractors
    burnout = [1, 2, 3, 4, 5]  # 3 of 5 at option 3 or above
    for level, score, option in zip(levels, scores, burnout, strict=True):
        add_response(
            round_,
            team=team,
            answers=answers(world["q"], level, enps=score, burnout=option),
        )
    payload = whole(round_)
    assert payload["engagement_reliability"]["reported"] is True
    assert payload["engagement_reliability"]["alpha"] == 1.0
    cells = group(payload, team_key(team))["scores"]

    # Engagement: mean 65; sd = sqrt(3250 / 4); t interval with 4 df.
    half = T_975_4 * math.sqrt(3250 / 4) / math.sqrt(5)
    assert cells["engagement"] == {
        "value": 65.0,
        "ci_low": round(65 - half, 1),
        "ci_high": round(65 + half, 1),
        "n": 5,
    }
    # eNPS: 100 * (0.4 - 0.4) = 0; SE = 100 * sqrt((0.8 - 0) / 5) = 40.
    assert cells["enps"] == {
        "value": 0.0,
        "ci_low": -78.4,
        "ci_high": 78.4,
        "n": 5,
        "se": 40.0,
    }
    # Burnout 3/5 with the Wilson interval (0.2307, 0.8824).
    assert cells["burnout"] == {"value": 60.0, "ci_low": 23.1, "ci_high": 88.2, "n": 5}
    # Workload on 0–100: same levels as engagement.
    assert cells["workload"]["value"] == 65.0


def test_statistics_reference_values():
    assert rs.cronbach_alpha([[1, 2], [2, 3], [3, 3]]) == pytest.approx(6 / 7)
    assert rs.cronbach_alpha([[1, 2], [2, 3]]) is None
    wilson = rs.wilson_interval(0, 10)
    assert (wilson.low, round(wilson.high, 4)) == (0.0, 0.2775)
    score = rs.enps([10] * 5)
    assert (score.value, score.spread) == (100.0, 0.0)
    with pytest.raises(ValueError):
        rs.mean_interval([50])


def test_change_since_previous_round_has_intervals(world):
    team = world["team_a1"]
    before = released_round(world, period=datetime.date(2026, 9, 1))
    for level in [3, 3, 4, 4, 5]:  # 50, 50, 75, 75, 100
        add_response(
            before, team=team, answers=answers(world["q"], level, enps=10, burnout=1)
        )
    now = released_round(world)
    for level, score, option in zip(
        [4, 4, 5, 5, 5], [10, 10, 10, 0, 0], [3, 3, 1, 1, 1], strict=True
    ):
        add_response(
            now,
            team=team,
            answers=answers(world["q"], level, enps=score, burnout=option),
        )
    payload = whole(now)
    assert payload["previous_round"]["id"] == before.pk
    changes = group(payload, team_key(team))["changes"]

    # Welch: means 70 and 90, variances 437.5 and 187.5, n = 5 each.
    v1, v2 = 437.5 / 5, 187.5 / 5
    df = (v1 + v2) ** 2 / (v1**2 / 4 + v2**2 / 4)
    half = stats.t.ppf(0.975, df) * math.sqrt(v1 + v2)
    assert changes["engagement"] == {
        "previous": 70.0,
        "difference": 20.0,
        "ci_low": round(20 - half, 1),
        "ci_high": round(20 + half, 1),
    }
    # Burnout 0/5 -> 2/5, Newcombe's hybrid score interval (-11.8, 76.9).
    assert changes["burnout"] == {
        "previous": 0.0,
        "difference": 40.0,
        "ci_low": -11.8,
        "ci_high": 76.9,
    }
    # eNPS 100 (SE 0) -> 20 (SE 43.8): -80 ± 1.96 × 43.8.
    se = 100 * math.sqrt((1 - 0.2**2) / 5)
    assert changes["enps"]["difference"] == -80.0
    assert changes["enps"]["ci_low"] == pytest.approx(-80 - 1.959964 * se, abs=0.06)


def test_low_alpha_withholds_the_engagement_index(world):
    round_ = released_round(world)
    q = world["q"]
    patterns = [
        [5, 1, 5, 1, 5, 1],
        [1, 5, 1, 5, 1, 5],
        [5, 1, 5, 1, 5, 1],
        [1, 5, 1, 5, 1, 5],
        [4, 2, 4, 2, 4, 3],
    ]
    for pattern in patterns:
        values = dict(zip([q[c] for c in ENGAGEMENT_CODES], pattern, strict=True))
        values[q["workload"]] = 4
        add_response(round_, team=world["team_a1"], answers=values)
    payload = whole(round_)
    reliability = payload["engagement_reliability"]
    assert reliability["reported"] is False
    assert reliability["alpha"] < 0.70
    assert "Cronbach's alpha" in reliability["reason"]
    organization = group(payload, "organization")["scores"]
    assert organization["engagement"] == {"hidden": "not reported (see note)"}
    assert organization["workload"]["value"] == 75.0


def test_each_measure_is_suppressed_on_who_answered_it(world):
    round_ = released_round(world)
    for i in range(6):
        skip = () if i < 4 else (world["q"]["enps"],)
        add_response(
            round_,
            team=world["team_b1"],
            answers=answers(world["q"], 3 + i % 3, enps=9, skip=skip),
        )
    cells = group(whole(round_), team_key(world["team_b1"]))["scores"]
    assert cells["enps"] == {"hidden": "fewer than 5 responses"}
    assert cells["engagement"]["n"] == 6


# --- no live results; response rates while open ----------------------------------


@pytest.mark.parametrize("status", [RoundStatus.OPEN, RoundStatus.CLOSED])
def test_before_release_only_rates_for_groups_of_k_invitees(world, client, status):
    round_ = RoundFactory(survey=world["survey"], status=status, min_group_size=5)
    a4 = TeamFactory(site=world["site_a"], name="Sterilization")
    invited = {world["team_a1"]: 6, world["team_a2"]: 3, a4: 2, world["team_b1"]: 7}
    responded = {world["team_a1"]: 4, world["team_a2"]: 1, a4: 1, world["team_b1"]: 2}
    for team, count in invited.items():
        for _ in range(count):
            add_invitation(round_, team=team)
        for _ in range(responded[team]):
            add_response(round_, team=team, answers=answers(world["q"], 5, enps=10))
    payload = whole(round_)
    assert "groups" not in payload and "comments" not in payload
    rates = {
        row["key"]: row.get("response_rate", row.get("hidden"))
        for row in payload["response_rates"]
    }
    site_a = world["site_a"].pk
    assert rates == {
        "organization": 44,
        f"site@{site_a}": 55,
        team_key(world["team_a1"]): 67,
        f"other_teams@{site_a}": 40,
        team_key(world["team_a2"]): "fewer than 5 people invited",
        team_key(a4): "fewer than 5 people invited",
        site_key(world["site_b"]): 29,
        team_key(world["team_b1"]): 29,
    }
    client.force_login(world["users"][Role.HR])
    page = client.get(reverse("survey_results:round_detail", args=[round_.pk]))
    assert page.status_code == 200
    assert page.templates[0].name == "surveys/results/rates.html"
    assert b"Engagement" not in page.content
    data = client.get(reverse("survey_results:round_json", args=[round_.pk])).json()
    assert "groups" not in data
    assert (
        client.get(reverse("survey_results:round_csv", args=[round_.pk])).status_code
        == 404
    )


# --- comments -------------------------------------------------------------------


def test_comments_need_ten_responses(world):
    round_ = released_round(world)
    for i in range(9):
        add_response(
            round_,
            team=world["team_a1"],
            answers=answers(world["q"], comment=f"note {i}"),
        )
    assert whole(round_)["comments"] == []


def test_comments_are_shuffled_without_dates(world):
    round_ = released_round(world)
    texts = [f"comment {i:02d}" for i in range(12)]
    for text in texts:
        add_response(
            round_, team=world["team_a1"], answers=answers(world["q"], comment=text)
        )
    organization = whole(round_)["comments"][0]
    assert organization["kind"] == "organization"
    shown = organization["questions"][0]["comments"]
    assert sorted(shown) == texts
    assert shown != texts and shown != texts[::-1]
    assert all(isinstance(c, str) for c in shown)

    # Entering the same answers in the opposite order changes nothing.
    Response.objects.filter(round=round_).delete()
    for text in reversed(texts):
        add_response(
            round_, team=world["team_a1"], answers=answers(world["q"], comment=text)
        )
    round_.released_at = timezone.now()
    round_.save()
    assert whole(round_)["comments"][0]["questions"][0]["comments"] == shown


# --- who sees what --------------------------------------------------------------


@pytest.fixture
def three_teams(world):
    round_ = released_round(world)
    for team in (world["team_a1"], world["team_a2"], world["team_b1"]):
        for i in range(10):
            add_response(
                round_,
                team=team,
                answers=answers(
                    world["q"], 3 + i % 3, enps=9, comment=f"{team.name} {i}"
                ),
            )
    return round_


def visible(world, round_, role):
    client_payload = results_payload(round_, Scope.for_user(world["users"][role]))
    comment_keys = {c["key"] for c in client_payload["comments"]}
    return keys(client_payload), comment_keys


def test_team_lead_sees_own_team_and_totals_only(world, three_teams):
    groups, comments = visible(world, three_teams, Role.TEAM_LEAD)
    assert groups == {
        "organization",
        site_key(world["site_a"]),
        team_key(world["team_a1"]),
    }
    # Team leads never get comments below organization and site level.
    assert comments == {"organization", site_key(world["site_a"])}


def test_site_manager_sees_their_site(world, three_teams):
    groups, comments = visible(world, three_teams, Role.SITE_MANAGER)
    site_a = world["site_a"].pk
    assert site_key(world["site_b"]) not in groups
    assert team_key(world["team_b1"]) not in groups
    assert {team_key(world["team_a1"]), team_key(world["team_a2"])} <= groups
    assert all(key == "organization" or key.endswith(f"@{site_a}") for key in groups)
    assert team_key(world["team_a1"]) in comments


def test_owner_sees_everything(world, three_teams):
    groups, comments = visible(world, three_teams, Role.OWNER)
    assert keys(whole(three_teams)) == groups
    assert team_key(world["team_b1"]) in comments
    assert Scope.for_user(world["users"][Role.STAFF]) is None


def test_staff_and_other_organizations_get_nothing(world, three_teams, client):
    url = reverse("survey_results:round_detail", args=[three_teams.pk])
    client.force_login(world["users"][Role.STAFF])
    assert client.get(url).status_code == 403
    other_round = RoundFactory(
        survey=SurveyFactory(organization=world["other_org"]),
        status=RoundStatus.RELEASED,
        released_at=timezone.now(),
    )
    draft = RoundFactory(survey=world["survey"])
    client.force_login(world["users"][Role.OWNER])
    for name in ("round_detail", "round_json", "round_csv"):
        for round_ in (other_round, draft):
            response = client.get(reverse(f"survey_results:{name}", args=[round_.pk]))
            assert response.status_code == 404


# --- pages and exports ------------------------------------------------------------


@pytest.fixture
def small_team_round(world):
    """Front desk 6, Hygiene 3 (Northside); Southside front desk 6."""
    round_ = released_round(world)
    sizes = {world["team_a1"]: 6, world["team_a2"]: 3, world["team_b1"]: 6}
    for team, size in sizes.items():
        for i in range(size):
            add_response(
                round_,
                team=team,
                answers=answers(world["q"], 3 + i % 3, enps=9, burnout=2),
            )
    return round_


def test_page_heatmap_and_suppressed_text(world, small_team_round, client):
    client.force_login(world["users"][Role.OWNER])
    response = client.get(
        reverse("survey_results:round_detail", args=[small_team_round.pk])
    )
    assert response.status_code == 200
    html = response.content.decode()
    hygiene = re.search(
        r"<tr>\s*<th scope=\"row\"[^>]*>\s*Hygiene.*?</tr>", html, re.S
    ).group(0)
    assert "fewer than 5 responses" in hygiene
    assert "3" not in hygiene
    assert "Counted in the Northside total only." in hygiene
    # Northside minus its front desk would expose the hygiene team.
    front_desk = group(whole(small_team_round), team_key(world["team_a1"]))
    assert front_desk["hidden"] == "hidden so that a smaller group cannot be worked out"
    assert 'class="score heat-' in html
    assert 'role="region"' in html and 'scope="col"' in html
    assert "results.css" in html


def test_json_equals_command_output(world, small_team_round, client, tmp_path):
    client.force_login(world["users"][Role.HR])
    from_view = client.get(
        reverse("survey_results:round_json", args=[small_team_round.pk])
    ).json()
    path = tmp_path / "results.json"
    out = io.StringIO()
    call_command(
        "survey_results",
        "--round",
        str(small_team_round.pk),
        "--json",
        str(path),
        stdout=out,
    )
    assert json.loads(path.read_text(encoding="utf-8")) == from_view
    assert "hidden" in out.getvalue()


def test_csv_suppresses_and_escapes(world, small_team_round, client):
    team = world["team_b1"]
    team.name = '=HYPERLINK("http://example.com")'
    team.save()
    small_team_round.released_at = timezone.now()  # a new release stamp: fresh cache
    small_team_round.save()
    client.force_login(world["users"][Role.OWNER])
    response = client.get(
        reverse("survey_results:round_csv", args=[small_team_round.pk])
    )
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    header, body = rows[0], rows[1:]
    assert header[:4] == ["round", "period", "group_type", "group"]
    labels = {row[3] for row in body}
    assert '\'=HYPERLINK("http://example.com")' in labels
    assert '=HYPERLINK("http://example.com")' not in labels
    hygiene = [row for row in body if row[3] == "Hygiene"]
    assert len(hygiene) == 1
    assert hygiene[0][4] == "" and hygiene[0][-1].startswith("fewer than 5 responses")
    released = [
        row for row in body if row[3] == "Brightsmile" and row[7] == "Employee NPS"
    ]
    assert released[0][4:7] == ["15", "0", ""]  # no invitations in this round
    assert released[0][9] == "100.0"  # everyone a promoter


def test_round_list_shows_released_and_open_rounds(world, small_team_round, client):
    open_round = RoundFactory(
        survey=world["survey"], status=RoundStatus.OPEN, name="Open one"
    )
    for _ in range(5):
        add_invitation(open_round, team=world["team_a1"])
    add_response(open_round, team=world["team_a1"])
    draft = RoundFactory(survey=world["survey"], name="Draft one")
    client.force_login(world["users"][Role.TEAM_LEAD])
    html = client.get(reverse("survey_results:round_list")).content.decode()
    assert small_team_round.name in html and "Open one" in html
    assert draft.name not in html
    assert "20%" in html


def test_heat_bands_have_readable_text():
    css = (Path(settings.BASE_DIR) / "static/css/results.css").read_text()

    def luminance(hex_colour):
        channels = [int(hex_colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
        linear = [
            c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4
            for c in channels
        ]
        return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]

    for name, background, text, _label in HEAT_BANDS:
        assert f".{name} {{ background:{background}; color:{text}; }}" in css
        lighter, darker = sorted([luminance(background), luminance(text)], reverse=True)
        assert (lighter + 0.05) / (darker + 0.05) >= 4.5, name


# --- in a real browser at phone width ----------------------------------------------


@pytest.mark.browser
@pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Chromium not installed")
def test_results_pages_at_360px_pass_axe(world, live_server, client, monkeypatch):
    from axe_playwright_python.sync_playwright import Axe
    from playwright.sync_api import sync_playwright

    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    artifacts = Path(settings.BASE_DIR) / "test-artifacts"
    artifacts.mkdir(exist_ok=True)
    team = world["team_a1"]
    before = released_round(world, period=datetime.date(2026, 9, 1), name="September")
    now = released_round(world, name="October")
    for round_, shift in ((before, 0), (now, 1)):
        for i in range(12):
            level = min(5, 2 + (i + shift) % 4)
            add_response(
                round_,
                team=team,
                answers=answers(
                    world["q"],
                    level,
                    enps=i % 11,
                    burnout=1 + i % 5,
                    comment=f"Idea {i}",
                ),
            )
    open_round = RoundFactory(
        survey=world["survey"], status=RoundStatus.OPEN, name="November"
    )
    for _ in range(6):
        add_invitation(open_round, team=team)
    client.force_login(world["users"][Role.OWNER])
    session = client.cookies[settings.SESSION_COOKIE_NAME].value

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        context = browser.new_context(
            viewport={"width": 360, "height": 740}, is_mobile=True
        )
        context.add_cookies(
            [
                {
                    "name": settings.SESSION_COOKIE_NAME,
                    "value": session,
                    "url": live_server.url,
                }
            ]
        )
        page = context.new_page()
        pages = {
            "list": reverse("survey_results:round_list"),
            "released": reverse("survey_results:round_detail", args=[now.pk]),
            "open": reverse("survey_results:round_detail", args=[open_round.pk]),
        }
        try:
            for name, path in pages.items():
                page.goto(live_server.url + path)
                page.screenshot(
                    path=str(artifacts / f"results-{name}.png"), full_page=True
                )
                report = Axe().run(page, options={"resultTypes": ["violations"]})
                assert report.violations_count == 0, report.generate_report()
                # Wide tables scroll inside their region, never the whole page.
                assert page.evaluate("document.documentElement.scrollWidth") <= 360, (
                    name
                )
            page.goto(live_server.url + pages["released"])
            assert page.get_by_role(
                "heading", name="Change since the previous round"
            ).is_visible()
            assert page.locator("td.score").count() > 0
        finally:
            context.close()
            browser.close()


def test_custom_questions_are_reported(world):
    org = world["org"]
    survey = world["survey"]
    extra = {
        "parking": (QuestionKind.AGREEMENT, []),
        "commute": (QuestionKind.SCALE, []),
        "shift": (
            QuestionKind.CHOICE,
            [
                {"value": 1, "en": "Early", "es": "Temprano"},
                {"value": 2, "en": "Late", "es": "Tarde"},
            ],
        ),
    }
    questions = {}
    for position, (code, (kind, options)) in enumerate(extra.items(), start=50):
        questions[code] = QuestionFactory(
            organization=org,
            code=code,
            kind=kind,
            measure=Measure.CUSTOM,
            options=options,
        )
        SurveyQuestion.objects.create(
            survey=survey, question=questions[code], position=position
        )
    round_ = released_round(world)
    for i in range(5):
        values = answers(world["q"], 3 + i % 3)
        values.update(
            {
                questions["parking"]: 5,
                questions["commute"]: 2 * i,
                questions["shift"]: 1 + (i < 2),
            }
        )
        add_response(round_, team=world["team_a1"], answers=values)
    payload = whole(round_)
    codes = [m["code"] for m in payload["measures"]]
    assert codes[-3:] == ["q:parking", "q:commute", "q:shift"]
    cells = group(payload, "organization")["scores"]
    assert cells["q:parking"]["value"] == 100.0
    assert cells["q:commute"]["value"] == 4.0  # mean of 0, 2, 4, 6, 8 on 0–10
    assert cells["q:shift"] == {
        "n": 5,
        "options": [
            {"value": 1, "label": "Early", "percent": 60.0},
            {"value": 2, "label": "Late", "percent": 40.0},
        ],
    }


def test_released_round_without_responses(world, client):
    round_ = released_round(world)
    for _ in range(5):
        add_invitation(round_, team=world["team_a1"])
    payload = whole(round_)
    assert payload["groups"] == [
        {
            "key": team_key(world["team_a1"]),
            "kind": "team",
            "section": "sites",
            "label": "Front desk",
            "site": world["site_a"].pk,
            "site_label": "Northside",
            "team_ids": [world["team_a1"].pk],
            "hidden": "fewer than 5 responses",
        }
    ]
    assert payload["engagement_reliability"]["reported"] is False
    client.force_login(world["users"][Role.HR])
    page = client.get(reverse("survey_results:round_detail", args=[round_.pk]))
    assert page.status_code == 200


def test_alpha_needs_k_complete_answer_sets(world):
    round_ = released_round(world)
    for i in range(6):
        skip = () if i < 4 else (world["q"]["eng_1"],)
        add_response(
            round_,
            team=world["team_a1"],
            answers=answers(world["q"], 2 + i % 4, skip=skip),
        )
    reliability = whole(round_)["engagement_reliability"]
    assert (reliability["alpha"], reliability["n"], reliability["reported"]) == (
        None,
        4,
        False,
    )


def test_command_refuses_rounds_without_results(world, tmp_path):
    draft = RoundFactory(survey=world["survey"])
    with pytest.raises(CommandError, match="no results"):
        call_command(
            "survey_results",
            "--round",
            str(draft.pk),
            "--json",
            str(tmp_path / "x.json"),
        )
    with pytest.raises(CommandError, match="No round"):
        call_command("survey_results", "--round", "999999", "--json", "-")

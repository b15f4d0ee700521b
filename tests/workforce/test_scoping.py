"""Who reaches what: every workforce URL that takes an id, for every role.

Each test walks one URL over every target in ``org_world`` and compares the
whole outcome table at once, so a failure shows every cell that is wrong.

Targets: "own" is in the user's scope (site A / team A1), "team" another team
at the same site, "site" another site of the same organization, "org" another
organization. Outcomes: 200, 404, 403 (the role may not use the page at all),
"login" (sent to sign in) and "admin" (Wagtail sends the user back to the
dashboard: the role may use the back office, but not this kind of screen).
"""

import pytest
from django.conf import settings
from django.urls import reverse

from tests.factories import UserFactory
from tests.workforce.skills.factories import SkillFactory, TeamSkillRequirementFactory
from workforce import wagtail_hooks
from workforce.models import Role
from workforce.skills import wagtail_hooks as skills_wagtail_hooks

ROLES = [Role.OWNER, Role.HR, Role.SITE_MANAGER, Role.TEAM_LEAD, Role.STAFF, None]


def _outcome(response):
    if response.status_code in (200, 403, 404):
        return response.status_code
    if response.status_code == 302:
        location = response["Location"]
        if location.startswith(
            (reverse(settings.LOGIN_URL), reverse("wagtailadmin_login"))
        ):
            return "login"
        if location == reverse("wagtailadmin_home"):
            return "admin"
    return f"{response.status_code} {response.get('Location', '')}"


def _client_for(client, world, role):
    if role is not None:
        client.force_login(world["users"][role])
    return client


def _walk(client, urls):
    return {target: _outcome(client.get(url)) for target, url in urls.items()}


# --- Workforce pages ---------------------------------------------------------------

SITES = {"own": "site_a", "site": "site_b", "org": "other_site"}
TEAMS = {"own": "team_a1", "team": "team_a2", "site": "team_b1", "org": "other_team"}

EVERYTHING = {"own": 200, "team": 200, "site": 200, "org": 404}
OWN_SITE = {"own": 200, "team": 200, "site": 404, "org": 404}
OWN_TEAM = {"own": 200, "team": 404, "site": 404, "org": 404}


def _everywhere(outcome, targets):
    return dict.fromkeys(targets, outcome)


SITE_DETAIL = {
    Role.OWNER: {"own": 200, "site": 200, "org": 404},
    Role.HR: {"own": 200, "site": 200, "org": 404},
    Role.SITE_MANAGER: {"own": 200, "site": 404, "org": 404},
    # A team lead sees the site their team is at, and no other.
    Role.TEAM_LEAD: {"own": 200, "site": 404, "org": 404},
    Role.STAFF: _everywhere(403, SITES),
    None: _everywhere("login", SITES),
}
TEAM_AND_STAFF_DETAIL = {
    Role.OWNER: EVERYTHING,
    Role.HR: EVERYTHING,
    Role.SITE_MANAGER: OWN_SITE,
    Role.TEAM_LEAD: OWN_TEAM,
    Role.STAFF: _everywhere(403, TEAMS),
    None: _everywhere("login", TEAMS),
}


@pytest.mark.parametrize("role", ROLES)
def test_site_detail(client, org_world, role):
    urls = {
        target: reverse("workforce:site_detail", args=[org_world[name].pk])
        for target, name in SITES.items()
    }

    assert _walk(_client_for(client, org_world, role), urls) == SITE_DETAIL[role]


@pytest.mark.parametrize("role", ROLES)
def test_team_detail(client, org_world, role):
    urls = {
        target: reverse("workforce:team_detail", args=[org_world[name].pk])
        for target, name in TEAMS.items()
    }

    expected = TEAM_AND_STAFF_DETAIL[role]
    assert _walk(_client_for(client, org_world, role), urls) == expected


@pytest.mark.parametrize("role", ROLES)
def test_staff_detail(client, org_world, role):
    # Not the staff user's own record: staff see no one's records here.
    urls = {
        target: reverse(
            "workforce:staff_detail",
            args=[org_world["people"][org_world[name]][1].pk],
        )
        for target, name in TEAMS.items()
    }

    expected = TEAM_AND_STAFF_DETAIL[role]
    assert _walk(_client_for(client, org_world, role), urls) == expected


def test_staff_cannot_open_even_their_own_record(client, org_world):
    staff_user = org_world["users"][Role.STAFF]
    client.force_login(staff_user)

    response = client.get(
        reverse("workforce:staff_detail", args=[staff_user.staff_member_id])
    )

    assert response.status_code == 403


# --- List pages: what they show, and what they never show -----------------------

LIST_SITES = {
    Role.OWNER: {"Northside", "Southside"},
    Role.HR: {"Northside", "Southside"},
    Role.SITE_MANAGER: {"Northside"},
    Role.TEAM_LEAD: {"Northside"},
}


@pytest.mark.parametrize("role", list(LIST_SITES))
def test_site_list_shows_the_sites_in_scope_and_no_other(client, org_world, role):
    client.force_login(org_world["users"][role])

    response = client.get(reverse("workforce:site_list"))

    body = response.content.decode()
    shown = {name for name in ("Northside", "Southside", "Elsewhere") if name in body}
    assert response.status_code == 200
    assert shown == LIST_SITES[role]


LIST_TEAMS = {
    Role.OWNER: {"team_a1", "team_a2", "team_b1"},
    Role.HR: {"team_a1", "team_a2", "team_b1"},
    Role.SITE_MANAGER: {"team_a1", "team_a2"},
    Role.TEAM_LEAD: {"team_a1"},
}


@pytest.mark.parametrize("role", list(LIST_TEAMS))
def test_staff_list_shows_the_people_in_scope_and_no_other(client, org_world, role):
    client.force_login(org_world["users"][role])

    response = client.get(reverse("workforce:staff_list"))

    body = response.content.decode()
    every_team = ("team_a1", "team_a2", "team_b1", "other_team")
    shown = {
        team
        for team in every_team
        for person in org_world["people"][org_world[team]]
        if person.full_name in body
    }
    assert response.status_code == 200
    assert shown == LIST_TEAMS[role]
    assert "Other Group" not in body


@pytest.mark.parametrize("name", ["workforce:site_list", "workforce:staff_list"])
def test_list_pages_refuse_staff_and_send_visitors_to_sign_in(client, org_world, name):
    anonymous = client.get(reverse(name))
    client.force_login(org_world["users"][Role.STAFF])
    staff = client.get(reverse(name))

    assert _outcome(anonymous) == "login"
    assert staff.status_code == 403


# --- The back office -------------------------------------------------------------

VIEWSETS = {
    viewset.name: viewset
    for group in (wagtail_hooks.WorkforceGroup, skills_wagtail_hooks.SkillsGroup)
    for viewset in group().registerables
}
OBJECT_VIEWS = ("edit", "delete", "inspect", "history", "usage")


def _admin_targets(world):
    """One object in the organization and one outside it, for each viewset."""
    other_owner = UserFactory(organization=world["other_org"], role=Role.OWNER)
    own_person = world["people"][world["team_a1"]][1]
    other_person = world["people"][world["other_team"]][1]
    return {
        "workforce_organization": (world["org"], world["other_org"]),
        "workforce_site": (world["site_b"], world["other_site"]),
        "workforce_team": (world["team_a2"], world["other_team"]),
        "workforce_jobrole": (own_person.job_role, other_person.job_role),
        "workforce_staffmember": (own_person, other_person),
        "workforce_teammembership": (
            own_person.memberships.get(),
            other_person.memberships.get(),
        ),
        "workforce_user": (world["users"][Role.TEAM_LEAD], other_owner),
        "skills_skill": (
            SkillFactory(organization=world["org"]),
            SkillFactory(organization=world["other_org"]),
        ),
        "skills_requirement": (
            TeamSkillRequirementFactory(team=world["team_a2"]),
            TeamSkillRequirementFactory(team=world["other_team"]),
        ),
    }


def test_every_back_office_viewset_is_in_the_matrix(org_world):
    assert set(VIEWSETS) == set(_admin_targets(org_world))
    for viewset in VIEWSETS.values():
        with_ids = {
            pattern.name
            for pattern in viewset.get_urlpatterns()
            if "<int:pk>" in str(pattern.pattern)
        }
        # A new object view must be added to OBJECT_VIEWS (and scoped).
        assert with_ids <= {*OBJECT_VIEWS, "history_results"}, viewset.name


# What owner and HR get on their own organization's objects; any other
# organization's object is a 404 on every one of these URLs.
OWN_OBJECT = {
    "workforce_organization": {
        "edit": 200,
        "delete": "admin",
        "inspect": 200,
        "history": 200,
        "usage": 200,
    },
    "workforce_teammembership": {
        "edit": "admin",
        "delete": "admin",
        "inspect": 200,
        "history": "admin",
        "usage": "admin",
    },
}
FULL_ACCESS = dict.fromkeys(OBJECT_VIEWS, 200)


def _admin_expected(viewset_name, role):
    own = OWN_OBJECT.get(viewset_name, FULL_ACCESS)
    views = [*OBJECT_VIEWS, "history_results"]
    if role in (Role.OWNER, Role.HR):
        own = {**own, "history_results": own["history"]}
        return {("own", v): own[v] for v in views} | {("org", v): 404 for v in views}
    # No back office at all: Wagtail sends them to sign in.
    return {(target, v): "login" for target in ("own", "org") for v in views}


@pytest.mark.parametrize("viewset_name", sorted(VIEWSETS))
def test_back_office_object_urls(client, org_world, viewset_name):
    own, foreign = _admin_targets(org_world)[viewset_name]
    viewset = VIEWSETS[viewset_name]
    views = [*OBJECT_VIEWS, "history_results"]
    for role in ROLES:
        client.logout()
        _client_for(client, org_world, role)
        urls = {
            (target, view): reverse(viewset.get_url_name(view), args=[obj.pk])
            for target, obj in (("own", own), ("org", foreign))
            for view in views
        }

        assert _walk(client, urls) == _admin_expected(viewset_name, role), role


@pytest.mark.parametrize("viewset_name", sorted(VIEWSETS))
def test_back_office_foreign_posts_change_nothing(client, org_world, viewset_name):
    _, foreign = _admin_targets(org_world)[viewset_name]
    viewset = VIEWSETS[viewset_name]
    client.force_login(org_world["users"][Role.OWNER])

    edit = client.post(
        reverse(viewset.get_url_name("edit"), args=[foreign.pk]), {"name": "Taken"}
    )
    delete = client.post(reverse(viewset.get_url_name("delete"), args=[foreign.pk]))

    expected = _admin_expected(viewset_name, Role.OWNER)
    assert _outcome(edit) == expected[("org", "edit")]
    assert _outcome(delete) == expected[("org", "delete")]
    assert type(foreign).objects.filter(pk=foreign.pk).exists()


@pytest.mark.parametrize("viewset_name", sorted(VIEWSETS))
def test_back_office_lists_never_name_another_organization(
    client, org_world, viewset_name
):
    own, foreign = _admin_targets(org_world)[viewset_name]
    viewset = VIEWSETS[viewset_name]
    client.force_login(org_world["users"][Role.OWNER])

    listing = client.get(reverse(viewset.get_url_name("index")))
    results = client.get(reverse(viewset.get_url_name("index_results")))

    assert listing.status_code == 200
    assert own in list(listing.context["object_list"])
    assert foreign not in list(listing.context["object_list"])
    for response in (listing, results):
        body = response.content.decode()
        assert "Other Group" not in body
        assert "Elsewhere" not in body


@pytest.mark.parametrize("role", [Role.SITE_MANAGER, Role.TEAM_LEAD, Role.STAFF, None])
def test_back_office_lists_are_closed_to_everyone_else(client, org_world, role):
    _client_for(client, org_world, role)

    outcomes = {
        name: _outcome(client.get(reverse(viewset.get_url_name("index"))))
        for name, viewset in VIEWSETS.items()
    }

    assert outcomes == dict.fromkeys(VIEWSETS, "login")

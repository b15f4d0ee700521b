"""Who can reach what, built from the URL configuration itself.

Every URL pattern the project serves is found by walking
``django.urls.get_resolver()``, so a new URL cannot be forgotten:

* a pattern on the PUBLIC allow-list below is skipped, with its reason;
* every other pattern has each of its kwargs filled by a FILLERS entry with an
  object of ANOTHER team, site or organization than the signed-in user's (or a
  fixed value for kwargs that are not objects). A kwarg nobody registered fails
  the test, naming the pattern: register a filler for it here.

Each role (visitor, staff, team lead, site manager, HR, owner, another
organization's owner) requests each URL with GET and with POST. The outcome
must be a denial (sent to sign in, 403, 404, 405, or Wagtail's "no permission"
redirect to its dashboard) whenever the object is outside the role's scope, and
never a server error. Pages without object kwargs that a role may open must not
show anything of the other organization.

The Wagtail admin (/admin/) is walked the same way: roles with no back office
must be turned away from every admin URL; owners and HR must get a 404 for
another organization's object in every organization-scoped viewset. Wagtail's
own object screens (pages, images, documents, workflows, Wagtail users and
groups, sites, collections) hold no organization data here and owner/HR hold
no permission on them (workforce/auth_backends.py); their ids are filled with
a value that names nothing, so only the role check is exercised there.

tests/workforce/test_scoping.py keeps the finer table (what each role *does*
see in its own scope); this file is the net that catches a new URL.
"""

import datetime
import re

import pytest
from django.conf import settings
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from reports.actions.models import ActionPlan
from reports.flywheel_report.storage import report_storage
from reports.models import AnalysisRun, FlywheelReport, PatientFeedbackBatch
from reports.patients.capture import capture_point_create
from tests.factories import (
    QuestionFactory,
    RoundFactory,
    SurveyFactory,
    SurveyQuestionFactory,
    UserFactory,
)
from tests.workforce.skills.factories import SkillFactory, TeamSkillRequirementFactory
from tests.workforce.training.factories import (
    CompletionFactory,
    CourseFactory,
    RequirementFactory,
)
from workforce.models import Role, RosterImport
from workforce.recognition.models import CompanyValue, Recognition

# --- Public and account URLs: not subject to the matrix ---------------------------
# name (namespace:name) or route prefix -> why anyone may open it.
PUBLIC = {
    "login": "the sign-in form",
    "logout": "signing out only ends the caller's own session",
    "set_language": "switches the caller's language (i18n)",
    "surveys:": "anonymous staff survey pages (/s/): a code, not a login, admits",
    "patient:": "anonymous patient feedback pages (/p/): the poster's token admits",
    "workforce:mfa_verify": "the caller's own second-factor step (workforce/mfa)",
    "workforce:mfa_setup": "enrolling the caller's own authenticator",
    "workforce:mfa_backup_codes": "the caller's own backup codes",
    "wagtail_serve": "Wagtail's public content pages (/pages/)",
    "wagtailcore_login": "Wagtail's login for restricted content pages",
    "wagtailcore_authenticate_with_password": "password form of a restricted page",
    "wagtailadmin_login": "the back office's sign-in form",
    "wagtailadmin_logout": "signing out of the back office",
    "wagtailadmin_password_reset*": "password reset by email (no data shown)",
    "wagtailadmin_javascript_catalog": "translated strings for the admin's scripts",
    "wagtailadmin_sprite": "the admin's icon sprite",
}
# Served only with DEBUG (config/urls.py); MEDIA holds no private files.
DEBUG_ONLY = {"^media/(?P<path>.*)$"}

ROLES = [
    None,
    Role.STAFF,
    Role.TEAM_LEAD,
    Role.SITE_MANAGER,
    Role.HR,
    Role.OWNER,
    "other_owner",
]

# Which "other party" each role must be refused. Variants: "team" is another
# team at the user's site (team_a2), "site" another site of the organization
# (site_b), "org" another organization. The other organization's owner is
# refused everything of the first organization ("team" and "site" variants).
FOREIGN = {
    None: {"team", "site", "org"},
    Role.STAFF: {"team", "site", "org"},
    Role.TEAM_LEAD: {"team", "site", "org"},
    Role.SITE_MANAGER: {"site", "org"},
    Role.HR: {"org"},
    Role.OWNER: {"org"},
    "other_owner": {"team", "site"},
}


# --- Walking the URL configuration ------------------------------------------------


def _walk(resolver=None, prefix="", namespace=""):
    resolver = resolver or get_resolver()
    for entry in resolver.url_patterns:
        route = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            ns = namespace
            if entry.namespace:
                ns = f"{namespace}{entry.namespace}:"
            yield from _walk(entry, route, ns)
        elif isinstance(entry, URLPattern):
            name = f"{namespace}{entry.name}" if entry.name else ""
            yield route, name, entry


def _kwargs_of(route):
    return [a or b for a, b in re.findall(r"<(?:\w+:)?(\w+)>|\(\?P<(\w+)>", route)]


def _public_reason(route, name):
    for key, reason in PUBLIC.items():
        if name == key or (
            key.endswith((":", "_", "*")) and name.startswith(key.rstrip("*"))
        ):
            return reason
    return None


def _fill(route, values):
    """The concrete path for ``route`` with ``values`` for its kwargs."""

    def value(match):
        return str(values[match.group(1) or match.group(2)])

    path = re.sub(r"<(?:\w+:)?(\w+)>|\(\?P<(\w+)>[^)]*\)", value, route)
    path = path.lstrip("^").rstrip("$").replace("\\", "")
    return "/" + path


# --- Objects of the other parties --------------------------------------------------


@pytest.fixture
def world(org_world, settings, tmp_path):
    """org_world plus one object of every kind per "other party" variant."""
    settings.PRIVATE_STORAGE_ROOT = str(tmp_path)
    w = org_world
    org, other = w["org"], w["other_org"]
    owner = w["users"][Role.OWNER]
    other_owner = UserFactory(organization=other, role=Role.OWNER)
    w["users"]["other_owner"] = other_owner
    teams = {"team": w["team_a2"], "site": w["team_b1"], "org": w["other_team"]}
    sites = {"team": w["site_a"], "site": w["site_b"], "org": w["other_site"]}
    orgs = {"team": org, "site": org, "org": other}
    owners = {"team": owner, "site": owner, "org": other_owner}
    people = {v: w["people"][team][1] for v, team in teams.items()}
    objects = {}
    for variant, team in teams.items():
        organization, site, person = orgs[variant], sites[variant], people[variant]
        value = CompanyValue.objects.get_or_create(
            organization=organization, name="Kindness"
        )[0]
        objects[variant] = {
            "team": team,
            "site": site,
            "person": person,
            "completion": CompletionFactory(staff_member=person),
            "recognition": Recognition.objects.create(
                organization=organization,
                nominee=person,
                nominator_name="Someone",
                value=value,
                story="Stayed late to help a patient.",
                recognised_on=datetime.date(2025, 3, 1),
                site=person.site,
                team=person.team,
                job_role=person.job_role,
                employment_type=person.employment_type,
            ),
            "value": value,
            "point": capture_point_create(site=site, team=team),
            # A login in that team, site or organization (second-factor reset).
            "user": UserFactory(
                organization=organization,
                role=Role.TEAM_LEAD if variant == "team" else Role.SITE_MANAGER,
            ),
            "action": ActionPlan.objects.create(
                organization=organization,
                title="Protected breaks",
                team=team,
                measure=ActionPlan._meta.get_field("measure").choices[0][0],
                start_date=datetime.date(2025, 1, 1),
                owner=owners[variant],
            ),
        }
    for variant in ("site", "org"):
        organization = orgs[variant]
        survey = SurveyFactory(organization=organization)
        objects[variant] |= {
            "round": RoundFactory(survey=survey),
            "import": RosterImport.objects.create(
                organization=organization,
                original_filename="roster.csv",
                effective_date=datetime.date(2025, 1, 1),
                status=RosterImport.Status.DONE,
                errors=[{"row": 2, "column": "x", "message": "m"}],
            ),
            "batch": PatientFeedbackBatch.objects.create(
                organization=organization,
                filename="scores.csv",
                file_sha256=f"{variant:0>64}"[:64],
                status=PatientFeedbackBatch.Status.FAILED,
                errors=[{"row": 2, "column": "x", "message": "m"}],
                error_count=1,
            ),
            "run": AnalysisRun.objects.create(
                organization=organization,
                period_start=datetime.date(2025, 1, 1),
                period_end=datetime.date(2025, 6, 1),
            ),
            "report": _finished_report(organization),
            # Back-office models (Wagtail viewsets), by model label.
            "skills.Skill": SkillFactory(organization=organization),
            "skills.TeamSkillRequirement": TeamSkillRequirementFactory(
                team=teams[variant]
            ),
            "training.Course": CourseFactory(organization=organization),
            "training.Requirement": RequirementFactory(
                course=CourseFactory(organization=organization)
            ),
            "surveys.Survey": survey,
            "surveys.Question": QuestionFactory(organization=organization),
            "surveys.SurveyQuestion": SurveyQuestionFactory(survey=survey),
            "surveys.PulseSchedule": _pulse_schedule(organization, survey),
        }
    # Organization-level objects have no "team" variant of their own: the
    # first organization's copy stands in (a team lead must not reach it).
    for key in ("round", "import", "batch", "run", "report"):
        objects["team"][key] = objects["site"][key]
    w["objects"] = objects
    return w


def _finished_report(organization):
    """A ready report with a real file, so only scoping stands between it and
    a download (a queued one is a 404 for everyone)."""
    report = FlywheelReport.objects.create(
        organization=organization,
        period_label="2025-06",
        period_start=datetime.date(2025, 6, 1),
        version=1,
        status=FlywheelReport.Status.DONE,
        page_count=1,
    )
    report.file.name = report_storage().write_atomically(
        f"{organization.slug}/report-{report.pk}.pdf", TINY_PDF
    )
    report.save(update_fields=["file"])
    return report


# A one-page PDF with no content: enough for a download, nothing to render.
TINY_PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 612 792]>>endobj\n"
    b"trailer<</Root 1 0 R>>\n%%EOF\n"
)


def _pulse_schedule(organization, survey):
    from surveys.models import PulseSchedule

    return PulseSchedule.objects.create(
        organization=organization,
        survey=survey,
        frequency=PulseSchedule._meta.get_field("frequency").choices[0][0],
    )


def _by_pk(key):
    return lambda objects: objects[key].pk


# kwarg name -> how to fill it from one variant's objects. Register new kwargs here.
FILLERS = {
    "site_id": _by_pk("site"),
    "team_id": _by_pk("team"),
    "staff_id": _by_pk("person"),
    "import_id": _by_pk("import"),
    "round_id": _by_pk("round"),
    "completion_id": _by_pk("completion"),
    "recognition_id": _by_pk("recognition"),
    "value_id": _by_pk("value"),
    "batch_id": _by_pk("batch"),
    "point_id": _by_pk("point"),
    "run_id": _by_pk("run"),
    "report_id": _by_pk("report"),
    "action_id": _by_pk("action"),
    "user_id": _by_pk("user"),
    # Not objects: the dashboards' "every table as one workbook" export.
    "table": lambda objects: "all",
    "file_format": lambda objects: "xlsx",
}


# Kwargs naming a site: the "team" variant's site is the user's own site (a
# team lead may see the site their team is at), so only "site" and "org" apply.
SITE_LEVEL = {"site_id"}


def _variants(route):
    if SITE_LEVEL & set(_kwargs_of(route)):
        return ("site", "org")
    return ("team", "site", "org")


def _url_for(route, name, objects):
    missing = [k for k in _kwargs_of(route) if k not in FILLERS]
    if missing:
        pytest.fail(
            f"URL {route!r} ({name or 'unnamed'}) takes {missing}: register a way "
            "to fill it in FILLERS in tests/test_access_matrix.py (an object of "
            "another team, site and organization), or add it to PUBLIC with the "
            "reason anyone may open it."
        )
    return _fill(route, {k: FILLERS[k](objects) for k in _kwargs_of(route)})


def _app_urls():
    for route, name, _entry in _walk():
        if route.startswith("admin/") or route in DEBUG_ONLY:
            continue
        if _public_reason(route, name):
            continue
        yield route, name


# --- Outcomes ----------------------------------------------------------------------


def _denied(response):
    if response.status_code in (403, 404, 405):
        return True
    if response.status_code == 302:
        location = response["Location"]
        return location.startswith(
            (reverse(settings.LOGIN_URL), reverse("wagtailadmin_login"))
        ) or location == reverse("wagtailadmin_home")
    return False


def _body(response):
    # Reading a streamed response to its end closes it, the way the test client
    # expects (closing it again would fire request_finished and close the
    # database connection under the test's transaction).
    if response.streaming:
        return b"".join(response.streaming_content)
    return response.content


def _describe(response):
    return f"{response.status_code} {response.get('Location', '')}".strip()


def _client_for(client, world, role):
    client.logout()
    if role is not None:
        client.force_login(world["users"][role])
    return client


FOREIGN_MARKERS = ("Other Group", "Elsewhere")


@pytest.mark.parametrize("role", ROLES, ids=lambda r: str(r))
def test_every_app_url_refuses_other_parties(client, world, role):
    client = _client_for(client, world, role)
    problems = []
    for route, name in _app_urls():
        kwargs = _kwargs_of(route)
        object_kwargs = [k for k in kwargs if k not in ("table", "file_format")]
        for variant in _variants(route):
            url = _url_for(route, name, world["objects"][variant])
            for method in ("get", "post"):
                response = getattr(client, method)(url)
                if response.status_code >= 500:
                    problems.append(f"{method.upper()} {url} ({name}): server error")
                    continue
                if object_kwargs and variant in FOREIGN[role]:
                    if not _denied(response):
                        problems.append(
                            f"{method.upper()} {url} ({name}) as {role} on "
                            f"another {variant}'s object: {_describe(response)}"
                        )
                elif response.status_code == 200 and role != "other_owner":
                    body = _body(response).decode(errors="replace")
                    shown = [m for m in FOREIGN_MARKERS if m in body]
                    if shown:
                        problems.append(
                            f"{method.upper()} {url} ({name}) as {role} shows "
                            f"the other organization: {shown}"
                        )
            if not object_kwargs:
                break  # one request is enough for a URL without objects
    assert not problems, "\n".join(problems)


def test_every_non_public_url_needs_a_filler_or_a_reason(world):
    """The fail-fast check on its own, so its message is the first one read."""
    for route, name in _app_urls():
        _url_for(route, name, world["objects"]["org"])


# --- The Wagtail admin -------------------------------------------------------------

# Wagtail kwargs that are not organization objects: a value that names nothing.
WAGTAIL_PLACEHOLDERS = {
    "page_id": 999999,
    "parent_page_id": 999999,
    "page_to_move_id": 999999,
    "destination_id": 999999,
    "page_pk": 999999,
    "revision_id": 999999,
    "revision_id_a": 999999,
    "revision_id_b": 999999,
    "image_id": 999999,
    "document_id": 999999,
    "doc_id": 999999,
    "uploaded_file_id": 999999,
    "collection_id": 999999,
    "task_id": 999999,
    "task_state_id": 999999,
    "workflow_state_id": 999999,
    "workflow_pk": 999999,
    "session_id": 999999,
    "object_id": 999999,
    "app_label": "workforce",
    "model_name": "site",
    "app_name": "workforce",
    "content_type_app_name": "workforce",
    "content_type_model_name": "site",
    "action_name": "delete",
    "action": "delete",
    "filter_spec": "original",
    "variant": "x",
    "uidb64": "MQ",
    "token": "set-password",
}


def _admin_urls():
    for route, name, entry in _walk():
        if route.startswith("admin/") and not _public_reason(route, name):
            yield route, name, entry


def _admin_model(entry):
    """The model an admin view works on, when it is one of our scoped viewsets."""
    view_class = getattr(entry.callback, "view_class", None)
    initkwargs = getattr(entry.callback, "view_initkwargs", {}) or {}
    model = initkwargs.get("model") or getattr(view_class, "model", None)
    if not isinstance(model, type) or model._meta.app_label not in (
        "workforce",
        "skills",
        "training",
        "surveys",
    ):
        return None
    return model


def _admin_object(model, world, variant):
    label = model._meta.label
    objects = world["objects"][variant]
    core = {
        "workforce.Organization": world["other_org"]
        if variant == "org"
        else world["org"],
        "workforce.Site": objects["site"],
        "workforce.Team": objects["team"],
        "workforce.JobRole": objects["person"].job_role,
        "workforce.StaffMember": objects["person"],
        "workforce.TeamMembership": objects["person"].memberships.first(),
        "workforce.User": world["users"]["other_owner"]
        if variant == "org"
        else world["users"][Role.TEAM_LEAD],
    }
    core["surveys.Round"] = objects["round"]
    if label in core:
        return core[label]
    if label in objects:
        return objects[label]
    pytest.fail(
        f"Back-office model {label} has object URLs but no object in the "
        "access matrix: add one to the world fixture in tests/test_access_matrix.py"
    )


def _admin_url(route, name, entry, world, variant):
    values = {}
    model = _admin_model(entry)
    for kwarg in _kwargs_of(route):
        if kwarg == "pk" and model is not None:
            values[kwarg] = _admin_object(model, world, variant).pk
        elif kwarg == "pk":
            values[kwarg] = 999999
        elif kwarg in WAGTAIL_PLACEHOLDERS:
            values[kwarg] = WAGTAIL_PLACEHOLDERS[kwarg]
        else:
            pytest.fail(
                f"Admin URL {route!r} ({name}) takes {kwarg!r}: add it to "
                "WAGTAIL_PLACEHOLDERS (not an organization object) or teach "
                "_admin_url how to find another organization's object for it."
            )
    return _fill(route, values)


@pytest.mark.parametrize(
    "role", [None, Role.STAFF, Role.TEAM_LEAD, Role.SITE_MANAGER], ids=str
)
def test_no_back_office_for_roles_without_one(client, world, role):
    client = _client_for(client, world, role)
    problems = []
    for route, name, entry in _admin_urls():
        url = _admin_url(route, name, entry, world, "site")
        for method in ("get", "post"):
            response = getattr(client, method)(url)
            if not _denied(response):
                problems.append(
                    f"{method.upper()} {url} ({name}): {_describe(response)}"
                )
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("role", [Role.OWNER, Role.HR, "other_owner"], ids=str)
def test_back_office_objects_of_another_organization_are_404(client, world, role):
    client = _client_for(client, world, role)
    variant = "site" if role == "other_owner" else "org"
    problems, checked = [], set()
    for route, name, entry in _admin_urls():
        if "pk" not in _kwargs_of(route) or _admin_model(entry) is None:
            continue
        url = _admin_url(route, name, entry, world, variant)
        checked.add(_admin_model(entry)._meta.label)
        for method in ("get", "post"):
            response = getattr(client, method)(url)
            if response.status_code >= 500 or not _denied(response):
                problems.append(
                    f"{method.upper()} {url} ({name}): {_describe(response)}"
                )
    assert not problems, "\n".join(problems)
    # Every organization-scoped viewset was reached, not skipped.
    assert {"workforce.StaffMember", "surveys.Round", "training.Course"} <= checked

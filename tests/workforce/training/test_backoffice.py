"""Courses and requirements in the Wagtail back office (training/wagtail_hooks.py)."""

import pytest
from django.urls import reverse

from tests.workforce.training.factories import CourseFactory
from workforce.auth_backends import RolePermissionBackend
from workforce.models import Role
from workforce.training.models import Course, Requirement

SCREENS = ["training_course", "training_requirement"]


@pytest.fixture
def hr_client(client, world):
    client.force_login(world["users"][Role.HR])
    return client


def _options(response, field):
    form = response.context["form"]
    return {str(label) for value, label in form.fields[field].choices if value}


def test_hr_has_the_training_permissions(world):
    hr = world["users"][Role.HR]
    backend = RolePermissionBackend()
    for perm in ("training.add_course", "training.change_requirement"):
        assert backend.has_perm(hr, perm)
        assert backend.has_perm(hr, perm, obj=world["bls"])
    assert not backend.has_perm(hr, "training.view_course", obj=world["other_course"])
    assert not backend.has_perm(world["users"][Role.TEAM_LEAD], "training.view_course")


@pytest.mark.parametrize("screen", SCREENS)
@pytest.mark.parametrize("role", [Role.SITE_MANAGER, Role.TEAM_LEAD, Role.STAFF])
def test_other_roles_are_sent_away(client, world, role, screen):
    client.force_login(world["users"][role])
    response = client.get(reverse(f"{screen}:index"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("wagtailadmin_login"))


def test_menu_and_course_list_show_only_our_organization(hr_client, world):
    body = hr_client.get(reverse("wagtailadmin_home")).content.decode()
    assert reverse("training_course:index") in body
    assert reverse("training_requirement:index") in body
    response = hr_client.get(reverse("training_course:index"))
    names = {course.name for course in response.context["object_list"]}
    assert names == {"BLS/CPR", "HIPAA", "X-ray licence"}


@pytest.mark.parametrize(
    ("screen", "key"),
    [("training_course", "other_course"), ("training_requirement", "other_req")],
)
def test_foreign_objects_are_404_on_every_url(hr_client, world, screen, key):
    obj = (
        world["other_course"]
        if key == "other_course"
        else Requirement.objects.get(organization=world["other_org"])
    )
    for action in ("edit", "delete", "inspect", "history", "usage"):
        response = hr_client.get(reverse(f"{screen}:{action}", args=[obj.pk]))
        assert response.status_code == 404, action


def test_new_course_is_ours_and_names_are_unique_without_case(hr_client, world):
    response = hr_client.post(
        reverse("training_course:add"),
        {"name": "Infection control", "kind": "course", "validity_months": "12"},
    )
    assert response.status_code == 302
    assert Course.objects.get(name="Infection control").organization == world["org"]

    duplicate = hr_client.post(
        reverse("training_course:add"),
        {"name": "hipaa", "kind": "course", "validity_months": ""},
    )
    assert duplicate.status_code == 200
    assert "already a course of that name" in duplicate.content.decode()


def test_requirement_form_offers_only_our_choices(hr_client, world):
    response = hr_client.get(reverse("training_requirement:add"))
    assert _options(response, "course") == {"BLS/CPR", "HIPAA", "X-ray licence"}
    assert _options(response, "site") == {"Northside", "Southside"}
    assert "Hygienist" in _options(response, "job_role")
    other_role = world["outsider"].job_role.name
    assert other_role not in _options(response, "job_role")


def test_requirements_are_created_and_duplicates_refused(hr_client, world):
    url = reverse("training_requirement:add")
    response = hr_client.post(
        url, {"course": world["hipaa"].pk, "job_role": world["hygienist"].pk}
    )
    assert response.status_code == 302
    created = Requirement.objects.get(
        course=world["hipaa"], job_role=world["hygienist"]
    )
    assert created.organization == world["org"] and created.site is None

    # "Every role, every site" for BLS exists already: empty fields still clash.
    again = hr_client.post(url, {"course": world["bls"].pk})
    assert again.status_code == 200
    assert "already required here" in again.content.decode()
    foreign = hr_client.post(url, {"course": world["other_course"].pk})
    assert "course" in foreign.context["form"].errors


def test_a_course_with_completions_is_not_deleted(hr_client, world):
    course = world["bls"]
    response = hr_client.post(
        reverse("training_course:delete", args=[course.pk]), follow=True
    )
    assert Course.objects.filter(pk=course.pk).exists()
    assert response.status_code == 200
    unused = CourseFactory(organization=world["org"], name="Unused")
    hr_client.post(reverse("training_course:delete", args=[unused.pk]))
    assert not Course.objects.filter(pk=unused.pk).exists()
    assert course.completions.count() == 5

"""The demo organizations on paper: roles, sites, teams and the names people get.

Pure data, read by ``workforce/demo.py``. Turnover rates follow the figures in
/work/shared/ANALYSIS.md: dental assistants and front desk 30–40 % a year,
hygienists 15–20 %, dentists and nurses 10–15 %.
"""

from dataclasses import dataclass

from .models import EmploymentType

FULL = EmploymentType.FULL_TIME
PART = EmploymentType.PART_TIME
PER_DIEM = EmploymentType.PER_DIEM
CONTRACTOR = EmploymentType.CONTRACTOR
TEMPORARY = EmploymentType.TEMPORARY


@dataclass(frozen=True)
class RoleSpec:
    slug: str
    name: str
    annual_turnover: float
    involuntary_share: float
    # Chance that a leaver's post is filled by moving someone from another team.
    internal_fill: float
    # Days between a post falling vacant and the replacement starting.
    vacancy_days: tuple[int, int]
    # (employment type, weight, FTE values to draw from)
    employment: tuple[tuple[EmploymentType, float, tuple[str, ...]], ...]


@dataclass(frozen=True)
class TeamSpec:
    name: str
    slug: str
    positions: tuple[tuple[str, int], ...]


@dataclass(frozen=True)
class SiteSpec:
    name: str
    slug: str
    teams: tuple[TeamSpec, ...]


@dataclass(frozen=True)
class OrganizationBlueprint:
    name: str
    slug: str
    timezone: str
    email_domain: str
    employee_prefix: str
    # Phone numbers are 555-0100..0199 in these area codes: the range reserved
    # for fiction, yet valid E.164 (plain +1 555 numbers fail validation).
    area_codes: tuple[str, ...]
    roles: tuple[RoleSpec, ...]
    sites: tuple[SiteSpec, ...]


_FULL_TIME_ONLY = ((FULL, 1.0, ("1.00",)),)
_DESK = (
    (FULL, 0.65, ("1.00",)),
    (PART, 0.30, ("0.40", "0.50", "0.60", "0.80")),
    (TEMPORARY, 0.05, ("0.80", "1.00")),
)
_SPECIALIST = (
    (CONTRACTOR, 0.6, ("0.20", "0.40", "0.60")),
    (PART, 0.4, ("0.40", "0.60")),
)

DENTAL_ROLES = (
    RoleSpec(
        "dentist",
        "Dentist",
        0.12,
        0.15,
        0.15,
        (28, 112),
        (
            (FULL, 0.6, ("1.00",)),
            (PART, 0.2, ("0.60", "0.80")),
            (CONTRACTOR, 0.2, ("0.40", "0.60", "0.80", "1.00")),
        ),
    ),
    RoleSpec("orthodontist", "Orthodontist", 0.10, 0.10, 0.0, (42, 120), _SPECIALIST),
    RoleSpec("oral-surgeon", "Oral surgeon", 0.10, 0.10, 0.0, (42, 120), _SPECIALIST),
    RoleSpec(
        "hygienist",
        "Dental hygienist",
        0.17,
        0.15,
        0.15,
        (21, 70),
        (
            (FULL, 0.45, ("1.00",)),
            (PART, 0.40, ("0.50", "0.60", "0.70", "0.80")),
            (PER_DIEM, 0.15, ("0.20", "0.30", "0.40")),
        ),
    ),
    RoleSpec(
        "dental-assistant",
        "Dental assistant",
        0.35,
        0.25,
        0.12,
        (14, 56),
        (
            (FULL, 0.75, ("1.00",)),
            (PART, 0.20, ("0.50", "0.60", "0.80")),
            (TEMPORARY, 0.05, ("1.00",)),
        ),
    ),
    RoleSpec("receptionist", "Receptionist", 0.36, 0.25, 0.12, (14, 49), _DESK),
    RoleSpec(
        "insurance-coordinator",
        "Insurance and billing coordinator",
        0.22,
        0.20,
        0.10,
        (21, 63),
        ((FULL, 0.8, ("1.00",)), (PART, 0.2, ("0.60", "0.80"))),
    ),
    RoleSpec(
        "treatment-coordinator",
        "Treatment coordinator",
        0.28,
        0.20,
        0.15,
        (21, 63),
        ((FULL, 0.85, ("1.00",)), (PART, 0.15, ("0.60", "0.80"))),
    ),
    RoleSpec(
        "sterilisation-technician",
        "Sterilisation technician",
        0.35,
        0.25,
        0.10,
        (14, 42),
        ((FULL, 0.7, ("1.00",)), (PART, 0.3, ("0.50", "0.60", "0.80"))),
    ),
    RoleSpec(
        "practice-manager",
        "Practice manager",
        0.12,
        0.30,
        0.20,
        (42, 98),
        _FULL_TIME_ONLY,
    ),
    RoleSpec(
        "assistant-practice-manager",
        "Assistant practice manager",
        0.18,
        0.25,
        0.20,
        (28, 84),
        ((FULL, 0.9, ("1.00",)), (PART, 0.1, ("0.80",))),
    ),
    RoleSpec(
        "office-administrator",
        "Office administrator",
        0.25,
        0.20,
        0.10,
        (21, 56),
        ((FULL, 0.8, ("1.00",)), (PART, 0.2, ("0.50", "0.60", "0.80"))),
    ),
)


def _dental_site(name: str, slug: str, size: str) -> SiteSpec:
    """A dental practice of a given size; small ones fold coordination into the desk."""
    large, medium = size == "large", size == "medium"
    clinicians = (("dentist", 11 if large else 8 if medium else 5),)
    if large or medium:
        clinicians += (("orthodontist", 1),)
    if large:
        clinicians += (("oral-surgeon", 1),)
    front_desk = (
        ("receptionist", 14 if large else 10 if medium else 7),
        ("insurance-coordinator", 4 if large else 3 if medium else 1),
    )
    if not (large or medium):
        front_desk += (("treatment-coordinator", 2),)
    sterilisation = (("sterilisation-technician", 5 if large else 4 if medium else 3),)
    if large or medium:
        sterilisation += (("dental-assistant", 2 if large else 1),)
    management = (("practice-manager", 1),)
    if large or medium:
        management += (("assistant-practice-manager", 1),)
    management += (("office-administrator", 2 if large else 1),)
    teams = [
        TeamSpec("Clinicians", "clinicians", clinicians),
        TeamSpec(
            "Hygiene", "hygiene", (("hygienist", 16 if large else 11 if medium else 6),)
        ),
        TeamSpec(
            "Dental assistants",
            "dental-assistants",
            (("dental-assistant", 34 if large else 25 if medium else 12),),
        ),
        TeamSpec("Front desk", "front-desk", front_desk),
        # Larger practices rotate dental assistants through sterilisation.
        TeamSpec("Sterilisation", "sterilisation", sterilisation),
        TeamSpec("Management", "management", management),
    ]
    if large or medium:
        teams.insert(
            4,
            TeamSpec(
                "Treatment coordination",
                "treatment-coordination",
                (("treatment-coordinator", 6 if large else 4),),
            ),
        )
    return SiteSpec(name, slug, tuple(teams))


BRIGHTSMILE = OrganizationBlueprint(
    name="Brightsmile Dental Group",
    slug="brightsmile-dental",
    timezone="America/New_York",
    email_domain="brightsmile.example",
    employee_prefix="BSD",
    area_codes=tuple(
        "201 203 212 215 267 347 484 516 551 570 609 610 631 646 718 732 845 856 "
        "862 908 914 917 929 973".split()
    ),
    roles=DENTAL_ROLES,
    sites=(
        _dental_site("Riverside", "riverside", "large"),
        _dental_site("Northside", "northside", "large"),
        _dental_site("Harbor Point", "harbor-point", "medium"),
        _dental_site("Maple Grove", "maple-grove", "medium"),
        _dental_site("Old Town", "old-town", "small"),
        _dental_site("Westfield", "westfield", "small"),
    ),
)

MEDICAL_ROLES = (
    RoleSpec(
        "physician",
        "Physician",
        0.10,
        0.10,
        0.10,
        (42, 120),
        ((FULL, 0.7, ("1.00",)), (PART, 0.3, ("0.60", "0.80"))),
    ),
    RoleSpec(
        "nurse-practitioner",
        "Nurse practitioner",
        0.12,
        0.10,
        0.10,
        (35, 98),
        ((FULL, 0.7, ("1.00",)), (PART, 0.3, ("0.60", "0.80"))),
    ),
    RoleSpec(
        "registered-nurse",
        "Registered nurse",
        0.13,
        0.15,
        0.15,
        (21, 70),
        (
            (FULL, 0.6, ("1.00",)),
            (PART, 0.3, ("0.50", "0.60", "0.80")),
            (PER_DIEM, 0.1, ("0.20", "0.30")),
        ),
    ),
    RoleSpec(
        "medical-assistant",
        "Medical assistant",
        0.32,
        0.25,
        0.10,
        (14, 49),
        ((FULL, 0.75, ("1.00",)), (PART, 0.25, ("0.50", "0.60", "0.80"))),
    ),
    RoleSpec("receptionist", "Receptionist", 0.36, 0.25, 0.10, (14, 49), _DESK),
    RoleSpec(
        "practice-manager",
        "Practice manager",
        0.12,
        0.30,
        0.0,
        (42, 98),
        _FULL_TIME_ONLY,
    ),
    RoleSpec(
        "office-administrator",
        "Office administrator",
        0.25,
        0.20,
        0.10,
        (21, 56),
        ((FULL, 0.8, ("1.00",)), (PART, 0.2, ("0.50", "0.60", "0.80"))),
    ),
)

LAKESIDE = OrganizationBlueprint(
    name="Lakeside Medical Partners",
    slug="lakeside-medical",
    timezone="America/Chicago",
    email_domain="lakeside.example",
    employee_prefix="LMP",
    area_codes=("312", "630", "708", "773", "847", "872"),
    roles=MEDICAL_ROLES,
    sites=(
        SiteSpec(
            "Lakeshore",
            "lakeshore",
            (
                TeamSpec(
                    "Physicians",
                    "physicians",
                    (("physician", 5), ("nurse-practitioner", 1)),
                ),
                TeamSpec("Nursing", "nursing", (("registered-nurse", 6),)),
                TeamSpec(
                    "Medical assistants",
                    "medical-assistants",
                    (("medical-assistant", 8),),
                ),
                TeamSpec(
                    "Front desk",
                    "front-desk",
                    (("receptionist", 5), ("office-administrator", 1)),
                ),
                TeamSpec(
                    "Management",
                    "management",
                    (("practice-manager", 1), ("office-administrator", 1)),
                ),
            ),
        ),
        SiteSpec(
            "Pine Hill",
            "pine-hill",
            (
                TeamSpec(
                    "Clinical team",
                    "clinical-team",
                    (
                        ("physician", 2),
                        ("nurse-practitioner", 1),
                        ("registered-nurse", 2),
                        ("medical-assistant", 3),
                    ),
                ),
                TeamSpec("Front desk", "front-desk", (("receptionist", 3),)),
            ),
        ),
    ),
)

DEMO_BLUEPRINTS = (BRIGHTSMILE, LAKESIDE)


@dataclass(frozen=True)
class TeamSkillSpec:
    """A skill a kind of team requires; ``core_roles`` learn it with the job.

    Anyone else in the team learns it only by cross-training.
    """

    name: str
    core_roles: tuple[str, ...] = ()


# Every team of a kind (by team slug) requires these, each by two people at least.
# Skills with the same name are one skill of the organization.
TEAM_SKILLS = {
    "front-desk": (
        TeamSkillSpec(
            "Check-in and check-out", ("receptionist", "treatment-coordinator")
        ),
        TeamSkillSpec("Scheduling", ("receptionist", "treatment-coordinator")),
        TeamSkillSpec(
            "Insurance verification", ("insurance-coordinator", "office-administrator")
        ),
        TeamSkillSpec(
            "Billing and payments", ("insurance-coordinator", "office-administrator")
        ),
        TeamSkillSpec("Phone triage of emergencies"),
        TeamSkillSpec("Payment plans and collections"),
    ),
    "clinicians": (
        TeamSkillSpec("Emergency examinations", ("dentist",)),
        TeamSkillSpec("Root canal treatment"),
        TeamSkillSpec("Surgical extractions", ("oral-surgeon",)),
        TeamSkillSpec("Clear aligner treatment", ("orthodontist",)),
        TeamSkillSpec("Implant restoration"),
    ),
    "hygiene": (
        TeamSkillSpec("Periodontal charting", ("hygienist",)),
        TeamSkillSpec("Radiographs", ("hygienist",)),
        TeamSkillSpec("Local anaesthesia"),
        TeamSkillSpec("Laser periodontal therapy"),
        TeamSkillSpec("Intraoral scanning"),
    ),
    "dental-assistants": (
        TeamSkillSpec("Chairside assisting", ("dental-assistant",)),
        TeamSkillSpec("Sterilisation", ("dental-assistant",)),
        TeamSkillSpec("Radiographs", ("dental-assistant",)),
        TeamSkillSpec("Intraoral scanning"),
        TeamSkillSpec("Implant surgery assisting"),
        TeamSkillSpec("Orthodontic assisting"),
        TeamSkillSpec("Nitrous oxide monitoring"),
    ),
    "sterilisation": (
        TeamSkillSpec(
            "Sterilisation", ("sterilisation-technician", "dental-assistant")
        ),
        TeamSkillSpec("Autoclave testing and logs", ("sterilisation-technician",)),
        TeamSkillSpec("Waterline maintenance"),
        TeamSkillSpec("Stock ordering"),
    ),
    "treatment-coordination": (
        TeamSkillSpec("Treatment plan presentation", ("treatment-coordinator",)),
        TeamSkillSpec("Financing options", ("treatment-coordinator",)),
        TeamSkillSpec("Insurance pre-authorisation"),
        TeamSkillSpec("Scheduling"),
    ),
    "management": (
        TeamSkillSpec(
            "Staff rotas", ("practice-manager", "assistant-practice-manager")
        ),
        TeamSkillSpec("Payroll", ("office-administrator",)),
        TeamSkillSpec("Opening and closing the practice"),
        TeamSkillSpec("Compliance audits"),
    ),
    "physicians": (
        TeamSkillSpec("Chronic disease reviews", ("physician", "nurse-practitioner")),
        TeamSkillSpec("Telehealth visits", ("physician", "nurse-practitioner")),
        TeamSkillSpec("Joint injections"),
        TeamSkillSpec("Minor procedures"),
    ),
    "nursing": (
        TeamSkillSpec("Phlebotomy", ("registered-nurse",)),
        TeamSkillSpec("Immunisations", ("registered-nurse",)),
        TeamSkillSpec("Wound care", ("registered-nurse",)),
        TeamSkillSpec("ECG recording"),
        TeamSkillSpec("Spirometry"),
    ),
    "medical-assistants": (
        TeamSkillSpec("Rooming and vitals", ("medical-assistant",)),
        TeamSkillSpec("Point-of-care testing", ("medical-assistant",)),
        TeamSkillSpec("Phlebotomy"),
        TeamSkillSpec("ECG recording"),
        TeamSkillSpec("Immunisations"),
    ),
    "clinical-team": (
        TeamSkillSpec("Rooming and vitals", ("medical-assistant",)),
        TeamSkillSpec("Phlebotomy", ("registered-nurse",)),
        TeamSkillSpec("Immunisations", ("registered-nurse",)),
        TeamSkillSpec("Chronic disease reviews", ("physician", "nurse-practitioner")),
        TeamSkillSpec("ECG recording"),
        TeamSkillSpec("Minor procedures"),
    ),
}

FIRST_NAMES = """
Aaliyah Aaron Abigail Adrian Aisha Alejandro Alex Alicia Amara Amelia Ana Andre
Angela Anthony Aria Ashley Austin Ava Benjamin Bianca Brandon Brianna Caleb Camila
Carlos Carmen Charlotte Chloe Christopher Claire Daniel Danielle David Deja Destiny
Devon Diana Diego Dylan Elena Elijah Elizabeth Emily Emma Eric Ethan Fatima Gabriel
Grace Hannah Hector Imani Isabella Isaac Jacob Jade Jasmine Jason Javier Jennifer
Jessica Joanna Jordan Joseph Joshua Julia Kaitlyn Kayla Keisha Kevin Kiara Laura
Lauren Leah Liam Lily Lucas Luis Madison Malik Maria Marcus Maya Megan Mei Melissa
Michael Mia Monique Natalie Nathan Nicole Noah Olivia Omar Patricia Priya Rachel
Rebecca Ricardo Rosa Ryan Samantha Samuel Sara Sofia Sophia Stephanie Tanya Taylor
Teresa Thomas Tiffany Tyler Valeria Vanessa Victoria William Xavier Yasmin Zoe
""".split()

LAST_NAMES = """
Adams Ahmed Alvarez Anderson Bailey Baker Bennett Brooks Brown Bryant Campbell
Carter Castillo Chavez Chen Clark Collins Cooper Cruz Davis Diaz Edwards Evans
Fisher Flores Foster Garcia Gomez Gonzalez Gray Green Griffin Gupta Hall Harris
Hayes Henderson Hernandez Hill Howard Hughes Jackson James Jenkins Johnson Jones
Kelly Kim King Kumar Lee Lewis Long Lopez Martin Martinez Mendoza Miller Mitchell
Moore Morales Morgan Murphy Nguyen Ortiz Parker Patel Perez Perry Peterson Phillips
Powell Price Ramirez Reed Reyes Richardson Rivera Roberts Robinson Rodriguez Rogers
Ross Russell Sanchez Sanders Scott Shah Singh Smith Stewart Sullivan Taylor Thomas
Thompson Torres Tran Turner Walker Ward Washington Watson White Williams Wilson Wood
Wright Young
""".split()

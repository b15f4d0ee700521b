from django.apps import AppConfig


class SkillsConfig(AppConfig):
    name = "workforce.skills"
    label = "skills"
    verbose_name = "Skills matrix"

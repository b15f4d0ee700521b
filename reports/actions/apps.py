from django.apps import AppConfig


class ActionsConfig(AppConfig):
    name = "reports.actions"
    label = "actions"
    verbose_name = "Action plans"

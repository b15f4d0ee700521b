from django.apps import AppConfig


class TrainingConfig(AppConfig):
    name = "workforce.training"
    label = "training"
    verbose_name = "Training and certifications"

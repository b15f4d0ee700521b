from django.apps import AppConfig


class RecognitionConfig(AppConfig):
    name = "workforce.recognition"
    label = "recognition"
    verbose_name = "Recognition"

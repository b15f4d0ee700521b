"""What patients read, in English and Spanish.

Kept here rather than in the gettext catalog because the poster prints both
languages side by side whatever language the person printing it uses, and the
patient page must be complete in both from the day it is deployed.
"""

from types import MappingProxyType

LANGUAGES = ("en", "es")
LANGUAGE_NAMES = MappingProxyType({"en": "English", "es": "Español"})

_COPY = {
    "en": {
        "question": (
            "How likely are you to recommend us to a friend or family member?"
        ),
        "scale_hint": "0 = not at all likely, 10 = extremely likely",
        "comment_label": "Anything you would like to tell us? (optional)",
        "comment_hint": (
            "Please do not write your name or any other personal details."
        ),
        "send": "Send",
        "choose_score": "Choose a number from 0 to 10.",
        "comment_too_long": "Please keep your comment under 1,000 characters.",
        "error": "Error:",
        "anonymous": "Anonymous: we never ask who you are.",
        "thanks_title": "Thank you!",
        "thanks_body": "Your answer has been recorded. It helps us improve.",
        "limited_title": "Please wait a few minutes",
        "limited_body": (
            "We have received many answers from this device just now. Please try "
            "again in a few minutes."
        ),
        "gone_title": "This code is no longer in use",
        "gone_body": "Please ask at the front desk for the current one.",
        "language": "Language",
        "scan": "Scan the code with your phone's camera",
        "or_open": "or open",
        "title": "Your feedback",
        "next_person": "Next person",
    },
    "es": {
        "question": ("¿Qué tan probable es que nos recomiende a un amigo o familiar?"),
        "scale_hint": "0 = nada probable, 10 = muy probable",
        "comment_label": "¿Hay algo que quiera decirnos? (opcional)",
        "comment_hint": "Por favor, no escriba su nombre ni otros datos personales.",
        "send": "Enviar",
        "choose_score": "Elija un número del 0 al 10.",
        "comment_too_long": "Escriba menos de 1.000 caracteres, por favor.",
        "error": "Error:",
        "anonymous": "Anónimo: nunca le preguntamos quién es.",
        "thanks_title": "¡Gracias!",
        "thanks_body": "Hemos recibido su respuesta. Nos ayuda a mejorar.",
        "limited_title": "Espere unos minutos, por favor",
        "limited_body": (
            "Hemos recibido muchas respuestas desde este dispositivo hace poco. "
            "Inténtelo de nuevo en unos minutos."
        ),
        "gone_title": "Este código ya no está en uso",
        "gone_body": "Pida el código actual en recepción.",
        "language": "Idioma",
        "scan": "Escanee el código con la cámara de su teléfono",
        "or_open": "o abra",
        "title": "Su opinión",
        "next_person": "Siguiente persona",
    },
}
COPY = MappingProxyType(
    {language: MappingProxyType(texts) for language, texts in _COPY.items()}
)


def patient_language(requested: str | None, active: str | None) -> str:
    """``requested`` (from ``?lang=``) if we have it, else the active language's
    base (``es-mx`` → ``es``), else English."""
    for candidate in (requested, active):
        base = (candidate or "").split("-")[0].lower()
        if base in LANGUAGES:
            return base
    return "en"

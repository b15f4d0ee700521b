"""The built-in question bank and the standard monthly pulse.

Every item here is worded for Practice Flywheel. None is taken from a licensed
instrument (Gallup Q12, UWES, Mini-Z, MBI): the topics are common, the words are
ours. Codes are stable: results compare rounds by code, so a code is never reused
for a different question. Rewording an item keeps its code only when the meaning
stays the same.

Every answer in the standard pulse is optional. People may skip what they do not
want to answer; the results layer counts respondents per item, and a forced
answer is a worse answer than none.
"""

from django.db import transaction

from .models import Measure, Question, QuestionKind, Survey, SurveyQuestion

# Labels for the 1–5 agreement scale, in display order.
AGREEMENT_SCALE = [
    {"value": 1, "en": "Strongly disagree", "es": "Totalmente en desacuerdo"},
    {"value": 2, "en": "Disagree", "es": "En desacuerdo"},
    {
        "value": 3,
        "en": "Neither agree nor disagree",
        "es": "Ni de acuerdo ni en desacuerdo",
    },
    {"value": 4, "en": "Agree", "es": "De acuerdo"},
    {"value": 5, "en": "Strongly agree", "es": "Totalmente de acuerdo"},
]

# End labels for 0–10 scales.
SCALE_0_10_ENDS = {
    0: {"en": "Not at all likely", "es": "Nada probable"},
    10: {"en": "Extremely likely", "es": "Muy probable"},
}

# Single-item burnout: an answer at or above this option counts as burnout.
BURNOUT_THRESHOLD = 3

BURNOUT_OPTIONS = [
    {
        "value": 1,
        "en": "My work gives me energy and I notice no signs of burnout.",
        "es": "Mi trabajo me da energía y no noto ninguna señal de agotamiento.",
    },
    {
        "value": 2,
        "en": "Now and then I feel stressed or short of energy, "
        "but I would not call it burnout.",
        "es": "De vez en cuando me siento estresado/a o sin energía, "
        "pero no lo llamaría agotamiento.",
    },
    {
        "value": 3,
        "en": "I am definitely burning out: I have at least one sign of it, "
        "such as feeling worn out in body or mind.",
        "es": "Definitivamente me estoy agotando: tengo al menos una señal, "
        "como sentirme desgastado/a física o mentalmente.",
    },
    {
        "value": 4,
        "en": "My signs of burnout are not going away, and frustrations "
        "from work stay on my mind much of the time.",
        "es": "Mis señales de agotamiento no desaparecen y las frustraciones "
        "del trabajo me dan vueltas en la cabeza casi todo el tiempo.",
    },
    {
        "value": 5,
        "en": "I feel completely burned out. I doubt I can carry on like this "
        "and may need support or a change.",
        "es": "Me siento totalmente agotado/a. Dudo que pueda seguir así "
        "y puede que necesite apoyo o un cambio.",
    },
]

# The bank, in the order the standard pulse asks it.
BUILTIN_QUESTIONS = [
    {
        "code": "eng_clear_expectations",
        "kind": QuestionKind.AGREEMENT,
        "measure": Measure.ENGAGEMENT,
        "text_en": "My responsibilities in this job are clear to me.",
        "text_es": "Tengo claras mis responsabilidades en este trabajo.",
    },
    {
        "code": "eng_tools",
        "kind": QuestionKind.AGREEMENT,
        "measure": Measure.ENGAGEMENT,
        "text_en": "I can get the supplies, equipment and systems my work needs.",
        "text_es": "Puedo conseguir los materiales, equipos y sistemas "
        "que necesita mi trabajo.",
    },
    {
        "code": "eng_recognition",
        "kind": QuestionKind.AGREEMENT,
        "measure": Measure.ENGAGEMENT,
        "text_en": "In recent weeks, someone here has thanked me or "
        "noticed a job I did well.",
        "text_es": "En las últimas semanas, alguien aquí me ha dado las gracias "
        "o ha notado algo que hice bien.",
    },
    {
        "code": "eng_cared_for",
        "kind": QuestionKind.AGREEMENT,
        "measure": Measure.ENGAGEMENT,
        "text_en": "Someone I work with looks out for me as a person, "
        "not just for the work I do.",
        "text_es": "Alguien con quien trabajo se preocupa por mí como persona, "
        "no solo por el trabajo que hago.",
    },
    {
        "code": "eng_growth",
        "kind": QuestionKind.AGREEMENT,
        "measure": Measure.ENGAGEMENT,
        "text_en": "This job is helping me learn and build new skills.",
        "text_es": "Este trabajo me está ayudando a aprender y "
        "desarrollar nuevas habilidades.",
    },
    {
        "code": "eng_voice",
        "kind": QuestionKind.AGREEMENT,
        "measure": Measure.ENGAGEMENT,
        "text_en": "When I raise an idea or a concern here, it is taken seriously.",
        "text_es": "Cuando planteo una idea o una preocupación aquí, se toma en serio.",
    },
    {
        "code": "workload_staffing",
        "kind": QuestionKind.AGREEMENT,
        "measure": Measure.WORKLOAD,
        "text_en": "With the staffing we have, I can get my work done "
        "without rushing or staying late.",
        "text_es": "Con el personal que tenemos, puedo hacer mi trabajo "
        "sin prisas y sin quedarme tarde.",
    },
    {
        "code": "recognition_fair",
        "kind": QuestionKind.AGREEMENT,
        "measure": Measure.RECOGNITION,
        "text_en": "Good work is recognized fairly in this practice.",
        "text_es": "En esta clínica se reconoce de forma justa el buen trabajo.",
    },
    {
        "code": "growth_training",
        "kind": QuestionKind.AGREEMENT,
        "measure": Measure.GROWTH,
        "text_en": "I get the training I need to do my job well and "
        "to take on new tasks.",
        "text_es": "Recibo la formación que necesito para hacer bien mi trabajo "
        "y asumir nuevas tareas.",
    },
    {
        "code": "manager_support",
        "kind": QuestionKind.AGREEMENT,
        "measure": Measure.MANAGER,
        "text_en": "When problems come up, my manager helps me deal with them.",
        "text_es": "Cuando surgen problemas, mi responsable me ayuda a resolverlos.",
    },
    {
        "code": "burnout_single",
        "kind": QuestionKind.CHOICE,
        "measure": Measure.BURNOUT,
        "text_en": "Thinking of burnout in your own terms, which statement "
        "fits you best at the moment?",
        "text_es": "Pensando en lo que para usted significa el agotamiento "
        "(burnout), ¿qué frase le describe mejor en este momento?",
        "options": BURNOUT_OPTIONS,
    },
    {
        "code": "enps",
        "kind": QuestionKind.SCALE,
        "measure": Measure.ENPS,
        "text_en": "How likely are you to recommend this practice as a place "
        "to work to a friend?",
        "text_es": "¿Qué probabilidad hay de que recomiende esta clínica "
        "como lugar de trabajo a un amigo o amiga?",
    },
    {
        "code": "comment",
        "kind": QuestionKind.TEXT,
        "measure": Measure.COMMENT,
        "text_en": "Is there anything else you would like to tell us? "
        "Please leave out names and details that could identify you or others.",
        "text_es": "¿Hay algo más que quiera contarnos? Por favor, no incluya "
        "nombres ni detalles que puedan identificarle a usted o a otras personas.",
    },
]

BUILTIN_CODES = [item["code"] for item in BUILTIN_QUESTIONS]

PULSE_SURVEY_NAME = "Monthly pulse"
PULSE_INTRO_EN = (
    "A few minutes on how work is going. Your answers are anonymous: nobody can "
    "see who said what, and small groups are never reported. Every question "
    "is optional."
)
PULSE_INTRO_ES = (
    "Unos minutos sobre cómo va el trabajo. Sus respuestas son anónimas: nadie "
    "puede ver quién dijo qué, y nunca se muestran resultados de grupos pequeños. "
    "Todas las preguntas son opcionales."
)


def option_label(option: dict, language: str) -> str:
    """An option's label in ``language`` ("es", "es-mx"...); English if missing."""
    if language and language.lower().startswith("es") and option.get("es"):
        return option["es"]
    return option.get("en", str(option.get("value", "")))


def ensure_question_bank(question_model=None) -> list:
    """Create or update the built-in questions; safe to run any number of times.

    Wording, kind, measure and options follow this module; ``active`` is left as
    the back office set it. ``question_model`` lets a data migration pass its
    historical model.
    """
    if question_model is None:
        question_model = Question
    questions = []
    with transaction.atomic():
        for item in BUILTIN_QUESTIONS:
            question, _created = question_model.objects.update_or_create(
                organization=None,
                code=item["code"],
                defaults={
                    "kind": str(item["kind"]),
                    "measure": str(item["measure"]),
                    "text_en": item["text_en"],
                    "text_es": item["text_es"],
                    "options": item.get("options", []),
                    "reverse_scored": False,
                },
            )
            questions.append(question)
    return questions


def default_pulse_survey(organization):
    """The organization's standard "Monthly pulse", created with every built-in.

    An existing survey of that name is returned as the back office left it: a
    question HR removed is not put back.
    """
    with transaction.atomic():
        survey, created = Survey.objects.get_or_create(
            organization=organization,
            name=PULSE_SURVEY_NAME,
            defaults={"intro_en": PULSE_INTRO_EN, "intro_es": PULSE_INTRO_ES},
        )
        if created:
            ensure_question_bank()
            by_code = {
                q.code: q
                for q in Question.objects.filter(
                    organization=None, code__in=BUILTIN_CODES
                )
            }
            SurveyQuestion.objects.bulk_create(
                SurveyQuestion(
                    survey=survey,
                    question=by_code[code],
                    position=position,
                    required=False,
                )
                for position, code in enumerate(BUILTIN_CODES, start=1)
            )
    return survey

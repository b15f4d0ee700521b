"""Load the built-in question bank (surveys/question_bank.py)."""

from django.db import migrations


def load_question_bank(apps, schema_editor):
    from surveys.question_bank import ensure_question_bank

    ensure_question_bank(apps.get_model("surveys", "Question"))


class Migration(migrations.Migration):
    dependencies = [("surveys", "0001_initial")]

    operations = [
        # Going back leaves the questions: answers may already point at them.
        migrations.RunPython(load_question_bank, migrations.RunPython.noop),
    ]

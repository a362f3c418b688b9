"""Give an installation whose categories were made before questions existed the default questions, once."""

from django.db import migrations

from reports.categories import DEFAULT_QUESTIONS


def add_default_questions(apps, schema_editor):
    Category = apps.get_model("reports", "Category")
    CategoryAttribute = apps.get_model("reports", "CategoryAttribute")
    for category in Category.objects.filter(slug__in=DEFAULT_QUESTIONS, attributes__isnull=True):
        for position, question in enumerate(DEFAULT_QUESTIONS[category.slug]):
            CategoryAttribute.objects.create(category=category, order=position, **question)


class Migration(migrations.Migration):
    dependencies = [("reports", "0007_category_questions")]

    operations = [migrations.RunPython(add_default_questions, migrations.RunPython.noop)]

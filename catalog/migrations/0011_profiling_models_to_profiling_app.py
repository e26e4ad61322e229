# The profiling models moved to the profiling app (its 0001_initial takes them into its state).
# State only: the tables keep their names (db_table "catalog_profilerun", …) and their rows. Their
# content types are re-labelled, so permissions and admin log entries follow the models.
from django.db import migrations

MODELS = ("profilerun", "columnprofile", "piisuggestion")


def _relabel(apps, old: str, new: str) -> None:
    content_type = apps.get_model("contenttypes", "ContentType")
    taken = set(content_type.objects.filter(app_label=new, model__in=MODELS).values_list("model", flat=True))
    content_type.objects.filter(app_label=old, model__in=set(MODELS) - taken).update(app_label=new)


def forwards(apps, schema_editor) -> None:
    _relabel(apps, "catalog", "profiling")


def backwards(apps, schema_editor) -> None:
    _relabel(apps, "profiling", "catalog")


class Migration(migrations.Migration):

    dependencies = [
        ("catalog", "0010_profiling_models_to_profiling_app"),
        ("profiling", "0001_initial"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.DeleteModel(name="ColumnProfile"),
                migrations.DeleteModel(name="PiiSuggestion"),
                migrations.DeleteModel(name="ProfileRun"),
            ],
            database_operations=[],
        ),
        migrations.RunPython(forwards, backwards, elidable=True),
    ]

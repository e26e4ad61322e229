# The search models left catalog (catalog/search → the search app). Their tables stay where they
# are and keep their names (db_table "catalog_search…"), with the FTS5 table, the tsvector columns
# and the indexes catalog's 0003/0004 made beside them: this migration changes Django's state only,
# and re-labels the models' content types. catalog 0012 removes the models from catalog's state.
import django.db.models.deletion
from django.db import migrations, models

MODELS = ("searchentry", "searchfacet", "searchterm")


def _relabel(apps, old: str, new: str) -> None:
    content_type = apps.get_model("contenttypes", "ContentType")
    taken = set(content_type.objects.filter(app_label=new, model__in=MODELS).values_list("model", flat=True))
    content_type.objects.filter(app_label=old, model__in=set(MODELS) - taken).update(app_label=new)


def forwards(apps, schema_editor) -> None:
    _relabel(apps, "catalog", "search")


def backwards(apps, schema_editor) -> None:
    _relabel(apps, "search", "catalog")


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ("catalog", "0008_domain_data_locations"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="SearchEntry",
                    fields=[
                        ("product_id", models.BigIntegerField(primary_key=True, serialize=False)),
                        ("identifier", models.CharField(max_length=170, unique=True)),
                        ("name_norm", models.CharField(db_index=True, help_text="Lower-cased name.", max_length=200)),
                        ("domain_id", models.BigIntegerField(db_index=True)),
                        ("status", models.CharField(db_index=True, max_length=16)),
                        ("visibility", models.CharField(max_length=16)),
                        ("has_pii", models.BooleanField(default=False)),
                        ("quality_score", models.FloatField(null=True)),
                        ("usage_count", models.PositiveIntegerField(default=0)),
                        ("rank_boost", models.FloatField(default=1.0)),
                        ("updated", models.CharField(max_length=40)),
                        ("content_hash", models.CharField(max_length=32)),
                        ("facet_keys", models.TextField(
                            blank=True, help_text="Facet values, counted from the hits in one pass.")),
                        ("result", models.JSONField(default=dict, help_text="The fields a hit shows.")),
                    ],
                    options={"db_table": "catalog_searchentry"},
                ),
                migrations.CreateModel(
                    name="SearchTerm",
                    fields=[("term", models.CharField(max_length=64, primary_key=True, serialize=False))],
                    options={"db_table": "catalog_searchterm"},
                ),
                migrations.CreateModel(
                    name="SearchFacet",
                    fields=[
                        ("id", models.BigAutoField(
                            auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                        ("field", models.CharField(max_length=16)),
                        ("value", models.CharField(max_length=200)),
                        ("entry", models.ForeignKey(
                            db_constraint=False, on_delete=django.db.models.deletion.CASCADE, related_name="+",
                            to="search.searchentry")),
                    ],
                    options={
                        "db_table": "catalog_searchfacet",
                        "indexes": [models.Index(fields=["field", "value", "entry"], name="searchfacet_value")],
                    },
                ),
            ],
            database_operations=[],
        ),
        migrations.RunPython(forwards, backwards, elidable=True),
    ]

# The search models moved to the search app (its 0001_initial takes them into its state and
# re-labels their content types). State only: the tables keep their names
# ("catalog_searchentry", …), their rows, and the FTS5 table, tsvector columns and indexes that
# 0003/0004 made beside them.
from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ("catalog", "0011_profiling_models_to_profiling_app"),
        ("search", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.DeleteModel(name="SearchFacet"),
                migrations.DeleteModel(name="SearchEntry"),
                migrations.DeleteModel(name="SearchTerm"),
            ],
            database_operations=[],
        ),
    ]

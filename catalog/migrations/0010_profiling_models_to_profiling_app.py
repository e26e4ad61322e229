# Placeholder in the chain, filled by the move of catalog/profiling into the profiling app
# (state only: SeparateDatabaseAndState, the tables keep their names).
from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ("catalog", "0009_search_models_to_search_app"),
    ]

    operations = []

# A placeholder that stays empty: databases migrated while it was in the chain have it applied, so
# the move of the profiling models is 0011 (a dependency added here, on profiling 0001, would make
# their history inconsistent).
from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ("catalog", "0009_search_models_to_search_app"),
    ]

    operations = []

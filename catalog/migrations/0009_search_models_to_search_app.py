# A placeholder that stays empty: databases migrated while it was in the chain have it applied, so
# the move of the search models is 0012 (a dependency added here, on search 0001, would make their
# history inconsistent: "catalog.0009 is applied before its dependency search.0001_initial").
from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ("catalog", "0008_domain_data_locations"),
    ]

    operations = []

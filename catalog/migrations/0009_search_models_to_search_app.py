# Placeholder in the chain, filled by the move of catalog/search into the search app
# (state only: SeparateDatabaseAndState, the tables keep their names).
from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ("catalog", "0008_domain_data_locations"),
    ]

    operations = []

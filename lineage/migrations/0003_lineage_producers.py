"""Lineage producers (who may post OpenLineage events), who posted each event, why a report did not count.

No table of the dataset graph is rebuilt, so the triggers of 0002 stay in place.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('catalog', '0001_initial'),
        ('lineage', '0002_graph_version'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name='lineageevent',
            name='posted_by',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL),
        ),
        migrations.AddField(
            model_name='qualityobservation',
            name='ignored',
            field=models.CharField(blank=True, max_length=300),
        ),
        migrations.CreateModel(
            name='LineageProducer',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('created', models.DateTimeField(auto_now_add=True)),
                ('domain', models.ForeignKey(blank=True, help_text='Empty: every domain (platform-wide).', null=True, on_delete=django.db.models.deletion.CASCADE, related_name='lineage_producers', to='catalog.domain')),
                ('user', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='lineage_producer', to=settings.AUTH_USER_MODEL)),
            ],
            options={
                'constraints': [models.UniqueConstraint(fields=('user', 'domain'), name='uniq_lineage_producer'), models.UniqueConstraint(condition=models.Q(('domain', None)), fields=('user',), name='uniq_lineage_producer_platform')],
            },
        ),
    ]

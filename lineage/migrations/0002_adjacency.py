import sys
from array import array
from collections import defaultdict

import django.db.models.deletion
import lineage.models
from django.db import migrations, models


def pack(ids) -> bytes:
    """As ``lineage.adjacency.pack`` at the time of writing (migrations must not follow later changes)."""
    packed = array("q", sorted(set(ids)))
    if sys.byteorder != "little":
        packed.byteswap()
    return packed.tobytes()


def fill(apps, schema_editor):
    """Derive every dataset's packed neighbours from the edges already stored."""
    DatasetEdge = apps.get_model("lineage", "DatasetEdge")
    Adjacency = apps.get_model("lineage", "Adjacency")
    down, up = defaultdict(list), defaultdict(list)
    for source, target in DatasetEdge.objects.values_list("source_id", "target_id").iterator(chunk_size=20_000):
        down[source].append(target)
        up[target].append(source)
    Adjacency.objects.bulk_create(
        (Adjacency(dataset_id=pk, downstream=pack(down.get(pk, ())), upstream=pack(up.get(pk, ())))
         for pk in sorted(down.keys() | up.keys())),
        batch_size=2_000,
    )


class Migration(migrations.Migration):

    dependencies = [
        ('lineage', '0001_lineage_graph'),
    ]

    operations = [
        migrations.CreateModel(
            name='Adjacency',
            fields=[
                ('dataset', lineage.models.RowidOneToOneField(on_delete=django.db.models.deletion.CASCADE, primary_key=True, related_name='adjacency', serialize=False, to='lineage.dataset')),
                ('downstream', models.BinaryField(default=bytes)),
                ('upstream', models.BinaryField(default=bytes)),
            ],
            options={
                'verbose_name_plural': 'adjacencies',
            },
        ),
        migrations.RunPython(fill, migrations.RunPython.noop),
    ]

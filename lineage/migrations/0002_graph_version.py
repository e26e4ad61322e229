"""The dataset graph's version row and the triggers that keep it (see ``GraphVersion``).

Triggers, not signals: edges are written with ``bulk_create`` and deleted by cascades, which send
no signals, and a version that missed a write would leave a process serving a stale graph.
A SQLite migration that rebuilds ``lineage_datasetedge`` or ``lineage_dataset`` drops these
triggers; ``tests/lineage/test_memory_graph.py`` fails if they are gone.
"""
from django.db import migrations, models

SQLITE_NEW = "lower(hex(randomblob(16)))"
SQLITE_ADDED = f"""INSERT INTO lineage_graphversion (id, additions, generation) VALUES (1, 1, {SQLITE_NEW})
    ON CONFLICT (id) DO UPDATE SET additions = additions + 1;"""
SQLITE_REWRITTEN = f"""INSERT INTO lineage_graphversion (id, additions, generation) VALUES (1, 0, {SQLITE_NEW})
    ON CONFLICT (id) DO UPDATE SET generation = excluded.generation;"""
SQLITE = [
    f"CREATE TRIGGER lineage_edge_added AFTER INSERT ON lineage_datasetedge BEGIN {SQLITE_ADDED} END",
    f"CREATE TRIGGER lineage_edge_changed AFTER UPDATE ON lineage_datasetedge BEGIN {SQLITE_REWRITTEN} END",
    f"CREATE TRIGGER lineage_edge_removed AFTER DELETE ON lineage_datasetedge BEGIN {SQLITE_REWRITTEN} END",
    f"""CREATE TRIGGER lineage_dataset_renamed AFTER UPDATE OF namespace, name ON lineage_dataset
        WHEN OLD.namespace IS NOT NEW.namespace OR OLD.name IS NOT NEW.name BEGIN {SQLITE_REWRITTEN} END""",
]
SQLITE_DROP = [f"DROP TRIGGER IF EXISTS {name}" for name in (
    "lineage_edge_added", "lineage_edge_changed", "lineage_edge_removed", "lineage_dataset_renamed")]

POSTGRES_NEW = "md5(random()::text || clock_timestamp()::text)"
POSTGRES = [
    f"""CREATE FUNCTION lineage_graph_added() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN
        INSERT INTO lineage_graphversion (id, additions, generation) VALUES (1, 1, {POSTGRES_NEW})
        ON CONFLICT (id) DO UPDATE SET additions = lineage_graphversion.additions + 1;
        RETURN NULL; END $$""",
    f"""CREATE FUNCTION lineage_graph_rewritten() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN
        INSERT INTO lineage_graphversion (id, additions, generation) VALUES (1, 0, {POSTGRES_NEW})
        ON CONFLICT (id) DO UPDATE SET generation = excluded.generation;
        RETURN NULL; END $$""",
    # BEFORE the statement: the row is locked before the new edges draw their ids (see GraphVersion).
    """CREATE TRIGGER lineage_edge_added BEFORE INSERT ON lineage_datasetedge
        FOR EACH STATEMENT EXECUTE FUNCTION lineage_graph_added()""",
    """CREATE TRIGGER lineage_edge_rewritten AFTER UPDATE OR DELETE OR TRUNCATE ON lineage_datasetedge
        FOR EACH STATEMENT EXECUTE FUNCTION lineage_graph_rewritten()""",
    """CREATE TRIGGER lineage_dataset_renamed AFTER UPDATE OF namespace, name ON lineage_dataset FOR EACH ROW
        WHEN (OLD.namespace IS DISTINCT FROM NEW.namespace OR OLD.name IS DISTINCT FROM NEW.name)
        EXECUTE FUNCTION lineage_graph_rewritten()""",
]
POSTGRES_DROP = [
    "DROP TRIGGER IF EXISTS lineage_edge_added ON lineage_datasetedge",
    "DROP TRIGGER IF EXISTS lineage_edge_rewritten ON lineage_datasetedge",
    "DROP TRIGGER IF EXISTS lineage_dataset_renamed ON lineage_dataset",
    "DROP FUNCTION IF EXISTS lineage_graph_added()",
    "DROP FUNCTION IF EXISTS lineage_graph_rewritten()",
]


def _run(statements: dict):
    def run(apps, schema_editor):
        for statement in statements[schema_editor.connection.vendor]:
            schema_editor.execute(statement)
    return run


def first_version(apps, schema_editor):
    import secrets

    apps.get_model("lineage", "GraphVersion").objects.create(pk=1, generation=secrets.token_hex(16))


class Migration(migrations.Migration):

    dependencies = [
        ("lineage", "0001_lineage_graph"),
    ]

    operations = [
        migrations.CreateModel(
            name="GraphVersion",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("additions", models.BigIntegerField(default=0)),
                ("generation", models.CharField(max_length=40)),
            ],
        ),
        migrations.RunPython(first_version, migrations.RunPython.noop),
        migrations.RunPython(
            _run({"sqlite": SQLITE, "postgresql": POSTGRES}),
            _run({"sqlite": SQLITE_DROP, "postgresql": POSTGRES_DROP}),
        ),
    ]

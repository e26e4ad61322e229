# The profiling models left catalog (catalog/profiling → the profiling app). Their tables stay where
# they are and keep their names (db_table "catalog_…"): this migration changes Django's state only.
# catalog 0011 removes them from catalog's state and re-labels their content types.
import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

PROFILE_RUN = migrations.CreateModel(
    name="ProfileRun",
    fields=[
        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
        ("state", models.CharField(choices=[("queued", "Queued"), ("running", "Running"), ("succeeded", "Succeeded"), ("failed", "Failed")], db_index=True, default="queued", max_length=16)),
        ("reason", models.TextField(blank=True, help_text="Why the run failed, in words a person can act on.")),
        ("trigger", models.CharField(choices=[("change", "Product changed"), ("schedule", "Schedule"), ("manual", "Requested by a user")], default="change", max_length=16)),
        ("created", models.DateTimeField(auto_now_add=True)),
        ("started", models.DateTimeField(blank=True, null=True)),
        ("finished", models.DateTimeField(blank=True, null=True)),
        ("heartbeat", models.DateTimeField(blank=True, help_text="Last sign of life of the worker.", null=True)),
        ("task_id", models.CharField(blank=True, db_index=True, max_length=64)),
        ("attempt", models.PositiveIntegerField(default=0)),
        ("engine", models.CharField(blank=True, max_length=32)),
        ("row_count", models.BigIntegerField(blank=True, null=True)),
        ("source_bytes", models.BigIntegerField(blank=True, null=True)),
        ("source_modified", models.DateTimeField(blank=True, help_text="The file's mtime when profiled.", null=True)),
        ("drift", models.JSONField(blank=True, default=dict, help_text="Columns added, missing, changed vs contract.")),
        ("is_latest_good", models.BooleanField(db_index=True, default=False)),
        ("port", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="profile_runs", to="catalog.outputport")),
        ("requested_by", models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, to=settings.AUTH_USER_MODEL)),
    ],
    options={
        "db_table": "catalog_profilerun",
        "ordering": ["-created", "-pk"],
        "get_latest_by": "created",
        "constraints": [
            models.UniqueConstraint(condition=models.Q(("state", "running")), fields=("port",), name="one_running_profile_per_port"),
            models.UniqueConstraint(condition=models.Q(("is_latest_good", True)), fields=("port",), name="one_latest_good_profile"),
        ],
    },
)

PII_SUGGESTION = migrations.CreateModel(
    name="PiiSuggestion",
    fields=[
        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
        ("column_name", models.CharField(max_length=200)),
        ("kind", models.CharField(choices=[("email", "E-mail address"), ("phone", "Phone number"), ("iban", "IBAN"), ("card", "Payment card number"), ("ip", "IP address"), ("person_name", "Person name"), ("birth_date", "Birth date"), ("address", "Postal address"), ("national_id", "National identifier")], max_length=32)),
        ("confidence", models.FloatField(help_text="0–1: share of sampled values that match, or a name-only guess.")),
        ("evidence_count", models.PositiveIntegerField(default=0, help_text="Sampled values that matched.")),
        ("sample_size", models.PositiveIntegerField(default=0)),
        ("by_name", models.BooleanField(default=False, help_text="The column name suggests it.")),
        ("status", models.CharField(choices=[("suggested", "Suggested"), ("confirmed", "Confirmed"), ("rejected", "Rejected")], db_index=True, default="suggested", max_length=16)),
        ("decided_at", models.DateTimeField(blank=True, null=True)),
        ("updated", models.DateTimeField(auto_now=True)),
        ("decided_by", models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, to=settings.AUTH_USER_MODEL)),
        ("port", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="pii_suggestions", to="catalog.outputport")),
        ("run", models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name="+", to="profiling.profilerun")),
    ],
    options={
        "db_table": "catalog_piisuggestion",
        "ordering": ["port", "column_name", "kind"],
        "constraints": [
            models.UniqueConstraint(fields=("port", "column_name", "kind"), name="uniq_pii_suggestion"),
        ],
    },
)

COLUMN_PROFILE = migrations.CreateModel(
    name="ColumnProfile",
    fields=[
        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
        ("name", models.CharField(max_length=200)),
        ("position", models.PositiveIntegerField(default=0)),
        ("data_type", models.CharField(help_text="The type as read (DuckDB).", max_length=100)),
        ("semantic_type", models.CharField(blank=True, max_length=32)),
        ("is_approximate", models.BooleanField(default=False, help_text="Distinct count and quartiles are estimates.")),
        ("masked", models.BooleanField(default=False, help_text="Values hidden: PII or restricted.")),
        ("stats", models.JSONField(default=dict)),
        ("run", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="columns", to="profiling.profilerun")),
    ],
    options={
        "db_table": "catalog_columnprofile",
        "ordering": ["run", "position"],
        "constraints": [
            models.UniqueConstraint(fields=("run", "name"), name="uniq_column_profile"),
        ],
    },
)


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ("catalog", "0010_profiling_models_to_profiling_app"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[PROFILE_RUN, PII_SUGGESTION, COLUMN_PROFILE],
            database_operations=[],
        ),
    ]

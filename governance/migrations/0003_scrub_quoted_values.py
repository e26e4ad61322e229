"""Stored quality messages written before they were scrubbed can quote the data: rewrite them.

Two texts did: a SQL rule whose result was not a number ("the query must return a number, got
'DE89…,GB82…'") and DuckDB's own error ("the query failed: Conversion Error: Could not convert
string 'DE89…' to INT64"). Both become what the engine says now, on the check results and in
the checks kept in each score's breakdown. Forwards only: the old texts are not kept anywhere.
"""
from django.db import migrations

CHUNK = 500
_NOT_A_NUMBER = "the query must return a number, got "
_FAILED = "the query failed: "


def scrubbed(error: str, name: str) -> str | None:
    """The error as the engine writes it today, or None when it never quoted anything."""
    if error.startswith(_NOT_A_NUMBER):
        return "the query must return one number; it returned something else"
    if error.startswith(_FAILED):
        return f"rule {name!r}: the query failed (the database's message is withheld: it can quote the data)"
    return None


def _scrub_check_results(CheckResult) -> None:
    leaking = CheckResult.objects.filter(error__startswith=_NOT_A_NUMBER) | CheckResult.objects.filter(
        error__startswith=_FAILED)
    batch = []
    for check in leaking.only("pk", "name", "error", "message").iterator(chunk_size=CHUNK):
        check.error = scrubbed(check.error, check.name)
        check.message = f"not evaluated: {check.error}"
        batch.append(check)
        if len(batch) >= CHUNK:
            CheckResult.objects.bulk_update(batch, ["error", "message"])
            batch = []
    CheckResult.objects.bulk_update(batch, ["error", "message"])


def _scrub_breakdown(breakdown: dict) -> bool:
    changed = False
    for item in breakdown.get("checks") or []:
        error = scrubbed(str(item.get("error") or ""), str(item.get("name") or "")) if isinstance(item, dict) else None
        if error is not None:
            item["error"], item["message"] = error, f"not evaluated: {error}"
            changed = True
    return changed


def _scrub_scores(QualityScore) -> None:
    batch = []
    for score in QualityScore.objects.only("pk", "breakdown").iterator(chunk_size=CHUNK):
        if isinstance(score.breakdown, dict) and _scrub_breakdown(score.breakdown):
            batch.append(score)
        if len(batch) >= CHUNK:
            QualityScore.objects.bulk_update(batch, ["breakdown"])
            batch = []
    QualityScore.objects.bulk_update(batch, ["breakdown"])


def scrub(apps, schema_editor):
    _scrub_check_results(apps.get_model("governance", "CheckResult"))
    _scrub_scores(apps.get_model("governance", "QualityScore"))


class Migration(migrations.Migration):

    dependencies = [
        ("governance", "0002_reported_checks"),
    ]

    operations = [
        migrations.RunPython(scrub, migrations.RunPython.noop, elidable=True),
    ]

"""The audit chain becomes keyed and append-only on every engine (issue 8, item 10).

1. `alg`: how each entry's hash is computed. Entries already written keep their plain SHA-256
   ("sha256"); every entry from now on is an HMAC-SHA256 under `settings.AUDIT_KEY`.
2. If the log already holds entries, one keyed entry ("audit.keyed") is appended: its HMAC
   covers the last plain entry's hash, which seals the plain entries against rewriting.
3. Triggers: SQLite refuses UPDATE and DELETE of audit rows like PostgreSQL already does
   (0001), and PostgreSQL refuses TRUNCATE too (a statement trigger: TRUNCATE fires no row
   triggers). Created after step 1, because on SQLite adding the column copies the table and
   the copy would lose them.
"""

from django.db import migrations, models

SQLITE_SQL = [
    """CREATE TRIGGER audit_append_only_update BEFORE UPDATE ON audit_auditentry
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END""",
    """CREATE TRIGGER audit_append_only_delete BEFORE DELETE ON audit_auditentry
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END""",
]
SQLITE_DROP = [
    "DROP TRIGGER IF EXISTS audit_append_only_update",
    "DROP TRIGGER IF EXISTS audit_append_only_delete",
]
# audit_append_only() is 0001's function: it raises whatever the event.
POSTGRES_SQL = [
    """CREATE TRIGGER audit_append_only_truncate BEFORE TRUNCATE ON audit_auditentry
    FOR EACH STATEMENT EXECUTE FUNCTION audit_append_only()""",
]
POSTGRES_DROP = ["DROP TRIGGER IF EXISTS audit_append_only_truncate ON audit_auditentry"]


def seal(apps, schema_editor):
    from ombud.audit.services import seal_legacy_entries

    seal_legacy_entries(apps.get_model("audit", "AuditEntry"))


def add_triggers(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    for sql in {"sqlite": SQLITE_SQL, "postgresql": POSTGRES_SQL}.get(vendor, []):
        schema_editor.execute(sql)


def drop_triggers(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    for sql in {"sqlite": SQLITE_DROP, "postgresql": POSTGRES_DROP}.get(vendor, []):
        schema_editor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [("audit", "0001_initial")]

    operations = [
        migrations.AddField(
            model_name="auditentry",
            name="alg",
            field=models.CharField(
                choices=[
                    ("sha256", "SHA-256 (written before the chain was keyed)"),
                    ("hmac-sha256", "HMAC-SHA256 (keyed)"),
                ],
                default="sha256",
                max_length=16,
                verbose_name="algorithm",
            ),
            preserve_default=False,
        ),
        # The seal cannot be taken back (the log is append-only): going back leaves it in place.
        migrations.RunPython(seal, migrations.RunPython.noop),
        migrations.RunPython(add_triggers, drop_triggers),
    ]

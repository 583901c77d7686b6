"""Criterion signatures, sign-offs and plan signatures move onto the signed ledger
(partnership.signing), and a signed-off assessment gets its frozen snapshot.

Nothing has been released, and a signature made under the old scheme (a bare SHA-256 beside
its content) cannot be vouched for: putting it on the ledger now would be forging it. So this
migration refuses to run on a database that holds any old signature, sign-off or plan
signature. Development databases made before it must be recreated (for the default SQLite
database: delete db.sqlite3, then `make run`, which migrates and can seed the demo again).
"""

import django.db.models.deletion
import django.utils.timezone
from django.db import migrations, models


OLD_SIGNATURES_MESSAGE = (
    "This database holds {count} signatures, sign-offs or plan signatures made before "
    "signatures went on the signed ledger. They cannot be carried over without forging them. "
    "Nothing has been released, so recreate this development database (delete db.sqlite3, or "
    "drop and create the PostgreSQL database) and migrate again; see "
    "docs/adr/0008-signatures-and-the-ledger.md."
)


def refuse_old_signatures(apps, schema_editor):
    count = sum(
        apps.get_model("assessments", name).objects.count()
        for name in ("Signature", "SignOff", "PlanSignature")
    )
    if count:
        raise RuntimeError(OLD_SIGNATURES_MESSAGE.format(count=count))


class Migration(migrations.Migration):
    dependencies = [
        ("assessments", "0007_tasks"),
        ("partnership", "0002_signing_and_networks"),
    ]

    operations = [
        migrations.RunPython(refuse_old_signatures, migrations.RunPython.noop),
        migrations.CreateModel(
            name="AssessmentSnapshot",
            fields=[
                (
                    "assessment",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE,
                        primary_key=True,
                        related_name="snapshot",
                        serialize=False,
                        to="assessments.assessment",
                    ),
                ),
                ("data", models.JSONField()),
                ("created_at", models.DateTimeField(default=django.utils.timezone.now)),
            ],
        ),
        migrations.AddField(
            model_name="plansignature",
            name="ledger_entry",
            field=models.OneToOneField(
                default=None,
                editable=False,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="partnership.ledgerentry",
            ),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="plansignature",
            name="void_entry",
            field=models.OneToOneField(
                blank=True,
                editable=False,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="partnership.ledgerentry",
            ),
        ),
        migrations.AddField(
            model_name="signature",
            name="ledger_entry",
            field=models.OneToOneField(
                default=None,
                editable=False,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="partnership.ledgerentry",
            ),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="signature",
            name="void_entry",
            field=models.OneToOneField(
                blank=True,
                editable=False,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="partnership.ledgerentry",
            ),
        ),
        migrations.AddField(
            model_name="signoff",
            name="ledger_entry",
            field=models.OneToOneField(
                default=None,
                editable=False,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="partnership.ledgerentry",
            ),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="signoff",
            name="void_entry",
            field=models.OneToOneField(
                blank=True,
                editable=False,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="partnership.ledgerentry",
            ),
        ),
        migrations.AlterField(
            model_name="plansignature",
            name="created_at",
            field=models.DateTimeField(default=django.utils.timezone.now),
        ),
        migrations.AlterField(
            model_name="signature",
            name="created_at",
            field=models.DateTimeField(default=django.utils.timezone.now),
        ),
        migrations.AlterField(
            model_name="signoff",
            name="created_at",
            field=models.DateTimeField(default=django.utils.timezone.now),
        ),
    ]

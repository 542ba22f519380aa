"""Collective membership gets a model of its own, with the date a member's duty starts.

The automatic many-to-many table of Unit.members is replaced by
CollectiveMembership: the new table is created, every existing row is copied
into it (owed_from left blank: members since the plan's start, as before),
and only then is the old field removed and re-added through the new model.
"""

import django.db.models.deletion
from django.db import migrations, models


def copy_members(apps, schema_editor):
    Unit = apps.get_model("departments", "Unit")
    CollectiveMembership = apps.get_model("departments", "CollectiveMembership")
    rows = Unit.members.through.objects.values_list("from_unit_id", "to_unit_id")
    CollectiveMembership.objects.bulk_create(
        CollectiveMembership(collective_id=collective, member_id=member) for collective, member in rows
    )


def copy_members_back(apps, schema_editor):
    Unit = apps.get_model("departments", "Unit")
    CollectiveMembership = apps.get_model("departments", "CollectiveMembership")
    Through = Unit.members.through
    Through.objects.bulk_create(
        Through(from_unit_id=collective, to_unit_id=member)
        for collective, member in CollectiveMembership.objects.values_list("collective_id", "member_id")
    )


class Migration(migrations.Migration):
    dependencies = [
        ("departments", "0001_initial"),
    ]

    operations = [
        migrations.CreateModel(
            name="CollectiveMembership",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                (
                    "owed_from",
                    models.DateField(
                        blank=True,
                        help_text="自该日期或之后开始的填报周期起须填报；留空表示自方案开始即须填报。",
                        null=True,
                        verbose_name="起报日期",
                    ),
                ),
                (
                    "collective",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="member_links",
                        to="departments.unit",
                        verbose_name="集合单位",
                    ),
                ),
                (
                    "member",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="departments.unit",
                        verbose_name="成员单位",
                    ),
                ),
            ],
            options={
                "verbose_name": "集合单位成员",
                "verbose_name_plural": "集合单位成员",
                "ordering": ["collective", "member__sort_order", "member__name"],
                "constraints": [
                    models.UniqueConstraint(fields=("collective", "member"), name="collective_member_once")
                ],
            },
        ),
        migrations.RunPython(copy_members, copy_members_back),
        migrations.RemoveField(model_name="unit", name="members"),
        migrations.AddField(
            model_name="unit",
            name="members",
            field=models.ManyToManyField(
                blank=True,
                help_text="仅对集合单位（如“各街镇”）有效：每个成员单位各自填报其承担的部分。",
                related_name="collectives",
                through="departments.CollectiveMembership",
                through_fields=("collective", "member"),
                to="departments.unit",
                verbose_name="成员单位",
            ),
        ),
    ]

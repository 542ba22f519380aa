"""三员分立 on a database whose roles were granted before it: unlocking and
managing accounts leave 协调人 and 管理员 for the 安全管理员.

departments.roles.grant_permissions only ever adds permissions (after every
migrate), so rights the table no longer gives those roles would otherwise
stay with them. This takes exactly those away; the 安全管理员 role and its
rights are created by grant_permissions after this migrate. On a new
database the groups do not exist yet and nothing happens.
"""

from django.db import migrations

# (role, permissions it held before 三员分立 and must not keep)
WITHDRAWN = [
    ("协调人", ["security.unlock_account"]),
    ("管理员", ["security.unlock_account", "auth.add_user", "auth.change_user"]),
]


def withdraw(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, codes in WITHDRAWN:
        group = Group.objects.filter(name=name).first()
        if group is None:
            continue
        for code in codes:
            app_label, codename = code.split(".")
            group.permissions.remove(
                *Permission.objects.filter(content_type__app_label=app_label, codename=codename)
            )


class Migration(migrations.Migration):
    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("security", "0005_audit_append_only_trigger"),
    ]

    # Not reversed: the old grants broke the separation of duties.
    operations = [migrations.RunPython(withdraw, migrations.RunPython.noop)]

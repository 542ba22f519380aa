"""The roles table (departments/roles.py): granted after migrate, and the checks built on it."""

import pytest
from django.contrib.auth.models import Group, Permission, User

from departments import roles
from departments.models import Membership, Unit
from tests.conftest import make_user


def codes(permissions):
    return {f"{p.content_type.app_label}.{p.codename}" for p in permissions.select_related("content_type")}


def test_every_permission_of_the_table_exists(db):
    """grant_permissions skips a permission it cannot find, so a misspelt one would go unnoticed."""
    wanted = {code for table_codes in roles.PERMISSIONS.values() for code in table_codes}

    assert codes(Permission.objects.all()) >= wanted


@pytest.mark.parametrize("role", list(roles.PERMISSIONS))
def test_after_migrate_each_role_holds_exactly_its_permissions(db, role):
    assert codes(roles.group(role).permissions.all()) == set(roles.PERMISSIONS[role])


def test_granting_again_adds_nothing_and_removes_nothing(db):
    roles.group(roles.VIEWER).permissions.add(Permission.objects.get(codename="view_period"))

    roles.grant_permissions()

    assert codes(roles.group(roles.VIEWER).permissions.all()) == {
        roles.SEE_ALL_PROGRESS,
        "tasks.view_period",
    }
    assert codes(roles.group(roles.COORDINATOR).permissions.all()) == set(roles.PERMISSIONS[roles.COORDINATOR])


@pytest.mark.parametrize(
    "groups, superuser, reads, unlocks",
    [
        ([roles.AUDITOR], False, True, False),
        ([roles.COORDINATOR], False, False, False),
        ([roles.ADMIN], False, False, False),
        ([roles.SECURITY_ADMIN], False, False, True),
        ([roles.VIEWER], False, False, False),
        (
            [],
            True,
            False,
            False,
        ),  # the break-glass superuser holds every permission, but reads no trail and unlocks no one
        ([], False, False, False),
    ],
    ids=["auditor", "coordinator", "admin-role", "security-admin", "viewer", "superuser", "no-role"],
)
def test_who_reads_the_audit_trail_and_who_unlocks(db, groups, superuser, reads, unlocks):
    user = make_user("someone", groups=groups, superuser=superuser)

    assert roles.reads_audit_trail(user) is reads
    assert roles.can_unlock(user) is unlocks


def test_an_auditor_with_no_other_role_is_auditor_only(db):
    assert roles.is_auditor_only(make_user("auditor", groups=[roles.AUDITOR]))


# security/duties.py refuses an auditor any other role or a unit; a database
# edited behind the application's back (rows of the through tables, which send
# no m2m signal) still gets no auditor-only pages out of it.


def test_an_auditor_who_also_coordinates_is_not_auditor_only(db):
    user = make_user("both", groups=[roles.AUDITOR])
    User.groups.through.objects.create(user=user, group=roles.group(roles.COORDINATOR))

    assert not roles.is_auditor_only(User.objects.get(pk=user.pk))


def test_an_auditor_who_is_also_unit_staff_is_not_auditor_only(db):
    user = make_user("auditor", groups=[roles.AUDITOR])
    unit = Unit.objects.create(name="区科委", kind=Unit.Kind.GOVERNMENT)
    Membership.objects.bulk_create([Membership(user=user, unit=unit)])

    assert not roles.is_auditor_only(User.objects.get(pk=user.pk))


def test_roles_are_found_by_their_key_whatever_their_name(db):
    group = roles.group(roles.AUDITOR)
    group.name = "审计员（已改名）"
    group.save()
    user = make_user("auditor", groups=[roles.AUDITOR])

    assert roles.group(roles.AUDITOR) == group
    assert roles.reads_audit_trail(user) and roles.is_auditor_only(user)
    assert roles.find("审计员") == roles.find("审计员（已改名）") == roles.find("auditor") == roles.AUDITOR
    # A group that merely carries a role's name is no role.
    impostor = Group.objects.create(name="审计员")
    other = make_user("other")
    other.groups.add(impostor)
    assert not roles.reads_audit_trail(User.objects.get(pk=other.pk))


def test_permission_names_are_chinese(db):
    """Django names its permissions in English; admin and the trail show Chinese ones."""
    assert not Permission.objects.filter(name__startswith="Can ").exists()
    assert not Permission.objects.filter(name__regex="[A-Za-z]").exists()
    assert Permission.objects.get(codename="add_logentry").name == "可添加日志记录"
    assert Permission.objects.get(codename="change_user").name == "可修改用户"


def test_a_superuser_is_never_auditor_only(db):
    # security/duties.py refuses a superuser in 审计员; a database edited
    # behind the application's back (an UPDATE sends no signal) still gets no
    # audit-trail reader out of it.
    user = make_user("admin", groups=[roles.AUDITOR])
    User.objects.filter(pk=user.pk).update(is_superuser=True, is_staff=True)

    assert not roles.is_auditor_only(User.objects.get(pk=user.pk))


@pytest.mark.parametrize(
    "groups, superuser, expected",
    [([roles.SECURITY_ADMIN], False, True), ([roles.ADMIN], False, False), ([], True, False)],
    ids=["security-admin", "admin-role", "superuser"],
)
def test_only_the_role_makes_a_security_admin(db, groups, superuser, expected):
    assert roles.is_security_admin(make_user("someone", groups=groups, superuser=superuser)) is expected


def test_accounts_and_unlocking_belong_to_the_security_admin_alone(db):
    """三员分立: no other role may unlock, add or change accounts."""
    account_rights = {roles.UNLOCK_ACCOUNTS, "auth.add_user", "auth.change_user"}
    holders = {role for role, table_codes in roles.PERMISSIONS.items() if account_rights & set(table_codes)}

    assert holders == {roles.SECURITY_ADMIN}
    assert account_rights <= set(roles.PERMISSIONS[roles.SECURITY_ADMIN])

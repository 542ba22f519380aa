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
    assert codes(Group.objects.get(name=role).permissions.all()) == set(roles.PERMISSIONS[role])


def test_granting_again_adds_nothing_and_removes_nothing(db):
    Group.objects.get(name=roles.VIEWER).permissions.add(Permission.objects.get(codename="view_period"))

    roles.grant_permissions()

    assert codes(Group.objects.get(name=roles.VIEWER).permissions.all()) == {
        roles.SEE_ALL_PROGRESS,
        "tasks.view_period",
    }
    assert codes(Group.objects.get(name=roles.COORDINATOR).permissions.all()) == set(
        roles.PERMISSIONS[roles.COORDINATOR]
    )


@pytest.mark.parametrize(
    "groups, superuser, reads, unlocks",
    [
        ([roles.AUDITOR], False, True, False),
        ([roles.COORDINATOR], False, False, False),
        ([roles.ADMIN], False, False, False),
        ([roles.SECURITY_ADMIN], False, False, True),
        ([roles.VIEWER], False, False, False),
        ([], True, False, True),  # the break-glass superuser holds every permission, but reads no audit trail
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


def test_an_auditor_who_also_coordinates_is_not_auditor_only(db):
    assert not roles.is_auditor_only(make_user("both", groups=[roles.AUDITOR, roles.COORDINATOR]))


def test_an_auditor_who_is_also_unit_staff_is_not_auditor_only(db):
    user = make_user("auditor", groups=[roles.AUDITOR])
    Membership.objects.create(user=user, unit=Unit.objects.create(name="区科委", kind=Unit.Kind.GOVERNMENT))

    assert not roles.is_auditor_only(user)


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

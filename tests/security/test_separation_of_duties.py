"""三员分立: 管理员, 安全管理员 and 审计员 are three accounts; only a 安全管理员
assigns roles, never to themselves; nobody makes an account superuser through
the application; the break-glass superuser is audited and cannot read the
audit trail. Each escalation path through Django admin is tried."""

import io

import pytest
from django.contrib.auth.models import Group, Permission, User
from django.core.management import call_command
from django.test import Client, RequestFactory
from django.urls import reverse

from departments import roles
from security import audit, policy
from security.duties import DutyViolation
from security.models import AuditEvent
from tests.conftest import make_user


@pytest.fixture
def admin_staff(plan):
    """The 管理员: system administration, a staff account."""
    user = make_user("sysadmin", groups=[roles.ADMIN])
    user.is_staff = True
    user.save()
    return user


def browser(user):
    client = Client()
    client.force_login(user)
    return client


def change_form(user, **overrides):
    """What the admin's user change form posts for `user`, with overrides."""
    data = {
        "username": user.username,
        "first_name": "",
        "last_name": "",
        "email": user.email,
        "is_active": "on",
    }
    if user.is_staff:
        data["is_staff"] = "on"
    data["groups"] = [str(pk) for pk in user.groups.values_list("pk", flat=True)]
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def group(name):
    return Group.objects.get_or_create(name=name)[0]


def state(user):
    user = User.objects.get(pk=user.pk)
    return (
        user.is_superuser,
        user.is_staff,
        sorted(user.groups.values_list("name", flat=True)),
        sorted(user.user_permissions.values_list("codename", flat=True)),
    )


def acting_as(user):
    """Run model changes as if inside `user`'s request (what the middleware sets)."""
    request = RequestFactory().get("/")
    request.user = user
    token = audit.set_current_request(request)

    class Context:
        def __enter__(self):
            return request

        def __exit__(self, *exc):
            audit.reset_current_request(token)
            return False

    return Context()


def refused(exception, match):
    """pytest.raises inside its own atomic block: a refusal inside an m2m
    change rolls back that change's transaction, not the test's."""
    import contextlib

    from django.db import transaction

    @contextlib.contextmanager
    def block():
        with pytest.raises(exception, match=match), transaction.atomic():
            yield

    return block()


# Through Django admin


def test_admin_staff_sees_their_own_user_page_read_only_and_cannot_post_it(admin_staff):
    url = reverse("admin:auth_user_change", args=[admin_staff.pk])
    before = state(admin_staff)

    page = browser(admin_staff).get(url).content.decode()
    assert 'name="is_superuser"' not in page and 'name="groups"' not in page
    response = browser(admin_staff).post(
        url, change_form(admin_staff, is_superuser="on", groups=[group(roles.AUDITOR).pk, group(roles.ADMIN).pk])
    )

    assert response.status_code == 403
    assert state(admin_staff) == before


def test_security_admin_cannot_change_their_own_roles_flags_or_permissions(security_admin):
    url = reverse("admin:auth_user_change", args=[security_admin.pk])
    before = state(security_admin)
    permission = Permission.objects.get(codename="view_audit_trail")

    page = browser(security_admin).get(url).content.decode()
    response = browser(security_admin).post(
        url,
        change_form(
            security_admin,
            is_superuser="on",
            groups=[group(roles.AUDITOR).pk, group(roles.COORDINATOR).pk],
            user_permissions=[permission.pk],
        ),
    )

    assert 'name="groups"' not in page and 'name="is_superuser"' not in page
    assert response.status_code == 302
    assert state(security_admin) == before


def test_security_admin_assigns_a_role_to_someone_else(security_admin, lead_staff):
    url = reverse("admin:auth_user_change", args=[lead_staff.pk])

    response = browser(security_admin).post(url, change_form(lead_staff, groups=[group(roles.COORDINATOR).pk]))

    assert response.status_code == 302
    assert state(lead_staff)[2] == [roles.COORDINATOR]
    assert AuditEvent.objects.filter(kind="role_changed", username="secadmin", detail="加入角色：协调人").exists()


@pytest.mark.parametrize("second", [roles.AUDITOR, roles.SECURITY_ADMIN])
def test_admin_form_refuses_a_second_separated_role(security_admin, admin_staff, second):
    url = reverse("admin:auth_user_change", args=[admin_staff.pk])

    response = browser(security_admin).post(
        url, change_form(admin_staff, groups=[group(roles.ADMIN).pk, group(second).pk])
    )

    assert response.status_code == 200
    assert "三员分立" in response.content.decode() and "不能由同一账号兼任" in response.content.decode()
    assert state(admin_staff)[2] == [roles.ADMIN]


def test_superuser_cannot_add_themselves_to_the_auditors_in_admin(superuser):
    url = reverse("admin:auth_user_change", args=[superuser.pk])

    browser(superuser).post(url, change_form(superuser, groups=[group(roles.AUDITOR).pk]))

    assert state(superuser)[2] == []
    assert browser(superuser).get(reverse("security:audit")).status_code == 403


def test_nobody_grants_superuser_status_in_admin(security_admin, lead_staff):
    url = reverse("admin:auth_user_change", args=[lead_staff.pk])

    browser(security_admin).post(url, change_form(lead_staff, is_superuser="on", is_staff="on"))

    assert state(lead_staff)[0] is False


def test_role_permissions_cannot_be_edited_in_admin(superuser, security_admin):
    admins = group(roles.ADMIN)
    url = reverse("admin:auth_group_change", args=[admins.pk])
    trail = Permission.objects.get(codename="view_audit_trail")
    before = sorted(admins.permissions.values_list("codename", flat=True))

    assert browser(security_admin).post(url, {"name": roles.ADMIN, "permissions": [trail.pk]}).status_code == 403
    browser(superuser).post(url, {"name": roles.ADMIN, "permissions": [trail.pk]})
    assert browser(superuser).get(reverse("admin:auth_group_add")).status_code == 403

    assert sorted(admins.permissions.values_list("codename", flat=True)) == before


def test_admin_staff_cannot_reach_the_audit_trail_or_lockouts(admin_staff):
    assert browser(admin_staff).get(reverse("security:audit")).status_code == 403
    assert browser(admin_staff).get(reverse("security:lockouts")).status_code == 403


# On the models, whatever form or view is used


def test_roles_are_mutually_exclusive_even_outside_a_request(plan):
    user = make_user("both", groups=[roles.ADMIN])

    for second in [roles.AUDITOR, roles.SECURITY_ADMIN]:
        with refused(DutyViolation, match="不能由同一账号兼任"):
            user.groups.add(group(second))
        with refused(DutyViolation, match="不能由同一账号兼任"):
            group(second).user_set.add(user)

    assert state(user)[2] == [roles.ADMIN]


def test_a_superuser_cannot_hold_a_separated_role(superuser):
    with refused(DutyViolation, match="超级用户"):
        superuser.groups.add(group(roles.AUDITOR))


def test_only_a_security_admin_assigns_roles_during_a_request(admin_staff, coordinator, lead_staff, superuser):
    for actor in [admin_staff, coordinator, superuser]:
        with acting_as(actor), refused(DutyViolation, match="只有安全管理员"):
            lead_staff.groups.add(group(roles.VIEWER))
    assert state(lead_staff)[2] == []


@pytest.mark.parametrize(
    "escalate",
    [
        lambda me: me.groups.add(group(roles.COORDINATOR)),
        lambda me: group(roles.AUDITOR).user_set.add(me),
        lambda me: me.user_permissions.add(Permission.objects.get(codename="view_audit_trail")),
        lambda me: Permission.objects.get(codename="review_report").user_set.add(me),
        lambda me: me.groups.clear(),
    ],
    ids=["own-groups", "group-user-set", "own-permissions", "permission-user-set", "clear-own-groups"],
)
def test_a_security_admin_never_changes_their_own_roles_or_rights(security_admin, escalate):
    before = state(security_admin)
    with acting_as(security_admin), refused(DutyViolation, match="不能为自己"):
        escalate(security_admin)
    assert state(security_admin) == before


def test_nobody_makes_an_account_superuser_during_a_request(security_admin, lead_staff):
    lead_staff.is_superuser = True
    with acting_as(security_admin), refused(DutyViolation, match="create_breakglass"):
        lead_staff.save()
    assert state(lead_staff)[0] is False


def test_staff_flag_is_the_security_admins_to_give(admin_staff, lead_staff, security_admin):
    lead_staff.is_staff = True
    with acting_as(admin_staff), refused(DutyViolation, None):
        lead_staff.save()
    with acting_as(security_admin):
        lead_staff.save()
    assert state(lead_staff)[1] is True


def test_role_permissions_cannot_change_during_a_request(superuser):
    with acting_as(superuser), refused(DutyViolation, match="角色的权限由系统统一设定"):
        group(roles.ADMIN).permissions.add(Permission.objects.get(codename="view_audit_trail"))


# The break-glass superuser


def test_break_glass_account_is_made_by_a_command_and_must_change_its_password(plan):
    out = io.StringIO()
    call_command("create_breakglass", "breakglass", stdout=out)

    user = User.objects.get(username="breakglass")
    assert (user.is_superuser, user.is_staff) == (True, True)
    assert policy.account_security(user).must_change_password
    assert "初始密码（只显示这一次）" in out.getvalue()
    record = AuditEvent.objects.get(kind="account_changed", object_repr="breakglass")
    assert record.username == "命令行" and "应急超级用户" in record.detail


def test_every_request_of_the_superuser_is_recorded(superuser):
    client = browser(superuser)
    client.get(reverse("admin:index"))
    client.get(reverse("admin:auth_user_changelist"), {"q": "kewei"})
    client.get(reverse("security:audit"))

    details = list(AuditEvent.objects.filter(kind="superuser_action").order_by("pk").values_list("detail", flat=True))
    assert details == ["GET /admin/ → 200", "GET /admin/auth/user/?q=kewei → 200", "GET /audit/ → 403"]


def test_demo_accounts_hold_one_separated_role_each(plan, settings):
    settings.DEBUG = True
    call_command("seed_demo", stdout=io.StringIO(), stderr=io.StringIO())

    holders = {name: list(group(name).user_set.values_list("username", flat=True)) for name in roles.SEPARATED}
    assert holders == {roles.ADMIN: ["admin"], roles.SECURITY_ADMIN: ["secadmin"], roles.AUDITOR: ["auditor"]}
    assert not User.objects.filter(is_superuser=True).exists()


def test_the_first_security_admin_is_appointed_on_the_command_line(plan):
    make_user("zhang")

    call_command("grant_role", "zhang", roles.SECURITY_ADMIN, stdout=io.StringIO())

    assert state(User.objects.get(username="zhang"))[:3] == (False, True, [roles.SECURITY_ADMIN])
    assert AuditEvent.objects.filter(
        kind="role_changed", username="命令行", detail="命令行授予角色“安全管理员”"
    ).exists()


def test_grant_role_on_the_command_line_keeps_the_roles_apart(plan):
    from django.core.management import CommandError

    make_user("li", groups=[roles.AUDITOR])

    with pytest.raises(CommandError, match="不能由同一账号兼任"):
        call_command("grant_role", "li", roles.ADMIN, stdout=io.StringIO())

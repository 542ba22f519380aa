"""三员分立: 管理员, 安全管理员 and 审计员 are three accounts; only a 安全管理员
assigns roles, never to themselves; nobody makes an account superuser through
the application; the break-glass superuser is audited and cannot read the
audit trail. Each escalation path through Django admin is tried."""

import contextlib
import importlib
import io

import pytest
from django.apps import apps as django_apps
from django.contrib.auth.models import Group, Permission, User
from django.core.management import call_command
from django.test import RequestFactory
from django.urls import reverse

from departments import roles
from departments.models import Membership, Unit
from security import audit, policy
from security.duties import DutyViolation
from security.models import AuditEvent
from tests.conftest import make_user


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


def group(key):
    return roles.group(key)


def state(user):
    user = User.objects.get(pk=user.pk)
    return (
        user.is_superuser,
        user.is_staff,
        sorted(roles.keys_of(user)),
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


def test_system_admin_sees_their_own_user_page_read_only_and_cannot_post_it(system_admin, client_for):
    url = reverse("admin:auth_user_change", args=[system_admin.pk])
    before = state(system_admin)

    page = client_for(system_admin).get(url).content.decode()
    assert 'name="is_superuser"' not in page and 'name="groups"' not in page
    response = client_for(system_admin).post(
        url, change_form(system_admin, is_superuser="on", groups=[group(roles.AUDITOR).pk, group(roles.ADMIN).pk])
    )

    assert response.status_code == 403
    assert state(system_admin) == before


def test_security_admin_cannot_change_their_own_roles_flags_or_permissions(security_admin, client_for):
    url = reverse("admin:auth_user_change", args=[security_admin.pk])
    before = state(security_admin)
    permission = Permission.objects.get(codename="view_audit_trail")

    page = client_for(security_admin).get(url).content.decode()
    response = client_for(security_admin).post(
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


def test_security_admin_assigns_a_role_to_someone_else(security_admin, lead_staff, client_for):
    url = reverse("admin:auth_user_change", args=[lead_staff.pk])

    response = client_for(security_admin).post(url, change_form(lead_staff, groups=[group(roles.COORDINATOR).pk]))

    assert response.status_code == 302
    assert state(lead_staff)[2] == [roles.COORDINATOR]
    record = AuditEvent.objects.get(kind="role_changed", username="secadmin", object_repr="kewei")
    assert record.detail == "角色：无 → 协调人" and record.actor_role == "安全管理员"


@pytest.mark.parametrize("second", [roles.AUDITOR, roles.SECURITY_ADMIN])
def test_admin_form_refuses_a_second_separated_role(security_admin, system_admin, second, client_for):
    url = reverse("admin:auth_user_change", args=[system_admin.pk])

    response = client_for(security_admin).post(
        url, change_form(system_admin, groups=[group(roles.ADMIN).pk, group(second).pk])
    )

    assert response.status_code == 200
    assert "三员分立" in response.content.decode() and "不能由同一账号兼任" in response.content.decode()
    assert state(system_admin)[2] == [roles.ADMIN]


def test_superuser_cannot_add_themselves_to_the_auditors_in_admin(superuser, client_for):
    url = reverse("admin:auth_user_change", args=[superuser.pk])

    client_for(superuser).post(url, change_form(superuser, groups=[group(roles.AUDITOR).pk]))

    assert state(superuser)[2] == []
    assert client_for(superuser).get(reverse("security:audit")).status_code == 403


def test_nobody_grants_superuser_status_in_admin(security_admin, lead_staff, client_for):
    url = reverse("admin:auth_user_change", args=[lead_staff.pk])

    client_for(security_admin).post(url, change_form(lead_staff, is_superuser="on", is_staff="on"))

    assert state(lead_staff)[0] is False


def test_role_permissions_cannot_be_edited_in_admin(superuser, security_admin, client_for):
    admins = group(roles.ADMIN)
    url = reverse("admin:auth_group_change", args=[admins.pk])
    trail = Permission.objects.get(codename="view_audit_trail")
    before = sorted(admins.permissions.values_list("codename", flat=True))

    assert client_for(security_admin).post(url, {"name": roles.ADMIN, "permissions": [trail.pk]}).status_code == 403
    client_for(superuser).post(url, {"name": roles.ADMIN, "permissions": [trail.pk]})
    assert client_for(superuser).get(reverse("admin:auth_group_add")).status_code == 403

    assert sorted(admins.permissions.values_list("codename", flat=True)) == before


def test_system_admin_cannot_reach_the_audit_trail_or_lockouts(system_admin, client_for):
    assert client_for(system_admin).get(reverse("security:audit")).status_code == 403
    assert client_for(system_admin).get(reverse("security:lockouts")).status_code == 403


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


def test_only_a_security_admin_assigns_roles_during_a_request(system_admin, coordinator, lead_staff, superuser):
    for actor in [system_admin, coordinator, superuser]:
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


def test_staff_flag_is_the_security_admins_to_give(system_admin, lead_staff, security_admin):
    lead_staff.is_staff = True
    with acting_as(system_admin), refused(DutyViolation, None):
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


def test_every_request_of_the_superuser_is_recorded(superuser, client_for):
    client = client_for(superuser)
    client.get(reverse("admin:index"))
    client.get(reverse("admin:auth_user_changelist"), {"q": "kewei"})
    client.get(reverse("security:audit"))

    details = list(AuditEvent.objects.filter(kind="superuser_action").order_by("pk").values_list("detail", flat=True))
    assert details == ["GET /admin/ → 200", "GET /admin/auth/user/?q=kewei → 200", "GET /audit/ → 403"]


def test_the_first_security_admin_is_appointed_on_the_command_line(plan):
    make_user("zhang")

    call_command("grant_role", "zhang", roles.SECURITY_ADMIN, stdout=io.StringIO())

    assert state(User.objects.get(username="zhang"))[:3] == (False, True, [roles.SECURITY_ADMIN])
    # Each change once: the role, then the staff flag that comes with it.
    assert list(
        AuditEvent.objects.filter(kind="role_changed", object_repr="zhang")
        .order_by("pk")
        .values_list("username", "detail")
    ) == [("命令行", "角色：无 → 安全管理员"), ("命令行", "后台权限：否 → 是")]


def test_grant_role_on_the_command_line_keeps_the_roles_apart(plan):
    from django.core.management import CommandError

    make_user("li", groups=[roles.AUDITOR])

    with pytest.raises(CommandError, match="不能由同一账号兼任"):
        call_command("grant_role", "li", roles.ADMIN, stdout=io.StringIO())


def test_a_database_granted_before_the_separation_loses_the_old_account_rights(plan):
    """grant_permissions only adds: migration 0006 takes unlocking and account
    management away from 协调人 and 管理员 where an earlier table had given them."""
    withdraw = importlib.import_module("security.migrations.0006_account_rights_to_security_admin").withdraw
    old = {
        roles.COORDINATOR: ["security.unlock_account"],
        roles.ADMIN: ["security.unlock_account", "auth.add_user", "auth.change_user"],
    }
    for name, codes in old.items():
        for code in codes:
            app_label, codename = code.split(".")
            group(name).permissions.add(Permission.objects.get(content_type__app_label=app_label, codename=codename))

    withdraw(django_apps, None)

    for name in (roles.COORDINATOR, roles.ADMIN, roles.SECURITY_ADMIN):
        held = {f"{p.content_type.app_label}.{p.codename}" for p in group(name).permissions.all()}
        assert held == set(roles.PERMISSIONS[name]), name


# The release probe's attacks, tried again


def test_a_direct_permission_cannot_open_the_audit_trail_to_the_admin(security_admin, system_admin, client_for):
    """A 安全管理员 posting security.view_audit_trail into the 管理员's direct permissions."""
    url = reverse("admin:auth_user_change", args=[system_admin.pk])
    trail = Permission.objects.get(codename="view_audit_trail")

    page = client_for(security_admin).get(url).content.decode()
    client_for(security_admin).post(url, change_form(system_admin, user_permissions=[trail.pk]))

    assert 'name="user_permissions"' not in page
    assert state(system_admin)[3] == []
    assert client_for(system_admin).get(reverse("security:audit")).status_code == 403


@pytest.mark.parametrize("inside_a_request", [True, False], ids=["in-a-request", "from-the-shell"])
def test_direct_permissions_are_refused_on_the_model(security_admin, system_admin, inside_a_request):
    trail = Permission.objects.get(codename="view_audit_trail")
    with acting_as(security_admin) if inside_a_request else contextlib.nullcontext():
        with refused(DutyViolation, match="只能通过角色授予"):
            system_admin.user_permissions.add(trail)
        with refused(DutyViolation, match="只能通过角色授予"):
            trail.user_set.add(system_admin)
    assert state(system_admin)[3] == []


def test_the_trail_opens_through_the_auditor_role_only(system_admin, client_for):
    """A permission that reached an account around the rules (a row written behind
    the application's back) still does not open the trail."""
    trail = Permission.objects.get(codename="view_audit_trail")
    User.user_permissions.through.objects.create(user=system_admin, permission=trail)
    assert User.objects.get(pk=system_admin.pk).has_perm(roles.READ_AUDIT_TRAIL)

    assert client_for(system_admin).get(reverse("security:audit")).status_code == 403


def test_a_renamed_auditor_role_still_cannot_go_to_the_admin(superuser, security_admin, system_admin, client_for):
    """The superuser renames 审计员; the role is still the auditor's, by its key."""
    auditors = group(roles.AUDITOR)
    client_for(superuser).post(reverse("admin:auth_group_change", args=[auditors.pk]), {"name": "查阅员"})
    assert Group.objects.get(pk=auditors.pk).name == "查阅员"

    response = client_for(security_admin).post(
        reverse("admin:auth_user_change", args=[system_admin.pk]),
        change_form(system_admin, groups=[group(roles.ADMIN).pk, auditors.pk]),
    )

    assert "不能由同一账号兼任" in response.content.decode()
    assert state(system_admin)[2] == [roles.ADMIN]
    record = AuditEvent.objects.get(kind="role_changed", object_repr="查阅员")
    assert record.detail == "名称：审计员 → 查阅员" and record.actor_role == "应急超级用户"


def test_the_auditor_combines_with_no_other_role(security_admin, auditor, client_for):
    response = client_for(security_admin).post(
        reverse("admin:auth_user_change", args=[auditor.pk]),
        change_form(auditor, groups=[group(roles.AUDITOR).pk, group(roles.COORDINATOR).pk]),
    )

    assert "审计员不能兼任其他角色（协调人）" in response.content.decode()
    assert state(auditor)[2] == [roles.AUDITOR]
    with refused(DutyViolation, match="审计员不能兼任其他角色"):
        auditor.groups.add(group(roles.VIEWER))


@pytest.mark.parametrize("business", [roles.COORDINATOR, roles.VIEWER])
@pytest.mark.parametrize("separated", [roles.ADMIN, roles.SECURITY_ADMIN])
def test_an_administrator_holds_no_business_role(plan, separated, business):
    user = make_user("both", groups=[separated])
    with refused(DutyViolation, match="不能兼任业务角色"):
        user.groups.add(group(business))


@pytest.mark.parametrize("member", ["system_admin", "security_admin", "auditor", "superuser"])
def test_no_administrator_or_auditor_is_a_units_staff(member, system_admin, client_for, request):
    """The 管理员 adds a 单位联络员 membership for the 审计员, the 安全管理员 or the superuser."""
    account = request.getfixturevalue(member)
    unit = Unit.objects.get(name="区科委")

    response = client_for(system_admin).post(
        reverse("admin:departments_membership_add"), {"user": account.pk, "unit": unit.pk}
    )

    assert response.status_code == 403
    assert not Membership.objects.filter(user=account).exists()
    with refused(DutyViolation, match="不能同时是单位联络员"):
        Membership.objects.create(user=account, unit=unit)


def test_a_unit_staff_member_cannot_be_given_an_administrators_role(security_admin, lead_staff, client_for):
    response = client_for(security_admin).post(
        reverse("admin:auth_user_change", args=[lead_staff.pk]), change_form(lead_staff, groups=[group(roles.ADMIN).pk])
    )

    assert "不能同时是单位联络员" in response.content.decode()
    assert state(lead_staff)[2] == []


def test_nobody_makes_himself_a_units_staff(plan, client_for):
    """Whoever may add memberships (here a 管理员 whose role is then taken
    away, as in a database behind the rules) never adds his own."""
    clerk = make_user("clerk")
    with acting_as(clerk), refused(DutyViolation, match="不能为自己添加"):
        Membership.objects.create(user=clerk, unit=Unit.objects.get(name="区科委"))


def test_a_liaison_keeps_editing_his_own_phones(lead_staff):
    membership = Membership.objects.get(user=lead_staff)
    membership.mobile = "13800000000"
    with acting_as(lead_staff):
        membership.save()
    assert Membership.objects.get(pk=membership.pk).mobile == "13800000000"


def test_role_and_membership_changes_say_before_and_after(security_admin, lead_staff, client_for):
    form = change_form(lead_staff, groups=[group(roles.VIEWER).pk])
    form["units"] = [str(Unit.objects.get(name="区科委").pk), str(Unit.objects.get(name="区经委").pk)]

    client_for(security_admin).post(reverse("admin:auth_user_change", args=[lead_staff.pk]), form)

    details = set(
        AuditEvent.objects.filter(object_repr__startswith="kewei", username="secadmin").values_list("detail", flat=True)
    )
    assert details == {"角色：无 → 查看", "kewei 加入单位“区经委”；所属单位：区科委 → 区科委、区经委"}


@pytest.mark.parametrize("step", ["password", "second-factor"])
def test_break_glass_requests_turned_back_by_a_login_step_are_recorded_too(superuser, client_for, settings, step):
    """The probe: requests the password or second-factor step redirected left no record."""
    if step == "password":
        policy.require_password_change(superuser)
    else:
        settings.TWO_FACTOR_REQUIRED = True

    response = client_for(superuser).get("/admin/auth/user/")

    assert response.status_code == 302
    record = AuditEvent.objects.get(kind="superuser_action", detail__startswith="GET /admin/auth/user/")
    assert record.detail.endswith("→ 302") and record.actor_role == "应急超级用户"

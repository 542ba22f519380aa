"""Two people for the keys: the password or second factor of a 审计员, a
安全管理员 or the break-glass superuser is reset only when a second
安全管理员 approves (or on the operator's command line); nobody resets
himself; the owner is told. Each attack of the release probe, tried again."""

import datetime
import io

import pytest
import time_machine
from django.contrib.auth.models import User
from django.core import mail
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from departments import roles
from security import policy
from security.models import AuditEvent, KeyReset
from tests.conftest import PASSWORD, make_user

from .helpers import NEW_PASSWORD, is_logged_in, log_in

OVERVIEW = reverse("security:two_factor")


def password_form(password=NEW_PASSWORD):
    return {"usable_password": "true", "password1": password, "password2": password}


def reset_password_in_admin(client, target, password=NEW_PASSWORD):
    return client.post(reverse("admin:auth_user_password_change", args=[target.pk]), password_form(password))


def enrolled(user):
    TOTPDevice.objects.create(user=user, name="动态口令", confirmed=True)
    StaticDevice.objects.create(user=user, name="恢复码", confirmed=True)
    return user


def decide(client, reset, decision):
    return client.post(reverse("security:key_reset_decide", args=[reset.pk]), {"decision": decision})


@pytest.fixture
def second_security_admin(plan):
    return make_user("secadmin2", groups=[roles.SECURITY_ADMIN], staff=True)


@pytest.fixture(params=["auditor", "second_security_admin", "superuser"])
def key_holder(request):
    """An account that holds keys of the system: its resets take two people."""
    return request.getfixturevalue(request.param)


def test_one_security_admin_alone_cannot_set_a_key_holders_password(key_holder, security_admin, client_for):
    before = User.objects.get(pk=key_holder.pk).password

    response = reset_password_in_admin(client_for(security_admin), key_holder)

    assert response.status_code == 302
    assert User.objects.get(pk=key_holder.pk).password == before
    assert is_logged_in(log_in(Client(), key_holder.username, PASSWORD))
    reset = KeyReset.objects.get(target=key_holder)
    assert (reset.kind, reset.state, reset.requested_by) == ("password", "pending", security_admin)
    assert NEW_PASSWORD not in reset.password_hash
    record = AuditEvent.objects.get(kind="key_reset_requested")
    assert record.username == "secadmin" and record.actor_role == "安全管理员"
    assert not AuditEvent.objects.filter(kind="password_reset").exists()


def test_a_second_security_admin_approves_and_the_owner_is_told(
    auditor, security_admin, second_security_admin, client_for, django_capture_on_commit_callbacks
):
    auditor.email = "auditor@example.gov.cn"
    auditor.save()
    reset_password_in_admin(client_for(security_admin), auditor)
    reset = KeyReset.objects.get(target=auditor)
    page = client_for(second_security_admin).get(OVERVIEW).content.decode()
    assert "待批准的重置申请" in page and "批准并执行" in page

    with django_capture_on_commit_callbacks(execute=True):
        response = decide(client_for(second_security_admin), reset, "approve")

    assert response.status_code == 302
    assert not is_logged_in(log_in(Client(), "auditor", PASSWORD))
    client = Client()
    assert is_logged_in(log_in(client, "auditor", NEW_PASSWORD))
    assert policy.account_security(User.objects.get(pk=auditor.pk)).must_change_password
    # Told at the login (the page after it shows the notice), and by email.
    assert (
        "经安全管理员 secadmin 申请、secadmin2 批准"
        in client.get(reverse("password_change"), follow=True).content.decode()
    )
    assert [m.to for m in mail.outbox] == [["auditor@example.gov.cn"]]
    assert "如非您本人要求" in mail.outbox[0].body
    record = AuditEvent.objects.get(kind="password_reset")
    assert record.username == "secadmin2"
    assert record.detail == "经安全管理员 secadmin 申请、secadmin2 批准，重置了 auditor 的密码"
    assert KeyReset.objects.get(pk=reset.pk).state == "done"


def test_the_requester_cannot_approve_his_own_request(auditor, security_admin, client_for):
    client = client_for(security_admin)
    reset_password_in_admin(client, auditor)
    reset = KeyReset.objects.get(target=auditor)

    assert decide(client, reset, "approve").status_code == 403
    assert KeyReset.objects.get(pk=reset.pk).state == "pending"
    assert is_logged_in(log_in(Client(), "auditor", PASSWORD))


def test_the_superuser_neither_approves_nor_lifts_the_rule(auditor, security_admin, superuser, client_for):
    reset_password_in_admin(client_for(security_admin), auditor)
    reset = KeyReset.objects.get(target=auditor)

    assert decide(client_for(superuser), reset, "approve").status_code == 403
    # The superuser's own attempt at the auditor's password is a request too.
    reset_password_in_admin(client_for(superuser), auditor, "Jd-Other-Passw0rd!")
    assert is_logged_in(log_in(Client(), "auditor", PASSWORD))
    assert KeyReset.objects.filter(target=auditor, state="pending").count() == 1


def test_a_security_admin_alone_cannot_reset_a_key_holders_second_factor(
    key_holder, security_admin, second_security_admin, client_for
):
    enrolled(key_holder)
    url = reverse("security:two_factor_reset", args=[key_holder.pk])
    requester = client_for(security_admin)
    if key_holder == second_security_admin:  # the other 安全管理员 then approves nothing of his own
        approver = client_for(make_user("secadmin3", groups=[roles.SECURITY_ADMIN], staff=True))
    else:
        approver = client_for(second_security_admin)

    requester.post(url)

    assert TOTPDevice.objects.filter(user=key_holder).exists()
    reset = KeyReset.objects.get(target=key_holder, kind="two_factor")
    assert decide(requester, reset, "approve").status_code == 403
    assert decide(approver, reset, "approve").status_code == 302
    assert not TOTPDevice.objects.filter(user=key_holder).exists()
    assert not StaticDevice.objects.filter(user=key_holder).exists()
    assert AuditEvent.objects.filter(kind="2fa_reset", object_repr=key_holder.username).count() == 1


def test_the_target_of_a_request_cannot_approve_it(security_admin, second_security_admin, client_for):
    enrolled(second_security_admin)
    client_for(security_admin).post(reverse("security:two_factor_reset", args=[second_security_admin.pk]))
    reset = KeyReset.objects.get(target=second_security_admin)

    assert decide(client_for(second_security_admin), reset, "approve").status_code == 403
    assert TOTPDevice.objects.filter(user=second_security_admin).exists()


def test_an_ordinary_accounts_reset_takes_effect_at_once(coordinator, security_admin, client_for):
    enrolled(coordinator)

    reset_password_in_admin(client_for(security_admin), coordinator)
    client_for(security_admin).post(reverse("security:two_factor_reset", args=[coordinator.pk]))

    assert not TOTPDevice.objects.filter(user=coordinator).exists()
    assert not KeyReset.objects.exists()
    assert "下次登录时须重新绑定" in policy.account_security(User.objects.get(pk=coordinator.pk)).notice
    assert is_logged_in(log_in(Client(), "coordinator", NEW_PASSWORD))


def test_nobody_resets_his_own_password_in_admin(security_admin, superuser, client_for):
    for user in (security_admin, superuser):
        before = User.objects.get(pk=user.pk).password
        assert reset_password_in_admin(client_for(user), user).status_code == 403
        assert User.objects.get(pk=user.pk).password == before
    assert not KeyReset.objects.exists()


def test_a_refused_or_withdrawn_request_changes_nothing(auditor, security_admin, second_security_admin, client_for):
    reset_password_in_admin(client_for(security_admin), auditor)
    reset = KeyReset.objects.get(target=auditor)
    decide(client_for(second_security_admin), reset, "refuse")
    assert KeyReset.objects.get(pk=reset.pk).state == "refused"
    assert decide(client_for(second_security_admin), reset, "approve").status_code == 403

    reset_password_in_admin(client_for(security_admin), auditor)
    again = KeyReset.objects.get(target=auditor, state="pending")
    decide(client_for(security_admin), again, "refuse")
    assert KeyReset.objects.get(pk=again.pk).state == "cancelled"
    assert is_logged_in(log_in(Client(), "auditor", PASSWORD))
    assert AuditEvent.objects.filter(kind="key_reset_refused").count() == 2


def test_a_request_older_than_a_day_cannot_be_approved(auditor, security_admin, second_security_admin, client_for):
    reset_password_in_admin(client_for(security_admin), auditor)
    reset = KeyReset.objects.get(target=auditor)

    with time_machine.travel(timezone.now() + datetime.timedelta(hours=25)):
        assert decide(client_for(second_security_admin), reset, "approve").status_code == 403
    assert is_logged_in(log_in(Client(), "auditor", PASSWORD))


def test_the_operator_resets_a_key_holder_on_the_command_line(security_admin):
    """A site with one 安全管理员: the operator on the server resets him, and he is told."""
    enrolled(security_admin)
    out = io.StringIO()

    call_command("reset_credentials", "secadmin", "--password", "--two-factor", stdout=out)

    temporary = out.getvalue().split("临时密码（只显示这一次）：", 1)[1].split("；", 1)[0]
    assert not TOTPDevice.objects.filter(user=security_admin).exists()
    client = Client()
    assert is_logged_in(log_in(client, "secadmin", temporary))
    assert "由运维人员在服务器命令行操作" in client.get(reverse("password_change")).content.decode()
    records = AuditEvent.objects.filter(kind__in=["password_reset", "2fa_reset"], object_repr="secadmin")
    assert {(r.username, r.actor_role) for r in records} == {("命令行", "命令行")}


def test_only_one_pending_request_per_account_and_kind(auditor, security_admin, client_for):
    client = client_for(security_admin)
    reset_password_in_admin(client, auditor)
    reset_password_in_admin(client, auditor, "Jd-Other-Passw0rd!")

    assert KeyReset.objects.filter(target=auditor, state="pending").count() == 1
    assert KeyReset.objects.filter(target=auditor, state="cancelled").count() == 1

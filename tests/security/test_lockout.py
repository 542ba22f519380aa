"""Login-failure handling (等保 2.0): five failures lock the account or the address
for 15 minutes; the coordinator or an admin can unlock at once."""

import datetime

import pytest
import time_machine
from axes.models import AccessAttempt
from django.test import Client
from django.urls import reverse

from departments import roles
from tests.conftest import make_user

from .helpers import WRONG_PASSWORD, is_logged_in, log_in

LOCKOUTS = reverse("security:lockouts")
LOCKED_AT = datetime.datetime(2024, 5, 15, 9, 0, tzinfo=datetime.UTC)


def fail(client, username, times, *, ip="127.0.0.1"):
    """`times` wrong-password attempts; returns the responses."""
    return [log_in(client, username, WRONG_PASSWORD, ip=ip) for _ in range(times)]


def assert_lockout_page(response):
    assert response.status_code == 429
    content = response.content.decode()
    assert "登录已锁定" in content
    assert "锁定 15 分钟" in content


def test_each_of_four_failures_shows_the_login_form_with_a_chinese_error(client, lead_staff):
    for response in fail(client, "kewei", 4):
        assert response.status_code == 200
        assert "用户名或密码不正确" in response.content.decode()


def test_four_failures_then_the_right_password_logs_in(client, lead_staff):
    fail(client, "kewei", 4)
    response = log_in(client, "kewei")
    assert is_logged_in(response)
    assert client.get(reverse("tasks:plan")).status_code == 200
    # A success clears the count, so the next mistake starts again from one.
    assert not AccessAttempt.objects.filter(username="kewei").exists()


def test_fifth_failure_locks_the_account(client, lead_staff):
    responses = fail(client, "kewei", 5)
    assert [r.status_code for r in responses] == [200, 200, 200, 200, 429]
    assert_lockout_page(responses[-1])
    assert AccessAttempt.objects.get(username="kewei").failures_since_start == 5


def test_locked_account_is_refused_even_with_the_right_password(client, lead_staff):
    fail(client, "kewei", 5)
    for _ in range(2):
        assert_lockout_page(log_in(client, "kewei"))
    response = client.get(reverse("tasks:plan"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_locked_account_is_refused_from_another_address_too(client, lead_staff, coordinator):
    fail(client, "kewei", 5, ip="10.1.1.1")
    assert_lockout_page(log_in(Client(), "kewei", ip="10.1.1.2"))
    # Only kewei is locked: someone else at the other address logs in.
    assert is_logged_in(log_in(Client(), "coordinator", ip="10.1.1.2"))


def test_four_failures_from_one_address_with_different_names_do_not_lock_it(client, lead_staff):
    for name in ["wang1", "wang2", "wang3", "wang4"]:
        assert log_in(client, name, WRONG_PASSWORD, ip="10.2.2.2").status_code == 200
    assert is_logged_in(log_in(client, "kewei", ip="10.2.2.2"))


def test_five_failures_from_one_address_with_different_names_lock_the_address(client, lead_staff):
    responses = [log_in(client, f"wang{n}", WRONG_PASSWORD, ip="10.2.2.2") for n in range(1, 6)]
    assert [r.status_code for r in responses] == [200, 200, 200, 200, 429]

    assert_lockout_page(log_in(Client(), "kewei", ip="10.2.2.2"))
    # The account itself is not locked: from another address kewei logs in.
    assert is_logged_in(log_in(Client(), "kewei", ip="10.2.2.3"))


def test_account_is_still_locked_14_minutes_later(client, lead_staff):
    with time_machine.travel(LOCKED_AT, tick=False):
        fail(client, "kewei", 5)
    with time_machine.travel(LOCKED_AT + datetime.timedelta(minutes=14), tick=False):
        assert_lockout_page(log_in(client, "kewei"))


def test_account_logs_in_again_after_15_minutes(client, lead_staff):
    with time_machine.travel(LOCKED_AT, tick=False):
        fail(client, "kewei", 5)
    with time_machine.travel(LOCKED_AT + datetime.timedelta(minutes=15, seconds=1), tick=False):
        assert is_logged_in(log_in(client, "kewei"))
        assert client.get(reverse("tasks:plan")).status_code == 200


# Unlocking


@pytest.fixture
def unlocker(security_admin, client_for):
    """The one allowed to unlock (a 安全管理员; never the superuser), in his own browser."""
    return client_for(security_admin)


def test_lockouts_page_lists_the_locked_account(unlocker, client, lead_staff):
    fail(client, "kewei", 5)
    response = unlocker.get(LOCKOUTS)
    assert response.status_code == 200
    content = response.content.decode()
    assert "kewei" in content
    assert "已锁定" in content


def test_unlocked_account_logs_in_at_once(unlocker, client, lead_staff):
    fail(client, "kewei", 5)

    response = unlocker.post(LOCKOUTS, {"username": "kewei", "ip_address": "127.0.0.1"}, follow=True)
    assert response.redirect_chain == [(LOCKOUTS, 302)]
    assert "已解除锁定：账号 kewei、地址 127.0.0.1。" in response.content.decode()
    assert not AccessAttempt.objects.filter(username="kewei").exists()

    assert is_logged_in(log_in(client, "kewei"))


def test_unlocking_an_address_lets_its_users_log_in(unlocker, client, lead_staff):
    for n in range(1, 6):
        log_in(client, f"wang{n}", WRONG_PASSWORD, ip="10.2.2.2")

    unlocker.post(LOCKOUTS, {"ip_address": "10.2.2.2"})

    assert not AccessAttempt.objects.filter(ip_address="10.2.2.2").exists()
    assert is_logged_in(log_in(client, "kewei", ip="10.2.2.2"))


def test_unlocking_one_account_leaves_another_locked(unlocker, client, lead_staff, co_organizer):
    fail(client, "kewei", 5, ip="10.3.3.1")
    fail(client, "wangxinban", 5, ip="10.3.3.2")

    unlocker.post(LOCKOUTS, {"username": "kewei", "ip_address": "10.3.3.1"})

    assert is_logged_in(log_in(Client(), "kewei", ip="10.3.3.1"))
    assert_lockout_page(log_in(Client(), "wangxinban", ip="10.3.3.2"))


def test_empty_unlock_request_unlocks_nobody(client, client_for, security_admin, lead_staff):
    fail(client, "kewei", 5)
    browser = client_for(security_admin)

    browser.post(LOCKOUTS, {"username": "", "ip_address": ""})

    assert AccessAttempt.objects.filter(username="kewei").exists()
    assert_lockout_page(log_in(client, "kewei"))


@pytest.fixture(params=["lead_staff", "viewer", "town_staff", "coordinator", "system_admin", "superuser"])
def cannot_unlock(request, client_for):
    """Someone who may not unlock, in their own browser."""
    return client_for(request.getfixturevalue(request.param))


def test_everyone_but_the_security_admin_gets_403_on_the_lockouts_page(cannot_unlock):
    response = cannot_unlock.get(LOCKOUTS)
    assert response.status_code == 403
    assert "只有安全管理员可以解除锁定。" in response.content.decode()


def test_everyone_but_the_security_admin_cannot_unlock(cannot_unlock, client, plan):
    make_user("victim")
    fail(client, "victim", 5)

    response = cannot_unlock.post(LOCKOUTS, {"username": "victim"})

    assert response.status_code == 403
    assert AccessAttempt.objects.get(username="victim").failures_since_start == 5
    assert_lockout_page(log_in(client, "victim"))


def test_auditor_gets_403_on_the_lockouts_page(auditor_client):
    assert auditor_client.get(LOCKOUTS).status_code == 403


def test_anonymous_visitor_is_sent_to_log_in_from_the_lockouts_page(client, plan):
    response = client.get(LOCKOUTS)
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('login')}?next={LOCKOUTS}"


def test_a_security_admin_does_not_unlock_himself(client, client_for, security_admin, plan):
    """Nobody lifts his own lockout: another 安全管理员 (or the operator) does."""
    other = client_for(make_user("secadmin2", groups=[roles.SECURITY_ADMIN], staff=True))
    browser = client_for(security_admin)  # logged in before someone locks his account
    fail(client, "secadmin", 5, ip="10.4.4.4")

    page = browser.get(LOCKOUTS).content.decode()
    response = browser.post(LOCKOUTS, {"username": "secadmin", "ip_address": "10.4.4.4"})

    assert "本人账号须由另一位安全管理员解除" in page
    assert response.status_code == 403
    assert AccessAttempt.objects.filter(username="secadmin").exists()
    other.post(LOCKOUTS, {"username": "secadmin", "ip_address": "10.4.4.4"})
    assert not AccessAttempt.objects.filter(username="secadmin").exists()

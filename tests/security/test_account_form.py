"""A unit's liaison in one place: the 安全管理员 creates the account and gives it
its units and role in the same form; the new person changes the password and
lands on the unit's 待办; the 管理员's unit page links to the person; the trail
names the real actor's role and the right action."""

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse

from departments import roles
from departments.models import Membership, Unit
from security import policy
from security.models import AuditEvent

from .helpers import NEW_PASSWORD, change_password, is_logged_in, log_in

ADD = reverse("admin:auth_user_add")
FIRST_PASSWORD = "Jd-First-Passw0rd!"


def new_account(**overrides):
    data = {
        "username": "zhangsan",
        "first_name": "张三",
        "email": "zhangsan@example.gov.cn",
        "usable_password": "true",
        "password1": FIRST_PASSWORD,
        "password2": FIRST_PASSWORD,
        "units": [str(Unit.objects.get(name="区科委").pk)],
    }
    data.update(overrides)
    return data


def test_the_security_admin_creates_a_liaison_with_his_unit_in_one_form(security_admin, client_for):
    client = client_for(security_admin)
    page = client.get(ADD).content.decode()
    assert 'name="units"' in page and 'name="groups"' in page

    response = client.post(ADD, new_account())

    assert response.status_code == 302
    person = User.objects.get(username="zhangsan")
    assert [m.unit.name for m in Membership.objects.filter(user=person)] == ["区科委"]
    assert policy.account_security(person).must_change_password
    created = AuditEvent.objects.get(kind="account_changed", object_repr="zhangsan")
    assert created.detail == "创建账号 zhangsan" and created.actor_role == "安全管理员"
    assert "管理员创建" not in created.detail
    joined = AuditEvent.objects.get(kind="membership_changed")
    assert joined.username == "secadmin" and joined.detail.endswith("所属单位：无 → 区科委")


def test_the_new_liaison_lands_on_his_units_todo_after_the_password_change(security_admin, client_for):
    client_for(security_admin).post(ADD, new_account())
    browser = Client()
    assert is_logged_in(log_in(browser, "zhangsan", FIRST_PASSWORD))

    assert browser.get("/")["Location"] == reverse("password_change")
    response = change_password(browser, old=FIRST_PASSWORD, new=NEW_PASSWORD)
    home = browser.get(response["Location"])

    assert response["Location"] == "/"
    assert "<h1>待办</h1>" in home.content.decode()


def test_a_role_is_given_in_the_same_form(security_admin, client_for):
    client_for(security_admin).post(
        ADD, new_account(username="lisi", units=[], groups=[str(roles.group(roles.COORDINATOR).pk)])
    )

    assert roles.keys_of(User.objects.get(username="lisi")) == {roles.COORDINATOR}


def test_an_administrator_account_gets_no_unit_and_the_admin_flag(security_admin, client_for):
    client = client_for(security_admin)
    refused = client.post(ADD, new_account(username="wangwu", groups=[str(roles.group(roles.ADMIN).pk)]))
    assert refused.status_code == 200 and "不能同时是单位联络员" in refused.content.decode()
    assert not User.objects.filter(username="wangwu").exists()

    client.post(ADD, new_account(username="wangwu", units=[], groups=[str(roles.group(roles.ADMIN).pk)]))
    assert User.objects.get(username="wangwu").is_staff


@pytest.mark.parametrize("person", ["superuser"])
def test_only_the_security_admin_is_offered_roles_and_units(person, request, client_for):
    page = client_for(request.getfixturevalue(person)).get(ADD).content.decode()
    assert 'name="units"' not in page and 'name="groups"' not in page


def test_the_unit_page_links_each_liaison_to_his_account_for_the_admin(system_admin, lead_staff, viewer, client_for):
    unit = Unit.objects.get(name="区科委")
    url = reverse("tasks:unit_detail", args=[unit.pk])
    account = reverse("admin:auth_user_change", args=[lead_staff.pk])

    assert f'href="{account}"' in client_for(system_admin).get(url).content.decode()
    assert f'href="{account}"' not in client_for(viewer).get(url).content.decode()
    admin_page = client_for(system_admin).get(reverse("admin:departments_unit_change", args=[unit.pk]))
    assert f'href="{account}"' in admin_page.content.decode()


def test_permission_names_in_admin_are_chinese(security_admin, client_for):
    group = roles.group(roles.SECURITY_ADMIN)
    page = client_for(security_admin).get(reverse("admin:auth_group_change", args=[group.pk])).content.decode()

    assert "可修改用户" in page and "Can " not in page
    assert "security_admin" in page  # the role's stable key is shown beside its name

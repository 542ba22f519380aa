"""Accounts in a real browser: the 安全管理员 gives a new town liaison a working
account in one form (unit and all); the liaison changes the password, enrols
the second factor and lands on the unit's 待办; the set-up key never breaks
inside a group; a key holder's reset waits for a second 安全管理员."""

import base64
import datetime
import re

import pytest
from django.contrib.auth.models import User
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from departments import roles
from departments.models import Membership
from security.models import KeyReset
from tests.browser.conftest import log_in, screenshot
from tests.conftest import PASSWORD, make_user

pytestmark = pytest.mark.browser

FIRST = "Jd-First-Passw0rd!"
CHOSEN = "Jd-Chosen-Passw0rd!"


@pytest.fixture(autouse=True)
def today(clock):
    return clock(datetime.date(2024, 3, 20))


def code_on(page):
    groups = page.locator(".otp-key .otp-group").all_inner_texts()
    return f"{totp(base64.b32decode(''.join(groups)), step=30, t0=0, digits=6):06d}"


def test_a_security_admin_alone_gives_a_new_town_liaison_a_working_account(
    page, live_server, plan, security_admin, settings
):
    settings.TWO_FACTOR_REQUIRED = True
    settings.TWO_FACTOR_ROLES = [roles.UNIT_STAFF]  # the 安全管理员 himself logs in without one here
    log_in(page, live_server, security_admin.username, PASSWORD)
    page.goto(f"{live_server.url}/admin/auth/user/add/")
    page.fill("#id_username", "nanxiang2")
    page.fill("#id_first_name", "王芳")
    page.fill("#id_email", "wangfang@example.gov.cn")
    page.fill("#id_password1", FIRST)
    page.fill("#id_password2", FIRST)
    page.fill("#id_units_input", "南翔")  # the filter of the 所属单位 chooser
    page.select_option("#id_units_from", label="南翔镇")
    page.click("#id_units_add")
    screenshot(page, "admin-new-liaison-with-unit")
    page.click("input[name=_save]")
    assert "/admin/auth/user/" in page.url
    person = User.objects.get(username="nanxiang2")
    assert [m.unit.name for m in Membership.objects.filter(user=person)] == ["南翔镇"]

    page.context.clear_cookies()
    log_in(page, live_server, "nanxiang2", FIRST)
    # First the second factor (enrolment), then the forced password change.
    assert "/accounts/two-factor/setup/" in page.url
    page.set_viewport_size({"width": 360, "height": 800})
    groups = page.locator(".otp-key .otp-group").all()
    assert len(groups) == 8
    assert len({round(g.bounding_box()["height"]) for g in groups}) == 1  # no group wraps inside itself
    screenshot(page, "two-factor-setup-phone")
    page.fill("#id_token", code_on(page))
    page.click("main button[type=submit]")
    assert "恢复码" in page.inner_text("main")
    page.click("text=我已保存，继续")
    page.wait_for_load_state()
    assert "/accounts/password_change/" in page.url
    page.set_viewport_size({"width": 1280, "height": 900})
    page.fill("#id_old_password", FIRST)
    page.fill("#id_new_password1", CHOSEN)
    page.fill("#id_new_password2", CHOSEN)
    page.click("main button[type=submit]")
    page.wait_for_load_state()
    assert page.locator("h1").inner_text() == "待办"
    assert "南翔镇" in page.inner_text("main")
    screenshot(page, "new-liaison-todo")


def test_a_key_holders_reset_waits_for_a_second_security_admin(page, live_server, plan, security_admin, auditor):
    second = make_user("secadmin2", groups=[roles.SECURITY_ADMIN], staff=True)
    TOTPDevice.objects.create(user=auditor, name="动态口令", confirmed=True)

    log_in(page, live_server, security_admin.username, PASSWORD)
    page.goto(f"{live_server.url}/security/two-factor/")
    page.locator("tr", has_text="auditor").locator("button").click()
    assert "须由另一位安全管理员批准" in page.inner_text(".messages")
    assert TOTPDevice.objects.filter(user=auditor).exists()
    screenshot(page, "two-factor-reset-requested")

    page.context.clear_cookies()
    log_in(page, live_server, second.username, PASSWORD)
    page.goto(f"{live_server.url}/security/two-factor/")
    screenshot(page, "two-factor-reset-to-approve")
    page.click("button[value=approve]")
    assert "已批准并执行" in page.inner_text(".messages")
    assert not TOTPDevice.objects.filter(user=auditor).exists()
    assert KeyReset.objects.get().state == "done"
    assert re.search("没有待批准的申请", page.inner_text("main"))

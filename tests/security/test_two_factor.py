"""Two-factor login: TOTP enrolment with a QR code drawn here and a manual key
(a fresh one per enrolment session), recovery codes, a code at every login
with messages that say what happened, per-role configuration by the roles'
keys, resets by a 安全管理员 only, every step audited. Resets of the accounts
that hold the keys (two people) are tests/security/test_key_resets.py; that the
seed_demo accounts are exempt only with DEBUG on is tests/demo/test_demo_accounts.py
(on the demo package's one seed)."""

import base64
import re
import time

import pytest
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.test import Client
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from departments import roles
from security import policy
from security.models import AccountSecurity, AuditEvent
from tests.conftest import make_user

from .helpers import is_logged_in, log_in

SETUP = reverse("two_factor_setup")
VERIFY = reverse("two_factor_verify")


@pytest.fixture(autouse=True)
def two_factor_on(settings):
    settings.TWO_FACTOR_REQUIRED = True
    settings.TWO_FACTOR_FOR_EVERYONE = False


def code_for(device, offset=0):
    """The code an authenticator app shows now, computed from the device's key."""
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits, drift=offset):06d}"


def key_on_page(page):
    """The key the set-up page shows to type by hand, in groups of four."""
    groups = re.findall(r'<span class="otp-group">([A-Z2-7]{1,4})</span>', page)
    assert groups, "no key on the page"
    return base64.b32decode("".join(groups))


def code_from_key(key, offset=0):
    return f"{totp(key, step=30, t0=0, digits=6, drift=offset):06d}"


def enrol(client, user):
    """Log in, scan (read the key from the page), confirm with a real code; returns the recovery codes."""
    assert is_logged_in(log_in(client, user.username))
    key = key_on_page(client.get(SETUP).content.decode())
    response = client.post(SETUP, {"token": code_from_key(key)})
    assert response.status_code == 302
    assert TOTPDevice.objects.get(user=user, confirmed=True).bin_key == key
    page = client.get(SETUP).content.decode()
    return re.findall(r"<li><code>(\d{8})</code></li>", page)


@pytest.mark.parametrize("role", [roles.ADMIN, roles.SECURITY_ADMIN, roles.AUDITOR, roles.COORDINATOR])
def test_each_required_role_is_sent_to_enrol_before_any_page(plan, role):
    make_user("person", groups=[role])
    client = Client()
    assert is_logged_in(log_in(client, "person"))

    response = client.get(reverse("security:audit") if role == roles.AUDITOR else reverse("tasks:plan"))

    assert response.status_code == 302 and response["Location"].startswith(SETUP)


DAILY_LOOP_PAGES = ["/", "/dashboard/", "/notifications/", "/notifications/settings/", "/review/", "/chase/"]


@pytest.mark.parametrize("path", DAILY_LOOP_PAGES)
def test_the_daily_loop_pages_wait_for_the_coordinators_second_factor(plan, coordinator, path):
    client = Client()
    assert is_logged_in(log_in(client, "coordinator"))

    response = client.get(path)

    assert response.status_code == 302 and response["Location"].startswith(SETUP)


@pytest.mark.parametrize("role", [roles.VIEWER, None], ids=["viewer", "unit-staff"])
def test_viewers_and_unit_staff_need_two_factors_by_default(plan, role):
    """等保 level 3 asks two factors of ordinary users too: the default covers every role and the unit staff."""
    user = make_user("person", units=[] if role else ["区科委"], groups=[role] if role else [])
    client = Client()
    assert is_logged_in(log_in(client, user.username))

    for path in ["/", "/notifications/", reverse("tasks:plan")]:
        assert client.get(path)["Location"].startswith(SETUP), path


def test_two_factors_are_configured_per_role(plan, lead_staff, viewer, coordinator, settings):
    settings.TWO_FACTOR_ROLES = [roles.COORDINATOR]
    pages = {}
    for user in (lead_staff, viewer, coordinator):
        client = Client()
        log_in(client, user.username)
        pages[user.username] = client.get(reverse("tasks:plan")).status_code
    assert pages == {"kewei": 200, "leader": 200, "coordinator": 302}

    settings.TWO_FACTOR_ROLES = [roles.COORDINATOR, roles.UNIT_STAFF]
    client = Client()
    log_in(client, "kewei")
    assert client.get("/")["Location"].startswith(SETUP)

    settings.TWO_FACTOR_ROLES = []
    settings.TWO_FACTOR_FOR_EVERYONE = True
    client = Client()
    log_in(client, "leader")
    assert client.get("/")["Location"].startswith(SETUP)


def test_a_renamed_role_still_needs_its_second_factor(plan, coordinator):
    """The rule reads the role's key: the superuser renaming 协调人 changes nothing."""
    group = roles.group(roles.COORDINATOR)
    group.name = "协调人（临时）"
    group.save()
    client = Client()
    log_in(client, "coordinator")

    assert client.get(reverse("tasks:review"))["Location"].startswith(SETUP)


def test_enrolment_shows_a_locally_drawn_qr_code_and_the_manual_key(plan, coordinator):
    client = Client()
    log_in(client, "coordinator")

    page = client.get(SETUP).content.decode()

    assert '<svg class="qr"' in page and "<path" in page
    assert "http" not in page.split('<svg class="qr"', 1)[1].split("</svg>", 1)[0].replace("http://www.w3.org", "")
    # 32 characters in 8 groups of four, each kept on one line by the page's style.
    assert len(key_on_page(page)) == 20
    assert len(re.findall(r'<span class="otp-group">[A-Z2-7]{4}</span>', page)) == 8


def test_each_enrolment_session_gets_its_own_key(plan, coordinator):
    """The key is not kept on the account until confirmed: two sessions never share it."""
    first, second = Client(), Client()
    log_in(first, "coordinator")
    log_in(second, "coordinator")

    key = key_on_page(first.get(SETUP).content.decode())
    assert key_on_page(first.get(SETUP).content.decode()) == key  # the same session, the same key
    other = key_on_page(second.get(SETUP).content.decode())

    assert other != key
    assert not TOTPDevice.objects.filter(user=coordinator).exists()
    # The other session's code does not confirm this session's enrolment.
    assert "验证码不正确" in first.post(SETUP, {"token": code_from_key(other)}).content.decode()
    assert first.post(SETUP, {"token": code_from_key(key)}).status_code == 302
    assert TOTPDevice.objects.get(user=coordinator).bin_key == key


def test_the_enrolment_code_again_at_the_next_login_is_said_to_be_used(plan, coordinator):
    enrol(Client(), coordinator)
    device = TOTPDevice.objects.get(user=coordinator)
    used = totp(device.bin_key, step=30, t0=0, digits=6, drift=device.last_t - int(time.time()) // 30)

    again = Client()
    log_in(again, "coordinator")
    page = again.post(VERIFY, {"token": f"{used:06d}"}).content.decode()

    assert "该验证码已使用，请等待下一个验证码" in page


def test_a_valid_code_right_after_a_wrong_one_says_how_long_to_wait(plan, coordinator):
    enrol(Client(), coordinator)
    device = TOTPDevice.objects.get(user=coordinator)
    client = Client()
    log_in(client, "coordinator")
    nxt = code_for(device, offset=1)

    wrong = client.post(VERIFY, {"token": "000000" if nxt != "000000" else "111111"})
    right_away = client.post(VERIFY, {"token": nxt})

    assert "验证码不正确" in wrong.content.decode()
    assert re.search(r"请 [12] 秒后再试", right_away.content.decode())
    time.sleep(2.1)
    assert client.post(VERIFY, {"token": code_for(device, offset=1)}).status_code == 302


def test_enrolment_with_a_real_code_then_login_needs_the_code(plan, coordinator):
    client = Client()
    codes = enrol(client, coordinator)

    assert len(codes) == 10 and len(set(codes)) == 10
    assert client.get(reverse("tasks:plan")).status_code == 200
    assert AuditEvent.objects.filter(kind="2fa_enrolled", username="coordinator").count() == 1

    # A new login: the password alone opens nothing.
    second = Client()
    assert is_logged_in(log_in(second, "coordinator"))
    assert second.get(reverse("tasks:plan"))["Location"].startswith(VERIFY)
    assert second.post(VERIFY, {"token": "000000"}).status_code == 200
    assert second.get(reverse("tasks:plan")).status_code == 302
    device = TOTPDevice.objects.get(user=coordinator)
    # One failure throttles the device for a second; and the code of the
    # enrolment's time step cannot be replayed, so the app's next code is used.
    time.sleep(1.1)
    response = second.post(VERIFY, {"token": code_for(device, offset=1), "next": "/tasks/"})
    assert response.status_code == 302 and response["Location"] == "/tasks/"
    assert second.get(reverse("tasks:plan")).status_code == 200
    kinds = list(AuditEvent.objects.filter(username="coordinator").values_list("kind", flat=True))
    assert "2fa_failed" in kinds and "2fa_verified" in kinds


def test_a_recovery_code_works_once(plan, coordinator):
    codes = enrol(Client(), coordinator)

    first = Client()
    log_in(first, "coordinator")
    assert first.post(VERIFY, {"token": codes[0]}).status_code == 302
    assert first.get(reverse("tasks:plan")).status_code == 200
    assert StaticToken.objects.filter(device__user=coordinator).count() == 9

    again = Client()
    log_in(again, "coordinator")
    assert again.post(VERIFY, {"token": codes[0]}).status_code == 200
    assert AuditEvent.objects.filter(kind="2fa_verified", detail="使用恢复码登录").count() == 1


def test_a_wrong_code_does_not_confirm_enrolment(plan, coordinator):
    client = Client()
    log_in(client, "coordinator")
    client.get(SETUP)

    response = client.post(SETUP, {"token": "123456"})

    assert "验证码不正确" in response.content.decode()
    assert not TOTPDevice.objects.filter(user=coordinator, confirmed=True).exists()
    assert AuditEvent.objects.filter(kind="2fa_failed").exists()


@pytest.fixture
def security_admin_verified(plan, security_admin):
    client = Client()
    enrol(client, security_admin)
    return client


def test_only_a_security_admin_resets_and_it_is_audited(plan, coordinator, security_admin_verified):
    enrol(Client(), coordinator)
    url = reverse("security:two_factor_reset", args=[coordinator.pk])

    response = security_admin_verified.post(url)

    assert response.status_code == 302
    assert not TOTPDevice.objects.filter(user=coordinator).exists()
    assert not StaticToken.objects.filter(device__user=coordinator).exists()
    assert AuditEvent.objects.get(kind="2fa_reset").username == "secadmin"
    # The coordinator enrols again at the next login.
    client = Client()
    log_in(client, "coordinator")
    assert client.get(reverse("tasks:plan"))["Location"].startswith(SETUP)


def test_a_security_admin_cannot_reset_their_own(plan, security_admin, security_admin_verified):
    url = reverse("security:two_factor_reset", args=[security_admin.pk])
    assert security_admin_verified.post(url).status_code == 403
    assert TOTPDevice.objects.filter(user=security_admin).exists()


@pytest.mark.parametrize("person", ["coordinator", "superuser", "lead_staff"])
def test_nobody_else_resets(plan, person, request, security_admin):
    TOTPDevice.objects.create(user=security_admin, name="x", confirmed=True)
    user = request.getfixturevalue(person)
    client = Client()
    client.force_login(user)
    from django_otp import DEVICE_ID_SESSION_KEY

    device = TOTPDevice.objects.create(user=user, name="x", confirmed=True)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()

    assert client.post(reverse("security:two_factor_reset", args=[security_admin.pk])).status_code == 403
    assert TOTPDevice.objects.filter(user=security_admin).exists()


def test_devices_are_not_editable_in_admin(plan, superuser):
    from django.contrib import admin

    assert not admin.site.is_registered(TOTPDevice)


def test_the_exemption_cannot_be_set_without_debug(plan, coordinator, settings):
    settings.DEBUG = False
    state = policy.account_security(User.objects.get(pk=coordinator.pk))
    state.two_factor_exempt = True
    with pytest.raises(PermissionDenied):
        state.save()
    assert not AccountSecurity.objects.filter(two_factor_exempt=True).exists()

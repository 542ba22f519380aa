"""Two-factor login: TOTP enrolment with a QR code drawn here and a manual key,
recovery codes, a code at every login, resets by a 安全管理员 only, every
step audited; the seed_demo accounts are exempt only with DEBUG on."""

import io
import re
import time

import pytest
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.core.management import call_command
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


def enrol(client, user):
    """Log in, scan (read the key from the page), confirm with a real code; returns the recovery codes."""
    assert is_logged_in(log_in(client, user.username))
    page = client.get(SETUP).content.decode()
    key = re.search(r'<code class="otp-key">([A-Z2-7 ]+)</code>', page).group(1).replace(" ", "")
    device = TOTPDevice.objects.get(user=user, confirmed=False)
    import base64

    assert base64.b32decode(key) == device.bin_key
    response = client.post(SETUP, {"token": code_for(device)})
    assert response.status_code == 302
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


def test_unit_staffs_todo_and_messages_need_no_second_factor_unless_configured(plan, lead_staff, settings):
    client = Client()
    log_in(client, "kewei")
    assert [client.get(path).status_code for path in ["/", "/notifications/"]] == [200, 200]

    settings.TWO_FACTOR_FOR_EVERYONE = True
    assert client.get("/")["Location"].startswith(SETUP)


def test_unit_staff_need_no_second_factor_unless_configured(plan, lead_staff, settings):
    client = Client()
    log_in(client, "kewei")
    assert client.get(reverse("tasks:plan")).status_code == 200

    settings.TWO_FACTOR_FOR_EVERYONE = True
    assert client.get(reverse("tasks:plan"))["Location"].startswith(SETUP)


def test_enrolment_shows_a_locally_drawn_qr_code_and_the_manual_key(plan, coordinator):
    client = Client()
    log_in(client, "coordinator")

    page = client.get(SETUP).content.decode()

    assert '<svg class="qr"' in page and "<path" in page
    assert "http" not in page.split('<svg class="qr"', 1)[1].split("</svg>", 1)[0].replace("http://www.w3.org", "")
    assert re.search(r'<code class="otp-key">[A-Z2-7 ]{20,}</code>', page)


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

    if TOTPDevice.objects.filter(user=user).exists() or person != "lead_staff":
        device = TOTPDevice.objects.create(user=user, name="x", confirmed=True)
        session = client.session
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
        session.save()

    assert client.post(reverse("security:two_factor_reset", args=[security_admin.pk])).status_code == 403
    assert TOTPDevice.objects.filter(user=security_admin).exists()


def test_devices_are_not_editable_in_admin(plan, superuser):
    from django.contrib import admin

    assert not admin.site.is_registered(TOTPDevice)


def test_demo_accounts_are_exempt_with_debug_on(plan, settings):
    settings.DEBUG = True
    call_command("seed_demo", stdout=io.StringIO(), stderr=io.StringIO())
    client = Client()
    assert is_logged_in(log_in(client, "coordinator", "Jiading-2023"))
    assert client.get(reverse("tasks:plan")).status_code == 200

    # The same account on a production system must enrol.
    settings.DEBUG = False
    assert client.get(reverse("tasks:plan"))["Location"].startswith(SETUP)


def test_the_exemption_cannot_be_set_without_debug(plan, coordinator, settings):
    settings.DEBUG = False
    state = policy.account_security(User.objects.get(pk=coordinator.pk))
    state.two_factor_exempt = True
    with pytest.raises(PermissionDenied):
        state.save()
    assert not AccountSecurity.objects.filter(two_factor_exempt=True).exists()

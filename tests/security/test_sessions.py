"""Sessions (等保 2.0): idle timeout, "log out everywhere", cookie flags, and the
production settings that make cookies HTTPS-only."""

import datetime
import importlib

import pytest
import time_machine
from django.conf import settings as django_settings
from django.core.exceptions import ImproperlyConfigured
from django.test import Client
from django.urls import reverse

from security.models import AccountSecurity, AuditEvent

from .helpers import is_logged_in, log_in

PLAN_PAGE = "/tasks/"
START = datetime.datetime(2024, 5, 15, 9, 0, tzinfo=datetime.UTC)
IDLE_MESSAGE = "由于超过 30 分钟未操作，您已自动退出，请重新登录。"


def minutes(n):
    return datetime.timedelta(minutes=n)


def assert_sent_to_login(response, path=PLAN_PAGE):
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('login')}?next={path}"


# Idle timeout


@pytest.fixture
def frozen(client, lead_staff):
    """kewei logs in and opens the plan page at START; time stands still until moved."""
    with time_machine.travel(START, tick=False) as traveller:
        assert is_logged_in(log_in(client, "kewei"))
        assert client.get(PLAN_PAGE).status_code == 200
        yield traveller


def test_request_29_minutes_after_the_last_one_works(client, frozen):
    frozen.shift(minutes(29))
    assert client.get(PLAN_PAGE).status_code == 200


def test_activity_keeps_the_session_alive_past_30_minutes(client, frozen):
    for _ in range(3):
        frozen.shift(minutes(29))
        assert client.get(PLAN_PAGE).status_code == 200


def test_request_31_minutes_after_the_last_activity_is_logged_out(client, frozen):
    frozen.shift(minutes(29))
    assert client.get(PLAN_PAGE).status_code == 200

    frozen.shift(minutes(31))
    assert_sent_to_login(client.get(PLAN_PAGE))
    # Logged out for good, not just redirected once.
    assert_sent_to_login(client.get(PLAN_PAGE))


def test_idle_expiry_tells_the_user_and_leaves_a_session_expired_record(client, frozen):
    frozen.shift(minutes(29))
    client.get(PLAN_PAGE)
    frozen.shift(minutes(31))

    response = client.get(PLAN_PAGE, follow=True)

    assert response.redirect_chain == [(f"{reverse('login')}?next={PLAN_PAGE}", 302)]
    assert IDLE_MESSAGE in response.content.decode()
    record = AuditEvent.objects.get(kind=AuditEvent.Kind.SESSION_EXPIRED)
    assert record.username == "kewei"
    assert record.ip_address == "127.0.0.1"


def test_idle_check_of_the_middleware_alone_logs_out_with_message_and_record(client, frozen, settings):
    """With the session row kept longer than the idle limit, the middleware's own check ends the session."""
    settings.SESSION_COOKIE_AGE = 8 * 60 * 60
    frozen.shift(minutes(1))
    client.get(PLAN_PAGE)  # saves the session row under the longer age
    frozen.shift(minutes(31))

    response = client.get(PLAN_PAGE, follow=True)

    assert response.redirect_chain == [(f"{reverse('login')}?next={PLAN_PAGE}", 302)]
    assert IDLE_MESSAGE in response.content.decode()
    record = AuditEvent.objects.get(kind=AuditEvent.Kind.SESSION_EXPIRED)
    assert (record.username, record.ip_address, record.result) == ("kewei", "127.0.0.1", "success")
    assert record.detail == "空闲超过 30 分钟"
    assert_sent_to_login(client.get(PLAN_PAGE))


# Log out everywhere


@pytest.fixture
def two_browsers(lead_staff):
    """kewei logged in on two devices, each having opened a page."""
    first, second = Client(), Client()
    for browser in (first, second):
        assert is_logged_in(log_in(browser, "kewei"))
        assert browser.get(PLAN_PAGE).status_code == 200
    return first, second


def test_log_out_everywhere_ends_the_session_on_the_other_device(two_browsers, lead_staff):
    first, second = two_browsers

    response = first.post(reverse("logout"), {"everywhere": "1"}, follow=True)
    assert "您已在所有设备上退出登录。" in response.content.decode()
    assert AccountSecurity.objects.get(user=lead_staff).session_epoch == 1

    response = second.get(PLAN_PAGE)
    assert response.status_code == 302
    assert response["Location"] == reverse("login")
    assert "您已在所有设备上退出，请重新登录。" in second.get(response["Location"]).content.decode()
    assert_sent_to_login(second.get(PLAN_PAGE))
    assert_sent_to_login(first.get(PLAN_PAGE))


def test_plain_logout_leaves_the_other_device_logged_in(two_browsers, lead_staff):
    first, second = two_browsers

    response = first.post(reverse("logout"))
    assert response.status_code == 302

    assert_sent_to_login(first.get(PLAN_PAGE))
    assert second.get(PLAN_PAGE).status_code == 200
    assert AccountSecurity.objects.get(user=lead_staff).session_epoch == 0


def test_logging_in_again_after_log_out_everywhere_works(two_browsers):
    first, second = two_browsers
    first.post(reverse("logout"), {"everywhere": "1"})
    assert second.get(PLAN_PAGE)["Location"] == reverse("login")

    assert is_logged_in(log_in(second, "kewei"))
    assert second.get(PLAN_PAGE).status_code == 200


def test_log_out_everywhere_ends_a_session_that_has_only_logged_in(lead_staff):
    first, second = Client(), Client()
    log_in(first, "kewei")
    first.get(PLAN_PAGE)
    log_in(second, "kewei")  # no page opened yet

    first.post(reverse("logout"), {"everywhere": "1"})

    response = second.get(PLAN_PAGE)
    assert response.status_code == 302
    assert response["Location"] == reverse("login")


def test_logout_by_get_is_refused(client, lead_staff):
    client.force_login(lead_staff)
    assert client.get(reverse("logout")).status_code == 405
    assert client.get(PLAN_PAGE).status_code == 200


# Cookies


def test_session_and_csrf_cookies_are_http_only_and_same_site_lax(settings):
    assert settings.SESSION_COOKIE_HTTPONLY is True
    assert settings.CSRF_COOKIE_HTTPONLY is True
    assert settings.SESSION_COOKIE_SAMESITE == "Lax"
    assert settings.CSRF_COOKIE_SAMESITE == "Lax"


def test_cookies_set_at_login_carry_the_flags(client, lead_staff):
    page = client.get(reverse("login"))
    csrf = page.cookies["csrftoken"]
    assert csrf["httponly"] is True
    assert csrf["samesite"] == "Lax"

    response = log_in(client, "kewei")
    session = response.cookies[django_settings.SESSION_COOKIE_NAME]
    assert session["httponly"] is True
    assert session["samesite"] == "Lax"


@pytest.fixture
def load_settings(monkeypatch):
    """Re-executes jiading_ads/settings.py under a changed environment; restores the module afterwards.

    django.conf.settings was built at start-up and is not touched: only the module is re-read.
    """
    import jiading_ads.settings as module

    def load(**environment):
        for name, value in environment.items():
            if value is None:
                monkeypatch.delenv(name, raising=False)
            else:
                monkeypatch.setenv(name, value)
        return importlib.reload(module)

    yield load
    monkeypatch.undo()
    restored = importlib.reload(module)
    assert restored.SECRET_KEY == django_settings.SECRET_KEY


PRODUCTION = {"DJANGO_DEBUG": "0", "DJANGO_SECRET_KEY": "x" * 50, "DJANGO_SECURE_COOKIES": None}


def test_production_settings_send_cookies_over_https_only(load_settings):
    production = load_settings(**PRODUCTION)
    assert production.DEBUG is False
    assert production.SESSION_COOKIE_SECURE is True
    assert production.CSRF_COOKIE_SECURE is True
    assert production.SESSION_COOKIE_HTTPONLY is True
    assert production.CSRF_COOKIE_HTTPONLY is True
    assert production.SESSION_COOKIE_SAMESITE == "Lax"
    assert production.SECRET_KEY == "x" * 50


def test_production_settings_refuse_to_load_without_a_secret_key(load_settings):
    with pytest.raises(ImproperlyConfigured, match="DJANGO_SECRET_KEY"):
        load_settings(DJANGO_DEBUG="0", DJANGO_SECRET_KEY=None)

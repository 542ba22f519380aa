"""Password reset by email: off by default and with a console backend; when on,
rate-limited, audited, and silent about whether an account exists."""

import re

import pytest
from django.contrib.auth.models import User
from django.core import mail
from django.test import Client
from django.urls import reverse

from security.models import AuditEvent
from tests.conftest import make_user

from .helpers import NEW_PASSWORD, is_logged_in, log_in

RESET = reverse("password_reset")


@pytest.fixture
def reset_on(settings):
    settings.PASSWORD_RESET_ENABLED = True
    settings.EMAIL_BACKEND = "tests.security.mailbox.EmailBackend"


def request_reset(client, email, ip="10.5.5.5"):
    return client.post(RESET, {"email": email}, REMOTE_ADDR=ip)


def new_password_form(client):
    """Follow the link of the last reset email to the set-a-new-password form."""
    link = re.search(r"https?://[^/]+(/accounts/reset/\S+)", mail.outbox[-1].body).group(1)
    return client.get(link)["Location"]


def test_reset_is_off_by_default(client, plan, settings):
    assert settings.PASSWORD_RESET_ENABLED is False
    assert client.get(RESET).status_code == 404
    assert request_reset(client, "kewei@example.gov.cn").status_code == 404
    assert "忘记密码请联系安全管理员" in client.get(reverse("login")).content.decode()


def test_reset_switched_on_with_a_console_backend_stays_off(client, plan, settings):
    settings.PASSWORD_RESET_ENABLED = True
    settings.EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"

    assert client.get(RESET).status_code == 404
    assert client.get(reverse("password_reset_confirm", args=["MQ", "set-password"])).status_code == 404


def test_reset_answers_the_same_for_an_unknown_address(reset_on, client, lead_staff):
    known = request_reset(client, "kewei@example.gov.cn")
    unknown = request_reset(client, "nobody@example.gov.cn")

    assert known.status_code == unknown.status_code == 302
    assert known["Location"] == unknown["Location"] == reverse("password_reset_done")
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["kewei@example.gov.cn"]
    events = AuditEvent.objects.filter(kind="reset_requested").order_by("pk")
    assert [e.detail for e in events] == ["申请重置密码：kewei@example.gov.cn", "申请重置密码：nobody@example.gov.cn"]
    assert {e.ip_address for e in events} == {"10.5.5.5"}


def test_reset_link_sets_a_new_password_and_is_audited(reset_on, client, lead_staff):
    request_reset(client, "kewei@example.gov.cn")
    form_url = new_password_form(client)

    response = client.post(form_url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})

    assert response.status_code == 302
    assert User.objects.get(pk=lead_staff.pk).check_password(NEW_PASSWORD)
    assert AuditEvent.objects.filter(kind="reset_done", username="kewei").exists()
    assert is_logged_in(log_in(Client(), "kewei", NEW_PASSWORD))


def test_reset_refuses_the_current_password(reset_on, client, lead_staff):
    from tests.conftest import PASSWORD

    request_reset(client, "kewei@example.gov.cn")
    form_url = new_password_form(client)

    response = client.post(form_url, {"new_password1": PASSWORD, "new_password2": PASSWORD})

    assert response.status_code == 200
    assert "新密码不能与当前密码或最近 5 次使用过的密码相同。" in response.content.decode()


def test_requests_over_the_hourly_limit_from_one_address_are_refused(reset_on, client, lead_staff):
    for n in range(5):
        assert request_reset(client, f"someone{n}@example.gov.cn").status_code == 302

    response = request_reset(client, "kewei@example.gov.cn")

    assert response.status_code == 429
    assert "请求过于频繁" in response.content.decode()
    assert mail.outbox == []
    assert AuditEvent.objects.filter(kind="reset_requested", result="denied").count() == 1


def test_requests_over_the_hourly_limit_for_one_email_are_refused_from_any_address(reset_on, lead_staff):
    for n in range(5):
        request_reset(Client(), "kewei@example.gov.cn", ip=f"10.6.6.{n}")

    assert request_reset(Client(), "kewei@example.gov.cn", ip="10.7.7.7").status_code == 429
    assert len(mail.outbox) == 5
    # Another account is not held back by it.
    make_user("wangxinban", units=["区委网信办"])
    assert request_reset(Client(), "wangxinban@example.gov.cn", ip="10.7.7.8").status_code == 302

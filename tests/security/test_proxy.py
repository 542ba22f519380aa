"""The real client address behind DJANGO_PROXY_COUNT trusted proxies: lockouts
count per client, not per proxy, and the audit trail names the client."""

import pytest
from django.test import Client
from django.urls import reverse

from security.clientip import client_ip
from security.models import AuditEvent

from .helpers import WRONG_PASSWORD, is_logged_in

PROXY = "10.0.0.1"


def log_in_through(client, username, password, *, forwarded, remote=PROXY):
    extra = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    return client.post(reverse("login"), {"username": username, "password": password}, **extra)


@pytest.fixture
def one_proxy(settings):
    settings.PROXY_COUNT = 1


def test_one_clients_failures_behind_the_proxy_do_not_lock_out_another(one_proxy, lead_staff):
    from tests.conftest import PASSWORD

    for n in range(6):
        log_in_through(Client(), f"guess{n}", WRONG_PASSWORD, forwarded="203.0.113.7")

    assert log_in_through(Client(), "kewei", PASSWORD, forwarded="203.0.113.7").status_code == 429
    assert is_logged_in(log_in_through(Client(), "kewei", PASSWORD, forwarded="198.51.100.20"))


def test_account_lockout_holds_across_client_addresses_behind_the_proxy(one_proxy, lead_staff):
    from tests.conftest import PASSWORD

    for n in range(5):
        log_in_through(Client(), "kewei", WRONG_PASSWORD, forwarded=f"203.0.113.{n + 1}")

    assert log_in_through(Client(), "kewei", PASSWORD, forwarded="198.51.100.20").status_code == 429


def test_a_forged_forwarded_prefix_does_not_escape_an_address_lockout(one_proxy, lead_staff):
    from tests.conftest import PASSWORD

    for n in range(5):
        log_in_through(Client(), f"guess{n}", WRONG_PASSWORD, forwarded=f"192.0.2.{n}, 203.0.113.7")

    # The proxy appends the real address last; whatever the client wrote before it is not trusted.
    response = log_in_through(Client(), "kewei", PASSWORD, forwarded="192.0.2.99, 203.0.113.7")
    assert response.status_code == 429


def test_without_proxies_the_forwarded_header_is_ignored(settings, lead_staff):
    from tests.conftest import PASSWORD

    settings.PROXY_COUNT = 0
    for n in range(5):
        log_in_through(Client(), f"guess{n}", WRONG_PASSWORD, forwarded=f"203.0.113.{n}", remote="10.9.9.9")

    # Changing the header does not make the locked address a new client.
    response = log_in_through(Client(), "kewei", PASSWORD, forwarded="198.51.100.20", remote="10.9.9.9")
    assert response.status_code == 429
    assert set(AuditEvent.objects.filter(kind="login_failed").values_list("ip_address", flat=True)) == {"10.9.9.9"}


def test_audit_trail_records_the_client_behind_the_proxy(one_proxy, lead_staff):
    from tests.conftest import PASSWORD

    log_in_through(Client(), "kewei", WRONG_PASSWORD, forwarded="192.0.2.1, 203.0.113.7")
    log_in_through(Client(), "kewei", PASSWORD, forwarded="203.0.113.8")

    assert AuditEvent.objects.get(kind="login_failed").ip_address == "203.0.113.7"
    assert AuditEvent.objects.get(kind="login").ip_address == "203.0.113.8"


@pytest.mark.parametrize(
    "count, forwarded, remote, expected",
    [
        (0, "203.0.113.7", "10.0.0.1", "10.0.0.1"),
        (1, "203.0.113.7", "10.0.0.1", "203.0.113.7"),
        (1, "6.6.6.6, 203.0.113.7", "10.0.0.1", "203.0.113.7"),
        (2, "6.6.6.6, 203.0.113.7, 10.0.0.2", "10.0.0.1", "203.0.113.7"),
        (2, "203.0.113.7", "10.0.0.1", "203.0.113.7"),
        (1, None, "10.0.0.1", "10.0.0.1"),
        (1, "not-an-address", "10.0.0.1", "10.0.0.1"),
        (1, " , ", "10.0.0.1", "10.0.0.1"),
        (1, "2001:db8::1", "10.0.0.1", "2001:db8::1"),
    ],
)
def test_client_address_rule(settings, rf, count, forwarded, remote, expected):
    settings.PROXY_COUNT = count
    extra = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    assert client_ip(rf.get("/", **extra)) == expected

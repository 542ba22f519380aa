"""Helpers for the security tests: logging in through the real login form, reading the audit trail."""

import contextlib

from django.urls import reverse

from security.models import AuditEvent
from tests.conftest import PASSWORD

WRONG_PASSWORD = "Not-the-password-9"
# A password that passes every configured validator and differs from PASSWORD.
NEW_PASSWORD = "Jd-New-Passw0rd!"


def log_in(client, username, password=PASSWORD, *, ip="127.0.0.1"):
    """POST the login form, as a browser at `ip` would; django-axes sees every attempt."""
    return client.post(reverse("login"), {"username": username, "password": password}, REMOTE_ADDR=ip)


def is_logged_in(response):
    """A successful login answers with a redirect away from the login page."""
    return response.status_code == 302 and not response["Location"].startswith(reverse("login"))


def change_password(client, old=PASSWORD, new=NEW_PASSWORD):
    return client.post(
        reverse("password_change"),
        {"old_password": old, "new_password1": new, "new_password2": new},
    )


def count(kind):
    return AuditEvent.objects.filter(kind=kind).count()


@contextlib.contextmanager
def new_audit_events():
    """The audit records written inside the block, oldest first."""
    last = AuditEvent.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    found = []
    yield found
    found.extend(AuditEvent.objects.filter(pk__gt=last).order_by("pk"))


def of_kind(events, kind):
    return [event for event in events if event.kind == kind]

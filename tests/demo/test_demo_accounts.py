"""The demo accounts against the security baseline, on the package's one seed_demo
(these tests ran seed_demo each in tests/security/ before; they read the accounts
it made, so they share the seed): no forced password change at first login, one
separated role each (三员分立), and the second factor waived only while DEBUG is on."""

from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse

from departments import roles
from security.models import AccountSecurity
from tasks.management.commands.seed_demo import DEFAULT_PASSWORD as DEMO_PASSWORD
from tests.security.helpers import is_logged_in, log_in

SETUP = reverse("two_factor_setup")


def test_seed_demo_accounts_need_no_change_at_first_login(client, settings):
    settings.DEBUG = True

    assert is_logged_in(log_in(client, "kewei", DEMO_PASSWORD))
    response = client.get(reverse("tasks:plan"))
    assert response.status_code == 200
    assert AccountSecurity.objects.get(user__username="kewei").must_change_password is False


def test_demo_accounts_hold_one_separated_role_each(settings):
    settings.DEBUG = True

    holders = {name: list(roles.group(name).user_set.values_list("username", flat=True)) for name in roles.SEPARATED}
    assert holders == {roles.ADMIN: ["admin"], roles.SECURITY_ADMIN: ["secadmin"], roles.AUDITOR: ["auditor"]}
    assert not User.objects.filter(is_superuser=True).exists()


def test_demo_accounts_are_exempt_with_debug_on(settings):
    # As tests/security/test_two_factor.py runs: the second factor required by role.
    settings.TWO_FACTOR_REQUIRED = True
    settings.TWO_FACTOR_FOR_EVERYONE = False
    settings.DEBUG = True
    client = Client()
    assert is_logged_in(log_in(client, "coordinator", "Jiading-2023"))
    assert client.get(reverse("tasks:plan")).status_code == 200

    # The same account on a production system must enrol.
    settings.DEBUG = False
    assert client.get(reverse("tasks:plan"))["Location"].startswith(SETUP)

"""A changed password differs from the current one and the last five, and does
not contain the username; the forced first-login change enforces it too."""

import pytest
from django.contrib.auth.models import User
from django.urls import reverse

from security import policy
from security.models import PasswordHistory
from tests.conftest import PASSWORD, make_user

from .helpers import change_password, log_in

REUSED = "新密码不能与当前密码或最近 5 次使用过的密码相同。"
CONTAINS_USERNAME = "密码不能包含用户名。"
PASSWORDS = [f"Jd-Rotation-{n}!x" for n in range(1, 8)]


@pytest.fixture
def forced(plan, client):
    """A new account that must change the password an admin gave it."""
    user = make_user("newstaff", units=["区科委"])
    policy.require_password_change(user)
    log_in(client, "newstaff")
    return user


def errors(response):
    return response.context["form"].errors.get("new_password2", []) if response.context else []


def test_forced_first_login_change_refuses_the_same_password(forced, client):
    response = change_password(client, old=PASSWORD, new=PASSWORD)

    assert response.status_code == 200
    assert REUSED in errors(response)
    forced.refresh_from_db()
    assert policy.account_security(User.objects.get(pk=forced.pk)).must_change_password
    assert client.get(reverse("tasks:plan")).status_code == 302  # still held at the change page


def test_forced_change_to_a_new_password_frees_the_account(forced, client):
    response = change_password(client, old=PASSWORD, new=PASSWORDS[0])

    assert response.status_code == 302
    assert client.get(reverse("tasks:plan")).status_code == 200


def test_each_of_the_last_five_passwords_is_refused_and_the_sixth_back_is_accepted(lead_staff, client):
    client.force_login(lead_staff)
    old = PASSWORD
    for new in PASSWORDS[:5]:
        assert change_password(client, old=old, new=new).status_code == 302
        old = new
    # History now: PASSWORD and PASSWORDS[0..3]; current: PASSWORDS[4].
    assert PasswordHistory.objects.filter(user=lead_staff).count() == 5
    for reused in [PASSWORDS[4], PASSWORDS[3], PASSWORDS[0], PASSWORD]:
        response = change_password(client, old=old, new=reused)
        assert response.status_code == 200, reused
        assert REUSED in errors(response)
    assert change_password(client, old=old, new=PASSWORDS[5]).status_code == 302
    # PASSWORD is now the sixth back and may come again.
    assert change_password(client, old=PASSWORDS[5], new=PASSWORD).status_code == 302


def test_history_keeps_hashes_only_and_at_most_five(lead_staff, client):
    client.force_login(lead_staff)
    old = PASSWORD
    for new in PASSWORDS:
        assert change_password(client, old=old, new=new).status_code == 302
        old = new

    stored = list(PasswordHistory.objects.filter(user=lead_staff).values_list("password", flat=True))
    assert len(stored) == 5
    assert not any(p in stored for p in PASSWORDS)
    assert all("$" in h for h in stored)


@pytest.mark.parametrize("password", ["kewei-Passw0rd!", "Jd-KEWEI-2024!x", "Xx1-keweI-yyyy"])
def test_password_containing_the_username_is_refused(lead_staff, client, password):
    client.force_login(lead_staff)

    response = change_password(client, old=PASSWORD, new=password)

    assert response.status_code == 200
    assert CONTAINS_USERNAME in errors(response)
    assert User.objects.get(pk=lead_staff.pk).check_password(PASSWORD)


def test_change_page_states_the_rules_in_chinese(lead_staff, client):
    client.force_login(lead_staff)
    page = client.get(reverse("password_change")).content.decode()
    assert "不能包含用户名" in page
    assert "不能与当前密码或最近 5 次用过的密码相同" in page

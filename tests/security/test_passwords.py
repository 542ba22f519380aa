"""Password rules (等保 2.0 identity authentication): complexity, forced change at
first login and after an admin reset, and a maximum password age."""

import datetime
import re

import pytest
import time_machine
from django.contrib.auth.models import User
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from security.models import AccountSecurity
from security.validators import ComplexityValidator
from tests.conftest import PASSWORD, make_user

from .helpers import NEW_PASSWORD, change_password, is_logged_in, log_in

FORCED_CHANGE_MESSAGE = "首次登录或密码被管理员重置后，请先修改密码。"
TOO_SHORT = "密码长度至少为 10 位。"
TOO_FEW_CLASSES = "密码须包含大写字母、小写字母、数字、符号中的至少三类。"
CHINESE = re.compile(r"[\u4e00-\u9fff]")


def complexity_errors(password):
    try:
        ComplexityValidator().validate(password)
    except ValidationError as error:
        return error.messages
    return []


def validation_errors(password, user=None):
    try:
        validate_password(password, user)
    except ValidationError as error:
        return error.messages
    return []


# ComplexityValidator


def test_nine_characters_of_all_four_classes_are_refused_as_too_short():
    assert complexity_errors("Ab1-Ab1-A") == [TOO_SHORT]


def test_ten_characters_of_three_classes_are_accepted():
    assert complexity_errors("Abcdefgh12") == []


@pytest.mark.parametrize(
    "password",
    ["abcdefghij12", "ABCDEFGHIJ12", "abcdefghij-!", "1234567890-!", "AbcdefghijKL"],
    ids=["lower+digit", "upper+digit", "lower+symbol", "digit+symbol", "upper+lower"],
)
def test_long_password_of_only_two_classes_is_refused(password):
    assert complexity_errors(password) == [TOO_FEW_CLASSES]


@pytest.mark.parametrize(
    "password",
    ["Abcdefghij12", "abcdefghij1-", "ABCDEFGHIJ1-", "Abcdefghij-!"],
    ids=["upper+lower+digit", "lower+digit+symbol", "upper+digit+symbol", "upper+lower+symbol"],
)
def test_three_classes_are_enough(password):
    assert complexity_errors(password) == []


def test_all_four_classes_are_accepted():
    assert complexity_errors("Jiading-2023") == []


def test_short_simple_password_gets_both_chinese_messages():
    assert complexity_errors("abc") == [TOO_SHORT, TOO_FEW_CLASSES]


def test_chinese_characters_do_not_make_up_a_missing_class():
    """嘉定 is neither upper nor lower case, nor a digit, nor a symbol (str.isalnum is true for it)."""
    assert complexity_errors("jiading2023嘉定") == [TOO_FEW_CLASSES]


def test_help_text_is_in_chinese():
    assert (
        ComplexityValidator().get_help_text()
        == "密码长度至少 10 位，且包含大写字母、小写字母、数字、符号中的至少三类。"
    )


# The configured validator chain


def test_configured_chain_refuses_a_simple_password_with_the_chinese_complexity_message():
    assert TOO_FEW_CLASSES in validation_errors("abcdefghijkl")


def test_djangos_common_password_check_is_still_active():
    """Password123 passes the complexity rule (11 characters, three classes) but is a known common password."""
    assert complexity_errors("Password123") == []
    assert validation_errors("Password123") == ["这个密码太常见了。"]


def test_djangos_similarity_check_is_still_active(db):
    user = User(username="kewei-jiading1")
    assert validation_errors("Kewei-Jiading2", user) == ["密码跟 用户名 太相似了。"]


def test_djangos_numeric_check_is_still_active():
    assert "密码只包含数字。" in validation_errors("8302956174")


def test_strong_password_passes_the_whole_chain(db):
    assert validation_errors(NEW_PASSWORD, User(username="kewei")) == []


def test_every_message_for_a_short_password_is_in_chinese():
    messages = validation_errors("Ab1-xyz")
    assert TOO_SHORT in messages
    assert all(CHINESE.search(message) for message in messages), messages


# Forced change at first login


def create_through_admin(superuser_client, username="zhangwei"):
    response = superuser_client.post(
        reverse("admin:auth_user_add"),
        {"username": username, "usable_password": "true", "password1": PASSWORD, "password2": PASSWORD},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    return User.objects.get(username=username)


@pytest.fixture
def new_account(superuser_client):
    """An account an admin has just created in the admin, with the password PASSWORD."""
    return create_through_admin(superuser_client)


def test_account_created_in_the_admin_must_change_its_password(new_account):
    assert AccountSecurity.objects.get(user=new_account).must_change_password is True


def test_new_account_is_sent_to_the_password_change_page_with_a_chinese_message(client, new_account):
    assert is_logged_in(log_in(client, "zhangwei"))

    response = client.get(reverse("tasks:plan"))
    assert response.status_code == 302
    assert response["Location"] == reverse("password_change")

    page = client.get(response["Location"])
    assert page.status_code == 200
    assert FORCED_CHANGE_MESSAGE in page.content.decode()


@pytest.mark.parametrize("url", ["/", "/tasks/", "/my/", "/measures/", "/units/", "/export/status.xlsx", "/admin/"])
def test_account_that_must_change_its_password_sees_no_other_page(client, new_account, url):
    log_in(client, "zhangwei")
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"] == reverse("password_change")


def test_weak_new_password_is_refused_and_the_change_is_still_required(client, new_account):
    log_in(client, "zhangwei")
    response = change_password(client, new="abcdefghijkl")
    assert response.status_code == 200
    assert TOO_FEW_CLASSES in response.content.decode()
    assert AccountSecurity.objects.get(user=new_account).must_change_password is True
    assert client.get(reverse("tasks:plan"))["Location"] == reverse("password_change")


def test_after_a_valid_change_the_pages_work(client, new_account):
    log_in(client, "zhangwei")
    response = change_password(client)
    assert response.status_code == 302
    assert response["Location"] == reverse("tasks:home")

    assert client.get(reverse("tasks:plan")).status_code == 200
    assert client.get(reverse("tasks:my")).status_code == 200
    state = AccountSecurity.objects.get(user=new_account)
    assert state.must_change_password is False
    new_account.refresh_from_db()
    assert new_account.check_password(NEW_PASSWORD)


def test_admin_reset_forces_a_change_again(client, superuser_client, lead_staff):
    log_in(client, "kewei")
    assert client.get(reverse("tasks:plan")).status_code == 200

    response = superuser_client.post(
        reverse("admin:auth_user_password_change", args=[lead_staff.pk]),
        {"usable_password": "true", "password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
    )
    assert response.status_code == 302
    assert AccountSecurity.objects.get(user=lead_staff).must_change_password is True
    # The session opened with the old password ends with the reset.
    assert client.get(reverse("tasks:plan"))["Location"].startswith(reverse("login"))

    other = Client()
    assert is_logged_in(log_in(other, "kewei", NEW_PASSWORD))
    response = other.get(reverse("tasks:plan"))
    assert response.status_code == 302
    assert response["Location"] == reverse("password_change")
    assert FORCED_CHANGE_MESSAGE in other.get(response["Location"]).content.decode()


# Password age

PASSWORD_SET_AT = datetime.datetime(2024, 1, 10, 9, 0, tzinfo=datetime.UTC)


@pytest.fixture
def password_set(client, lead_staff):
    """kewei changes the password on the password-change page at PASSWORD_SET_AT."""
    with time_machine.travel(PASSWORD_SET_AT, tick=False):
        log_in(client, "kewei")
        assert change_password(client).status_code == 302
    client.logout()
    return lead_staff


def test_password_89_days_old_is_still_accepted(client, password_set):
    with time_machine.travel(PASSWORD_SET_AT + datetime.timedelta(days=89), tick=False):
        assert is_logged_in(log_in(client, "kewei", NEW_PASSWORD))
        assert client.get(reverse("tasks:plan")).status_code == 200


@pytest.mark.parametrize("url", ["/tasks/", "/my/", "/measures/"])
def test_password_91_days_old_must_be_changed_before_any_page(client, password_set, url):
    with time_machine.travel(PASSWORD_SET_AT + datetime.timedelta(days=91), tick=False):
        assert is_logged_in(log_in(client, "kewei", NEW_PASSWORD))
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"] == reverse("password_change")
        page = client.get(response["Location"])
        assert "您的密码已超过 90 天未修改，请先修改密码。" in page.content.decode()


def test_changing_an_expired_password_opens_the_pages_again(client, password_set):
    with time_machine.travel(PASSWORD_SET_AT + datetime.timedelta(days=91), tick=False):
        log_in(client, "kewei", NEW_PASSWORD)
        assert change_password(client, old=NEW_PASSWORD, new="Jd-Third-Passw0rd!").status_code == 302
        assert client.get(reverse("tasks:plan")).status_code == 200


def test_password_age_counts_from_when_the_password_was_set_not_from_the_first_login(client, plan):
    with time_machine.travel(PASSWORD_SET_AT, tick=False):
        make_user("zhangwei", units=["区科委"])
    with time_machine.travel(PASSWORD_SET_AT + datetime.timedelta(days=91), tick=False):
        log_in(client, "zhangwei")
        response = client.get(reverse("tasks:plan"))
        assert response.status_code == 302
        assert response["Location"] == reverse("password_change")

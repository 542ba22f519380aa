"""Production error pages: Chinese, no traceback, 503 while the database is away."""

import pytest
from django.db import OperationalError, connection
from django.test import Client

from tests.conftest import PASSWORD


def refuse_every_query(execute, sql, params, many, context):
    raise OperationalError("could not connect to server: Connection refused")


@pytest.fixture
def production(settings):
    settings.DEBUG = False
    settings.DEBUG_PROPAGATE_EXCEPTIONS = False
    return settings


def test_database_outage_answers_503_in_chinese_and_recovers(production, lead_staff):
    client = Client(raise_request_exception=False)
    client.force_login(lead_staff)
    with connection.execute_wrapper(refuse_every_query):
        response = client.get("/tasks/")
    assert response.status_code == 503
    body = response.content.decode()
    assert "数据库暂时无法连接" in body
    assert "Traceback" not in body and "OperationalError" not in body
    assert response["Retry-After"] == "30"
    # The database is back: the very next request works, no restart needed.
    assert client.get("/tasks/").status_code == 200


def test_database_outage_on_the_login_page_is_503_too(production, plan):
    client = Client(raise_request_exception=False)
    with connection.execute_wrapper(refuse_every_query):
        response = client.post("/accounts/login/", {"username": "kewei", "password": PASSWORD})
    assert response.status_code == 503


def test_a_bug_shows_the_chinese_error_page_without_a_traceback(production, lead_staff, monkeypatch):
    def broken(*args, **kwargs):
        raise ValueError("a bug")

    monkeypatch.setattr("tasks.views.PlanProgress", broken)
    client = Client(raise_request_exception=False)
    client.force_login(lead_staff)
    response = client.get("/my/")
    assert response.status_code == 500
    body = response.content.decode()
    assert "系统出现错误" in body
    assert "ValueError" not in body and "Traceback" not in body


def test_unknown_page_is_a_chinese_404(production, lead_staff):
    client = Client()
    client.force_login(lead_staff)
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert "页面不存在" in response.content.decode()

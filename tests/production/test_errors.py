"""Production error pages: Chinese, no traceback, 503 while the database is away."""

import pytest
from django.contrib.staticfiles import finders
from django.core.files.base import ContentFile
from django.db import OperationalError, connection
from django.test import Client

from security.models import AuditEvent
from tasks.models import Evidence
from tests.conftest import PASSWORD, measure_by_code
from tests.reporting.helpers import save


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

    monkeypatch.setattr("tasks.pages.PlanProgress", broken)
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


# Debug mode (`make run`): no English Django page for ordinary mistakes.


@pytest.fixture
def debug(settings):
    settings.DEBUG = True
    return settings


@pytest.mark.parametrize("url", ["/no-such-page/", "/measures/999999/", "/units/999999/"])
def test_an_unknown_address_is_the_chinese_404_in_debug_mode_too(debug, client_for, lead_staff, url):
    response = client_for(lead_staff).get(url)

    assert response.status_code == 404
    body = response.content.decode()
    assert "页面不存在" in body
    assert "URLconf" not in body and "Page not found" not in body and "DEBUG = True" not in body
    assert "数字广告业行动方案跟踪" in body  # the site's own layout, navigation included


def test_an_anonymous_visitor_gets_the_chinese_404_in_debug_mode(debug, client, plan):
    response = client.get("/no-such-page/")

    assert response.status_code == 404
    assert "页面不存在" in response.content.decode()


@pytest.mark.parametrize("page", ["report form", "evidence", "review"])
def test_another_units_pages_are_a_chinese_403_in_debug_mode_and_recorded(
    debug, plan, client_for, lead_staff, outsider, page, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    measure = measure_by_code(plan, 2, 1)
    report = save(plan, measure, "区科委", lead_staff, submit=True)
    evidence = Evidence.objects.create(
        report=report, file=ContentFile(b"%PDF", name="x.pdf"), original_name="纪要.pdf", size=4, uploaded_by=lead_staff
    )
    url = {
        "report form": f"/measures/{measure.pk}/report/",
        "evidence": f"/evidence/{evidence.pk}/",
        "review": f"/review/{report.pk}/",
    }[page]

    response = client_for(outsider).get(url)

    assert response.status_code == 403
    body = response.content.decode()
    assert "无权访问" in body and "403 Forbidden" not in body
    record = AuditEvent.objects.get(kind=AuditEvent.Kind.PERMISSION_DENIED)
    assert (record.username, record.result) == ("tiyuju", "denied")
    assert record.detail.startswith(f"GET {url}：")


@pytest.mark.parametrize("path", ["/accounts/logout/", "/plans/select/", "/notifications/read-all/"])
def test_a_form_address_opened_as_a_page_is_a_chinese_405(client_for, lead_staff, path):
    response = client_for(lead_staff).get(path)

    assert response.status_code == 405
    assert response["Allow"] == "POST"
    body = response.content.decode()
    assert "请通过页面上的按钮操作" in body
    assert "返回首页" in body


def test_the_favicon_is_the_static_icon(client, plan):
    response = client.get("/favicon.ico")

    assert response.status_code == 302
    assert response["Location"] == "/static/favicon.ico"
    assert "max-age=86400" in response["Cache-Control"]
    with open(finders.find("favicon.ico"), "rb") as icon:
        assert icon.read(4) == b"\x00\x00\x01\x00"  # an ICO file

"""The auditor role (等保 2.0 separation of duties): the audit trail and nothing else;
nobody else reads the trail. The trail's filters and its Excel export."""

import datetime
import io
import zoneinfo

import openpyxl
import pytest
from django.urls import reverse

from departments.models import Unit
from security.models import AuditEvent
from tests.conftest import measure_by_code
from tests.helpers import sheet_rows

AUDIT = reverse("security:audit")
SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")
EXPORT_HEADER = ["时间", "事件类型", "结果", "用户", "操作者角色", "来源地址", "对象类型", "对象 ID", "对象", "详情"]
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def test_auditor_reads_the_audit_trail(auditor_client):
    response = auditor_client.get(AUDIT)
    assert response.status_code == 200
    content = response.content.decode()
    assert "<h1>审计日志</h1>" in content
    assert "记录只能追加，不能修改或删除" in content


def test_auditor_downloads_the_trail_as_xlsx(auditor_client):
    response = auditor_client.get(AUDIT, {"export": "xlsx"})
    assert response.status_code == 200
    assert response["Content-Type"] == XLSX
    assert response["Content-Disposition"].startswith('attachment; filename="audit_')
    assert sheet_rows(response)[0] == EXPORT_HEADER


def test_home_page_sends_the_auditor_to_the_audit_trail(auditor_client):
    response = auditor_client.get("/")
    assert response.status_code == 302
    assert response["Location"] == AUDIT


@pytest.fixture
def measure_pk(plan):
    return measure_by_code(plan, 1, 1).pk


@pytest.mark.parametrize(
    "url",
    [
        "/tasks/",
        "/measures/",
        "/measures/?export=xlsx",
        "/my/",
        "/units/",
        "/review/",
        "/periods/",
        "/import/",
        "/export/status.xlsx",
        "/measures/{pk}/",
        "/measures/{pk}/report/",
    ],
)
def test_auditor_gets_403_on_plan_pages(auditor_client, measure_pk, url):
    response = auditor_client.get(url.format(pk=measure_pk))
    assert response.status_code == 403
    assert "审计员只能查看审计日志。" in response.content.decode()


def test_auditor_gets_403_on_a_unit_page(auditor_client, plan):
    response = auditor_client.get(reverse("tasks:unit_detail", args=[Unit.objects.get(name="区科委").pk]))
    assert response.status_code == 403


def test_auditor_cannot_export_the_status_sheet_and_no_export_is_recorded(auditor_client):
    auditor_client.get("/export/status.xlsx")
    assert not AuditEvent.objects.filter(kind=AuditEvent.Kind.SHEET_EXPORTED).exists()


@pytest.mark.parametrize("person", ["lead_staff", "coordinator", "viewer", "superuser"])
def test_everyone_but_the_auditor_gets_403_on_the_audit_trail(request, client, person):
    client.force_login(request.getfixturevalue(person))
    for response in [client.get(AUDIT), client.get(AUDIT, {"export": "xlsx"})]:
        assert response.status_code == 403
        assert "只有审计员可以查看审计日志。" in response.content.decode()
    assert not AuditEvent.objects.filter(kind=AuditEvent.Kind.AUDIT_EXPORTED).exists()


def test_anonymous_visitor_is_sent_to_log_in(client, plan):
    response = client.get(AUDIT)
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('login')}?next={AUDIT}"


# Filters


def shanghai(day, hour, minute=0):
    return datetime.datetime(2024, 5, day, hour, minute, tzinfo=SHANGHAI)


MAY = {"since": "2024-05-01", "until": "2024-05-31"}


@pytest.fixture
def events(db):
    """Four records in May 2024, apart from whatever the fixtures write today."""
    kind, result = AuditEvent.Kind, AuditEvent.Result
    rows = {
        "zhangsan_login": (shanghai(1, 10), kind.LOGIN, result.SUCCESS, "zhangsan", "10.0.0.1"),
        # 01:00 in Shanghai is still 1 May in UTC: the date filters must use local dates.
        "zhangsan_failed": (shanghai(2, 1), kind.LOGIN_FAILED, result.FAILURE, "zhangsan", "10.0.0.1"),
        "lisi_denied": (shanghai(3, 12), kind.LOGIN_FAILED, result.DENIED, "lisi", "10.0.0.2"),
        "wangwu_export": (shanghai(5, 9), kind.SHEET_EXPORTED, result.SUCCESS, "wangwu", "192.168.1.5"),
    }
    return {
        name: AuditEvent.objects.create(at=at, kind=k, result=r, username=u, ip_address=ip, detail=f"{name} 详情")
        for name, (at, k, r, u, ip) in rows.items()
    }


def listed(response):
    """The records on the audit page, as the table shows them."""
    assert response.status_code == 200
    return [row.record.pk for row in response.context["table"].page.object_list]


def pks(events, *names):
    return [events[name].pk for name in names]


def test_may_lists_the_records_of_may_newest_first(auditor_client, events):
    response = auditor_client.get(AUDIT, MAY)
    assert listed(response) == pks(events, "wangwu_export", "lisi_denied", "zhangsan_failed", "zhangsan_login")
    assert "2024-05-02 01:00:00" in response.content.decode()


def test_filter_by_kind(auditor_client, events):
    response = auditor_client.get(AUDIT, {**MAY, "kind": "login_failed"})
    assert listed(response) == pks(events, "lisi_denied", "zhangsan_failed")


def test_filter_by_result(auditor_client, events):
    response = auditor_client.get(AUDIT, {**MAY, "result": "denied"})
    assert listed(response) == pks(events, "lisi_denied")


def test_filter_by_part_of_a_username(auditor_client, events):
    response = auditor_client.get(AUDIT, {**MAY, "username": "ZHANG"})
    assert listed(response) == pks(events, "zhangsan_failed", "zhangsan_login")


def test_filter_by_local_date_range(auditor_client, events):
    response = auditor_client.get(AUDIT, {"since": "2024-05-02", "until": "2024-05-03"})
    assert listed(response) == pks(events, "lisi_denied", "zhangsan_failed")


def test_filter_by_start_date_only(auditor_client, events):
    response = auditor_client.get(AUDIT, {"since": "2024-05-04", "until": "2024-05-31"})
    assert listed(response) == pks(events, "wangwu_export")


def test_filters_combine(auditor_client, events):
    response = auditor_client.get(AUDIT, {**MAY, "kind": "login_failed", "username": "zhang"})
    assert listed(response) == pks(events, "zhangsan_failed")


def test_export_rows_match_the_filter(auditor_client, events):
    response = auditor_client.get(AUDIT, {**MAY, "kind": "login_failed", "export": "xlsx"})
    assert response.status_code == 200
    rows = sheet_rows(response)
    assert rows[0] == EXPORT_HEADER
    assert rows[1:] == [
        ["2024-05-03 12:00:00", "登录失败", "拒绝", "lisi", None, "10.0.0.2", None, None, None, "lisi_denied 详情"],
        [
            "2024-05-02 01:00:00",
            "登录失败",
            "失败",
            "zhangsan",
            None,
            "10.0.0.1",
            None,
            None,
            None,
            "zhangsan_failed 详情",
        ],
    ]


def test_export_by_date_range_has_only_those_days(auditor_client, events):
    response = auditor_client.get(AUDIT, {"since": "2024-05-05", "until": "2024-05-05", "export": "xlsx"})
    rows = sheet_rows(response)
    assert [row[3] for row in rows[1:]] == ["wangwu"]


def test_export_link_on_the_page_keeps_the_filter(auditor_client, events):
    response = auditor_client.get(AUDIT, {**MAY, "kind": "login", "page": "1"})
    assert response.context["export_query"] == "since=2024-05-01&until=2024-05-31&kind=login&export=xlsx"


def test_export_writes_formula_like_text_as_text(auditor_client, db):
    AuditEvent.objects.create(
        at=shanghai(6, 9), kind=AuditEvent.Kind.LOGIN_FAILED, username='=HYPERLINK("http://x")', detail="+1-1"
    )
    response = auditor_client.get(AUDIT, {"since": "2024-05-06", "until": "2024-05-06", "export": "xlsx"})
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).worksheets[0]
    username, detail = sheet.cell(row=2, column=4), sheet.cell(row=2, column=10)
    assert (username.value, username.data_type) == ('=HYPERLINK("http://x")', "s")
    assert (detail.value, detail.data_type) == ("+1-1", "s")


def test_export_is_itself_recorded_with_its_filter(auditor_client, events):
    auditor_client.get(AUDIT, {"kind": "login", "export": "xlsx"})
    record = AuditEvent.objects.get(kind=AuditEvent.Kind.AUDIT_EXPORTED)
    assert (record.username, record.ip_address, record.result) == ("auditor", "127.0.0.1", "success")
    assert record.detail == "条件：kind=login&export=xlsx"

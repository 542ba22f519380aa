"""Security audit (等保 2.0): each audited event leaves exactly one record saying
when, what, who, from where, on what, and with which result."""

import datetime
import io

import openpyxl
import pytest
import time_machine
from django.contrib.auth.models import User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse

from departments import roles
from departments.models import Membership, Unit
from security.models import AuditEvent
from tasks.models import Report
from tests.conftest import make_user, measure_by_code

from .helpers import (
    NEW_PASSWORD,
    WRONG_PASSWORD,
    change_password,
    count,
    is_logged_in,
    log_in,
    new_audit_events,
    of_kind,
)

Kind = AuditEvent.Kind
NOW = datetime.datetime(2024, 5, 15, 2, 0, tzinfo=datetime.UTC)  # 10:00 in Shanghai, inside 2024年第二季度
COMMAND_LINE = "命令行"


@pytest.fixture(autouse=True)
def frozen_now():
    """Every record of this module is written at NOW."""
    with time_machine.travel(NOW, tick=False):
        yield


def only(events, kind):
    """The one record of `kind` among `events`; fails when there are none or several."""
    found = of_kind(events, kind)
    assert len(found) == 1, [(e.kind, e.username, e.detail) for e in events]
    return found[0]


def assert_record(record, *, username, ip="127.0.0.1", result="success", object_repr=""):
    assert record.at == NOW
    assert (record.username, record.ip_address, record.result, record.object_repr) == (
        username,
        ip,
        result,
        object_repr,
    )


# Logging in and out


def test_successful_login_is_recorded_once(client, lead_staff):
    with new_audit_events() as events:
        assert is_logged_in(log_in(client, "kewei"))
    record = only(events, Kind.LOGIN)
    assert_record(record, username="kewei")
    assert record.user_id == lead_staff.pk
    assert not of_kind(events, Kind.LOGIN_FAILED)


def test_login_records_the_clients_address(client, lead_staff):
    with new_audit_events() as events:
        log_in(client, "kewei", ip="10.20.30.40")
    assert_record(only(events, Kind.LOGIN), username="kewei", ip="10.20.30.40")


def test_failed_login_is_recorded_once_with_the_name_typed(client, lead_staff):
    with new_audit_events() as events:
        log_in(client, "kewei", WRONG_PASSWORD)
    record = only(events, Kind.LOGIN_FAILED)
    assert_record(record, username="kewei", result="failure")
    assert record.detail == "用户名或密码错误"
    assert not of_kind(events, Kind.LOGIN)


def test_failed_login_for_an_unknown_name_is_recorded_too(client, plan):
    with new_audit_events() as events:
        log_in(client, "nosuchuser", WRONG_PASSWORD)
    assert_record(only(events, Kind.LOGIN_FAILED), username="nosuchuser", result="failure")


def test_logout_is_recorded_once(client, lead_staff):
    log_in(client, "kewei")
    with new_audit_events() as events:
        client.post(reverse("logout"))
    assert_record(only(events, Kind.LOGOUT), username="kewei")


# Lockout and unlock


def test_lockout_is_recorded_once_even_after_further_attempts(client, lead_staff):
    with new_audit_events() as events:
        for _ in range(5):
            log_in(client, "kewei", WRONG_PASSWORD)
    record = only(events, Kind.LOCKOUT)
    assert_record(record, username="kewei", result="denied")
    assert record.detail == "连续 5 次登录失败，锁定 15 分钟"

    with new_audit_events() as later:
        log_in(client, "kewei", WRONG_PASSWORD)
        log_in(client, "kewei")
        log_in(client, "kewei", WRONG_PASSWORD)
    assert of_kind(later, Kind.LOCKOUT) == []
    assert count(Kind.LOCKOUT) == 1


def test_attempts_during_a_lockout_are_recorded_as_denied(client, lead_staff):
    for _ in range(5):
        log_in(client, "kewei", WRONG_PASSWORD)
    with new_audit_events() as events:
        log_in(client, "kewei")
    record = only(events, Kind.LOGIN_FAILED)
    assert_record(record, username="kewei", result="denied")
    assert record.detail == "账号或地址已锁定"
    assert not of_kind(events, Kind.LOGIN)


def test_fifth_failure_is_recorded_as_a_failure_and_a_lockout(client, lead_staff):
    for _ in range(4):
        log_in(client, "kewei", WRONG_PASSWORD)
    with new_audit_events() as events:
        log_in(client, "kewei", WRONG_PASSWORD)
    assert only(events, Kind.LOGIN_FAILED).result == "failure"
    assert only(events, Kind.LOCKOUT).result == "denied"


def test_address_lockout_is_recorded_once_whatever_names_are_tried_during_it(client, lead_staff):
    for n in range(1, 6):
        log_in(client, f"wang{n}", WRONG_PASSWORD, ip="10.2.2.2")
    for name in ["kewei", "wang6", "wang7"]:
        log_in(client, name, WRONG_PASSWORD, ip="10.2.2.2")
    assert count(Kind.LOCKOUT) == 1


def test_unlock_is_recorded_once_with_what_was_unlocked(client_for, client, security_admin, lead_staff):
    for _ in range(5):
        log_in(client, "kewei", WRONG_PASSWORD)
    with new_audit_events() as events:
        client_for(security_admin).post(reverse("security:lockouts"), {"username": "kewei", "ip_address": "127.0.0.1"})
    record = only(events, Kind.UNLOCK)
    assert_record(record, username="secadmin")
    assert record.detail == "解除锁定：账号 kewei、地址 127.0.0.1（清除 1 条失败记录）"


# Passwords


def test_password_change_is_recorded_once(client, lead_staff):
    log_in(client, "kewei")
    with new_audit_events() as events:
        assert change_password(client).status_code == 302
    assert_record(only(events, Kind.PASSWORD_CHANGED), username="kewei", object_repr="kewei")


def test_refused_password_change_is_not_recorded_as_a_change(client, lead_staff):
    log_in(client, "kewei")
    with new_audit_events() as events:
        assert change_password(client, new="short").status_code == 200
    assert of_kind(events, Kind.PASSWORD_CHANGED) == []


def test_admin_password_reset_is_recorded_once_and_not_as_a_change(client_for, superuser, lead_staff):
    with new_audit_events() as events:
        response = client_for(superuser).post(
            reverse("admin:auth_user_password_change", args=[lead_staff.pk]),
            {"usable_password": "true", "password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
        )
    assert response.status_code == 302
    record = only(events, Kind.PASSWORD_RESET)
    assert_record(record, username="admin", object_repr="kewei")
    assert record.detail == "admin 重置了 kewei 的密码"
    assert of_kind(events, Kind.PASSWORD_CHANGED) == []


def test_account_created_in_the_admin_is_recorded_once(client_for, superuser):
    with new_audit_events() as events:
        client_for(superuser).post(
            reverse("admin:auth_user_add"),
            {"username": "zhangwei", "usable_password": "true", "password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
        )
    assert_record(only(events, Kind.ACCOUNT_CHANGED), username="admin", object_repr="zhangwei")
    assert of_kind(events, Kind.PASSWORD_CHANGED) == []


# Access control


def test_permission_denial_is_recorded_once(client_for, viewer):
    with new_audit_events() as events:
        response = client_for(viewer).get(reverse("tasks:review"))
    assert response.status_code == 403
    record = only(events, Kind.PERMISSION_DENIED)
    assert_record(record, username="leader", result="denied")
    assert record.detail == "GET /review/：只有协调人可以执行此操作。"


def test_auditor_turned_away_from_a_plan_page_is_recorded(client_for, auditor):
    with new_audit_events() as events:
        client_for(auditor).get("/tasks/")
    assert_record(only(events, Kind.PERMISSION_DENIED), username="auditor", result="denied")


# Roles and memberships


def test_adding_a_role_is_recorded_once(lead_staff):
    with new_audit_events() as events:
        lead_staff.groups.add(roles.group(roles.COORDINATOR))
    record = only(events, Kind.ROLE_CHANGED)
    assert_record(record, username=COMMAND_LINE, ip=None, object_repr="kewei")
    assert record.detail == "角色：无 → 协调人" and record.actor_role == "命令行"


def test_removing_a_role_is_recorded_once(coordinator):
    with new_audit_events() as events:
        coordinator.groups.remove(roles.group(roles.COORDINATOR))
    record = only(events, Kind.ROLE_CHANGED)
    assert_record(record, username=COMMAND_LINE, ip=None, object_repr="coordinator")
    assert record.detail == "角色：协调人 → 无"


def test_adding_a_member_to_a_role_from_the_group_side_is_recorded_once(lead_staff):
    with new_audit_events() as events:
        roles.group(roles.VIEWER).user_set.add(lead_staff)
    record = only(events, Kind.ROLE_CHANGED)
    assert record.object_repr == "kewei"
    assert record.detail == "角色：无 → 查看"


def test_granting_superuser_is_recorded_once(plan):
    someone = make_user("zhang")
    with new_audit_events() as events:
        someone.is_superuser = True
        someone.save()
    record = only(events, Kind.ROLE_CHANGED)
    assert_record(record, username=COMMAND_LINE, ip=None, object_repr="zhang")
    assert record.detail == "超级用户：否 → 是"


def test_revoking_superuser_is_recorded_once(superuser):
    with new_audit_events() as events:
        superuser.is_superuser = False
        superuser.save(update_fields=["is_superuser"])
    assert only(events, Kind.ROLE_CHANGED).detail == "超级用户：是 → 否"


def test_saving_a_user_without_changing_anything_records_nothing(lead_staff):
    with new_audit_events() as events:
        lead_staff.save()
    assert events == []


def test_renaming_a_user_is_recorded_once_as_an_account_change_with_before_and_after(lead_staff):
    with new_audit_events() as events:
        lead_staff.first_name = "张"
        lead_staff.save()
    record = only(events, Kind.ACCOUNT_CHANGED)
    assert_record(record, username=COMMAND_LINE, ip=None, object_repr="kewei")
    assert record.detail == "名字：空 → 张"
    assert not of_kind(events, Kind.ROLE_CHANGED)


def test_role_given_in_the_admin_is_recorded_with_the_admin_and_address(client_for, security_admin, lead_staff):
    coordinator_group = roles.group(roles.COORDINATOR)
    form = {
        "username": "kewei",
        "first_name": "",
        "last_name": "",
        "email": "kewei@example.gov.cn",
        "is_active": "on",
        "groups": [coordinator_group.pk],
        "date_joined_0": "2024-05-15",
        "date_joined_1": "10:00:00",
        "initial-date_joined_0": "2024-05-15",
        "initial-date_joined_1": "10:00:00",
    }
    with new_audit_events() as events:
        response = client_for(security_admin).post(reverse("admin:auth_user_change", args=[lead_staff.pk]), form)
    assert response.status_code == 302, response.content.decode()[:3000]
    assert roles.keys_of(lead_staff) == {roles.COORDINATOR}
    record = only(events, Kind.ROLE_CHANGED)
    assert_record(record, username="secadmin", object_repr="kewei")
    assert record.detail == "角色：无 → 协调人" and record.actor_role == "安全管理员"


def test_new_membership_is_recorded_once(lead_staff):
    with new_audit_events() as events:
        Membership.objects.create(user=lead_staff, unit=Unit.objects.get(name="区经委"))
    record = only(events, Kind.MEMBERSHIP_CHANGED)
    assert_record(record, username=COMMAND_LINE, ip=None, object_repr="kewei @ 区经委")
    assert record.detail == "kewei 加入单位“区经委”；所属单位：区科委 → 区科委、区经委"


def test_removed_membership_is_recorded_once(lead_staff):
    membership = Membership.objects.get(user=lead_staff)
    with new_audit_events() as events:
        membership.delete()
    record = only(events, Kind.MEMBERSHIP_CHANGED)
    assert record.object_repr == "kewei @ 区科委"
    assert record.detail == "kewei 移出单位“区科委”；所属单位：区科委 → 无"


# Plan loading


def test_loading_the_plan_is_recorded_once(plan):
    with new_audit_events() as events:
        call_command("load_plan", stdout=io.StringIO(), stderr=io.StringIO())
    record = only(events, Kind.PLAN_LOADED)
    assert_record(record, username=COMMAND_LINE, ip=None)
    assert "嘉府发〔2023〕2号" in record.detail


def test_refused_plan_file_is_recorded_once_as_a_failure(plan, tmp_path):
    bad = tmp_path / "plan.yaml"
    bad.write_text("plan: [unclosed\n", encoding="utf-8")
    with new_audit_events() as events:
        with pytest.raises(CommandError):
            call_command("load_plan", str(bad), stdout=io.StringIO(), stderr=io.StringIO())
    record = only(events, Kind.PLAN_LOADED)
    assert_record(record, username=COMMAND_LINE, ip=None, result="failure")
    assert "YAML 格式错误" in record.detail


# Report review


REPORT_FORM = {
    "status": "in_progress",
    "percent": 40,
    "progress": "已召开专题推进会，梳理重点企业名单。",
    "problems": "",
    "next_steps": "",
    "version": 0,
    "submit": "",
}


@pytest.fixture
def submitted_report(client_for, plan, lead_staff):
    """区科委's report on 1.(1) for 2024年第二季度, submitted through the report form."""
    measure = measure_by_code(plan, 1, 1)
    response = client_for(lead_staff).post(reverse("tasks:report_form", args=[measure.pk]), REPORT_FORM)
    assert response.status_code == 302
    report = Report.objects.get(measure=measure, unit__name="区科委")
    assert report.state == Report.State.SUBMITTED
    return report


REPORT_REPR = "1.(1) 区科委 2024年第二季度"


def test_submitting_a_report_is_recorded_once_with_its_content(client_for, plan, lead_staff):
    browser = client_for(lead_staff)
    with new_audit_events() as events:
        response = browser.post(reverse("tasks:report_form", args=[measure_by_code(plan, 1, 1).pk]), REPORT_FORM)
    assert response.status_code == 302
    assert [e.kind for e in events] == [Kind.REPORT_SUBMITTED]
    assert_record(events[0], username="kewei", object_repr=REPORT_REPR)
    assert events[0].detail == (
        "新建 → 已提交；状态：空 → 推进中；完成进度（%）：空 → 40；进展情况：空 → 已召开专题推进会，梳理重点企业名单。"
    )


def test_approval_is_recorded_once(client_for, coordinator, submitted_report):
    with new_audit_events() as events:
        response = client_for(coordinator).post(
            reverse("tasks:review_report", args=[submitted_report.pk]),
            {"version": submitted_report.version, "comment": "", "action": "approve"},
        )
    assert response.status_code == 302
    assert Report.objects.get(pk=submitted_report.pk).state == Report.State.APPROVED
    record = only(events, Kind.REPORT_APPROVED)
    assert_record(record, username="coordinator", object_repr=REPORT_REPR)
    assert record.object_id == str(submitted_report.pk)


def test_return_is_recorded_once_with_the_comment(client_for, coordinator, submitted_report):
    with new_audit_events() as events:
        client_for(coordinator).post(
            reverse("tasks:review_report", args=[submitted_report.pk]),
            {"version": submitted_report.version, "comment": "请补充佐证材料。", "action": "return"},
        )
    assert Report.objects.get(pk=submitted_report.pk).state == Report.State.RETURNED
    record = only(events, Kind.REPORT_RETURNED)
    assert_record(record, username="coordinator", object_repr=REPORT_REPR)
    assert record.detail == "请补充佐证材料。"


def test_refused_return_without_a_comment_is_not_recorded(client_for, coordinator, submitted_report):
    with new_audit_events() as events:
        client_for(coordinator).post(
            reverse("tasks:review_report", args=[submitted_report.pk]),
            {"version": submitted_report.version, "comment": "", "action": "return"},
        )
    assert Report.objects.get(pk=submitted_report.pk).state == Report.State.SUBMITTED
    assert of_kind(events, Kind.REPORT_RETURNED) == []


# Status sheet export and import


def test_status_sheet_export_is_recorded_once(client_for, coordinator):
    with new_audit_events() as events:
        response = client_for(coordinator).get(reverse("tasks:export_status"))
    assert response.status_code == 200
    record = only(events, Kind.SHEET_EXPORTED)
    assert_record(record, username="coordinator")
    assert record.detail == "台账（2024年第二季度）"


def test_filtered_measure_list_export_is_recorded_once_with_its_filter(client_for, lead_staff):
    with new_audit_events() as events:
        response = client_for(lead_staff).get(reverse("tasks:measure_list"), {"export": "xlsx"})
    assert response.status_code == 200
    record = only(events, Kind.SHEET_EXPORTED)
    assert_record(record, username="kewei")
    assert record.detail.startswith("措施进展筛选结果 42 条，条件：export=xlsx")
    assert record.detail.endswith("，仅本单位）")


def exported_sheet(browser):
    response = browser.get(reverse("tasks:export_status"))
    assert response.status_code == 200
    return openpyxl.load_workbook(io.BytesIO(response.content))


def fill_in_1_1(sheet):
    """Row 4 of the 按单位 sheet (the one units fill in) is 区科委's measure 1.(1)."""
    assert sheet.cell(row=4, column=3).value.startswith("1.(1) 鼓励有条件的创新创业载体")
    sheet.cell(row=4, column=4).value = "推进中"
    sheet.cell(row=4, column=5).value = "50%"
    sheet.cell(row=4, column=6).value = "已召开推进会，确定首批孵化载体。"


def upload(browser, workbook):
    buffer = io.BytesIO()
    workbook.save(buffer)
    return browser.post(reverse("tasks:import_status"), {"file": SimpleUploadedFile("台账.xlsx", buffer.getvalue())})


def test_applied_import_is_recorded_once_as_a_success(client_for, lead_staff):
    browser = client_for(lead_staff)
    exported = exported_sheet(browser)["按单位"]
    fill_in_1_1(exported)
    # Only the export's title, header and the changed row: see the round-trip test below.
    workbook = openpyxl.Workbook()
    workbook.active.title = "按单位"
    for number in (1, 2, 3, 4):
        workbook.active.append([cell.value for cell in exported[number]])

    with new_audit_events() as events:
        preview = upload(browser, workbook)
        assert preview.status_code == 200
        assert preview.context["preview"].ok, preview.context["preview"].errors
        applied = browser.post(reverse("tasks:import_status"), {"action": "apply"})
    assert applied.status_code == 302
    assert applied["Location"] == reverse("tasks:measure_list")
    report = Report.objects.get(measure__task__number=1, measure__number=1, unit__name="区科委")
    assert (report.percent, report.state) == (50, Report.State.SUBMITTED)
    record = only(events, Kind.SHEET_IMPORTED)
    assert_record(record, username="kewei")
    assert record.detail == "导入 1 条填报（2024年第二季度）"


def test_import_of_an_unreadable_file_is_recorded_once_as_a_failure(client_for, lead_staff):
    browser = client_for(lead_staff)
    with new_audit_events() as events:
        response = browser.post(
            reverse("tasks:import_status"), {"file": SimpleUploadedFile("台账.xlsx", b"not a workbook")}
        )
    assert response.status_code == 200
    record = only(events, Kind.SHEET_IMPORTED)
    assert_record(record, username="kewei", result="failure")
    assert record.detail.startswith("文件无法读取：")
    assert not Report.objects.exists()


def test_round_trip_of_a_units_own_export_with_one_change_imports_that_change(client_for, lead_staff):
    browser = client_for(lead_staff)
    workbook = exported_sheet(browser)
    fill_in_1_1(workbook["按单位"])

    preview = upload(browser, workbook)

    assert preview.status_code == 200
    assert preview.context["preview"].errors == []
    assert [change.code for change in preview.context["preview"].changes] == ["1.(1)"]


def test_records_name_the_account_by_value_not_by_reference(client_for, plan):
    user = make_user("temp")
    user_id = user.pk
    client_for(user).get(reverse("tasks:review"))
    User.objects.filter(pk=user_id).update(username="renamed")
    record = AuditEvent.objects.get(kind=Kind.PERMISSION_DENIED)
    assert (record.username, record.user_id) == ("temp", user_id)


def test_writing_the_task_table_is_recorded_as_such(plan, tmp_path):
    """export_plan writes the 任务分工 table: 导出任务分工, not 导出台账."""
    with new_audit_events() as events:
        call_command("export_plan", str(tmp_path / "任务分工.docx"), stdout=io.StringIO())

    record = only(events, Kind.PLAN_EXPORTED)
    assert record.get_kind_display() == "导出任务分工" and record.actor_role == "命令行"
    assert of_kind(events, Kind.SHEET_EXPORTED) == []

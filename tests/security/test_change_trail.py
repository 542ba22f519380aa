"""The audit trail records every change once, with who, when, what (before → after, by name)
and the result: the admin's changes to the plan, units, memberships, accounts and roles
(security/tracking.py), the periods, and each step of a report (tasks/workflow.py).
The auditor sees all of a quarter at /audit/."""

import datetime
import io

import pytest
from django.contrib.auth.models import Permission
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from departments import roles
from departments.models import CollectiveMembership, Unit, UnitAlias
from security.models import AuditEvent
from tasks.documents import statussheet
from tasks.models import Period, Report
from tasks.reporting import workflow
from tests.conftest import measure_by_code
from tests.helpers import FINAL_PERIOD_FORM, obligation

from .helpers import new_audit_events

Kind = AuditEvent.Kind


def only(events, kind):
    found = [e for e in events if e.kind == kind]
    assert len(found) == 1, [(e.kind, e.detail) for e in events]
    return found[0]


@pytest.fixture
def admin(client_for, system_admin):
    """The 管理员 in Django admin (the break-glass superuser's requests add records of their own)."""
    return client_for(system_admin)


def admin_change(obj):
    return reverse(f"admin:{obj._meta.app_label}_{obj._meta.model_name}_change", args=[obj.pk])


# The admin's changes, whatever the path


def test_changing_a_measures_text_in_the_admin_is_one_record_with_before_and_after(admin, plan):
    measure = measure_by_code(plan, 1, 1)
    assignments = list(measure.assignments.order_by("position"))
    data = {
        "task": measure.task_id,
        "number": 1,
        "text": "新的措施文字",
        "due_date": "2025-12-31",
        "assignments-TOTAL_FORMS": len(assignments),
        "assignments-INITIAL_FORMS": len(assignments),
    }
    for i, a in enumerate(assignments):
        data.update(
            {
                f"assignments-{i}-id": a.pk,
                f"assignments-{i}-measure": measure.pk,
                f"assignments-{i}-position": a.position,
                f"assignments-{i}-unit": a.unit_id,
                f"assignments-{i}-printed_name": a.printed_name,
                f"assignments-{i}-role": "support" if i == 0 else a.role,
            }
        )

    with new_audit_events() as events:
        response = admin.post(admin_change(measure), data)

    assert response.status_code == 302, response.content.decode()[-3000:]
    changes = [e for e in events if e.kind == Kind.PLAN_CHANGED]
    assert [(e.username, e.object_type, e.detail) for e in changes] == [
        ("sysadmin", "具体措施", f"具体措施：{measure.text} → 新的措施文字"),
        ("sysadmin", "责任分工", "角色：牵头 → 配合"),
    ]
    assert changes[0].ip_address == "127.0.0.1"


def test_renaming_a_unit_and_adding_an_alias_are_recorded_by_name(plan):
    unit = Unit.objects.get(name="区科委")

    with new_audit_events() as events:
        unit.name = "区科学技术委员会"
        unit.save()
        UnitAlias.objects.create(unit=unit, name="区科委")

    assert [(e.kind, e.object_repr, e.detail) for e in events] == [
        (Kind.UNIT_CHANGED, "区科学技术委员会", "规范名称：区科委 → 区科学技术委员会"),
        (Kind.UNIT_CHANGED, "区科委 → 区科学技术委员会", "新建。单位：区科学技术委员会；别名：区科委"),
    ]


def test_collective_members_added_and_removed_are_recorded_by_name(plan):
    collective = Unit.objects.get(name="各相关街镇")
    jiangqiao, beihong = Unit.objects.get(name="江桥镇"), Unit.objects.get(name="北虹办")

    with new_audit_events() as events:
        collective.members.add(beihong)
        collective.members.remove(jiangqiao)

    assert [(e.kind, e.object_type, e.object_repr, e.detail) for e in events] == [
        (Kind.UNIT_CHANGED, "集合单位成员", "各相关街镇 ⊃ 北虹办", "新建。集合单位：各相关街镇；成员单位：北虹办"),
        (Kind.UNIT_CHANGED, "集合单位成员", "各相关街镇 ⊃ 江桥镇", "删除：各相关街镇 ⊃ 江桥镇"),
    ]


def test_a_member_added_from_the_members_side_is_one_record(plan):
    beihong = Unit.objects.get(name="北虹办")

    with new_audit_events() as events:
        beihong.collectives.add(Unit.objects.get(name="各相关街镇"))

    assert [(e.object_repr, e.detail) for e in events] == [
        ("各相关街镇 ⊃ 北虹办", "新建。集合单位：各相关街镇；成员单位：北虹办"),
    ]


def test_a_member_added_and_its_start_date_changed_in_the_admin_are_one_record_each(admin, plan):
    collective = Unit.objects.get(name="各相关街镇")
    beihong = Unit.objects.get(name="北虹办")
    links = list(CollectiveMembership.objects.filter(collective=collective))
    form = unit_change_form(collective, links, new=[(beihong, "2024-07-01")])

    with new_audit_events() as events:
        response = admin.post(admin_change(collective), form)
    assert response.status_code == 302, response.content.decode()[-3000:]
    link = CollectiveMembership.objects.get(collective=collective, member=beihong)
    form = unit_change_form(collective, [*links, link], owed_from={link.pk: "2024-10-01"})
    with new_audit_events() as later:
        admin.post(admin_change(collective), form)

    assert [(e.username, e.object_repr, e.detail) for e in [*events, *later]] == [
        ("sysadmin", "各相关街镇 ⊃ 北虹办", "新建。集合单位：各相关街镇；成员单位：北虹办；起报日期：2024-07-01"),
        ("sysadmin", "各相关街镇 ⊃ 北虹办", "起报日期：2024-07-01 → 2024-10-01"),
    ]


def unit_change_form(unit, links, *, new=(), owed_from=None):
    """The unit's admin form as posted: its 成员单位 rows `links` kept, `new` (member, date) added."""
    owed_from = owed_from or {}
    data = {
        "name": unit.name,
        "kind": unit.kind,
        "sort_order": unit.sort_order,
        "aliases-TOTAL_FORMS": 0,
        "aliases-INITIAL_FORMS": 0,
        "memberships-TOTAL_FORMS": 0,
        "memberships-INITIAL_FORMS": 0,
        "member_links-TOTAL_FORMS": len(links) + len(new),
        "member_links-INITIAL_FORMS": len(links),
    }
    for i, link in enumerate(links):
        date = owed_from.get(link.pk, link.owed_from)
        data.update(
            {
                f"member_links-{i}-id": link.pk,
                f"member_links-{i}-member": link.member_id,
                f"member_links-{i}-owed_from": date.isoformat() if hasattr(date, "isoformat") else date or "",
            }
        )
    for i, (member, date) in enumerate(new, start=len(links)):
        data.update({f"member_links-{i}-member": member.pk, f"member_links-{i}-owed_from": date})
    return data


def test_a_period_created_changed_and_closed_on_the_periods_page_is_recorded(client_for, coordinator, plan):
    browser = client_for(coordinator)
    with new_audit_events() as events:
        browser.post("/periods/", FINAL_PERIOD_FORM)
        final = Period.objects.get(name="终期评估")
        browser.post(f"/periods/{final.pk}/", {"action": "due", f"p{final.pk}-due_date": "2026-07-15"})
        browser.post(f"/periods/{final.pk}/", {"action": "close"})

    details = [(e.kind, e.username, e.detail) for e in events]
    assert details[0][:2] == (Kind.PERIOD_CHANGED, "coordinator")
    assert details[0][2].startswith(
        "新建。行动方案：嘉定区数字广告业高质量发展行动方案（2023—2025年）（嘉府发〔2023〕2号）；名称：终期评估；类型：终期评估；"
    )
    assert details[1:] == [
        (Kind.PERIOD_CHANGED, "coordinator", "填报截止日期：2026-07-10 → 2026-07-15"),
        (Kind.PERIOD_CHANGED, "coordinator", "已关闭：否 → 是"),
    ]


def test_an_accounts_email_and_a_roles_permissions_are_recorded(lead_staff):
    viewer_role = roles.group(roles.VIEWER)
    permission = Permission.objects.get(codename="view_measure")

    with new_audit_events() as events:
        lead_staff.email = "kewei@jiading.gov.cn"
        lead_staff.save()
        viewer_role.permissions.add(permission)

    assert [(e.kind, e.object_repr, e.detail) for e in events] == [
        (Kind.ACCOUNT_CHANGED, "kewei", "电子邮件地址：kewei@example.gov.cn → kewei@jiading.gov.cn"),
        (Kind.ROLE_CHANGED, "查看", "权限加入：可查看具体措施（权限数：1 → 2）"),
    ]


def test_loading_the_plan_again_is_one_summary_record(plan):
    with new_audit_events() as events:
        call_command("load_plan", stdout=io.StringIO(), stderr=io.StringIO())

    assert [e.kind for e in events] == [Kind.PLAN_LOADED]


def test_the_admin_has_no_page_to_add_or_edit_audit_records(admin):
    assert admin.get("/admin/security/auditevent/add/").status_code == 404
    assert admin.get("/admin/security/auditevent/").status_code == 404


# Each step of a report, once


def test_every_step_of_a_report_is_one_record(plan, lead_staff, coordinator):
    owed = obligation(measure_by_code(plan, 1, 1), "区科委")
    quarter = Period.objects.current(plan, timezone.localdate())
    fields = {"status": "in_progress", "percent": 10, "progress": "第一稿", "problems": "", "next_steps": ""}

    with new_audit_events() as events:
        report = workflow.save_report(owed, quarter, fields, lead_staff, submit=False, version=0)
        report = workflow.save_report(owed, quarter, {**fields, "percent": 20}, lead_staff, submit=True, version=1)
        report = workflow.withdraw(report, lead_staff, report.version)
        report = workflow.save_report(owed, quarter, fields, lead_staff, submit=True, version=report.version)
        report = workflow.return_for_revision(report, coordinator, report.version, "请补充。")
        report = workflow.save_report(owed, quarter, fields, lead_staff, submit=True, version=report.version)
        report = workflow.approve(report, coordinator, report.version)
        report = workflow.reopen(report, coordinator, report.version, "数据更新")

    assert [(e.kind, e.username) for e in events] == [
        (Kind.REPORT_DRAFT_SAVED, "kewei"),
        (Kind.REPORT_SUBMITTED, "kewei"),
        (Kind.REPORT_WITHDRAWN, "kewei"),
        (Kind.REPORT_SUBMITTED, "kewei"),
        (Kind.REPORT_RETURNED, "coordinator"),
        (Kind.REPORT_RESUBMITTED, "kewei"),
        (Kind.REPORT_APPROVED, "coordinator"),
        (Kind.REPORT_REOPENED, "coordinator"),
    ]
    assert events[1].detail == "草稿 → 已提交；完成进度（%）：10 → 20"
    assert events[3].detail == "草稿 → 已提交；完成进度（%）：20 → 10"
    assert {e.object_repr for e in events} == {f"1.(1) 区科委 {quarter.name}"}


def test_an_imported_report_is_one_record_beside_the_import_itself(plan, lead_staff):
    quarter = Period.objects.current(plan, timezone.localdate())
    measure = measure_by_code(plan, 1, 1)
    change = {
        "row": 3,
        "measure_id": measure.pk,
        "unit_id": Unit.objects.get(name="区科委").pk,
        "version": 0,
        "data": {
            "status": "in_progress",
            "percent": 50,
            "progress": "台账导入的进展",
            "problems": "",
            "next_steps": "",
        },
    }

    with new_audit_events() as events:
        statussheet.apply_changes([change], quarter, lead_staff)

    record = only(events, Kind.REPORT_IMPORTED)
    assert record.detail == "新建 → 已提交；状态：空 → 推进中；完成进度（%）：空 → 50；进展情况：空 → 台账导入的进展"
    assert Report.objects.get(measure=measure).state == Report.State.SUBMITTED


# The auditor sees the whole quarter


def test_the_auditor_sees_every_step_of_a_quarter(plan, client_for, coordinator, lead_staff, auditor, clock):
    # Within the quarter the coordinator adds: units write only into a period that takes reports.
    clock(datetime.date(2026, 3, 2))
    coordinator_browser, unit_browser = client_for(coordinator), client_for(lead_staff)
    measure = measure_by_code(plan, 1, 1)
    kewei = Unit.objects.get(name="区科委")
    # Open: the coordinator adds the quarter after the plan.
    coordinator_browser.post(
        "/periods/",
        {
            "new-name": "2026年第一季度",
            "new-kind": "other",
            "new-start_date": "2026-01-01",
            "new-end_date": "2026-03-31",
            "new-due_date": "2026-04-10",
        },
    )
    coordinator_browser.post(f"/units/{kewei.pk}/chase/")  # chase
    form = {"status": "in_progress", "percent": 40, "progress": "进展", "problems": "", "next_steps": ""}
    unit_browser.post(f"/measures/{measure.pk}/report/", {**form, "version": 0, "submit": ""})
    report = Report.objects.get(measure=measure, unit=kewei)
    coordinator_browser.post(f"/review/{report.pk}/", {"action": "return", "version": 1, "comment": "请补充。"})
    unit_browser.post(f"/measures/{measure.pk}/report/", {**form, "version": 2, "submit": ""})
    coordinator_browser.post(f"/review/{report.pk}/", {"action": "approve", "version": 3, "comment": ""})
    coordinator_browser.post(f"/review/{report.pk}/", {"action": "reopen", "version": 4, "comment": "更新"})
    coordinator_browser.get("/export/status.xlsx")

    page = client_for(auditor).get("/audit/?kind=").content.decode()

    for label in [
        "填报周期变更",
        "催报",
        "填报提交",
        "填报退回",
        "填报重新提交",
        "填报审核通过",
        "填报重新打开",
        "导出台账",
    ]:
        assert f'<td data-label="事件类型">{label}</td>' in page, label

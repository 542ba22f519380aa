"""The final evaluation (终期评估): a FINAL period's reports, by leads only, reviewed with an
评估意见, through the same workflow, timeline and audit trail as quarterly reports.

The clock stands at 2026-03-10, inside the final-evaluation period (2026-03-01 to
2026-03-31, due 2026-04-10): the plan ended on 2025-12-31.
"""

import datetime
import io

import openpyxl
import pytest
from django.db import IntegrityError, transaction

from security.models import AuditEvent
from tasks import obligations, periods
from tasks.documents.statussheet import SheetScope
from tasks.models import Notification, Period, Report, ReportEvent
from tasks.progress.rollup import PlanProgress
from tasks.reporting import workflow
from tests.conftest import make_user, measure_by_code
from tests.helpers import final_period, obligation, unit
from tests.statussheet.helpers import export_bytes, read_back, type_in, xlsx_bytes

from .helpers import snapshot

D = datetime.date
TODAY = D(2026, 3, 10)


@pytest.fixture(autouse=True)
def today(clock):
    """2026-03-10: inside the final evaluation, after the plan's end."""
    return clock(TODAY)


@pytest.fixture
def final(plan):
    """The 终期评估 period, as the coordinator adds it at /periods/."""
    return final_period(plan, D(2026, 3, 1), D(2026, 3, 31), D(2026, 4, 10))


def evaluation(**overrides):
    """Valid final-evaluation data, as the workflow takes it."""
    values = {
        "completion": Report.Completion.MOSTLY,
        "status": Report.Status.IN_PROGRESS,
        "percent": 90,
        "progress": "建成数字广告创新平台两个，服务企业四十家。",
        "problems": "第三个平台选址未定。",
        "next_steps": "2026年6月底前完成选址。",
    }
    values.update(overrides)
    return values


def form(*, version=0, submit=True, **overrides):
    data = {k: v for k, v in evaluation(**overrides).items() if k != "status"}
    data["version"] = version
    data["submit" if submit else "draft"] = ""
    return data


def evaluate(measure, unit_name, user, period, *, submit=True, version=0, **overrides):
    return workflow.save_report(
        obligation(measure, unit_name), period, evaluation(**overrides), user, submit=submit, version=version
    )


# --- the period ---------------------------------------------------------------------------------


def test_coordinator_adds_the_final_evaluation_period_and_it_becomes_current(plan, coordinator_client, lead_client):
    response = coordinator_client.post(
        "/periods/",
        {
            "new-name": "终期评估",
            "new-kind": "final",
            "new-start_date": "2026-03-01",
            "new-end_date": "2026-03-31",
            "new-due_date": "2026-04-10",
        },
    )

    assert response.status_code == 302
    added = Period.objects.get(plan=plan, name="终期评估")
    assert added.kind == Period.Kind.FINAL
    assert Period.objects.current(plan, TODAY) == added
    assert periods.writable_periods(plan, TODAY) == [added]
    page = lead_client.get("/my/").content.decode()
    assert "当前为终期评估" in page and "配合单位无需终期评估" in page


def test_a_final_period_takes_evaluations_only_while_current_or_opened_for_late_reporting(plan, final, clock):
    assert periods.write_block_reason(final, TODAY) is None
    after = clock(D(2026, 5, 1))  # past the due date and the grace days
    assert "已于 2026-04-25 停止填报" in periods.write_block_reason(final, after)
    final.late_until = D(2026, 5, 31)
    final.save()
    assert periods.write_block_reason(Period.objects.get(pk=final.pk), after) is None


# --- who owes one ------------------------------------------------------------------------------


def test_only_leads_owe_a_final_evaluation(plan, final):
    quarter = Period.objects.get(plan=plan, name="2025年第四季度")
    measure = measure_by_code(plan, 2, 1)
    lead = obligation(measure, "区科委")
    co_organizer = obligation(measure, "区委网信办")
    town_co_organizer = obligation(measure, "江桥镇")  # through 各街镇
    town_lead = obligation(measure_by_code(plan, 5, 2), "江桥镇")  # 5.(2): each town leads its part

    assert [o.owes(final) for o in (lead, co_organizer, town_co_organizer, town_lead)] == [True, False, False, True]
    assert [o.owes(quarter) for o in (lead, co_organizer, town_co_organizer, town_lead)] == [True] * 4


def test_progress_expects_and_chases_only_leads_in_the_final_period(plan, final):
    progress = PlanProgress(plan, final, today=D(2026, 4, 20))  # past its due date, nobody evaluated
    leads = sum(len(state.leads) for state in progress.states.values())
    every = sum(len(o) for o in progress.obligations.values())

    reporting = progress.reporting()

    assert reporting.owed == reporting.never_sent == leads == 100
    assert every == 210
    state = progress.states[measure_by_code(plan, 2, 1).pk]
    co_organizer = next(s for s in state.pending if s.obligation.unit.name == "区委网信办")
    assert not co_organizer.owed and co_organizer.light == "green"
    assert not state.supports  # nobody in it owes this period or has reported


# --- the form -------------------------------------------------------------------------------------


def test_lead_gets_the_final_evaluation_form(plan, final, lead_client, url):
    page = lead_client.get(url).content.decode()

    assert "终期评估：2.(1)" in page
    for label in ("完成情况", "主要成效", "未完成原因", "后续安排", "完成进度"):
        assert f">{label}" in page
    assert 'name="status"' not in page  # the status follows the 完成情况
    assert "周期：终期评估" in page


def test_lead_submits_an_evaluation_whose_status_follows_its_completion(
    plan, final, lead_staff, lead_client, url, measure
):
    response = lead_client.post(url, form(completion="not_done", percent=55))

    assert response.status_code == 302
    report = Report.objects.get(measure=measure, period=final)
    assert (report.state, report.completion, report.status, report.percent) == ("submitted", "not_done", "late", 55)
    assert report.progress == "建成数字广告创新平台两个，服务企业四十家。"
    event = report.events.get()
    assert event.action == ReportEvent.Action.SUBMITTED
    assert event.changes["completion"] == [None, "not_done"]
    assert ("完成情况", "", "未完成") in workflow.describe_changes(event)
    assert ("主要成效", "", "建成数字广告创新平台两个，服务企业四十家。") in workflow.describe_changes(event)


def test_an_unfinished_measure_needs_its_reasons_and_follow_up(plan, final, lead_client, url):
    before = snapshot()

    page = lead_client.post(url, form(problems="", next_steps=" ")).content.decode()

    assert "完成情况为“基本完成”时，请填写未完成原因。" in page
    assert "完成情况为“基本完成”时，请填写后续安排。" in page
    assert snapshot() == before


@pytest.mark.parametrize(
    "completion, percent, message",
    [
        ("done", 90, "完成情况为“已完成”时，完成进度应为 100%。"),
        ("mostly", 100, "完成进度为 100% 时，完成情况请选择“已完成”。"),
        ("", 80, "请选择完成情况。"),
    ],
)
def test_completion_and_percent_must_agree(plan, final, lead_client, url, completion, percent, message):
    before = snapshot()

    page = lead_client.post(url, form(completion=completion, percent=percent)).content.decode()

    assert message in page
    assert snapshot() == before


def test_a_draft_evaluation_keeps_mostly_done_without_its_reasons(plan, final, lead_client, url, measure):
    response = lead_client.post(url, form(submit=False, problems="", next_steps=""))

    assert response.status_code == 302
    report = Report.objects.get(measure=measure, period=final)
    assert (report.state, report.completion, report.status, report.problems) == ("draft", "mostly", "in_progress", "")

    page = lead_client.post(url, form(version=report.version, problems="", next_steps="")).content.decode()
    assert "完成情况为“基本完成”时，请填写未完成原因。" in page
    assert Report.objects.get(pk=report.pk).state == "draft"


def test_a_draft_evaluation_may_leave_the_completion_open(plan, final, lead_client, url, measure):
    response = lead_client.post(url, form(submit=False, completion="", percent="", progress=""))

    assert response.status_code == 302
    report = Report.objects.get(measure=measure, period=final)
    assert (report.state, report.completion, report.percent) == ("draft", "", 0)
    page = lead_client.post(url, form(version=report.version, completion="")).content.decode()
    assert "请选择完成情况。" in page


def test_a_done_evaluation_needs_no_reasons(plan, final, lead_client, url, measure):
    lead_client.post(url, form(completion="done", percent=100, problems="", next_steps=""))

    report = Report.objects.get(measure=measure, period=final)
    assert (report.completion, report.status, report.percent) == ("done", "done", 100)


def test_co_organizer_owes_none_and_is_sent_to_the_measure_page(plan, final, client_for, co_organizer, url, measure):
    client = client_for(co_organizer)
    before = snapshot()

    shown = client.get(url, follow=True)
    posted = client.post(url, form())

    assert shown.redirect_chain == [(f"/measures/{measure.pk}/", 302)]
    assert "终期评估由牵头单位填报，配合单位无需填报。" in shown.content.decode()
    assert "填报本单位进展" not in shown.content.decode()
    assert posted.status_code == 302
    assert snapshot() == before


@pytest.mark.parametrize(
    "person, expected",
    [
        ("anonymous", 302),
        ("outsider", 403),  # another unit's report form: refused and recorded
        ("town_staff", 302),  # a co-organizer through 各街镇: sent to the measure page
        ("coordinator", 403),
        ("viewer", 403),
        ("auditor", 403),
        ("superuser", 403),
    ],
)
def test_who_else_may_open_the_final_evaluation_form(plan, final, client, request, url, measure, person, expected):
    if person != "anonymous":
        client.force_login(request.getfixturevalue(person))
    before = snapshot()

    shown = client.get(url)
    posted = client.post(url, form())

    assert (shown.status_code, posted.status_code) == (expected, expected)
    if person == "town_staff":
        assert shown["Location"] == f"/measures/{measure.pk}/"
    assert snapshot() == before


def test_workflow_refuses_a_co_organizers_evaluation_and_quarterly_fields_in_a_final_period(
    plan, final, co_organizer, lead_staff, measure
):
    with pytest.raises(workflow.NotAllowed, match="配合单位无需填报"):
        evaluate(measure, "区委网信办", co_organizer, final)
    quarterly = {k: v for k, v in evaluation().items() if k != "completion"}
    with pytest.raises(workflow.NotAllowed, match="终期评估须逐项填写完成情况"):
        workflow.save_report(obligation(measure, "区科委"), final, quarterly, lead_staff, submit=True, version=0)
    assert not Report.objects.exists()


def test_a_quarterly_report_keeps_no_completion(plan, lead_staff, measure):
    quarter = Period.objects.get(plan=plan, name="2025年第四季度")
    quarter.late_until = D(2026, 3, 31)
    quarter.save()

    report = workflow.save_report(
        obligation(measure, "区科委"), quarter, evaluation(status="in_progress"), lead_staff, submit=True, version=0
    )

    assert report.completion == "" and report.assessment == ""


def test_an_evaluation_is_submitted_only_with_its_completion(plan, final, lead_staff, measure):
    """workflow.final_block_reason is the one home of the rule; the database keeps
    完成情况 and 评估意见 out of quarterly reports (the named constraints)."""
    lead = obligation(measure, "区科委")
    quarter = Period.objects.get(plan=plan, name="2025年第四季度")

    with pytest.raises(workflow.NotAllowed, match="终期评估须逐项填写完成情况"):
        workflow.save_report(lead, final, evaluation(completion=""), lead_staff, submit=True, version=0)
    with pytest.raises(IntegrityError), transaction.atomic():
        Report.objects.create(
            measure=measure, unit=lead.unit, period=quarter, role="lead", progress="x", assessment="评估意见"
        )


def test_the_database_keeps_completion_and_status_together(plan, final, lead_staff, measure):
    report = evaluate(measure, "区科委", lead_staff, final, completion="done", status="done", percent=100)

    with pytest.raises(IntegrityError), transaction.atomic():
        Report.objects.filter(pk=report.pk).update(status="in_progress", percent=90)
    with pytest.raises(IntegrityError), transaction.atomic():
        Report.objects.filter(pk=report.pk).update(completion="", assessment="评估意见")


def test_the_tai_zhang_import_does_not_write_into_a_final_period(plan, final, lead_staff, measure):
    evaluate(measure, "区科委", lead_staff, final)
    exported = export_bytes(SheetScope(plan=plan, period=final, today=TODAY))

    unchanged = read_back(exported, plan, final)
    workbook = openpyxl.load_workbook(io.BytesIO(exported))
    row = type_in(workbook, "2.(1)", "区科委", 进展情况="改在台账里。")
    edited = read_back(xlsx_bytes(workbook), plan, final)

    # The round trip holds (0 changes, 0 errors); an edited row is refused and names why.
    assert (unchanged.changes, unchanged.errors) == ([], [])
    assert edited.changes == []
    assert edited.errors == [
        (
            row,
            "措施 2.(1)（区科委）：终期评估须逐项填写完成情况、主要成效、未完成原因和后续安排，"
            "请牵头单位在系统的终期评估表中填写，不能通过台账或季度填报表导入。",
        )
    ]


# --- review -----------------------------------------------------------------------------------


def test_coordinator_approves_an_evaluation_with_an_assessment(
    plan, final, lead_staff, coordinator, coordinator_client, measure
):
    report = evaluate(measure, "区科委", lead_staff, final)
    page = coordinator_client.get(f"/review/{report.pk}/").content.decode()
    assert "评估意见（审核通过时必填）" in page and "基本完成" in page and "未完成原因" in page

    response = coordinator_client.post(
        f"/review/{report.pk}/", {"action": "approve", "version": report.version, "assessment": " 主体完成，同意。 "}
    )

    assert response.status_code == 302
    report.refresh_from_db()
    assert (report.state, report.assessment) == ("approved", "主体完成，同意。")
    approved = report.events.get(action=ReportEvent.Action.APPROVED)
    assert (approved.actor, approved.comment) == (coordinator, "主体完成，同意。")
    audited = AuditEvent.objects.get(kind=AuditEvent.Kind.REPORT_APPROVED)
    assert audited.detail == "主体完成，同意。" and audited.username == "coordinator"


def test_coordinator_and_unit_both_call_it_the_assessment(
    plan, final, lead_staff, coordinator, coordinator_client, lead_client, measure
):
    report = evaluate(measure, "区科委", lead_staff, final)
    report = workflow.approve_evaluation(report, coordinator, report.version, "主体完成，同意。")

    review = coordinator_client.get(f"/review/{report.pk}/").content.decode()
    form = lead_client.get(f"/measures/{measure.pk}/report/?period={final.pk}").content.decode()
    todo = lead_client.get("/").content.decode()

    assert "<strong>评估意见：</strong>" in review and 'name="assessment"' not in review
    assert "协调人评估意见：</strong>主体完成，同意。" in form
    assert "<strong>评估意见：</strong>主体完成，同意。" in todo
    assert "审核意见" not in todo


def test_an_evaluation_is_not_approved_without_an_assessment(
    plan, final, lead_staff, coordinator, coordinator_client, measure
):
    report = evaluate(measure, "区科委", lead_staff, final)

    page = coordinator_client.post(
        f"/review/{report.pk}/", {"action": "approve", "version": report.version, "assessment": "  "}, follow=True
    ).content.decode()

    assert "审核通过终期评估时须填写评估意见。" in page
    assert Report.objects.get(pk=report.pk).state == "submitted"
    with pytest.raises(workflow.NotAllowed, match="须填写评估意见"):
        workflow.approve(report, coordinator, report.version)
    assert not AuditEvent.objects.filter(kind=AuditEvent.Kind.REPORT_APPROVED).exists()


def test_a_returned_evaluation_is_resubmitted_and_approved(
    plan, final, lead_staff, lead_client, coordinator_client, url, measure
):
    report = evaluate(measure, "区科委", lead_staff, final)
    coordinator_client.post(
        f"/review/{report.pk}/", {"action": "return", "version": report.version, "comment": "请补充服务企业名单。"}
    )
    report.refresh_from_db()
    assert report.state == "returned"
    assert "协调人退回意见：</strong>请补充服务企业名单。" in lead_client.get(url).content.decode()

    lead_client.post(url, form(version=report.version, progress="服务企业名单见附件。"))
    report.refresh_from_db()
    coordinator_client.post(
        f"/review/{report.pk}/", {"action": "approve", "version": report.version, "assessment": "同意。"}
    )

    report.refresh_from_db()
    assert (report.state, report.assessment, report.progress) == ("approved", "同意。", "服务企业名单见附件。")
    actions = list(report.events.values_list("action", flat=True))
    assert actions == ["submitted", "returned", "resubmitted", "approved"]
    assert AuditEvent.objects.filter(kind__in=["report_returned", "report_approved"]).count() == 2


def test_review_queue_names_an_evaluation_by_its_completion(plan, final, lead_staff, coordinator_client, measure):
    evaluate(measure, "区科委", lead_staff, final, completion="done", status="done", percent=100)

    page = coordinator_client.get("/review/").content.decode()

    assert '终期评估：<span class="nowrap">已完成 100%</span>' in page


# --- pages ------------------------------------------------------------------------------------


def test_measure_page_shows_submitted_evaluations_to_all_and_drafts_to_their_unit(
    plan, final, lead_staff, client_for, viewer, co_organizer, outsider, measure
):
    evaluate(measure, "区科委", lead_staff, final, submit=False, progress="草稿中的成效")
    url = f"/measures/{measure.pk}/"

    # As everywhere (access.can_see_private): its unit's staff and those who see every unit.
    for insider in (lead_staff, viewer):
        assert "草稿中的成效" in client_for(insider).get(url).content.decode()
    for reader in (co_organizer, outsider):
        page = client_for(reader).get(url).content.decode()
        assert "草稿中的成效" not in page
        assert "牵头单位尚未提交终期评估" in page

    report = Report.objects.get(measure=measure, period=final)
    workflow.save_report(
        obligation(measure, "区科委"),
        final,
        evaluation(progress="已提交的成效"),
        lead_staff,
        submit=True,
        version=report.version,
    )
    page = client_for(outsider).get(url).content.decode()
    assert "已提交的成效" in page
    assert '措施完成情况：<strong class="completion mostly">基本完成</strong>（待审核）' in page


def test_a_measure_with_several_leads_is_evaluated_when_every_lead_has_submitted(plan, final, coordinator):
    measure = measure_by_code(plan, 5, 2)  # 江桥镇、南翔镇、安亭镇、北虹办 each lead their part
    leads = [o for o in obligations.for_measure(measure) if o.is_lead]
    assert [o.unit.name for o in leads] == ["江桥镇", "南翔镇", "安亭镇", "北虹办"]
    for owed, completion in zip(leads[:3], ["done", "mostly", "done"], strict=True):
        percent = 100 if completion == "done" else 80
        workflow.save_report(
            owed, final, evaluation(completion=completion, percent=percent), coordinator, submit=True, version=0
        )
    state = PlanProgress(plan, final, today=TODAY, measures=[measure]).states[measure.pk]
    assert state.completion is None

    workflow.save_report(
        leads[3], final, evaluation(completion="not_done", percent=40), coordinator, submit=True, version=0
    )

    progress = PlanProgress(plan, final, today=TODAY)
    assert progress.states[measure.pk].completion == "not_done"  # the least complete of its leads
    summary = progress.evaluation()
    assert (summary.evaluated, summary.approved, summary.by_completion["not_done"]) == (1, 0, 1)
    assert summary.submitted == 4 and summary.owed == sum(len(s.evaluations) for s in progress.states.values())


def test_dashboard_shows_how_far_the_final_evaluation_has_come(
    plan, final, lead_staff, coordinator, client_for, measure
):
    report = evaluate(measure, "区科委", lead_staff, final, completion="done", status="done", percent=100)
    workflow.approve_evaluation(report, coordinator, report.version, "同意。")

    response = client_for(coordinator).get("/")
    page, summary = response.content.decode(), response.context["evaluation"]

    assert '终期评估 <span class="muted small">终期评估，截止 2026-04-10</span>' in page
    assert (summary.measures, summary.evaluated, summary.approved, summary.by_completion["done"]) == (42, 1, 1, 1)
    assert '<div class="value">1 / 42</div>' in page
    assert "生成终期评估报告（Word）" in page


# --- the daily loop: notifications, batch review, 沿用上期 ------------------------------------------


def test_adding_the_final_evaluation_tells_the_leads_and_no_co_organizer(plan, coordinator_client, lead_staff):
    co_organizer_only = make_user("co_only", units=["区委网信办"])
    assert unit("区委网信办").pk not in obligations.units_owing(plan, Period(plan=plan, kind=Period.Kind.FINAL))

    coordinator_client.post(
        "/periods/",
        {
            "new-name": "终期评估",
            "new-kind": "final",
            "new-start_date": "2026-03-01",
            "new-end_date": "2026-03-31",
            "new-due_date": "2026-04-10",
        },
    )

    told = Notification.objects.filter(kind=Notification.Kind.PERIOD_OPENED)
    lead_notice = told.get(user=lead_staff)
    assert lead_notice.title == "嘉府发〔2023〕2号 · 终期评估已开始，请于 2026-04-10 前提交牵头措施的终期评估"
    assert not told.filter(user=co_organizer_only).exists()


def test_approving_an_evaluation_tells_the_lead_its_assessment(
    plan, final, lead_staff, coordinator_client, lead_client, url, measure
):
    report = evaluate(measure, "区科委", lead_staff, final)

    coordinator_client.post(
        f"/review/{report.pk}/", {"action": "approve", "version": report.version, "assessment": "主体完成，同意。"}
    )

    notice = Notification.objects.get(user=lead_staff, kind=Notification.Kind.APPROVED)
    assert notice.report_id == report.pk and "主体完成，同意。" in notice.body
    assert "协调人评估意见：</strong>主体完成，同意。" in lead_client.get(url).content.decode()


def test_batch_approval_leaves_final_evaluations_out(plan, final, lead_staff, coordinator_client, measure):
    report = evaluate(measure, "区科委", lead_staff, final)
    page = coordinator_client.get("/review/").content.decode()
    assert '终期评估：<span class="nowrap">基本完成 90%</span>' in page
    assert f'name="report" value="{report.pk}"' not in page

    response = coordinator_client.post(
        "/review/batch/",
        {"report": [report.pk], f"version_{report.pk}": report.version, "confirm": "1"},
        follow=True,
    )

    assert "终期评估须填写评估意见后审核通过。" in response.content.decode()
    assert Report.objects.get(pk=report.pk).state == "submitted"
    assert not Notification.objects.filter(kind=Notification.Kind.APPROVED).exists()


def test_last_quarter_is_not_offered_as_a_start_for_a_final_evaluation(
    plan, final, lead_staff, coordinator, lead_client, url, measure
):
    q4 = Period.objects.get(plan=plan, name="2025年第四季度")
    quarterly = {"status": "in_progress", "percent": 80, "progress": "四季度推进。", "problems": "", "next_steps": ""}
    report = workflow.save_report(
        obligation(measure, "区科委"), q4, quarterly, lead_staff, submit=True, version=0, today=q4.end_date
    )
    workflow.approve(report, coordinator, report.version)

    page = lead_client.get(url).content.decode()
    copied = lead_client.get(f"{url}?copy=previous").content.decode()

    assert "沿用上期" not in page
    assert "沿用自" not in copied and "四季度推进。" not in copied


def test_a_unit_page_says_co_organizers_owe_no_evaluation(plan, final, coordinator_client):
    kewei = unit("区科委")

    page = coordinator_client.get(f"/units/{kewei.pk}/").content.decode()

    assert "无需填报（终期评估由牵头单位填报）" in page  # 1.(3), which 区科委 co-organizes
    assert "自起填报" not in page

"""Entering and reviewing indicator values: draft, submit, approve, return, reopen; versions,
the timeline and the audit trail."""

from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from security.models import AuditEvent
from tasks.indicators import values as indicators
from tasks.models import Indicator, IndicatorEvent, IndicatorEvidence, IndicatorValue, Notification, Report, ReportEvent
from tasks.plans.planfile import DEFAULT_PLAN_FILE, load_plan, read_plan_file
from tasks.review.engine import Conflict, NotAllowed


def data(value="1200", source="区统计局年度统计", note=""):
    return {"value": Decimal(value), "source": source, "note": note}


def upload(name):
    return SimpleUploadedFile(name, b"%PDF-1.4 test", content_type="application/pdf")


@pytest.fixture
def businesses(plan):
    """3. 全区广告经营主体: +40% over 2020."""
    return plan.indicators.get(number=3)


def test_bundled_plan_holds_the_four_goal_indicators_with_no_values(plan):
    rows = list(plan.indicators.order_by("number").select_related("unit", "data_unit"))
    assert [i.name for i in rows] == [
        "中广国际广告产业园分园",
        "在全国具有影响力的数字广告企业",
        "全区广告经营主体",
        "广告年营收",
    ]
    assert [i.target_kind for i in rows] == ["absolute", "absolute", "over_baseline", "annual_growth"]
    assert [i.target_value for i in rows] == [None, None, Decimal("40.00"), Decimal("10.00")]
    assert [i.baseline_year for i in rows] == [2022, 2022, 2020, 2022]
    assert {i.unit.name for i in rows} == {"区市场监管局"}
    assert [i.data_unit.name if i.data_unit else None for i in rows] == [None, None, "区统计局", "区统计局"]
    assert not IndicatorValue.objects.exists()


def test_reload_keeps_a_target_an_admin_set_for_ruogan(plan):
    parks = plan.indicators.get(number=1)
    parks.target_value = Decimal("3")
    parks.save()

    load_plan(read_plan_file(DEFAULT_PLAN_FILE))

    parks.refresh_from_db()
    assert parks.target_value == Decimal("3")


def test_draft_then_submit_then_approve_writes_a_timeline_and_the_audit_trail(businesses, market_staff, coordinator):
    draft = indicators.save_value(businesses, 2021, data(), market_staff, submit=False, version=0)
    submitted = indicators.save_value(businesses, 2021, data("1250"), market_staff, submit=True, version=draft.version)
    approved = indicators.approve(submitted, coordinator, submitted.version, "数据核实无误")

    assert (draft.state, submitted.state, approved.state) == ("draft", "submitted", "approved")
    assert approved.version == 3
    events = list(IndicatorEvent.objects.filter(value=approved).order_by("pk"))
    assert [e.action for e in events] == [
        ReportEvent.Action.DRAFT_SAVED,
        ReportEvent.Action.SUBMITTED,
        ReportEvent.Action.APPROVED,
    ]
    assert events[1].changes == {"value": ["1200", "1250"]}
    assert events[2].actor == coordinator and events[2].comment == "数据核实无误"
    trail = list(AuditEvent.objects.filter(kind=AuditEvent.Kind.INDICATOR_CHANGED).order_by("pk"))
    assert len(trail) == 3
    assert "全区广告经营主体 2021年：提交；实际值：1200 → 1250" in trail[1].detail
    assert trail[2].username == "coordinator"


def test_return_needs_a_comment_and_resubmission_is_recorded(businesses, market_staff, coordinator):
    row = indicators.save_value(businesses, 2022, data(), market_staff, submit=True, version=0)
    with pytest.raises(NotAllowed, match="退回时必须填写退回意见"):
        indicators.return_for_revision(row, coordinator, row.version, "  ")
    returned = indicators.return_for_revision(row, coordinator, row.version, "请附统计报表")
    again = indicators.save_value(businesses, 2022, data("1300"), market_staff, submit=True, version=returned.version)

    assert returned.state == Report.State.RETURNED and returned.review_comment == "请附统计报表"
    assert again.state == Report.State.SUBMITTED
    assert IndicatorEvent.objects.filter(value=row).order_by("-pk")[0].action == ReportEvent.Action.RESUBMITTED


def test_approved_value_cannot_change_until_reopened(businesses, market_staff, coordinator):
    row = indicators.save_value(businesses, 2023, data(), market_staff, submit=True, version=0)
    row = indicators.approve(row, coordinator, row.version)
    with pytest.raises(NotAllowed, match="已审核通过"):
        indicators.save_value(businesses, 2023, data("1"), market_staff, submit=True, version=row.version)
    reopened = indicators.reopen(row, coordinator, row.version, "统计局更正了数据")
    fixed = indicators.save_value(businesses, 2023, data("1310"), market_staff, submit=True, version=reopened.version)
    assert fixed.value == Decimal("1310")


def test_stale_version_is_refused_and_nothing_is_overwritten(businesses, market_staff):
    row = indicators.save_value(businesses, 2024, data("1000"), market_staff, submit=False, version=0)
    indicators.save_value(businesses, 2024, data("1100"), market_staff, submit=False, version=row.version)
    with pytest.raises(Conflict):
        indicators.save_value(businesses, 2024, data("999"), market_staff, submit=False, version=row.version)
    assert IndicatorValue.objects.get(pk=row.pk).value == Decimal("1100")


def test_evidence_is_kept_with_a_saved_value_and_not_with_a_refused_one(businesses, market_staff, media_root):
    row = indicators.save_value(
        businesses, 2024, data(), market_staff, submit=False, version=0, evidence=[upload("2024年报表.pdf")]
    )
    with pytest.raises(Conflict):
        indicators.save_value(
            businesses, 2024, data(), market_staff, submit=False, version=0, evidence=[upload("重复.pdf")]
        )

    assert [e.original_name for e in IndicatorEvidence.objects.all()] == ["2024年报表.pdf"]
    assert IndicatorEvidence.objects.get().value == row
    assert [p.name for p in media_root.rglob("*.pdf")] == [IndicatorEvidence.objects.get().file.name.rsplit("/", 1)[1]]


def test_a_second_new_value_for_the_same_year_is_a_conflict(businesses, market_staff):
    indicators.save_value(businesses, 2024, data(), market_staff, submit=False, version=0)
    with pytest.raises(Conflict):
        indicators.save_value(businesses, 2024, data(), market_staff, submit=False, version=0)


@pytest.mark.parametrize("year", [2019, 2026])
def test_year_outside_baseline_to_target_is_refused(businesses, market_staff, year):
    with pytest.raises(NotAllowed, match="不在该指标的填报年份"):
        indicators.save_value(businesses, year, data(), market_staff, submit=False, version=0)


def test_approving_a_value_already_reviewed_is_refused(businesses, market_staff, coordinator):
    row = indicators.save_value(businesses, 2024, data(), market_staff, submit=True, version=0)
    indicators.approve(row, coordinator, row.version)
    with pytest.raises(NotAllowed, match="状态已经改变"):
        indicators.approve(row, coordinator, row.version)


def test_status_follows_approved_values_end_to_end(businesses, market_staff, coordinator):
    for year, value in [(2020, "1000"), (2025, "1400")]:
        row = indicators.save_value(businesses, year, data(value), market_staff, submit=True, version=0)
        indicators.approve(row, coordinator, row.version)

    (evaluation,) = [e for e in indicators.evaluations(businesses.plan) if e.indicator.pk == businesses.pk]

    assert evaluation.status == indicators.Status.ACHIEVED
    assert evaluation.target_text == "2025年较2020年增长 40%，即 1400 户"


def test_admin_target_change_is_one_record_with_before_and_after(plan, superuser, client_for):
    parks = Indicator.objects.get(plan=plan, number=1)
    fields = ["plan", "number", "name", "goal_text", "measure_unit", "baseline_year", "baseline_value"]
    fields += ["target_kind", "target_value", "target_year", "target_note", "unit", "data_unit"]
    form = {name: parks.serializable_value(name) for name in fields}
    form = {name: "" if value is None else value for name, value in form.items()} | {"target_value": "5"}

    response = client_for(superuser).post(f"/admin/tasks/indicator/{parks.pk}/change/", form)

    assert response.status_code == 302, response.content.decode()[-2000:]
    (event,) = AuditEvent.objects.filter(kind=AuditEvent.Kind.INDICATOR_CHANGED)
    assert (event.username, event.detail) == ("admin", "目标值：空 → 5")


def test_a_target_changed_from_any_code_is_recorded(plan):
    parks = Indicator.objects.get(plan=plan, number=1)
    parks.target_value = Decimal("5.50")
    parks.save()

    (event,) = AuditEvent.objects.filter(kind=AuditEvent.Kind.INDICATOR_CHANGED)
    assert event.detail == "目标值：空 → 5.5"


def test_the_responsible_units_staff_are_told_of_a_return_an_approval_and_a_reopening(
    businesses, market_staff, statistics_staff, coordinator, mailoutbox, django_capture_on_commit_callbacks
):
    row = indicators.save_value(businesses, 2023, data(), market_staff, submit=True, version=0)

    with django_capture_on_commit_callbacks(execute=True):
        row = indicators.return_for_revision(row, coordinator, row.version, "请注明统计口径。")
        row = indicators.save_value(businesses, 2023, data(), market_staff, submit=True, version=row.version)
        row = indicators.approve(row, coordinator, row.version)
        indicators.reopen(row, coordinator, row.version, "统计局已更正数据。")

    told = [(n.kind, n.title, n.body, n.url) for n in Notification.objects.filter(user=market_staff).order_by("pk")]
    form = f"/indicators/{businesses.pk}/2023/"
    assert told == [
        (
            "returned",
            "嘉府发〔2023〕2号 · 指标“全区广告经营主体”2023年的实际值被退回，请修改后重新提交",
            "退回意见：请注明统计口径。",
            form,
        ),
        (
            "approved",
            "嘉府发〔2023〕2号 · 指标“全区广告经营主体”2023年的实际值已审核通过",
            "",
            f"/indicators/{businesses.pk}/",
        ),
        (
            "reopened",
            "嘉府发〔2023〕2号 · 指标“全区广告经营主体”2023年的实际值已被协调人重新打开，请修改后重新提交",
            "重新打开原因：统计局已更正数据。",
            form,
        ),
    ]
    assert not Notification.objects.filter(user__in=[statistics_staff, coordinator]).exists()
    assert [m.to for m in mailoutbox] == [[market_staff.email]] * 3

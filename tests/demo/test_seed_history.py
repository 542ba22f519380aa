"""seed_demo's history: a plausible 2023–2025 written through the workflow, clearly marked,
written once, and read alike by the dashboard, the 台账, the 通报 and the 终期评估报告."""

import io
import re
from collections import Counter

import openpyxl
import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from tasks import obligations, periods
from tasks.demo import history as demo
from tasks.documents import bulletin, finalreport
from tasks.documents.statussheet import SheetScope, build_workbook
from tasks.indicators import values as indicator_rules
from tasks.management.commands.seed_demo import UNIT_ACCOUNTS
from tasks.models import Indicator, IndicatorEvent, IndicatorValue, Notification, Period, Report, ReportEvent
from tasks.progress.rollup import Light, PlanProgress, reporting_over_plan

from .conftest import DAY


def client_of(username):
    client = Client()
    client.force_login(User.objects.get(username=username))
    return client


def quarters(plan):
    return list(Period.objects.filter(plan=plan, kind=Period.Kind.QUARTER).order_by("end_date"))


def owed_in(plan, period):
    progress = PlanProgress(plan, period, today=DAY)
    return [s for state in progress.states.values() for s in state.leads + state.supports if s.owed]


def test_seeding_says_what_it_wrote_and_how_long_it_took(seeded):
    # How long it takes (about 5 s on a laptop, printed by make run) is not asserted:
    # a busy machine took 108 s; speed is for benchmarks, not unit tests.
    assert "秒" in seeded.output.split("用时")[-1]  # it says how long it took
    written = re.search(
        r"季度填报 (\d+) 份（逾期 (\d+)，退回后重报 (\d+)，未报 (\d+)），指标数值 (\d+) 个", seeded.output
    )
    assert written, seeded.output
    reports, late, returned, missing, values = map(int, written.groups())
    quarterly = Report.objects.filter(period__kind=Period.Kind.QUARTER)
    assert reports == quarterly.count()
    assert returned == ReportEvent.objects.filter(action="resubmitted", report__period__kind="quarter").count()
    assert values == IndicatorValue.objects.count()
    assert reports + missing == 12 * 210  # every obligation, every quarter: reported or not
    assert "终期评估“终期评估”进行中" in seeded.output


def test_every_quarter_has_reports_from_leads_and_co_organizers_and_a_few_missing(plan):
    for period in quarters(plan):
        owed = owed_in(plan, period)
        reported = [s for s in owed if s.current is not None]
        roles = Counter(s.current.role for s in reported)
        assert 0.85 * len(owed) < len(reported) < len(owed), period.name
        assert roles["lead"] > 80 and roles["support"] > 80, period.name


def test_most_reports_are_approved_some_late_some_returned_then_resubmitted_some_behind(plan):
    quarterly = Report.objects.filter(period__kind=Period.Kind.QUARTER).select_related("period")
    states = Counter(quarterly.values_list("state", flat=True))
    late = [r for r in quarterly if timezone.localdate(r.submitted_at) > r.period.due_date]

    assert states["approved"] > 0.97 * sum(states.values())
    assert set(states) == {"approved", "submitted"}  # the last quarter's stragglers wait for review
    assert 0.05 * len(quarterly) < len(late) < 0.15 * len(quarterly)
    resubmitted = ReportEvent.objects.filter(action="resubmitted", report__period__kind="quarter")
    assert resubmitted.count() > 50
    for event in resubmitted.select_related("report")[:20]:
        actions = list(event.report.events.values_list("action", flat=True))
        assert actions[:3] == ["submitted", "returned", "resubmitted"]
    assert quarterly.filter(status=Report.Status.LATE).count() > 50
    assert quarterly.filter(status=Report.Status.NOT_STARTED).exists()


def test_progress_rises_quarter_by_quarter(plan):
    percents = [PlanProgress(plan, p, today=p.due_date).plan_percent for p in quarters(plan)]

    assert percents == sorted(percents)
    assert percents[0] < 20 and percents[-1] > 80


def test_the_timeline_shows_when_things_happened_not_the_day_of_seeding(plan):
    events = ReportEvent.objects.filter(report__period__kind="quarter").select_related("report__period")
    for event in events.iterator():
        day = timezone.localdate(event.at)
        period = event.report.period
        assert period.end_date < day <= period.due_date + timezone.timedelta(days=40), (event.pk, day)
    first = Report.objects.filter(period__kind="quarter").order_by("pk").first()
    assert first.created_at == first.events.order_by("at").first().at
    assert first.updated_at == first.events.order_by("at").last().at
    assert not ReportEvent.objects.filter(at__date=timezone.now().date()).exists()


def test_every_text_is_marked_as_demo_data_and_the_dashboard_says_so(plan):
    assert not Report.objects.exclude(progress__startswith=demo.DEMO_MARK).exists()
    assert not IndicatorValue.objects.exclude(source__startswith=demo.DEMO_MARK).exists()

    page = client_of("leader").get("/").content.decode()

    assert "<strong>演示数据</strong>：本方案 2023—2025 年的填报" in page


def test_indicator_values_went_through_their_workflow(plan):
    rows = {(v.indicator.number, v.year): v for v in IndicatorValue.objects.select_related("indicator")}
    statuses = {e.indicator.number: e.status for e in indicator_rules.evaluations(plan)}

    assert sorted(y for n, y in rows if n == 3) == [2020, 2021, 2022, 2023, 2024, 2025]
    assert sorted(y for n, y in rows if n == 4) == [2022, 2023, 2024, 2025]
    assert statuses == {1: "achieved", 2: "in_progress", 3: "achieved", 4: "missed"}
    assert rows[(2, 2025)].state == "submitted"  # waiting for the coordinator
    returned = rows[(4, 2024)]
    actions = list(IndicatorEvent.objects.filter(value=returned).values_list("action", flat=True))
    assert actions == ["submitted", "returned", "resubmitted", "approved"]
    assert Indicator.objects.get(plan=plan, number=1).target_value == 3  # 若干: set as an admin would


def test_a_final_evaluation_is_open_now_with_some_evaluations_in(plan):
    final = Period.objects.get(plan=plan, kind=Period.Kind.FINAL)
    evaluations = Report.objects.filter(period=final)
    states = Counter(evaluations.values_list("state", flat=True))

    assert Period.objects.current(plan, DAY) == final
    assert periods.writable_periods(plan, DAY) == [final]
    assert states["returned"] == 1
    assert states["approved"] > 10 and states["submitted"] > 5
    assert not evaluations.filter(role="support").exists()
    assert not evaluations.filter(state="approved", assessment="").exists()
    assert set(evaluations.values_list("completion", flat=True)) == {"done", "mostly", "not_done"}
    summary = PlanProgress(plan, final, today=DAY).evaluation()
    assert 0 < summary.evaluated < summary.measures == 42


def test_demo_accounts_can_go_on_with_the_final_evaluation(plan):
    final = Period.objects.get(plan=plan, kind=Period.Kind.FINAL)
    state = next(
        s
        for measure_state in PlanProgress(plan, final, today=DAY).states.values()
        for s in measure_state.leads
        if s.current is None and s.obligation.collective is None
    )
    staff = client_of(UNIT_ACCOUNTS[state.obligation.unit.name])
    assert "当前为终期评估" in staff.get("/my/").content.decode()

    form = staff.get(f"/measures/{state.obligation.measure.pk}/report/?unit={state.obligation.unit.pk}")

    assert form.status_code == 200
    assert "终期评估：" in form.content.decode() and "主要成效" in form.content.decode()
    assert "配合单位无需终期评估" in client_of("wangxinban").get("/my/").content.decode()


def test_a_second_run_writes_no_more_history(plan, settings):
    settings.DEBUG = True
    before = (
        Report.objects.count(),
        ReportEvent.objects.count(),
        IndicatorValue.objects.count(),
        Period.objects.count(),
    )
    out = io.StringIO()

    call_command("seed_demo", stdout=out, stderr=io.StringIO())

    assert "该方案已有填报记录，未写入演示历史。" in out.getvalue()
    after = (
        Report.objects.count(),
        ReportEvent.objects.count(),
        IndicatorValue.objects.count(),
        Period.objects.count(),
    )
    assert after == before


# --- the numbers agree ----------------------------------------------------------------------------


def test_dashboard_tai_zhang_and_bulletin_agree_on_the_seeded_data(plan):
    dashboard = client_of("coordinator").get("/").context
    period = dashboard["period"]
    draft = bulletin.collect(plan, period, periods.as_of(period, DAY))
    workbook = build_workbook(SheetScope(plan=plan, period=period, today=periods.as_of(period, DAY)))
    buffer = io.BytesIO()
    workbook.save(buffer)
    summary_sheet = openpyxl.load_workbook(io.BytesIO(buffer.getvalue()))["汇总"]
    task_rows = [row for row in summary_sheet.iter_rows(min_row=3, values_only=True) if row[0] and row[0][0].isdigit()]

    lights = {light: n for light, n, _ in dashboard["lights"]}
    assert dashboard["plan_percent"] == draft.progress.plan_percent
    assert {light: draft.counts["lights"][light] for light in Light} == lights
    assert dashboard["reporting"] == draft.reporting
    assert len(task_rows) == 11
    assert sum(row[1] for row in task_rows) == 42
    assert [sum(row[i] for row in task_rows) for i in (3, 4, 5, 6)] == [
        lights[Light.RED],
        lights[Light.YELLOW],
        lights[Light.GREEN],
        lights[Light.DONE],
    ]
    for (task, _, percent), row in zip(draft.tasks, task_rows, strict=True):
        assert row[0] == task.heading and row[2] == pytest.approx(percent / 100)


def test_final_report_agrees_with_the_dashboard_and_the_units_page(plan):
    coordinator = client_of("coordinator")
    evaluation = coordinator.get("/").context["evaluation"]
    units = coordinator.get("/units/").context["over_plan"]
    report = finalreport.collect(plan, DAY)

    assert report.evaluation == evaluation
    assert report.reporting.total == units.total
    assert [(u.unit.name, u.on_time_rate) for u in report.reporting.units] == [
        (u.unit.name, u.on_time_rate) for u in units.units
    ]
    assert units.total == reporting_over_plan(plan, DAY).total
    assert 75 < units.total.on_time_rate < 95


def test_the_story_tells_nobody_but_the_leads_hear_the_final_evaluation_is_open(plan, seeded):
    final = Period.objects.get(plan=plan, kind=Period.Kind.FINAL)
    told = Notification.objects.all()
    leads = set(User.objects.filter(memberships__unit__in=obligations.units_owing(plan, final)))

    assert set(told.values_list("kind", "period", "report")) == {(Notification.Kind.PERIOD_OPENED, final.pk, None)}
    assert {n.user for n in told} == leads
    assert f"已通知 {len(leads)} 位牵头单位联络员" in seeded.output
    assert "终期评估已开始" in client_of("kewei").get("/notifications/").content.decode()
    assert not told.filter(user__username="coordinator").exists()

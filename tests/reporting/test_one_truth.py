"""One truth at every moment (issue 18): the disagreements found between outputs, each
reproduced as it was seen, and each output read as a person reads it (tests/outputs.py).

- After a lead's 终期评估 was returned, the dashboard and /measures/ judged the measure from its
  last quarterly report (red), the 台账 from the returned evaluation (yellow; 滞后 for another),
  and 汇总 counted one red less than the dashboard.
- A past period's 通报 said 逾期未报 0 and named nobody, though reports never came and others
  came late; the numbers did not add up to the owed.
- The 终期评估报告's owed was not on time + late + never sent: obligations done earlier that sent
  nothing later were owed but neither in nor missing.
"""

import datetime

import pytest
from django.utils import timezone

from tasks.documents import finalreport
from tasks.models import Period, Report
from tasks.reporting import workflow
from tests.conftest import measure_by_code
from tests.helpers import final_period, obligation
from tests.outputs import (
    dashboard,
    document_text,
    measures_page,
    number_after,
    reading_lights,
    status_sheet,
    units_page,
)

from .helpers import put_report

D = datetime.date


@pytest.fixture(autouse=True)
def _passwords_keep(settings):
    """The clock jumps years: the accounts of before must still work."""
    settings.PASSWORD_MAX_AGE_DAYS = 100_000


def submitted_on(report, day):
    """The report's (last) submission moved to `day`, in office hours."""
    moment = timezone.make_aware(datetime.datetime.combine(day, datetime.time(15, 0)))
    Report.objects.filter(pk=report.pk).update(submitted_at=moment)


def evaluate(plan, code, unit_name, user, final, completion, percent):
    data = {
        "completion": completion,
        "status": Report.COMPLETION_STATUS[completion],
        "percent": percent,
        "progress": "建成平台两个。",
        "problems": "选址未定。" if completion != Report.Completion.DONE else "",
        "next_steps": "年内完成。" if completion != Report.Completion.DONE else "",
    }
    return workflow.save_report(
        obligation(measure_by_code(plan, *code), unit_name), final, data, user, submit=True, version=0
    )


@pytest.fixture
def returned_evaluations(plan, clock, coordinator, lead_staff):
    """2026-03-10, in the 终期评估: 1.(1) (区科委) and 1.(2) (区委宣传部) reported 60% and 70% in the
    last quarter (65% for 1.(2)); their evaluations (基本完成 90%, 未完成 75%) came back returned."""
    from tests.conftest import make_user

    clock(D(2026, 3, 10))
    final = final_period(plan, D(2026, 3, 1), D(2026, 3, 31), D(2026, 4, 10))
    put_report(plan, measure_by_code(plan, 1, 1), "区科委", period_name="2025年第四季度", percent=60)
    put_report(plan, measure_by_code(plan, 1, 2), "区委宣传部", period_name="2025年第四季度", percent=65)
    propaganda = make_user("xuanchuanbu", units=["区委宣传部"])
    for code, unit_name, user, completion, percent in [
        ((1, 1), "区科委", lead_staff, Report.Completion.MOSTLY, 90),
        ((1, 2), "区委宣传部", propaganda, Report.Completion.NOT_DONE, 75),
    ]:
        saved = evaluate(plan, code, unit_name, user, final, completion, percent)
        workflow.return_for_revision(saved, coordinator, saved.version, "请补充数据。")
    return final


def test_a_returned_final_evaluation_colours_every_output_alike(returned_evaluations, client_for, coordinator):
    client = client_for(coordinator)
    page = measures_page(client)
    sheet = status_sheet(client)
    sheet_lights = reading_lights(sheet)
    board = dashboard(client)

    # Judged by the last counted report (the quarter's): 60% and 70% against 序时进度 100%.
    assert page["1.(1)"][:2] == ("推进中", "red")
    assert sheet_lights["1.(1)"] == "red"
    assert page["1.(2)"][:2] == ("推进中", "red")
    assert sheet["reading"]["1.(2)"][0] == "推进中（红灯）"
    assert sheet_lights == {code: light for code, (_, light, _) in page.items()}
    assert sum(task["red"] for task in sheet["tasks"].values()) == board["lights"]["red"]
    assert sum(1 for _, light, _ in page.values() if light == "red") == board["lights"]["red"]
    red_filter = measures_page(client, light="red")
    assert set(red_filter) == {code for code, light in sheet_lights.items() if light == "red"}
    # 按单位 still carries the returned evaluation for the unit to correct, with the same light.
    assert sheet["fill_in"][("1.(1)", "区科委")] == "red"


def test_a_past_periods_numbers_add_up_and_name_who_never_sent(plan, clock, client_for, coordinator, lead_staff):
    """2024年第二季度 (due 2024-07-10), seen on 2024-09-01: one report on time, one late, one
    returned and never resubmitted; every other obligation never sent."""
    quarter = Period.objects.get(plan=plan, name="2024年第二季度")
    on_time = put_report(plan, measure_by_code(plan, 1, 1), "区科委", period_name=quarter.name, percent=40)
    late = put_report(plan, measure_by_code(plan, 2, 1), "区科委", period_name=quarter.name, percent=40)
    put_report(
        plan,
        measure_by_code(plan, 1, 2),
        "区委宣传部",
        period_name=quarter.name,
        percent=40,
        state=Report.State.RETURNED,
    )
    submitted_on(on_time, D(2024, 7, 9))
    submitted_on(late, D(2024, 7, 20))
    clock(D(2024, 9, 1))
    client = client_for(coordinator)

    text, _ = document_text(client.get("/export/bulletin.docx", {"period": quarter.pk}))

    owed = number_after(text, "本期应报送")
    assert number_after(text, "按时报送") == 1
    assert number_after(text, "截止日期后逾期报送") == 1
    never = number_after(text, "仍未报送")
    assert owed == 1 + 1 + never and never > 0
    assert "（其中被退回待修改1项）" in text
    assert "仍未报送本期进展的单位：" in text and "区委宣传部" in text.split("仍未报送本期进展的单位：")[1]
    assert "在截止日期后逾期报送的单位：区科委（1项）" in text
    # The period's own view agrees: the measure never reported is red there, as in its 台账.
    page = measures_page(client, quarter)
    sheet_lights = reading_lights(status_sheet(client, quarter))
    assert page["1.(3)"][1] == sheet_lights["1.(3)"] == "red"
    assert sheet_lights == {code: light for code, (_, light, _) in page.items()}


def test_the_current_period_names_nobody_before_its_due_date(plan, clock, client_for, coordinator):
    """2024-03-20, Q1 due 2024-04-10, nothing reported: last quarter's missing reports are red and
    named as last quarter's; this quarter's are not late yet."""
    clock(D(2024, 3, 20))
    client = client_for(coordinator)
    text, _ = document_text(client.get("/export/bulletin.docx"))
    board = dashboard(client)

    assert "截至2024年3月20日，本期应报送" in text and "本期截止日期为2024年4月10日" in text
    assert "按时报送率" not in text and "仍未报送本期进展" not in text
    assert "2023年第四季度（截止日期2024年1月10日）进展逾期至今仍未报送的单位：" in text
    assert "本期已报送" in board["reporting"] and "尚未报送" in board["reporting"]
    assert board["units"] == units_page(client)


def test_the_final_report_counts_add_up_with_obligations_done_early(plan, clock, lead_staff):
    """区科委 reported 1.(1) done in 2023's first quarter and nothing after: it owes no more
    quarterly reports, so it is neither owed nor missing in later quarters."""
    done = put_report(plan, measure_by_code(plan, 1, 1), "区科委", period_name="2023年第一季度", percent=100)
    submitted_on(done, D(2023, 4, 3))
    clock(D(2026, 3, 10))

    report = finalreport.collect(plan, D(2026, 3, 10))
    total = report.reporting.total
    kewei = next(u for u in report.reporting.units if u.unit.name == "区科委")

    assert total.owed == total.on_time + total.late + total.never_sent
    assert kewei.owed == 7 * 12 - 11  # 1.(1) owed only in the first quarter
    assert (kewei.on_time, kewei.never_sent) == (1, kewei.owed - 1)
    text = finalreport.reporting_sentence(report)
    assert (
        f"应报送{total.owed}项：按时报送{total.on_time}项，逾期报送{total.late}项，至今未报{total.never_sent}项" in text
    )

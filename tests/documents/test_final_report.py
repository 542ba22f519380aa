"""The 终期评估报告 (export_final_report and the coordinator's button): content from known data
read back with python-docx, numbers that agree with the dashboard, /units/ and
tasks/progress.py, the house layout, and a clean conversion by LibreOffice.

The clock stands at 2026-03-10, inside the final evaluation (2026-03-01 to 2026-03-31).
"""

import datetime
import io
import re
from decimal import Decimal

import docx
import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from security.models import AuditEvent
from tasks.documents import finalreport
from tasks.documents import house as documents
from tasks.indicators import values as indicator_rules
from tasks.models import Indicator, Period, Report
from tasks.progress.rollup import PlanProgress
from tasks.reporting import workflow
from tests.conftest import make_user, measure_by_code
from tests.helpers import final_period, obligation

from ..tasks.plan_facts import TASK_TITLES
from .helpers import all_text, pdf_text, to_pdf, written

D = datetime.date
TODAY = D(2026, 3, 10)
Q4 = "2025年第四季度"  # due 2026-01-12


@pytest.fixture(autouse=True)
def today(clock):
    return clock(TODAY)


@pytest.fixture
def final(plan):
    return final_period(plan, D(2026, 3, 1), D(2026, 3, 31), D(2026, 4, 10))


def quarterly(plan, code, unit_name, user, submitted_on, **overrides):
    values = {
        "status": "in_progress",
        "percent": 80,
        "progress": f"{unit_name}四季度进展",
        "problems": "",
        "next_steps": "",
    }
    values.update(overrides)
    report = workflow.save_report(
        obligation(measure_by_code(plan, *code), unit_name),
        Period.objects.get(plan=plan, name=Q4),
        values,
        user,
        submit=True,
        version=0,
    )
    moment = timezone.make_aware(datetime.datetime.combine(submitted_on, datetime.time(15)))
    Report.objects.filter(pk=report.pk).update(submitted_at=moment)
    return Report.objects.get(pk=report.pk)


def evaluate(plan, code, unit_name, user, final, completion, percent, **texts):
    data = {
        "completion": completion,
        "status": Report.COMPLETION_STATUS[completion],
        "percent": percent,
        "progress": f"{code}的主要成效",
        "problems": "",
        "next_steps": "",
    }
    data.update(texts)
    return workflow.save_report(
        obligation(measure_by_code(plan, *code), unit_name), final, data, user, submit=True, version=0
    )


@pytest.fixture
def known(plan, final, lead_staff, coordinator):
    """2025Q4: 区科委 reports 1.(1) on time and 2.(1) late; 区商务委's 1.(3) is returned.
    Final evaluation: 1.(1) 已完成 and 2.(2) 未完成 approved, 2.(1) 基本完成 submitted.
    Indicators: 经营主体 1000 → 1500 户 (已达成), 营收 100 → 112 亿元 (进展中)."""
    shangwu = make_user("shangwu", units=["区商务委"])
    on_time = quarterly(plan, (1, 1), "区科委", lead_staff, D(2026, 1, 8), percent=100, status="done")
    workflow.approve(on_time, coordinator, on_time.version)
    quarterly(plan, (2, 1), "区科委", lead_staff, D(2026, 1, 20))
    returned = quarterly(plan, (1, 3), "区商务委", shangwu, D(2026, 1, 9))
    workflow.return_for_revision(returned, coordinator, returned.version, "请补充数据")

    done = evaluate(plan, (1, 1), "区科委", lead_staff, final, "done", 100, progress="建成众创空间三家。")
    workflow.approve_evaluation(done, coordinator, done.version, "按期完成，成效明显。")
    evaluate(
        plan,
        (2, 1),
        "区科委",
        lead_staff,
        final,
        "mostly",
        90,
        problems="第三个平台选址未定。",
        next_steps="2026年6月底前完成选址。",
    )
    missed = evaluate(
        plan, (2, 2), "区科委", lead_staff, final, "not_done", 50, problems="企业申报不足。", next_steps="继续辅导。"
    )
    workflow.approve_evaluation(missed, coordinator, missed.version, "请明确完成时限。")

    market = make_user("shichang", units=["区市场监管局"])
    for number, values in ((3, {2020: 1000, 2025: 1500}), (4, {2022: 100, 2023: 112})):
        indicator = Indicator.objects.get(plan=plan, number=number)
        for year, value in values.items():
            row = indicator_rules.save_value(
                indicator,
                year,
                {"value": Decimal(value), "source": "区统计局", "note": ""},
                market,
                submit=True,
                version=0,
            )
            indicator_rules.approve(row, coordinator, row.version)
    return final


@pytest.fixture
def drafted(plan, known):
    report = finalreport.collect(plan, TODAY)
    return report, written(finalreport.write, report)


def paragraph(document, start):
    return next(p.text for p in document.paragraphs if p.text.startswith(start))


# --- content ----------------------------------------------------------------------------------------


def test_title_names_the_plan(drafted):
    _, document = drafted
    assert document.paragraphs[0].text.split("\n") == [
        "《嘉定区数字广告业高质量发展行动方案",
        "（2023—2025年）》终期评估报告",
    ]
    assert document.paragraphs[0].style.name == "公文标题"
    assert document.paragraphs[1].text == "（截至2026年3月10日 · 征求意见稿）"


def test_every_task_is_reported_under_its_title_with_every_measure(plan, drafted):
    _, document = drafted
    text = all_text(document)
    numbers = "一二三四五六七八九十"
    for number, title in TASK_TITLES.items():
        label = numbers[number - 1] if number <= 10 else "十一"
        assert f"（{label}）{title}。本任务" in text
    appendix = document.tables[-1]
    codes = {row.cells[0].text.split(" ")[0] for row in appendix.rows[1:]}
    assert len(codes) == 42


def test_each_task_counts_its_measures_quotes_results_and_says_what_is_unfinished_and_why(drafted):
    _, document = drafted
    task_1 = paragraph(document, "（一）发展数字广告新型业态。")
    assert task_1.startswith("（一）发展数字广告新型业态。本任务5条措施中，已完成1条、未评估4条，")
    assert "建成众创空间三家（区科委）。" in task_1
    assert "尚未完成终期评估的有措施（2）（区委宣传部牵头）、措施（3）（区商务委牵头）、" in task_1
    task_2 = paragraph(document, "（二）加强数字广告技术应用与数据支撑。")
    assert "措施（1）（区科委牵头）基本完成，完成90.0%，未完成原因是第三个平台选址未定。" in task_2
    assert "措施（2）（区科委牵头）未完成，完成50.0%，未完成原因是企业申报不足。" in task_2
    several_leads = paragraph(document, "（五）")
    assert "措施（2）由江桥镇、南翔镇、安亭镇、北虹办牵头，4个牵头单位均尚未提交评估。" in several_leads


def test_appendix_gives_each_leads_evaluation_whole(drafted):
    _, document = drafted
    rows = {row.cells[0].text.split(" ")[0]: [c.text for c in row.cells] for row in document.tables[-1].rows[1:]}
    assert rows["1.(1)"][1:] == ["区科委\n已完成\n100.0%\n已审核", "建成众创空间三家。", "—", "按期完成，成效明显。"]
    assert rows["2.(1)"][1:] == ["区科委\n基本完成\n90.0%\n待审核", "(2, 1)的主要成效", "第三个平台选址未定。", "—"]
    assert rows["1.(3)"][1] == "区商务委\n未评估"


def test_overview_counts_agree_with_the_dashboard(plan, drafted, client_for, coordinator):
    _, document = drafted
    summary = client_for(coordinator).get("/").context["evaluation"]
    overview = paragraph(document, "终期评估自2026年3月1日开始")

    assert (summary.evaluated, summary.approved, summary.not_evaluated) == (3, 2, 39)
    assert (
        f"{summary.measures}条具体措施中已有{summary.evaluated}条完成终期评估（其中{summary.approved}条经协调人审核通过），"
        "已完成1条、基本完成1条、未完成1条；尚有39条未完成评估。" in overview
    )
    table = document.tables[0]
    assert [[c.text for c in row.cells] for row in table.rows] == [
        ["完成情况", "措施数", "占比"],
        ["已完成", "1", "2.4%"],
        ["基本完成", "1", "2.4%"],
        ["未完成", "1", "2.4%"],
        ["未评估", "39", "92.9%"],
    ]


def test_every_indicator_is_listed_with_baseline_target_actual_and_status(plan, drafted):
    _, document = drafted
    table = document.tables[1]
    rows = [[c.text for c in row.cells] for row in table.rows]
    expected = {e.indicator.name: e for e in indicator_rules.evaluations(plan)}

    assert rows[0] == ["指标", "基期", "目标", "实际值", "评估"]
    assert len(rows) == 1 + len(expected) == 5
    for row, (name, evaluation) in zip(rows[1:], expected.items(), strict=True):
        assert row[0].endswith(name)
        assert row[2].replace("%", "").replace(".0", "") == evaluation.target_text.replace(" ", "").replace("%", "")
        assert row[4] == str(evaluation.status_label)
    assert rows[3][1:] == ["2020年1000户", "2025年较2020年增长40.0%，即1400户", "2025年1500户", "已达成"]
    assert rows[4][4] == "进展中"
    assert "实际：2023年112亿元（增长12.0%）" in all_text(document)


def test_on_time_rates_are_those_of_the_units_page_and_of_every_period_summed(plan, drafted, client_for, coordinator):
    report, document = drafted
    page = client_for(coordinator).get("/units/").context["over_plan"]
    table = next(t for t in document.tables if t.rows[0].cells[0].text == "单位")
    rows = {row.cells[0].text: [c.text for c in row.cells[1:]] for row in table.rows[1:]}

    for unit in page.units:
        assert rows[unit.unit.name] == [
            str(unit.owed),
            str(unit.on_time),
            str(unit.late),
            str(unit.never_sent),
            f"{unit.on_time_rate:.1f}%",
        ]
        assert unit.owed == unit.on_time + unit.late + unit.never_sent
    total = page.total
    assert rows["合计"] == [
        str(total.owed),
        str(total.on_time),
        str(total.late),
        str(total.never_sent),
        f"{total.on_time_rate:.1f}%",
    ]
    assert rows["区科委"][:4] == ["84", "1", "1", "82"]  # 7 obligations × 12 quarters; one on time, one late
    # The same rule as each period's own rate (PlanProgress.reporting), summed.
    summed = [PlanProgress(plan, p, today=TODAY).reporting() for p in report.reporting.periods]
    assert len(summed) == 12
    for name in ("owed", "on_time", "late", "never_sent", "returned"):
        assert getattr(total, name) == sum(getattr(s, name) for s in summed), name
    assert (total.submitted, total.on_time, total.returned) == (2, 1, 1)


def test_open_problems_and_follow_up_come_from_the_evaluations(drafted):
    _, document = drafted
    text = all_text(document)
    assert "指标“广告年营收”未达成" not in text  # 进展中
    assert (
        "2条措施基本完成或未完成，牵头单位说明的原因主要是：第三个平台选址未定（措施2.(1)）；企业申报不足（措施2.(2)）。"
        in text
    )
    not_evaluated = paragraph(document, "尚有39条措施未完成终期评估：")
    assert not_evaluated.startswith("尚有39条措施未完成终期评估：1.(2)、1.(3)、")
    follow_up = paragraph(document, "（二）加强数字广告技术应用与数据支撑。2026年")
    assert follow_up.endswith("。2026年6月底前完成选址（区科委）；继续辅导（区科委）。")


def test_appendix_has_a_row_for_each_lead_of_every_measure(plan, drafted):
    report, document = drafted
    table = document.tables[-1]
    rows = [[c.text for c in row.cells] for row in table.rows]
    assert rows[0] == ["措施", "牵头单位及完成情况", "主要成效", "未完成原因", "评估意见"]
    leads = [s for state in report.progress.states.values() for s in state.leads]
    assert len(rows) == 1 + len(leads)
    assert rows[1][0].startswith("1.(1) 鼓励有条件的创新创业载体")
    towns = [r for r in rows if r[0].startswith("6.(1)")]
    assert len(towns) == 12  # 各街镇: a row per town, the measure's cell merged down
    assert [r[1].split("\n")[0] for r in towns][:2] == ["新成路街道", "真新街道"]


def test_before_any_final_evaluation_every_measure_says_so(plan, lead_staff):
    document = written(finalreport.write, finalreport.collect(plan, TODAY))
    text = all_text(document)

    assert "终期评估尚未开展" in text
    appendix = document.tables[-1].rows[1:]
    assert all(row.cells[1].text.split("\n")[1] == "未评估" for row in appendix)
    assert "尚未完成终期评估的有" not in text  # nothing has started: no one to chase
    assert document.tables[0].rows[-1].cells[1].text == "42"


def test_collecting_takes_a_fixed_number_of_queries(plan, known, lead_staff, django_assert_max_num_queries):
    with django_assert_max_num_queries(12):
        finalreport.collect(plan, TODAY)
    quarterly(plan, (3, 1), "江桥镇", make_user("jq", units=["江桥镇"]), D(2026, 1, 5))
    with django_assert_max_num_queries(12):
        finalreport.collect(plan, TODAY)


# --- house layout --------------------------------------------------------------------------------


def test_house_layout_a4_named_fonts_page_numbers_and_repeated_headers(drafted):
    _, document = drafted
    section = document.sections[0]
    assert (round(section.page_width.mm), round(section.page_height.mm)) == (210, 297)
    styles = document.styles
    east_asian = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}eastAsia"
    assert styles["公文标题"].element.rPr.rFonts.get(east_asian) == "方正小标宋简体"
    assert styles["Normal"].element.rPr.rFonts.get(east_asian) == "仿宋_GB2312"
    assert styles["Normal"].font.size.pt == 16 and styles["表格文字"].font.size.pt == 14
    assert "PAGE" in section.footer._element.xml
    assert len(document.tables) == 4
    for table in document.tables:
        assert "<w:tblHeader" in table.rows[0]._tr.xml


# --- the command and the button --------------------------------------------------------------------


def test_command_writes_the_report_and_audits_it(plan, known, tmp_path):
    path = tmp_path / "终期评估报告.docx"
    out = io.StringIO()

    call_command("export_final_report", str(path), stdout=out)

    assert docx.Document(path).paragraphs[0].text.endswith("终期评估报告")
    assert "已评估 3/42 条措施" in out.getvalue()
    event = AuditEvent.objects.get(kind=AuditEvent.Kind.FINAL_REPORT_EXPORTED)
    assert event.username == "命令行" and "终期评估报告" in event.detail


def test_command_refuses_an_unknown_plan(plan, tmp_path):
    with pytest.raises(CommandError, match="找不到文号为“嘉府发〔2030〕1号”的行动方案"):
        call_command("export_final_report", str(tmp_path / "x.docx"), plan="嘉府发〔2030〕1号")
    assert not (tmp_path / "x.docx").exists()


def test_coordinator_downloads_the_report_from_the_dashboard(client_for, plan, known, coordinator):
    client = client_for(coordinator)
    assert "/export/final-report.docx" in client.get("/").content.decode()

    response = client.get("/export/final-report.docx")

    assert response.status_code == 200
    assert response["Content-Type"] == documents.CONTENT_TYPE
    assert "filename*=UTF-8''%E7%BB%88%E6%9C%9F" in response["Content-Disposition"]
    text = all_text(docx.Document(io.BytesIO(response.content)))
    assert "已有3条完成终期评估" in text
    assert AuditEvent.objects.get(kind=AuditEvent.Kind.FINAL_REPORT_EXPORTED).username == "coordinator"


@pytest.mark.parametrize("who", ["viewer", "lead_staff", "co_organizer", "outsider", "auditor"])
def test_others_get_403(client_for, request, known, who):
    assert client_for(request.getfixturevalue(who)).get("/export/final-report.docx").status_code == 403
    assert not AuditEvent.objects.filter(kind=AuditEvent.Kind.FINAL_REPORT_EXPORTED).exists()


def test_anonymous_goes_to_login(client, plan):
    response = client.get("/export/final-report.docx")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def test_button_shows_to_the_coordinator_once_the_plan_has_ended(client_for, plan, coordinator, viewer, clock):
    assert "生成终期评估报告" not in client_for(viewer).get("/").content.decode()
    assert "生成终期评估报告" in client_for(coordinator).get("/").content.decode()
    clock(D(2025, 12, 20))
    assert "生成终期评估报告" not in client_for(coordinator).get("/").content.decode()


# --- LibreOffice ------------------------------------------------------------------------------------


def test_libreoffice_converts_the_report_to_pdf_without_errors(drafted, tmp_path):
    _, document = drafted
    source = tmp_path / "终期评估报告.docx"
    document.save(source)

    pdf = to_pdf(source, tmp_path)

    text = pdf_text(pdf)
    if text is not None:
        flat = text.replace("\n", "")
        assert "终期评估报告" in flat and "各措施完成情况表" in flat
        assert re.search(r"—\s*2\s*—", text)

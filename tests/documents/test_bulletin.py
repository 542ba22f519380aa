"""The quarterly 通报 (export_bulletin and the coordinator's button): content from known data,
numbers that agree with tasks/progress.py and the dashboard, the house layout, and a clean
conversion by LibreOffice."""

import datetime
import io
import re

import docx
import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from security.models import AuditEvent
from tasks import obligations
from tasks.documents import bulletin
from tasks.documents import house as documents
from tasks.models import Period, Report
from tasks.progress.rollup import Light, PlanProgress
from tasks.reporting import workflow
from tests.conftest import measure_by_code

from ..tasks.plan_facts import TASK_TITLES
from .helpers import all_text, pdf_text, to_pdf, written

D = datetime.date
Q1 = "2024年第一季度"  # due 2024-04-10
AFTER_DUE = D(2024, 4, 12)


def owed(plan, code, unit_name):
    task, number = code
    found = [o for o in obligations.for_measure(measure_by_code(plan, task, number)) if o.unit.name == unit_name]
    return found[0]


def report(plan, code, unit_name, user, *, period=Q1, percent=40, status="in_progress", submit=True, **text):
    fields = {
        "status": status,
        "percent": percent,
        "progress": f"{unit_name}推进情况",
        "problems": "",
        "next_steps": "",
    }
    fields.update(text)
    target = Period.objects.get(plan=plan, name=period)
    return workflow.save_report(owed(plan, code, unit_name), target, fields, user, submit=submit, version=0)


@pytest.fixture
def known_data(plan, lead_staff, coordinator):
    """Q1 2024: 区科委 reports 1.(1) on time and 2.(2) as 滞后; 区商务委's 1.(3) comes back returned."""
    on_time = report(plan, (1, 1), "区科委", lead_staff, percent=60, progress="建成众创空间两家。")
    workflow.approve(on_time, coordinator, on_time.version)
    report(
        plan,
        (2, 2),
        "区科委",
        lead_staff,
        percent=20,
        status="late",
        problems="企业申报积极性不高。",
        next_steps="四月底前开展专题辅导。",
    )
    returned = report(plan, (1, 3), "区商务委", lead_staff, percent=30)
    workflow.return_for_revision(returned, coordinator, returned.version, "请补充数据")
    due_evening = timezone.make_aware(datetime.datetime(2024, 4, 10, 20, 0))
    Report.objects.filter(period__name=Q1).update(submitted_at=due_evening)
    return Period.objects.get(plan=plan, name=Q1)


@pytest.fixture
def q1(plan, known_data):
    draft = bulletin.collect(plan, known_data, AFTER_DUE)
    return draft, written(bulletin.write, draft)


# --- content ------------------------------------------------------------------------------------


def test_title_names_the_plan_and_the_period_on_lines_broken_between_words(q1):
    _, document = q1
    assert document.paragraphs[0].text.split("\n") == [
        "关于《嘉定区数字广告业高质量发展",
        "行动方案（2023—2025年）》",
        "2024年第一季度推进情况的通报",
    ]
    assert document.paragraphs[0].style.name == "公文标题"


def test_every_task_has_a_paragraph_under_its_title(q1):
    _, document = q1
    text = all_text(document)
    numbers = "一二三四五六七八九十"
    for number, title in TASK_TITLES.items():
        label = numbers[number - 1] if number <= 10 else "十一"
        assert f"（{label}）{title}。本任务" in text


def test_task_paragraph_counts_its_measures_and_quotes_its_leads_reports(q1):
    _, document = q1
    task_1 = next(p.text for p in document.paragraphs if p.text.startswith("（一）发展数字广告新型业态。"))
    assert "本任务5条措施中，推进中1条、未填报4条，平均完成进度12.0%。" in task_1
    assert "建成众创空间两家（区科委）。" in task_1  # the lead's own sentence, with its unit
    # The returned report of 1.(3) is not shown: like the others, its lead has not reported.
    assert "尚未报送进展的有措施（2）（区委宣传部牵头）、措施（3）（区商务委牵头）、" in task_1
    task_2 = next(p.text for p in document.paragraphs if p.text.startswith("（二）"))
    assert "措施（2）（区科委牵头）进展滞后，完成20.0%，主要原因是企业申报积极性不高。" in task_2


def test_overview_counts_are_those_of_progress(plan, q1):
    draft, document = q1
    progress = PlanProgress(plan, draft.period, today=AFTER_DUE)
    counts = progress.counts()
    reporting = progress.reporting()
    overview = document.tables[0]
    rows = [[c.text for c in row.cells] for row in overview.rows[1:]]
    assert {r[1]: int(r[2]) for r in rows if r[0] == "按状态"} == counts["statuses"]
    assert {r[1]: int(r[2]) for r in rows if r[0] == "按预警灯"} == {
        str(k.label): v for k, v in counts["lights"].items()
    }
    text = all_text(document)
    assert f"平均完成进度{progress.plan_percent:.1f}%" in text
    assert f"红灯{counts['lights'][Light.RED]}条" in text
    assert (
        f"本期应报送{reporting.owed}项，截至截止日期（2024年4月10日）按时报送{reporting.on_time}项，"
        f"按时报送率{reporting.on_time_rate:.1f}%；截止日期后逾期报送0项，截至2024年4月12日仍未报送"
        f"{reporting.never_sent}项（其中被退回待修改1项）。"
    ) in text
    assert reporting.submitted == 2 and reporting.on_time == 2 and reporting.returned == 1
    assert reporting.owed == reporting.on_time + reporting.late + reporting.never_sent


def test_red_and_yellow_lists_hold_exactly_the_red_and_yellow_measures(plan, q1):
    draft, document = q1
    states = PlanProgress(plan, draft.period, today=AFTER_DUE).states.values()
    red = [s.measure.code for s in states if s.light == Light.RED]
    tables = [t for t in document.tables if t.rows[0].cells[1].text == "措施"]
    listed = [row.cells[1].text.split(" ")[0] for row in tables[0].rows[1:]]
    assert listed == red
    late = next(row for row in tables[0].rows[1:] if row.cells[1].text.startswith("2.(2)"))
    assert late.cells[4].text == "企业申报积极性不高。"
    assert late.cells[3].text == "滞后\n20.0%"
    task_2 = next(p.text for p in document.paragraphs if p.text.startswith("（二）") and "专题辅导" in p.text)
    assert task_2.endswith("。四月底前开展专题辅导（区科委）。")


def test_late_and_returned_units_are_named_with_their_overdue_counts(plan, q1):
    draft, document = q1
    text = all_text(document)
    named = text.split("截至2024年4月12日仍未报送本期进展的单位：")[1].split("。")[0]
    summaries = PlanProgress(plan, draft.period, today=AFTER_DUE).unit_summaries()
    overdue = {s.unit.name: s.overdue for s in summaries if s.overdue}
    for name, n in overdue.items():
        assert f"{name}（{n}项）" in named
    assert named.count("项）") == len(overdue)
    assert overdue["区科委"] >= 1  # its co-organizer duties; its two reports are in
    assert "报送内容被退回、尚待修改的单位：区商务委（1项）" in text


def test_next_steps_name_the_next_period_and_its_due_date(q1):
    _, document = q1
    assert "2024年第二季度进展请于2024年7月10日前报送" in all_text(document)


# --- house layout -------------------------------------------------------------------------------


def east_asian_font(style):
    return style.element.rPr.rFonts.get("{http://schemas.openxmlformats.org/wordprocessingml/2006/main}eastAsia")


def test_a4_portrait_with_government_document_margins(q1):
    _, document = q1
    section = document.sections[0]
    assert (round(section.page_width.mm), round(section.page_height.mm)) == (210, 297)
    assert (round(section.top_margin.mm), round(section.left_margin.mm)) == (37, 28)


def test_fonts_are_named_for_east_asian_text_at_sanhao_and_sihao(q1):
    _, document = q1
    styles = document.styles
    assert (east_asian_font(styles["公文标题"]), styles["公文标题"].font.size.pt) == ("方正小标宋简体", 22)
    assert (east_asian_font(styles["一级标题"]), styles["一级标题"].font.size.pt) == ("黑体", 16)
    assert (east_asian_font(styles["Normal"]), styles["Normal"].font.size.pt) == ("仿宋_GB2312", 16)
    assert (east_asian_font(styles["表格文字"]), styles["表格文字"].font.size.pt) == ("仿宋_GB2312", 14)
    assert styles["Normal"].font.name == "Times New Roman"


def test_font_table_gives_each_chinese_font_a_fallback(q1):
    _, document = q1
    part = next(p for p in document.part.package.iter_parts() if str(p.partname) == "/word/fontTable.xml")
    xml = part.blob.decode("utf-8")
    for name, fallback, *_ in documents.FONTS:
        assert f'w:name="{name}"><w:altName w:val="{fallback}"/>' in xml


def test_footer_numbers_the_pages(q1):
    _, document = q1
    footer = document.sections[0].footer._element.xml
    assert "PAGE" in footer and 'w:fldCharType="begin"' in footer
    assert document.sections[0].footer.paragraphs[0].text.startswith("— ")


def test_every_table_repeats_its_header_row(q1):
    _, document = q1
    assert len(document.tables) >= 3
    for table in document.tables:
        assert "<w:tblHeader" in table.rows[0]._tr.xml
        assert "<w:tblHeader" not in table.rows[-1]._tr.xml or len(table.rows) == 1


# --- the command --------------------------------------------------------------------------------


def test_command_writes_the_named_period(plan, known_data, tmp_path):
    path = tmp_path / "通报.docx"
    out = io.StringIO()
    call_command("export_bulletin", str(path), period=Q1, stdout=out)
    document = docx.Document(path)
    assert "2024年第一季度推进情况的通报" in document.paragraphs[0].text
    assert "截至 2024-04-10" in out.getvalue()  # a past period speaks as of its due date
    assert AuditEvent.objects.filter(kind=AuditEvent.Kind.BULLETIN_EXPORTED).exists()


def test_command_refuses_an_unknown_period_and_lists_the_choices(plan, tmp_path):
    with pytest.raises(CommandError, match="找不到填报周期“2030年第一季度”。可选：2023年第一季度"):
        call_command("export_bulletin", str(tmp_path / "x.docx"), period="2030年第一季度")
    assert not (tmp_path / "x.docx").exists()


# --- the button -----------------------------------------------------------------------------------


def test_coordinator_downloads_the_current_periods_bulletin_agreeing_with_the_dashboard(
    client_for, plan, lead_staff, coordinator
):
    report(plan, (1, 1), "区科委", lead_staff, period="2025年第四季度", percent=80)
    client = client_for(coordinator)
    dashboard = client.get("/dashboard/")
    response = client.get("/export/bulletin.docx")

    assert response.status_code == 200
    assert response["Content-Type"] == documents.CONTENT_TYPE
    assert "filename*=UTF-8''" in response["Content-Disposition"]
    text = all_text(docx.Document(io.BytesIO(response.content)))
    context = dashboard.context
    assert f"平均完成进度{context['plan_percent']:.1f}%" in text
    assert f"序时进度{context['expected']:.1f}%" in text
    lights = {light: n for light, n, _ in context["lights"]}
    assert f"红灯{lights[Light.RED]}条、黄灯{lights[Light.YELLOW]}条、绿灯{lights[Light.GREEN]}条" in text
    assert f"{context['period'].name}推进情况的通报" in text
    assert context["period"].name == "2025年第四季度"
    # Before the due date: how many are in so far and when they are due; nothing late, nobody named.
    reporting = context["reporting"]
    assert f"截至2025年12月20日，本期应报送{reporting.owed}项，已报送{reporting.submitted}项" in text
    assert "本期截止日期为2026年1月12日" in text
    assert "按时报送率" not in text
    assert "仍未报送本期" not in text and "逾期报送" not in text
    assert "本期截止日期为2026年1月12日，尚未到期，不对本期未报送的单位点名。" in text
    page = dashboard.content.decode()
    assert f"{reporting.submitted}/{reporting.owed}" in page and "本期按时报送率" not in page


def test_dashboard_offers_the_button_to_the_coordinator_only(client_for, coordinator, viewer, lead_staff):
    assert "/export/bulletin.docx" in client_for(coordinator).get("/dashboard/").content.decode()
    assert "/export/bulletin.docx" in client_for(coordinator).get("/").content.decode()  # their home
    for other in [viewer, lead_staff]:
        assert "/export/bulletin.docx" not in client_for(other).get("/dashboard/").content.decode()


@pytest.mark.parametrize("who", ["viewer", "lead_staff"])
def test_others_get_403(client_for, request, who):
    assert client_for(request.getfixturevalue(who)).get("/export/bulletin.docx").status_code == 403


def test_auditor_gets_403_and_anonymous_goes_to_login(client, client_for, auditor):
    assert client.get("/export/bulletin.docx").status_code == 302
    assert client_for(auditor).get("/export/bulletin.docx").status_code == 403


# --- LibreOffice ----------------------------------------------------------------------------------


def test_libreoffice_converts_the_bulletin_to_pdf_without_errors(q1, tmp_path):
    _, document = q1
    source = tmp_path / "通报.docx"
    document.save(source)

    pdf = to_pdf(source, tmp_path)

    content = pdf.read_bytes()
    assert content.count(b"/Type /Page\n") + content.count(b"/Type/Page") >= 3 or len(content) > 20000
    text = pdf_text(pdf)
    if text is not None:
        assert "推进情况的通报" in text.replace("\n", "")
        assert re.search(r"—\s*2\s*—", text)

"""Round trips: the 台账's columns A–D and a plan exported as its own task table
(`export_plan`) load back into an identical plan, also after LibreOffice
re-saved them; the exported table is laid out for printing."""

import datetime
import io
import re

import docx
import openpyxl
import pytest
from django.core.management import call_command
from docx.oxml.ns import qn

from tasks.documents import statussheet
from tasks.models import Period
from tasks.plans import planexport

from .conftest import load, resave, signature


def export_status(plan, path):
    period = Period.objects.filter(plan=plan).order_by("start_date").first()
    statussheet.write_status_sheet(
        statussheet.SheetScope(plan=plan, period=period, today=datetime.date(2023, 3, 1)), path
    )
    return path


def export_table(plan, path):
    call_command("export_plan", str(path), "--plan", plan.doc_number, stdout=io.StringIO())
    return path


def test_the_status_sheet_columns_a_to_d_load_into_an_identical_plan(plan, tmp_path):
    new, _ = load(export_status(plan, tmp_path / "台账.xlsx"))
    assert signature(new) == signature(plan)


def test_the_status_sheet_is_found_by_its_header_not_its_position(plan, tmp_path):
    path = export_status(plan, tmp_path / "台账.xlsx")
    workbook = openpyxl.load_workbook(path)
    workbook.move_sheet("台账", offset=2)  # 按单位 and 汇总 now come first
    workbook.save(path)
    new, _ = load(path)
    assert signature(new) == signature(plan)


@pytest.mark.parametrize("fmt", ["docx", "xlsx"])
def test_an_exported_table_loads_into_an_identical_plan(plan, tmp_path, fmt):
    new, _ = load(export_table(plan, tmp_path / f"任务分工.{fmt}"))
    assert signature(new) == signature(plan)
    assert new.lead_note == plan.lead_note


@pytest.mark.parametrize("fmt", ["docx", "xlsx"])
def test_an_exported_table_re_saved_by_libreoffice_loads_into_an_identical_plan(plan, tmp_path, fmt):
    new, _ = load(resave(export_table(plan, tmp_path / f"任务分工.{fmt}"), fmt, tmp_path))
    assert signature(new) == signature(plan)


def test_the_status_sheet_re_saved_by_libreoffice_loads_into_an_identical_plan(plan, tmp_path):
    new, _ = load(resave(export_status(plan, tmp_path / "台账.xlsx"), "xlsx", tmp_path))
    assert signature(new) == signature(plan)


def test_leads_the_note_would_not_give_are_marked_in_the_export(plan, tmp_path):
    measure = plan.tasks.get(number=1).measures.get(number=3)
    measure.assignments.filter(position=1).update(role="support")
    measure.assignments.filter(position=3).update(role="lead")
    rows = planexport.table_rows(plan)
    assert rows[2][1].startswith("(3) 加快") and rows[2][2] == "区商务委、区文化旅游局、区科委（牵头）、区委宣传部"
    assert rows[0][2] == "区科委"
    assert rows[17][1].startswith("(2) 相关街镇")  # 5.(2): four leads, as the note says
    assert "牵头" not in rows[17][2]
    new, _ = load(export_table(plan, tmp_path / "任务分工.docx"))
    assert signature(new) == signature(plan)


# Laid out for printing


def test_word_export_is_a4_with_the_header_row_repeated_and_named_cjk_fonts(plan, tmp_path):
    document = docx.Document(export_table(plan, tmp_path / "任务分工.docx"))
    section = document.sections[0]
    assert (round(section.page_width.cm, 1), round(section.page_height.cm, 1)) == (21.0, 29.7)
    (table,) = document.tables
    header = table.rows[0]
    assert [c.text for c in header.cells] == ["工作任务", "具体措施", "责任单位"]
    assert header._tr.trPr.find(qn("w:tblHeader")) is not None
    fonts = {r.get(qn("w:eastAsia")) for r in document.element.body.iter(qn("w:rFonts"))}
    assert fonts == {"宋体", "黑体"}
    assert document.paragraphs[1].text == f"《{plan.title}》任务分工"
    assert document.paragraphs[-1].text == f"备注：{plan.lead_note}"
    assert len(table.rows) == 43


def test_excel_export_prints_on_a4_with_the_header_repeated(plan, tmp_path):
    workbook = openpyxl.load_workbook(export_table(plan, tmp_path / "任务分工.xlsx"))
    sheet = workbook["任务分工"]
    assert int(sheet.page_setup.paperSize) == 9  # A4
    assert sheet.print_title_rows == "$3:$3"
    assert sheet.page_setup.fitToWidth == 1
    assert [sheet.cell(3, c).value for c in (1, 2, 3)] == ["工作任务", "具体措施", "责任单位"]
    assert sheet["A3"].font.name == "黑体" and sheet["B4"].font.name == "宋体"
    assert sheet["A4"].value == "1. 发展数字广告新型业态"
    assert "A4:A8" in {str(r) for r in sheet.merged_cells.ranges}
    assert sheet["B4"].alignment.wrap_text


@pytest.mark.parametrize("fmt", ["docx", "xlsx"])
def test_the_export_converts_to_a_multi_page_a4_pdf(plan, tmp_path, fmt):
    pdf = resave(export_table(plan, tmp_path / f"任务分工.{fmt}"), "pdf", tmp_path).read_bytes()
    pages = re.findall(rb"/Type\s*/Page[^s]", pdf)
    assert 2 <= len(pages) <= 12
    boxes = {tuple(round(float(v)) for v in box.split()) for box in re.findall(rb"/MediaBox\s*\[([^\]]+)\]", pdf)}
    assert boxes == {(0, 0, 595, 842)}  # A4 portrait, in points


def test_export_plan_refuses_other_formats_and_unknown_plans(plan, tmp_path):
    from django.core.management import CommandError

    with pytest.raises(CommandError, match=".docx 或 .xlsx"):
        call_command("export_plan", str(tmp_path / "x.pdf"))
    with pytest.raises(CommandError, match="找不到文号"):
        call_command("export_plan", str(tmp_path / "x.docx"), "--plan", "不存在〔2000〕1号")

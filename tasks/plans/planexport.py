"""A plan written as its own task table (任务分工), in the notice's layout, for printing.

"附件", the title, then 工作任务 | 具体措施 | 责任单位 with each task merged down
its measures, "(n) text", the units joined with 、 in the document's order, and
the 备注 below. Leads follow the 备注; a measure whose leads the 备注 would
not give carries （牵头） markers, so `load_plan` reads the file back into the
same plan. Word and Excel both print on A4 with the header row repeated on
every page and named CJK fonts (宋体 for text, 黑体 for headings).
"""

import math

import docx
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_CELL_VERTICAL_ALIGNMENT, WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt
from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side

from jiading_ads.text import clean_text
from tasks.models import Measure
from tasks.plans.planfile import leads_by_rule
from tasks.plans.tableread import HEADER_LABELS, parse_note

BODY_FONT, HEADING_FONT = "宋体", "黑体"
WORD_WIDTHS = (Cm(3.4), Cm(9.6), Cm(4.0))  # 17 cm: A4 less 2 cm margins
EXCEL_WIDTHS = (14, 50, 20)  # fits A4 portrait at about 100 %
MARKER = "（牵头）"


def table_rows(plan):
    """[(task heading or "" below the first, "(n) text", units cell)] in document order.
    Two queries."""
    rule = parse_note(plan.lead_note) if plan.lead_note else None
    measures = Measure.objects.filter(task__plan=plan).select_related("task").with_assignments().in_document_order()
    rows, current = [], None
    for measure in measures:
        assignments = measure.ordered_assignments()
        names = [a.printed_name for a in assignments]
        leads = [a.printed_name for a in assignments if a.is_lead]
        if leads != _ruled_leads(rule, measure, assignments):
            names = [a.printed_name + MARKER if a.is_lead else a.printed_name for a in assignments]
        task_heading = measure.task.heading if measure.task_id != current else ""
        # Stored text from before control characters were removed on entry must not break the file.
        rows.append(tuple(clean_text(text) for text in (task_heading, measure.numbered_text, "、".join(names))))
        current = measure.task_id
    return rows


def _ruled_leads(rule, measure, assignments):
    """The leads a reader of the 备注 takes (tasks.plantable's rule)."""
    kind = rule.exceptions.get((measure.task.number, measure.number), "") if rule else ""
    kinds = {a.printed_name: a.unit.kind for a in assignments}
    names = [a.printed_name for a in assignments]
    return leads_by_rule(kind, names, kinds.get) or names[:1]


def title(plan):
    return clean_text(f"《{plan.title}》任务分工")


def note(plan):
    return clean_text(f"备注：{plan.lead_note}") if plan.lead_note else ""


# --- Word --------------------------------------------------------------------


def _fonts(run_or_style, name, size=None, bold=None):
    font = run_or_style.font
    font.name = name
    if size:
        font.size = Pt(size)
    if bold is not None:
        font.bold = bold
    # Word picks the East Asian font from w:eastAsia, not from the font name.
    properties = run_or_style.element.get_or_add_rPr()
    properties.get_or_add_rFonts().set(qn("w:eastAsia"), name)


def _row_property(row, tag):
    element = OxmlElement(tag)
    element.set(qn("w:val"), "true")
    row._tr.get_or_add_trPr().append(element)


def _cell(cell, text, *, heading=False):
    cell.text = ""
    paragraph = cell.paragraphs[0]
    run = paragraph.add_run(text)
    _fonts(run, HEADING_FONT if heading else BODY_FONT, 11 if heading else 10.5, bold=heading or None)
    if heading:
        paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
        cell.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.CENTER


def write_docx(plan, target):
    document = docx.Document()
    _fonts(document.styles["Normal"], BODY_FONT, 10.5)
    section = document.sections[0]
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = Cm(21), Cm(29.7)
    section.left_margin = section.right_margin = Cm(2)
    section.top_margin = section.bottom_margin = Cm(2.2)

    _fonts(document.add_paragraph().add_run("附件"), HEADING_FONT, 14)
    heading = document.add_paragraph()
    heading.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _fonts(heading.add_run(title(plan)), HEADING_FONT, 16)

    table = document.add_table(rows=1, cols=3)
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False
    for cell, text in zip(table.rows[0].cells, HEADER_LABELS, strict=True):
        _cell(cell, text, heading=True)
    _row_property(table.rows[0], "w:tblHeader")  # repeated on every page
    task_cell = None
    for task_text, measure_text, units_text in table_rows(plan):
        row = table.add_row()
        _row_property(row, "w:cantSplit")
        cells = row.cells
        _cell(cells[1], measure_text)
        _cell(cells[2], units_text)
        if task_text:
            _cell(cells[0], task_text)
            task_cell = cells[0]
        elif task_cell is not None:
            task_cell = task_cell.merge(cells[0])
    # LibreOffice lays the table out by its grid columns, Word by the cells' widths.
    for column, width in zip(table.columns, WORD_WIDTHS, strict=True):
        column.width = width
    for row in table.rows:
        for cell, width in zip(row.cells, WORD_WIDTHS, strict=True):
            cell.width = width
    if note(plan):
        _fonts(document.add_paragraph().add_run(note(plan)), BODY_FONT, 10.5)
    document.save(target)


# --- Excel -------------------------------------------------------------------

_THIN = Side(style="thin", color="000000")
_BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
LINE_HEIGHT = 14  # points per line of 10.5-point text
TITLE_ROW, HEADER_ROW = 2, 3


def _lines(text, width):
    """Printed lines of `text` in a column `width` characters wide: a CJK
    character of 宋体 is about 1.7 widths of "0"."""
    usable = max(width - 1, 1)
    total = 0
    for line in (text or "").split("\n"):
        display = sum(1.7 if ord(ch) > 0x2E7F else 1 for ch in line)
        total += max(1, math.ceil(display / usable))
    return total


def write_xlsx(plan, target):
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "任务分工"
    body = Font(name=BODY_FONT, size=10.5)
    wrap = Alignment(wrap_text=True, vertical="top")
    for index, width in enumerate(EXCEL_WIDTHS):
        sheet.column_dimensions["ABC"[index]].width = width

    sheet["A1"] = "附件"
    sheet["A1"].font = Font(name=HEADING_FONT, size=14)
    sheet["A2"] = title(plan)
    sheet["A2"].font = Font(name=HEADING_FONT, size=16)
    sheet["A2"].alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
    sheet.merge_cells("A2:C2")
    sheet.row_dimensions[TITLE_ROW].height = 30
    for column, text in zip("ABC", HEADER_LABELS, strict=True):
        cell = sheet[f"{column}{HEADER_ROW}"]
        cell.value = text
        cell.font = Font(name=HEADING_FONT, size=11, bold=True)
        cell.fill = PatternFill("solid", fgColor="E7E6E6")
        cell.alignment = Alignment(horizontal="center", vertical="center")
        cell.border = _BORDER

    row_number, task_start = HEADER_ROW, None
    for task_text, measure_text, units_text in table_rows(plan):
        row_number += 1
        if task_text:
            if task_start is not None and row_number - 1 > task_start:
                sheet.merge_cells(start_row=task_start, start_column=1, end_row=row_number - 1, end_column=1)
            task_start = row_number
        for column, value in zip("ABC", (task_text or None, measure_text, units_text), strict=True):
            cell = sheet[f"{column}{row_number}"]
            cell.value = value
            cell.font, cell.alignment, cell.border = body, wrap, _BORDER
        lines = max(_lines(measure_text, EXCEL_WIDTHS[1]), _lines(units_text, EXCEL_WIDTHS[2]))
        sheet.row_dimensions[row_number].height = LINE_HEIGHT * lines + 4
    if task_start is not None and row_number > task_start:
        sheet.merge_cells(start_row=task_start, start_column=1, end_row=row_number, end_column=1)
    if note(plan):
        row_number += 2
        sheet.cell(row_number, 1, note(plan)).font = body
        sheet.cell(row_number, 1).alignment = wrap
        sheet.merge_cells(start_row=row_number, start_column=1, end_row=row_number, end_column=3)
        sheet.row_dimensions[row_number].height = LINE_HEIGHT * _lines(note(plan), sum(EXCEL_WIDTHS)) + 4

    sheet.print_title_rows = f"{HEADER_ROW}:{HEADER_ROW}"
    sheet.freeze_panes = f"A{HEADER_ROW + 1}"
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    sheet.page_setup.orientation = "portrait"
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    sheet.page_margins.left = sheet.page_margins.right = 0.6
    sheet.print_options.horizontalCentered = True
    workbook.save(target)


def write_plan_table(plan, target, fmt):
    """Write the plan's task table as "docx" or "xlsx" to a path or binary file."""
    (write_docx if fmt == "docx" else write_xlsx)(plan, target)

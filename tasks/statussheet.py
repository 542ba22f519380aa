"""The status sheet (台账): the attachment's table plus each measure's progress.

The first worksheet mirrors the attachment: 工作任务 | 具体措施 | 责任单位 |
牵头单位 from column A, one row per measure, the task cell merged down its
measures; the progress columns follow.
"""

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side

from .models import Measure, Plan

PLAN_HEADERS = ["工作任务", "具体措施", "责任单位", "牵头单位"]
PROGRESS_HEADERS = ["状态", "完成进度", "进展情况", "存在问题", "下一步计划", "填报单位", "填报时间"]
HEADERS = PLAN_HEADERS + PROGRESS_HEADERS
COLUMN_WIDTHS = [22, 60, 30, 16, 10, 10, 40, 30, 30, 16, 18]

_THIN = Side(style="thin", color="999999")
_BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_WRAP = Alignment(wrap_text=True, vertical="top")
_HEADER_FILL = PatternFill("solid", fgColor="DDE4EE")


def default_plan():
    """The plan to export when none is named: the most recent. One query."""
    return Plan.objects.order_by("-start_date", "-pk").first()


def plan_rows(plan):
    """Measures of a plan in document order, units prefetched. Three queries."""
    if plan is None:
        return []
    return list(
        Measure.objects.filter(task__plan=plan)
        .select_related("task")
        .with_assignments()
        .in_document_order()
    )


def safe_text(value):
    """Keep user text as text: Excel must never read it as a formula."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@"):
        return "'" + value
    return value


def build_workbook(plan):
    """The status sheet of `plan` (None: header only) as an openpyxl Workbook."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "台账"
    sheet.append(HEADERS)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
        cell.fill = _HEADER_FILL
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        cell.border = _BORDER
    for index, width in enumerate(COLUMN_WIDTHS, start=1):
        sheet.column_dimensions[sheet.cell(row=1, column=index).column_letter].width = width
    sheet.freeze_panes = "A2"

    task_start = None
    current_task = None
    row_number = 1
    for measure in plan_rows(plan):
        row_number += 1
        task_cell = measure.task.heading if measure.task_id != current_task else None
        if measure.task_id != current_task:
            _merge_task(sheet, task_start, row_number - 1)
            task_start, current_task = row_number, measure.task_id
        sheet.append(
            [task_cell, measure.numbered_text, measure.printed_units(), measure.printed_leads()]
            + [None] * len(PROGRESS_HEADERS)
        )
        for cell in sheet[row_number]:
            cell.alignment = _WRAP
            cell.border = _BORDER
    _merge_task(sheet, task_start, row_number)

    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    sheet.print_title_rows = "1:1"
    return workbook


def _merge_task(sheet, first_row, last_row):
    if first_row is not None and last_row > first_row:
        sheet.merge_cells(start_row=first_row, start_column=1, end_row=last_row, end_column=1)


def write_status_sheet(plan, target):
    """Write the status sheet to a path or a binary file object."""
    build_workbook(plan).save(target)

"""Task tables written for the tests as offices write them, with python-docx and openpyxl.

`bundled_rows` gives the bundled plan's attachment (任务分工) as table rows, with
the artefacts of the printed document put back: line-break spaces inside task
titles and after 、 in unit lists, a line break inside a unit cell, and the
half-width-bracket spelling of 大数据中心 (as 2.(1) prints it). Comparing the
plan loaded from these files with the plan loaded from the YAML fixture shows
that the reader removes them as the fixture does.
"""

import functools
from dataclasses import dataclass

import docx
import yaml
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm
from openpyxl import Workbook
from openpyxl.styles import Alignment

from tasks.plans.planfile import DEFAULT_PLAN_FILE

BUNDLED_NOTE = "备注：责任单位中排名第一的是牵头单位，其中 5. (2) 各街镇各自牵头。"
HEADER = ("工作任务", "具体措施", "责任单位")
# The notice prints the table on three pages, each with the header again:
# after the 3rd and the 6th task.
PAGE_BREAKS_AFTER_TASK = (3, 6)


@dataclass
class Row:
    task: str  # the 工作任务 cell; "" below the first measure of a task
    measure: str
    units: str
    note: str = ""  # a 备注 column cell


@functools.cache
def _bundled():
    return yaml.safe_load(DEFAULT_PLAN_FILE.read_text(encoding="utf-8"))


def bundled_tasks():
    return _bundled()["tasks"]


def _with_line_break_space(title):
    """ "发展数字广告新型业态" → "发展数字广告 新型业态", as the PDF broke it."""
    middle = len(title) // 2
    return f"{title[:middle]} {title[middle:]}"


def bundled_rows(artefacts=True):
    rows = []
    for task in bundled_tasks():
        for index, measure in enumerate(task["measures"]):
            units = measure["units"]
            if artefacts:
                joined = "、".join(u if i % 2 == 0 else f" {u}" for i, u in enumerate(units))
                if len(units) > 3:
                    joined = joined.replace("、 ", "、\n", 1)
            else:
                joined = "、".join(units)
            title = _with_line_break_space(task["title"]) if artefacts else task["title"]
            rows.append(
                Row(
                    task=f"{task['number']}. {title}" if index == 0 else "",
                    measure=f"({measure['number']}) {measure['text']}",
                    units=joined,
                )
            )
    return rows


def task_ordinals(rows):
    """Which task (1st, 2nd, …) each row belongs to, for splitting tables."""
    ordinals, current = [], 0
    for row in rows:
        current += bool(row.task)
        ordinals.append(current)
    return ordinals


def _repeat_header(row):
    properties = row._tr.get_or_add_trPr()
    element = OxmlElement("w:tblHeader")
    element.set(qn("w:val"), "true")
    properties.append(element)


def write_docx(
    path,
    rows,
    *,
    note=BUNDLED_NOTE,
    header=HEADER,
    split_after=PAGE_BREAKS_AFTER_TASK,
    merge_tasks=True,
    repeat_header_rows_within=False,
    title="《嘉定区数字广告业高质量发展行动方案 (2023—2025)》任务分工",
    order=(0, 1, 2),
    extra_columns=(),
):
    """A Word document: title, the table (split into one table per page, each
    with the header), task cells merged down, the note below."""
    document = docx.Document()
    section = document.sections[0]
    section.orientation = WD_ORIENT.PORTRAIT
    document.add_paragraph("附件")
    document.add_paragraph(title)
    numbers = task_ordinals(rows)
    chunks, current = [], []
    for index, row in enumerate(rows):
        if current and row.task and numbers[index - 1] in split_after:
            chunks.append(current)
            current = []
        current.append(row)
    chunks.append(current)
    columns = [header[i] for i in order] + [name for name, _ in extra_columns]
    for chunk in chunks:
        table = document.add_table(rows=1, cols=len(columns))
        table.style = "Table Grid"
        table.alignment = WD_TABLE_ALIGNMENT.CENTER
        for cell, text in zip(table.rows[0].cells, columns, strict=True):
            cell.text = text
        _repeat_header(table.rows[0])
        task_start = None
        for index, row in enumerate(chunk):
            if repeat_header_rows_within and index and index % 7 == 0:
                cells = table.add_row().cells
                for cell, text in zip(cells, columns, strict=True):
                    cell.text = text
                task_start = None  # a merge cannot span the header row
            cells = table.add_row().cells
            values = [row.task, row.measure, row.units]
            for position, source in enumerate(order):
                _set_text(cells[position], values[source])
            for offset, (_, getter) in enumerate(extra_columns):
                _set_text(cells[len(order) + offset], getter(row))
            task_column = order.index(0)
            if row.task:
                task_start = cells[task_column]
            elif merge_tasks and task_start is not None:
                task_start = task_start.merge(cells[task_column])
        for row in table.rows:
            for cell, width in zip(row.cells, (Cm(3.5), Cm(9.5), Cm(4)), strict=False):
                cell.width = width
        document.add_paragraph("")
    if note:
        document.add_paragraph(note)
    document.save(path)
    return path


def _set_text(cell, text):
    """Cell text with its line breaks as paragraphs, as Word keeps them."""
    lines = text.split("\n")
    cell.text = lines[0]
    for line in lines[1:]:
        cell.add_paragraph(line)


def write_xlsx(
    path,
    rows,
    *,
    note=BUNDLED_NOTE,
    header=HEADER,
    title_rows=("附件", "《嘉定区数字广告业高质量发展行动方案 (2023—2025)》任务分工"),
    note_in_column=False,
    order=(0, 1, 2),
    merge_tasks=True,
    sheet_title="任务分工",
    first_sheet=None,
):
    """An Excel workbook: title rows, the header, tasks merged down; the note
    in a row below or in a 备注 column merged down the whole table."""
    workbook = Workbook()
    sheet = workbook.active
    if first_sheet:
        sheet.title = first_sheet
        sheet["A1"] = "说明：本工作簿第二个工作表是任务分工表"
        sheet = workbook.create_sheet(sheet_title)
    else:
        sheet.title = sheet_title
    columns = [header[i] for i in order] + (["备注"] if note_in_column else [])
    for text in title_rows:
        sheet.append([text])
        sheet.merge_cells(start_row=sheet.max_row, start_column=1, end_row=sheet.max_row, end_column=len(columns))
    sheet.append(columns)
    first_data = sheet.max_row + 1
    task_column = order.index(0) + 1
    task_start = None
    for row in rows:
        values = [row.task, row.measure, row.units]
        cells = [values[i] or None for i in order]
        if note_in_column:
            cells.append(note if sheet.max_row + 1 == first_data else None)
        sheet.append(cells)
        current = sheet.max_row
        if row.task:
            if merge_tasks and task_start is not None and current - 1 > task_start:
                sheet.merge_cells(
                    start_row=task_start, start_column=task_column, end_row=current - 1, end_column=task_column
                )
            task_start = current
    last = sheet.max_row
    if merge_tasks and task_start is not None and last > task_start:
        sheet.merge_cells(start_row=task_start, start_column=task_column, end_row=last, end_column=task_column)
    if note_in_column:
        sheet.merge_cells(start_row=first_data, start_column=len(columns), end_row=last, end_column=len(columns))
    elif note:
        sheet.append([note])
        sheet.merge_cells(start_row=sheet.max_row, start_column=1, end_row=sheet.max_row, end_column=len(columns))
    for row in sheet.iter_rows():
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    workbook.save(path)
    return path


# A second plan, numbered and marked differently from the bundled one: Chinese
# numerals for tasks, full-width "（1）" for measures with a gap, （牵头）
# markers (one on a unit that is not listed first), a "牵头：…配合：…" cell,
# 区市场局 (an alias), and two units the district does not know.
SECOND_NOTE = "注：责任单位中第一个为牵头单位。"
SECOND_ROWS = [
    Row(
        "一、 优化数字广告 营商环境",
        "（1）完善广告 产业扶持政策，修订专项资金管理办法。",
        "区市场监管局（牵头）、区财政局",
    ),
    Row("", "（2）推进广告审查“一网通办”。", "区行政服务中心（大数据中心）、\n区市场局（牵头）"),
    Row("", "（4）建设 5G 户外数字屏示范点位。", "区规划资源局、区绿化市容局"),
    Row(
        "二、培育广告产业 人才",
        "（1）举办数字广告创意人才大赛。",
        "牵头：区人力资源社会保障局；配合：区经济委员会，区教育局",
    ),
    Row("", "（2）支持各街镇建设广告孵化载体。", "各街镇；区市场局"),
]
SECOND_UNKNOWN = ["区规划资源局", "区经济委员会"]

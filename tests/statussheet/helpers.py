"""Helpers for the status-sheet tests: reports through the workflow, reading exported sheets."""

import datetime
import io
import zipfile

import openpyxl
from django.db import connection
from django.test.utils import CaptureQueriesContext

from departments.models import Unit
from tasks import obligations, workflow
from tasks.models import Measure, Period, Report

TODAY = datetime.date(2024, 5, 15)
CURRENT_PERIOD = "2024年第二季度"
PREVIOUS_PERIOD = "2024年第一季度"
# Days of the plan (2023-01-01 to 2025-12-31, 1096 days) elapsed by 2024-05-15: 501.
EXPECTED_PERCENT = 45.7
HEADERS = [
    "工作任务",
    "具体措施",
    "责任单位",
    "牵头单位",
    "状态",
    "完成进度",
    "序时进度",
    "进展情况",
    "存在问题",
    "下一步计划",
    "填报单位",
    "填报时间",
    "配合单位进展",
]
FIRST_DATA_ROW = 3


def unit(name):
    return Unit.objects.get(name=name)


def obligation(measure, unit_name):
    """The named unit's obligation on `measure`; fails loudly when there is none."""
    found = [o for o in obligations.for_measure(measure) if o.unit.name == unit_name]
    assert found, f"{unit_name} has no obligation on {measure.code}"
    return found[0]


def report(measure, unit_name, period, user, *, submit=True, **overrides):
    """Create or update a report through the workflow, as the report form would."""
    data = {
        "status": Report.Status.IN_PROGRESS,
        "percent": 40,
        "progress": f"{unit_name}已召开专题推进会。",
        "problems": "",
        "next_steps": "",
    }
    data.update(overrides)
    owed = obligation(measure, unit_name)
    existing = Report.objects.filter(measure=measure, unit=owed.unit, period=period).first()
    return workflow.save_report(owed, period, data, user, submit=submit, version=existing.version if existing else 0)


def bulk_reports(plan, period_names, *, leads=True, supports=True):
    """A submitted report for every obligation in the named periods, written straight to the database.

    For query-count tests: many reports without going through the workflow.
    Obligations that already have a report in a period keep it.
    """
    periods = list(Period.objects.filter(plan=plan, name__in=period_names))
    assert len(periods) == len(period_names)
    members = obligations.collective_members()
    measures = Measure.objects.filter(task__plan=plan).select_related("task").with_assignments()
    rows = []
    for measure in measures:
        for owed in obligations.for_measure(measure, members):
            if (owed.is_lead and not leads) or (not owed.is_lead and not supports):
                continue
            for period in periods:
                rows.append(
                    Report(
                        measure=measure,
                        unit=owed.unit,
                        period=period,
                        role=owed.role,
                        status=Report.Status.IN_PROGRESS,
                        percent=50,
                        progress=f"{owed.unit.name}{period.name}进展",
                        state=Report.State.SUBMITTED,
                        submitted_at=datetime.datetime(2024, 5, 1, 9, 0, tzinfo=datetime.UTC),
                    )
                )
    Report.objects.bulk_create(rows, ignore_conflicts=True)
    return len(rows)


def document_measures(plan):
    """The plan's measures in document order, units loaded."""
    return list(Measure.objects.filter(task__plan=plan).select_related("task").with_assignments().in_document_order())


def workbook_of(response):
    """The xlsx of a response, opened with openpyxl."""
    return openpyxl.load_workbook(io.BytesIO(response.content))


def xlsx_bytes(workbook):
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def raw_parts(content):
    """{part name: text} of every XML part of an xlsx file."""
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        return {name: archive.read(name).decode("utf-8") for name in archive.namelist() if name.endswith(".xml")}


def data_rows(sheet):
    """The 台账 data rows as dicts keyed by header, with the sheet row number under "row"."""
    header = [cell.value for cell in sheet[2]]
    rows = []
    for number in range(FIRST_DATA_ROW, sheet.max_row + 1):
        row = dict(zip(header, [cell.value for cell in sheet[number]], strict=True))
        row["row"] = number
        rows.append(row)
    return rows


def measure_codes(sheet):
    """The measure of each 台账 data row as "5.(2)", carrying the merged task cell down."""
    codes, task = [], None
    for row in data_rows(sheet):
        if row["工作任务"]:
            task = row["工作任务"].split(".", 1)[0]
        codes.append(f"{task}.{row['具体措施'].split(' ', 1)[0]}")
    return codes


def row_of(sheet, code):
    """The 台账 data row (as a dict) of the measure with this code."""
    for found, row in zip(measure_codes(sheet), data_rows(sheet), strict=True):
        if found == code:
            return row
    raise AssertionError(f"{code} is not in the sheet")


def a_few_reports(plan, user):
    """Two submitted reports of 区科委 this quarter: the starting point of the query-count tests.

    Some queries only run once there is a report, so counts are compared
    between a few reports and many, not between none and many.
    """
    period = Period.objects.get(plan=plan, name=CURRENT_PERIOD)
    for number in (1, 2):
        measure = Measure.objects.get(task__plan=plan, task__number=2, number=number)
        report(measure, "区科委", period, user, progress=f"区科委 2.({number}) 进展")


def column(name):
    return HEADERS.index(name) + 1


def fill(sheet, code, **cells):
    """Type into the row of measure `code`; keys are header names."""
    row = row_of(sheet, code)["row"]
    for name, value in cells.items():
        sheet.cell(row, column(name)).value = value
    return row


def keep_only(sheet, codes):
    """Delete every data row but those of `codes`, keeping their task cells: the rows a unit sends back."""
    kept, task = {}, None
    wanted = {row_of(sheet, code)["row"] for code in codes}
    for row in data_rows(sheet):
        task = row["工作任务"] or task
        if row["row"] in wanted:
            kept[row["row"]] = task
    for merged in [r for r in sheet.merged_cells.ranges if r.min_row >= 3]:
        sheet.unmerge_cells(str(merged))
    for row, heading in kept.items():
        sheet.cell(row, 1).value = heading
    for row in range(sheet.max_row, 2, -1):
        if row not in kept:
            sheet.delete_rows(row)


def count_queries(function):
    """Run `function` and return (its result, the number of queries it made)."""
    with CaptureQueriesContext(connection) as queries:
        result = function()
    return result, len(queries)

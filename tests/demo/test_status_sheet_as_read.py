"""The demo's 台账 as a leader reads it: every measure led by 各街镇 (and 5.(2)) shows how
each town stands, nothing in the reading sheet is cut, and printed it starts each page
with its title."""

import io
import re

import openpyxl

from tasks import periods
from tasks.documents.statussheet import SheetScope, build_workbook
from tasks.documents.statussheet.layout import CLIPPED
from tasks.models import Period

from .conftest import DAY

SEVERAL_LEADS = ["5.(2)", "6.(1)", "6.(2)", "6.(4)", "6.(6)", "7.(2)"]


def reading_rows(plan):
    period = Period.objects.current(plan, DAY)
    buffer = io.BytesIO()
    build_workbook(SheetScope(plan=plan, period=period, today=periods.as_of(period, DAY))).save(buffer)
    sheet = openpyxl.load_workbook(io.BytesIO(buffer.getvalue()))["台账"]
    header = [c.value for c in sheet[3]]
    rows = {}
    task = None
    for row in sheet.iter_rows(min_row=4, values_only=True):
        values = dict(zip(header, row, strict=True))
        task = (values["工作任务"] or task or "").split(".")[0] if values["工作任务"] else task
        number = re.match(r"\((\d+)\)", values["具体措施"]).group(1)
        rows[f"{task}.({number})"] = values
    return rows


def test_every_town_of_a_measure_with_several_leads_shows_its_state_and_percent(plan):
    rows = reading_rows(plan)

    for code in SEVERAL_LEADS:
        progress = rows[code]["进展情况"]
        lines = progress.split("\n")
        leads = 4 if code == "5.(2)" else 12
        standings = [
            line
            for line in lines
            if re.search(r"：(推进中|已完成|滞后|未启动) \d+%$|（(推进中|已完成|滞后|未启动) \d+%）：", line)
        ]
        assert len(standings) == leads, (code, progress)
    assert not any(CLIPPED in str(value) for row in rows.values() for value in row.values())

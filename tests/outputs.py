"""Reading what each output says, as a person reads it: pages' HTML, the 台账 with openpyxl, the
通报 and the 终期评估报告 with python-docx. The consistency tests compare these with each other and
with the one judgement (tasks/judgement.py through tasks/progress.py).

Lights are read as their values (red, yellow, green, done) whatever the output writes.
"""

import html
import io
import re

import docx
import openpyxl

from tasks.progress.rollup import Light

LIGHT_BY_LABEL = {str(label): value for value, label in Light.choices}
TAG = re.compile(r"<[^>]+>")


def _text(fragment):
    return html.unescape(TAG.sub("", fragment)).strip()


def _rows(page):
    return re.findall(r"<tr>(.*?)</tr>", page, re.S)


def _cell(row, label):
    found = re.search(rf'<td data-label="{label}"[^>]*>(.*?)</td>', row, re.S)
    return found.group(1) if found else None


def _int(fragment):
    return int(_text(fragment) or 0)


def _query(plan=None, period=None, **more):
    query = dict(more)
    if plan is not None:
        query["plan"] = plan.pk
    if period is not None:
        query["period"] = period.pk
    return query


def measures_page(client, period=None, plan=None, **filters):
    """/measures/ (every row, one page): {code: (status label, light, percent)}."""
    query = _query(plan, period, per_page=100, **filters)
    response = client.get("/measures/", query)
    assert response.status_code == 200
    found = {}
    for row in _rows(response.content.decode()):
        code = _cell(row, "措施")
        if code is None:
            continue
        light = re.search(r'<span class="light (\w+)">', _cell(row, "提示")).group(1)
        percent = float(re.search(r'<div class="small">([\d.]+)%</div>', _cell(row, "完成进度")).group(1))
        found[_text(code)] = (_text(_cell(row, "状态")), light, percent)
    return found


def unit_table(page):
    """{unit name: 逾期未报} of a page's table of units (dashboard, /units/)."""
    found = {}
    for row in _rows(page):
        name, overdue = _cell(row, "单位"), _cell(row, "逾期未报")
        if name is not None and overdue is not None:
            found[_text(name)] = _int(overdue)
    return found


def dashboard(client, plan=None):
    """The dashboard: lights by count, the reporting figure and the units' 逾期未报."""
    response = client.get("/dashboard/", _query(plan))
    assert response.status_code == 200
    page = response.content.decode()
    lights = {
        LIGHT_BY_LABEL[label]: int(n)
        for label, n in re.findall(
            r'<span class="light \w+">([^<]+)</span> 措施</div><div class="value">(\d+)</div>', page
        )
    }
    stat = re.search(r'<div class="stat reporting-stat">(.*?)</div></div>', page, re.S)
    return {
        "lights": lights,
        "reporting": _text(stat.group(1)) if stat else "",
        "units": unit_table(page),
        "page": page,
    }


def units_page(client, plan=None):
    """/units/: {unit name: 逾期未报}."""
    return units_and_rates(client, plan)[0]


def units_and_rates(client, plan=None):
    """/units/: ({unit name: 逾期未报}, {unit name: (on time, owed) over the plan})."""
    response = client.get("/units/", _query(plan))
    assert response.status_code == 200
    page = response.content.decode()
    rates = {}
    for row in _rows(page):
        name, rate = _cell(row, "单位"), _cell(row, "全程按时报送率")
        if name is not None and rate is not None:
            found = re.search(r"(\d+)/(\d+)", rate)
            if found:
                rates[_text(name)] = (int(found.group(1)), int(found.group(2)))
    return unit_table(page), rates


def plan_page_lights(client, plan=None):
    """/tasks/: {measure pk: light} of the notice's measures."""
    response = client.get("/tasks/", _query(plan))
    assert response.status_code == 200
    page = response.content.decode()
    return {int(pk): light for pk, light in re.findall(r'id="measure-(\d+)">.*?<span class="light (\w+)">', page, re.S)}


def todo_counts(client, plan=None):
    """The 待办's counters: {label: n} (被退回, 已逾期, 待填报, 已提交待审核, 已通过)."""
    response = client.get("/", _query(plan))
    assert response.status_code == 200
    return {
        label: int(n)
        for label, n in re.findall(
            r'<div class="stat"><div class="muted small">([^<]+)</div><div class="value">(\d+)</div>',
            response.content.decode(),
        )
    }


def status_sheet(client, period=None, plan=None):
    """The 台账 as openpyxl reads it: each measure's light on the reading sheet, each
    obligation's on 按单位, and 汇总's lights by task and 逾期未报 by unit."""
    response = client.get("/export/status.xlsx", _query(plan, period))
    assert response.status_code == 200
    workbook = openpyxl.load_workbook(io.BytesIO(response.content))
    reading, task = {}, None
    for row in workbook["台账"].iter_rows(min_row=4, values_only=True):
        if row[0]:
            task = int(re.match(r"\s*(\d+)", row[0]).group(1))  # written on a task's first row, merged down
        if not row[1] or not row[4]:
            continue
        status = row[4]
        light = Light.DONE.value if status == str(Light.DONE.label) else _light_in(status)
        number = re.match(r"[（(](\d+)[)）]", row[1]).group(1)
        reading[f"{task}.({number})"] = (status, light)
    fill_in = {}
    sheet = workbook["按单位"]
    header = next(r for r in sheet.iter_rows(values_only=True) if r and r[0] == "单位")
    for row in sheet.iter_rows(min_row=4, values_only=True):
        if row[0] and row[2]:
            fill_in[(row[2].split(" ")[0], row[0])] = LIGHT_BY_LABEL[row[header.index("信号灯")]]
    summary = workbook["汇总"]
    tasks, units, in_units = {}, {}, False
    for row in summary.iter_rows(values_only=True):
        if row[:2] == ("单位", "承担事项"):
            in_units = True
            unit_header = row
            continue
        if row[0] and isinstance(row[1], int) and not str(row[0]).startswith("合计"):
            if in_units:
                units[row[0]] = row[unit_header.index("逾期未报")]
            else:
                tasks[row[0]] = dict(zip(("red", "yellow", "green", "done"), row[3:7], strict=True))
    return {"reading": reading, "fill_in": fill_in, "tasks": tasks, "units": units, "workbook": workbook}


def _light_in(status):
    """The light named in a 台账 状态 cell: 推进中（红灯） → red."""
    return LIGHT_BY_LABEL[re.search(r"（(.+?)）$", status).group(1)]


def reading_lights(sheet):
    """{measure code: light} of status_sheet()'s reading sheet, keyed like /measures/."""
    return {code: light for code, (_, light) in sheet["reading"].items()}


def reading_statuses(sheet):
    """{measure code: status} of the reading sheet (未填报, 推进中, …; 已完成 for a done measure)."""
    return {code: status.split("（")[0] for code, (status, _) in sheet["reading"].items()}


def document_text(response_or_path):
    """The paragraphs and table cells of a .docx, in order, as one text."""
    source = io.BytesIO(response_or_path.content) if hasattr(response_or_path, "content") else response_or_path
    document = docx.Document(source)
    parts = [p.text for p in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            parts.extend(cell.text for cell in row.cells)
    return "\n".join(parts), document


def number_after(text, label):
    """The number right after `label` in `text` (e.g. 应报送210项 → 210), or None."""
    found = re.search(re.escape(label) + r"(\d+)", text)
    return int(found.group(1)) if found else None

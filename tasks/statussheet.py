"""The status sheet (台账), out to Excel and back in.

Export: the first worksheet mirrors the attachment — 工作任务 | 具体措施 |
责任单位 | 牵头单位 from column A, one row per measure, the task cell merged
down its measures — followed by the lead's state and the co-organizers'
contributions. Row 1 is a title, row 2 the header. A 按单位 worksheet lists
each unit's obligations and a 汇总 worksheet sums up by task and by unit
with a native bar chart. Written in openpyxl's write-only mode, so memory
stays flat as the plan grows.

Import: a filled-in sheet of the same layout comes back; every row is
checked, the changes are previewed, and they are applied only when every row
is valid (see `read_upload` and `apply_changes`).
"""

import datetime
from copy import copy
from dataclasses import asdict, dataclass

from django.db import transaction
from django.utils import timezone
from django.utils.functional import Promise
from openpyxl import Workbook, load_workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.chart import BarChart, Reference
from openpyxl.styles import Alignment, Border, Font, NamedStyle, PatternFill, Side
from openpyxl.utils import get_column_letter

from departments.models import Unit
from jiading_ads import uploads

from . import obligations as obligation_rules
from . import workflow
from .models import Assignment, Measure, Period, Plan, Report
from .progress import Light, PlanProgress

PLAN_HEADERS = ["工作任务", "具体措施", "责任单位", "牵头单位"]
PROGRESS_HEADERS = [
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
HEADERS = PLAN_HEADERS + PROGRESS_HEADERS
COLUMN_WIDTHS = [20, 48, 24, 14, 12, 9, 9, 40, 26, 26, 14, 17, 40]
TITLE_ROW, HEADER_ROW, FIRST_DATA_ROW = 1, 2, 3

UNIT_HEADERS = [
    "单位",
    "角色",
    "工作任务",
    "具体措施",
    "状态",
    "完成进度",
    "进展情况",
    "存在问题",
    "下一步计划",
    "填报时间",
]
UNIT_WIDTHS = [18, 8, 20, 48, 12, 9, 40, 26, 26, 17]

LIGHT_COLOURS = {
    Light.RED: "F4C7C3",
    Light.YELLOW: "FCE8B2",
    Light.GREEN: "B7E1CD",
    Light.DONE: "C9DAF8",
}
PERCENT_FORMAT = '0"%"'
CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FORMULA_TRIGGERS = ("=", "+", "-", "@")

_THIN = Side(style="thin", color="999999")
_BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)


def default_plan():
    """Kept for callers of the old name; the rule is Plan.objects.default()."""
    return Plan.objects.default()


def _styles():
    body = NamedStyle(name="body", border=_BORDER, alignment=Alignment(wrap_text=True, vertical="top"))
    header = NamedStyle(
        name="header",
        font=Font(bold=True),
        fill=PatternFill("solid", fgColor="DDE4EE"),
        border=_BORDER,
        alignment=Alignment(horizontal="center", vertical="center", wrap_text=True),
    )
    title = NamedStyle(name="title", font=Font(bold=True, size=14), alignment=Alignment(vertical="center"))
    percent = NamedStyle(
        name="percent", border=_BORDER, number_format=PERCENT_FORMAT, alignment=Alignment(vertical="top")
    )
    styles = [body, header, title, percent]
    for light, colour in LIGHT_COLOURS.items():
        styles.append(
            NamedStyle(
                name=f"light_{light.value}",
                border=_BORDER,
                fill=PatternFill("solid", fgColor=colour),
                alignment=Alignment(wrap_text=True, vertical="top", horizontal="center"),
            )
        )
    return styles


LINE_HEIGHT = 14  # points per line of 11-point text
PAPER_A3, PAPER_A4 = 8, 9  # Excel's paperSize codes


def _wrapped_lines(value, width):
    """Lines a cell's text takes in a column `width` characters wide.

    A CJK character is about two widths of "0"; its UTF-8 form is three
    bytes against one for ASCII, so (bytes + characters) / 2 estimates the
    display width without looking at each character.
    """
    if not isinstance(value, str) or not value:
        return 1
    usable = max(width - 1, 1)
    if 2 * len(value) <= usable and "\n" not in value:
        return 1  # fits even if every character is wide
    return sum(max(1, -(-((len(line.encode("utf-8")) + len(line)) // 2) // usable)) for line in value.split("\n"))


class _Labels(dict):
    """Choice labels, translated once per export instead of once per cell."""

    def __init__(self, choices):
        super().__init__()
        self.choices = choices

    def __missing__(self, key):
        value = self[key] = str(dict(self.choices)[key])
        return value


STATUS_LABELS = _Labels(Report.Status.choices)
ROLE_LABELS = _Labels(Assignment.Role.choices)
LIGHT_LABELS = _Labels(Light.choices)


class _Sheet:
    """A write-only worksheet with the house styles and its merges."""

    def __init__(self, workbook, title, widths):
        self.ws = workbook.create_sheet(title)
        self.widths = widths
        self._style_arrays = {}
        for index, width in enumerate(widths, start=1):
            self.ws.column_dimensions[get_column_letter(index)].width = width
        self.row = 0

    def cell(self, value, style="body"):
        if isinstance(value, Promise):
            value = str(value)
        if isinstance(value, str):
            # Control characters pasted into a report cannot be stored in xlsx.
            value = ILLEGAL_CHARACTERS_RE.sub("", value)
        cell = WriteOnlyCell(self.ws, value=value)
        # Looking a named style up for every cell costs more than writing it.
        cached = self._style_arrays.get(style)
        if cached is None:
            cell.style = style
            self._style_arrays[style] = copy(cell._style)
        else:
            cell._style = copy(cached)
        if isinstance(value, str) and value.startswith(FORMULA_TRIGGERS):
            # Text a user typed is never a formula, whatever it starts with.
            cell.data_type = "s"
            cell.quotePrefix = True
        return cell

    def append(self, values, styles=None):
        self.row += 1
        styles = styles or {}
        # Write-only rows are written at once, so their height is set first:
        # neither Excel nor LibreOffice grows a row to fit wrapped text by itself.
        lines = max([_wrapped_lines(v, w) for v, w in zip(values, self.widths, strict=False)] or [1])
        if lines > 1:
            self.ws.row_dimensions[self.row].height = LINE_HEIGHT * lines + 3
        self.ws.append([self.cell(v, styles.get(i, "body")) for i, v in enumerate(values)])

    def title(self, text, columns):
        self.row += 1
        self.ws.row_dimensions[self.row].height = 24
        self.ws.append([self.cell(text, "title")])
        self.ws.merged_cells.add(f"A{self.row}:{get_column_letter(columns)}{self.row}")

    def header(self, headers):
        self.append(headers, {i: "header" for i in range(len(headers))})

    def merge_down(self, column, first, last):
        if first is not None and last > first:
            letter = get_column_letter(column)
            self.ws.merged_cells.add(f"{letter}{first}:{letter}{last}")

    def print_setup(self, header_rows, paper=PAPER_A4):
        """Must run before the first row: write-only sheets write these with it."""
        ws = self.ws
        ws.freeze_panes = f"A{header_rows + 1}"
        ws.print_title_rows = f"1:{header_rows}"
        ws.page_setup.orientation = "landscape"
        ws.page_setup.paperSize = paper
        ws.page_setup.fitToWidth = 1
        ws.page_setup.fitToHeight = 0
        ws.sheet_properties.pageSetUpPr.fitToPage = True
        ws.print_options.gridLines = False
        ws.page_margins.left = ws.page_margins.right = 0.4


@dataclass
class SheetScope:
    """What an export covers: plan, period, rows and, for unit staff, their units."""

    plan: Plan | None
    period: Period | None
    today: datetime.date
    measures: object = None  # queryset or list; None means the whole plan
    unit_ids: frozenset | None = None  # unit staff: only their obligations
    computed: object = None  # a PlanProgress the caller already has, to reuse

    def progress(self):
        if self.computed is not None:
            return self.computed
        measures = self.measures
        if measures is None and self.plan is not None:
            measures = Measure.objects.filter(task__plan=self.plan)
        if measures is not None and hasattr(measures, "select_related"):
            measures = measures.select_related("task").with_assignments().in_document_order()
        return PlanProgress(self.plan, self.period, today=self.today, measures=measures)


def build_workbook(scope):
    """The 台账 workbook for `scope`."""
    workbook = Workbook(write_only=True)
    for style in _styles():
        workbook.add_named_style(style)
    progress = scope.progress() if scope.plan is not None else None
    states = list(progress.states.values()) if progress else []
    if scope.unit_ids is not None and progress is not None:
        states = [s for s in states if any(o.unit.pk in scope.unit_ids for o in progress.obligations[s.measure.pk])]
    _write_main_sheet(workbook, scope, progress, states)
    if progress is not None:
        progress.keep_only(states)
        by_unit = progress.unit_summaries(scope.unit_ids, keep_states=True)
        _write_unit_sheet(workbook, scope, by_unit)
        _write_summary_sheet(workbook, scope, progress, by_unit)
    return workbook


def title_text(scope):
    if scope.plan is None:
        return "台账（尚未载入行动方案）"
    period = scope.period.name if scope.period else "无填报周期"
    return f"《{scope.plan.title}》台账 · {period} · 截至 {scope.today:%Y年%m月%d日}"


def status_cell(status, light):
    """ "推进中（绿灯）": the status and, for black-and-white printing, the light."""
    if light == Light.DONE:
        return str(LIGHT_LABELS[light])
    return f"{STATUS_LABELS[status] if status else '未填报'}（{LIGHT_LABELS[light]}）"


def progress_cells(state, expected):
    """The progress columns of a measure's row, in PROGRESS_HEADERS order."""
    reported_at = state.reported_at
    return [
        status_cell(state.status, state.light),
        state.percent,
        expected,
        state.lead_text("progress"),
        state.lead_text("problems"),
        state.lead_text("next_steps"),
        state.reporters,
        timezone.localtime(reported_at).strftime("%Y-%m-%d %H:%M") if reported_at else "",
        state.support_summary,
    ]


EDITABLE_HEADERS = ["状态", "完成进度", "进展情况", "存在问题", "下一步计划", "填报单位"]


def _write_main_sheet(workbook, scope, progress, states):
    sheet = _Sheet(workbook, "台账", COLUMN_WIDTHS)
    sheet.print_setup(HEADER_ROW, paper=PAPER_A3)
    sheet.title(title_text(scope), len(HEADERS))
    sheet.header(HEADERS)
    task_start, current_task = None, None
    for state in states:
        measure = state.measure
        first_of_task = measure.task_id != current_task
        if first_of_task:
            sheet.merge_down(1, task_start, sheet.row)
            task_start, current_task = sheet.row + 1, measure.task_id
        sheet.append(
            [
                measure.task.heading if first_of_task else None,
                measure.numbered_text,
                measure.printed_units(),
                measure.printed_leads(),
                *progress_cells(state, progress.expected),
            ],
            {4: f"light_{state.light.value}", 5: "percent", 6: "percent"},
        )
    sheet.merge_down(1, task_start, sheet.row)


def _write_unit_sheet(workbook, scope, by_unit):
    sheet = _Sheet(workbook, "按单位", UNIT_WIDTHS)
    sheet.print_setup(HEADER_ROW, paper=PAPER_A3)
    sheet.title(title_text(scope) + " · 按单位", len(UNIT_HEADERS))
    sheet.header(UNIT_HEADERS)
    for summary in by_unit:
        unit = summary.unit
        first = sheet.row + 1
        for index, s in enumerate(summary.states):
            report = s.latest
            measure = s.obligation.measure
            sheet.append(
                [
                    unit.name if index == 0 else None,
                    ROLE_LABELS[s.obligation.role],
                    measure.task.heading,
                    f"{measure.code} {measure.text}",
                    status_cell(report.status if report else None, s.light),
                    s.percent,
                    report.progress if report else "",
                    report.problems if report else "",
                    report.next_steps if report else "",
                    timezone.localtime(report.submitted_at).strftime("%Y-%m-%d %H:%M")
                    if report and report.submitted_at
                    else "",
                ],
                {4: f"light_{s.light.value}", 5: "percent"},
            )
        sheet.merge_down(1, first, sheet.row)


def _write_summary_sheet(workbook, scope, progress, by_unit):
    sheet = _Sheet(workbook, "汇总", [26, 10, 12, 10, 8, 8, 8, 8])
    sheet.print_setup(HEADER_ROW)
    sheet.title(title_text(scope) + " · 汇总", 8)
    sheet.header(["工作任务", "措施数", "平均完成进度", "序时进度", "红灯", "黄灯", "绿灯", "已完成"])
    task_rows = progress.task_rows()
    first_task_row = sheet.row + 1
    for task, task_states, percent in task_rows:
        lights = [s.light for s in task_states]
        sheet.append(
            [
                task.heading,
                len(task_states),
                percent,
                progress.expected,
                lights.count(Light.RED),
                lights.count(Light.YELLOW),
                lights.count(Light.GREEN),
                lights.count(Light.DONE),
            ],
            {2: "percent", 3: "percent"},
        )
    last_task_row = sheet.row
    if task_rows:
        chart = BarChart()
        chart.type = "bar"
        chart.title = "各项工作任务完成进度与序时进度（%）"
        chart.y_axis.scaling.min = 0
        chart.y_axis.scaling.max = 100
        data = Reference(sheet.ws, min_col=3, max_col=4, min_row=HEADER_ROW, max_row=last_task_row)
        categories = Reference(sheet.ws, min_col=1, min_row=first_task_row, max_row=last_task_row)
        chart.add_data(data, titles_from_data=True)
        chart.set_categories(categories)
        chart.height = max(8, 0.8 * len(task_rows))
        chart.width = 18
        sheet.ws.add_chart(chart, "J2")

    sheet.append([])
    sheet.header(["单位", "承担事项", "其中牵头", "本期已提交", "逾期未报", "平均完成进度", "", ""])
    for summary in by_unit:
        sheet.append(
            [
                summary.unit.name,
                summary.obligations,
                summary.leads,
                summary.submitted,
                summary.overdue,
                summary.percent,
                None,
                None,
            ],
            {5: "percent"},
        )


def write_status_sheet(scope, target):
    """Write the 台账 to a path or a binary file object."""
    build_workbook(scope).save(target)


def export_filename(scope):
    return f"台账_{scope.today:%Y-%m-%d}.xlsx"


# --- Import -----------------------------------------------------------------

STATUS_BY_LABEL = {label: value for value, label in Report.Status.choices}


@dataclass
class RowChange:
    """One valid row of an uploaded sheet that changes a report."""

    row: int
    measure_id: int
    unit_id: int
    code: str
    unit_name: str
    status: str
    percent: int
    progress: str
    problems: str
    next_steps: str
    version: int  # the report's version when previewed; 0 for a new report
    old_status: str
    old_percent: int | None

    @property
    def status_label(self):
        return Report.Status(self.status).label

    def as_data(self):
        return asdict(self)


@dataclass
class ImportPreview:
    changes: list
    errors: list  # (row number, message)
    unchanged: int
    period: Period | None

    @property
    def ok(self):
        return not self.errors and bool(self.changes)


class UploadError(Exception):
    """The file as a whole cannot be read; str() is the Chinese message."""


def _text(value):
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _parse_percent(value):
    if value is None or value == "":
        return None, "完成进度为空"
    if isinstance(value, bool):
        return None, "完成进度应为 0 到 100 之间的整数"
    if isinstance(value, (int, float)):
        number = float(value)
    else:
        raw = str(value).strip().rstrip("%％").strip()
        try:
            number = float(raw)
        except ValueError:
            return None, f"完成进度“{value}”不是数字"
    if not number.is_integer() or not 0 <= number <= 100:
        return None, f"完成进度“{value}”应为 0 到 100 之间的整数"
    return int(number), None


def _parse_status(value):
    text = _text(value)
    # The export writes "推进中（绿灯）"; the light is informative only.
    text = text.split("（", 1)[0].split("(", 1)[0].strip()
    if text in STATUS_BY_LABEL:
        return STATUS_BY_LABEL[text], None
    if text == "未填报":
        return None, "状态为“未填报”：请选择未启动、推进中、已完成或滞后"
    return None, f"状态“{_text(value)}”无效，应为 {'、'.join(str(label) for label in STATUS_BY_LABEL)} 之一"


def read_upload(file, plan, period, user_unit_ids=None, today=None):
    """Check an uploaded 台账 against the plan; returns an ImportPreview.

    `user_unit_ids`: for unit staff, the units they may report for; None for
    the coordinator. Reads the workbook once, then a fixed number of queries.
    """
    if plan is None or period is None:
        raise UploadError("没有可导入的行动方案或开放的填报周期。")
    try:
        uploads.check_xlsx(file)
    except uploads.UploadRefused as exc:
        raise UploadError(str(exc)) from None
    try:
        workbook = load_workbook(file, read_only=True, data_only=True)
    except Exception:  # openpyxl raises many kinds of error on a bad file
        raise UploadError("无法读取该文件：请上传由本系统导出、用 Excel 或 WPS 编辑后保存的 .xlsx 台账。") from None
    try:
        sheet = workbook["台账"] if "台账" in workbook.sheetnames else workbook.worksheets[0]
        rows = list(sheet.iter_rows(values_only=True, max_col=len(HEADERS) + 5))
    finally:
        workbook.close()
    header_index = next((i for i, row in enumerate(rows[:10]) if row and _text(row[0]) == "工作任务"), None)
    if header_index is None:
        raise UploadError("找不到表头：第一个工作表的 A 列应有“工作任务”表头（请使用本系统导出的台账格式）。")
    title = " ".join(_text(v) for row in rows[:header_index] for v in row if v)
    named = [name for name in plan.periods.values_list("name", flat=True) if f"· {name} ·" in title]
    if named and named[0] != period.name:
        raise UploadError(
            f"这份台账是“{named[0]}”的，当前填报周期是“{period.name}”：请导出当前周期的台账填写后再上传。"
        )
    header = [_text(v) for v in rows[header_index]]
    missing = [h for h in ["具体措施", "状态", "完成进度", "进展情况", "填报单位"] if h not in header]
    if missing:
        raise UploadError(f"表头缺少以下列：{'、'.join(missing)}。")
    col = {name: header.index(name) for name in header if name}

    measures = list(
        Measure.objects.filter(task__plan=plan).select_related("task").with_assignments().in_document_order()
    )
    by_task_and_number = {(m.task.number, m.number): m for m in measures}
    progress = PlanProgress(plan, period, today=today or timezone.localdate(), measures=measures)
    obligations = progress.obligations
    # What the export writes today: a row still equal to it was not edited.
    as_exported = {
        pk: dict(zip(PROGRESS_HEADERS, progress_cells(state, progress.expected), strict=True))
        for pk, state in progress.states.items()
    }
    reports = {(r.measure_id, r.unit_id): r for r in Report.objects.filter(period=period, measure__task__plan=plan)}
    names = Unit.objects.resolve_names(
        {_text(row[col["填报单位"]]) for row in rows[header_index + 1 :] if row and len(row) > col["填报单位"]} - {""}
    )

    changes, errors, unchanged = [], [], 0
    task_number = None
    for offset, row in enumerate(rows[header_index + 1 :], start=header_index + 2):
        if not row or all(_text(v) == "" for v in row):
            continue

        def value(name, row=row):
            index = col.get(name)
            return row[index] if index is not None and index < len(row) else None

        task_cell = _text(value("工作任务"))
        if task_cell:
            number = task_cell.split(".", 1)[0].strip()
            task_number = int(number) if number.isdigit() else None
        measure_cell = _text(value("具体措施"))
        measure_number = None
        if measure_cell.startswith("(") and ")" in measure_cell:
            inner = measure_cell[1 : measure_cell.index(")")].strip()
            measure_number = int(inner) if inner.isdigit() else None
        measure = by_task_and_number.get((task_number, measure_number))
        if measure is None or measure_cell != measure.numbered_text:
            errors.append((offset, f"无法识别的措施“{measure_cell[:30]}”（工作任务或措施文字与方案不符）"))
            continue
        exported = as_exported[measure.pk]
        if all(_text(value(h)) == _text(exported[h]) for h in EDITABLE_HEADERS if h in col):
            unchanged += 1
            continue
        row_errors = []
        status, problem = _parse_status(value("状态"))
        if problem:
            row_errors.append(problem)
        percent, problem = _parse_percent(value("完成进度"))
        if problem:
            row_errors.append(problem)
        if status == Report.Status.DONE and percent not in (None, 100):
            row_errors.append("状态为“已完成”时，完成进度应为 100")
        progress_text = _text(value("进展情况"))
        unit_cell = _text(value("填报单位"))
        measure_obligations = obligations[measure.pk]
        if unit_cell:
            unit = names.get(unit_cell)
            obligation = next((o for o in measure_obligations if unit and o.unit.pk == unit.pk), None)
            if obligation is None:
                row_errors.append(f"填报单位“{unit_cell}”不承担措施 {measure.code}")
        else:
            leads = [o for o in measure_obligations if o.is_lead]
            obligation = leads[0] if len(leads) == 1 else None
            if obligation is None:
                row_errors.append(f"措施 {measure.code} 有多个牵头单位，请在“填报单位”列写明是哪个单位")
        if obligation is not None and user_unit_ids is not None and obligation.unit.pk not in user_unit_ids:
            row_errors.append(f"您只能导入本单位的填报，不能导入“{obligation.unit.name}”的")
        if row_errors:
            errors.append((offset, f"措施 {measure.code}：" + "；".join(row_errors)))
            continue
        current = reports.get(obligation.key)
        new = {
            "status": status,
            "percent": percent,
            "progress": progress_text,
            "problems": _text(value("存在问题")),
            "next_steps": _text(value("下一步计划")),
        }
        if current is not None and all(getattr(current, k) == v for k, v in new.items()):
            unchanged += 1
            continue
        if current is None and status == Report.Status.NOT_STARTED and not progress_text and not percent:
            unchanged += 1
            continue
        if not progress_text:
            errors.append((offset, f"措施 {measure.code}：进展情况不能为空"))
            continue
        reason = workflow.edit_block_reason(current, period, today)
        if reason:
            errors.append((offset, f"措施 {measure.code}（{obligation.unit.name}）：{reason}"))
            continue
        changes.append(
            RowChange(
                row=offset,
                measure_id=measure.pk,
                unit_id=obligation.unit.pk,
                code=measure.code,
                unit_name=obligation.unit.name,
                version=current.version if current else 0,
                old_status=current.get_status_display() if current else "未填报",
                old_percent=current.percent if current else None,
                **new,
            )
        )
    return ImportPreview(changes=changes, errors=errors, unchanged=unchanged, period=period)


def apply_changes(changes, period, user, today=None):
    """Apply previewed changes as submitted reports, all or nothing.

    Raises workflow.WorkflowError (a conflict if any report changed since
    the preview); nothing is written then.
    """
    measures = Measure.objects.select_related("task").with_assignments().in_bulk([c["measure_id"] for c in changes])
    members = obligation_rules.collective_members()
    with transaction.atomic():
        for change in changes:
            measure = measures.get(change["measure_id"])
            obligation = (
                next(
                    (o for o in obligation_rules.for_measure(measure, members) if o.unit.pk == change["unit_id"]),
                    None,
                )
                if measure
                else None
            )
            if obligation is None:
                raise workflow.NotAllowed(f"第 {change['row']} 行：该单位已不承担这项措施。")
            workflow.save_report(
                obligation,
                period,
                change,
                user,
                submit=True,
                version=change["version"],
                imported=True,
                today=today,
            )
    return len(changes)

"""The 台账 out: a workbook of three sheets, written in openpyxl's write-only mode.

- 台账: one row per measure for reading, as DESIGN.md describes; the task
  cell merged down its measures and written again at the top of each page.
- 按单位: one row per (measure, unit) obligation with that unit's own
  report: the sheet units fill in and upload (see importing.py).
- 汇总: by task, with a bar chart, then by unit on its own page.
- 指标: the goal indicators, targets against yearly values, for reading
  (A4 landscape; not in a filtered export; never imported).

Memory stays flat as the plan grows: rows are written as they are made.
"""

import datetime
from collections import Counter
from dataclasses import dataclass
from functools import cached_property

from django.utils import timezone
from openpyxl import Workbook
from openpyxl.chart import BarChart, Reference
from openpyxl.chart.label import DataLabelList
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.pagebreak import Break

from jiading_ads.xlsx import CellStyle, guarded_cell, set_row_height, write_only_sheet
from tasks import periods as period_rules
from tasks.documents.statussheet import layout
from tasks.documents.statussheet.layout import (
    FILL_IN_COLUMNS,
    LIGHT_LABELS,
    NOT_REPORTED,
    READING_COLUMNS,
    REVIEW_LABELS,
    ROLE_LABELS,
    STATUS_LABELS,
    SUMMARY_COLUMNS,
    UNIT_SUMMARY_HEADERS,
    Column,
)
from tasks.indicators import values as indicator_rules
from tasks.models import Measure, Period, Plan, Report
from tasks.progress.rollup import PlanProgress

# Pages are filled to this share of their height: the programs that print
# measure text a little differently from layout.text_lines.
PAGE_FILL = 0.92
LATEST = (Report.State.SUBMITTED, Report.State.APPROVED, Report.State.RETURNED)
APPROVED = (Report.State.APPROVED,)


@dataclass
class SheetScope:
    """What an export covers."""

    plan: Plan | None
    period: Period | None
    today: datetime.date  # the real day; the period is shown as of `as_of`
    measures: object = None  # queryset or list, in the order to write; None: the whole plan
    unit_ids: frozenset | None = None  # only these units' obligations (unit staff, a unit filter)
    role: str | None = None  # only obligations in this role (a role filter)
    approved_only: bool = False  # approved reports only, instead of the latest submitted
    filters: str = ""  # what the rows were filtered by, said in the title

    @cached_property
    def as_of(self):
        """The day the period is shown as of (periods.as_of: a past period's due date). One query."""
        return period_rules.as_of(self.period, self.today)

    @property
    def kind(self):
        """The export's name in titles and file names."""
        return ("台账筛选结果" if self.filters else "台账") + ("（仅已审核）" if self.approved_only else "")

    def progress(self):
        """PlanProgress of the scope's measures, showing its kind of reports. A fixed number of queries."""
        measures = self.measures
        if measures is None:
            measures = Measure.objects.filter(task__plan=self.plan)
        if hasattr(measures, "select_related"):
            measures = measures.select_related("task").with_assignments().in_document_order()
        return PlanProgress(
            self.plan,
            self.period,
            today=self.today,
            measures=measures,
            counted_states=APPROVED if self.approved_only else Report.OFFICIAL_STATES,
            shown_states=APPROVED if self.approved_only else LATEST,
        )

    def wants(self, obligation):
        return (self.unit_ids is None or obligation.unit.pk in self.unit_ids) and (
            self.role is None or obligation.role == self.role
        )


def title_text(scope, expected=None):
    if scope.plan is None:
        return "台账（尚未载入行动方案）"
    period = scope.period.name if scope.period else "无填报周期"
    text = f"《{scope.plan.title}》{scope.kind} · {period} · 截至 {scope.as_of:%Y年%m月%d日}"
    if expected is not None:
        text += f" · 序时进度 {expected:g}%"
    return text


def export_filename(scope):
    """Names differ by kind and period: 台账_2024年第二季度_2024-05-15.xlsx."""
    period = f"_{scope.period.name}" if scope.period else ""
    return f"{scope.kind}{period}_{scope.as_of:%Y-%m-%d}.xlsx"


def ascii_filename(scope):
    kind = "taizhang" + ("-filtered" if scope.filters else "") + ("-approved" if scope.approved_only else "")
    return f"{kind}_{scope.as_of:%Y-%m-%d}.xlsx"


def _time(moment):
    # The site's zone (nothing activates another), without localtime's lookup of the current one per row.
    return f"{moment.astimezone(timezone.get_default_timezone()):%Y-%m-%d %H:%M}" if moment else ""


def review_label(state, period, shown=None):
    """已审核 / 待审核 / 已退回 for the report an obligation's row shows (`shown`,
    default its latest counted report), and the period it is from when that is
    an earlier one; a report of this period back with the unit is named too."""
    shown = state.latest if shown is None else shown
    current = state.current
    if shown is None:
        label = NOT_REPORTED
    else:
        label = REVIEW_LABELS[shown.state]
        if period is not None and shown.period_id != period.pk:
            label += f"（{shown.period.name}）"
    returned = current is not None and (
        current.state == Report.State.RETURNED or (current.state == Report.State.DRAFT and current.review_comment)
    )
    if returned and shown is None:
        return REVIEW_LABELS[Report.State.RETURNED]
    if returned and current is not shown:
        label += "；本期已退回"
    return label


class _Sheet:
    """A write-only worksheet with the house styles, its row heights and merges."""

    def __init__(self, workbook, title, columns, paper):
        self.ws = write_only_sheet(workbook, title)
        self.columns = columns
        self.paper = paper
        self.scale = layout.fit_scale(columns, paper)
        self._styles = {}
        for index, column in enumerate(columns, start=1):
            dimension = self.ws.column_dimensions[get_column_letter(index)]
            dimension.width = column.width
            if column.style == "key":
                dimension.hidden = True
        self._column_styles = [self.cell_style(column.style) for column in columns]
        self.row = 0
        self.title_height = 0.0

    def cell_style(self, name):
        """The named style ready for cells (xlsx.CellStyle), made once per sheet."""
        prepared = self._styles.get(name)
        if prepared is None:
            prepared = self._styles[name] = CellStyle(self.ws, name)
        return prepared

    def append(self, values, styles=None, height=None):
        """Write a row of values (str, numbers or None); `styles` overrides the columns' styles by index."""
        self.row += 1
        if height is None:
            height = layout.row_height(values, self.columns)
        cell_styles = self._column_styles
        if styles:
            cell_styles = cell_styles.copy()
            for index, style in styles.items():
                cell_styles[index] = self.cell_style(style)
        # Write-only rows are written at once, so their height is set first:
        # neither Excel nor LibreOffice grows a row to fit wrapped text on opening.
        ws = self.ws
        set_row_height(ws, self.row, height)
        ws.append([guarded_cell(ws, value, cell_styles[index]) for index, value in enumerate(values)])
        return height

    def banner(self, text, style, size):
        """A title or note row merged across the printed columns, tall enough for its text."""
        printed = [c for c in self.columns if c.style != "key"]
        width = sum(c.width for c in printed)
        height = layout.text_height(text, width, size) + layout.ROW_PADDING_PT + 2
        self.append([text], {0: style}, height=height)
        self.ws.merged_cells.add(f"A{self.row}:{get_column_letter(len(printed))}{self.row}")
        self.title_height += height

    def header(self, headers=None):
        headers = headers or [c.header for c in self.columns]
        height = max(layout.MIN_ROW_PT, layout.row_height(headers, self.columns) + 2)
        self.append(headers, {i: "header" for i in range(len(headers))}, height=height)
        self.title_height += height

    def merge_down(self, column, first, last):
        if first is not None and last > first:
            letter = get_column_letter(column)
            self.ws.merged_cells.add(f"{letter}{first}:{letter}{last}")

    def page_break(self):
        """A manual page break after the last written row."""
        self.ws.row_breaks.append(Break(id=self.row))

    def capacity(self):
        """Sheet points of rows that fit on a page below the repeated title rows."""
        return layout.page_height(self.paper, self.scale) * PAGE_FILL - self.title_height

    def print_setup(self, title_rows):
        """Must run before the first row: write-only sheets write these with it."""
        ws = self.ws
        if title_rows:
            ws.freeze_panes = f"A{title_rows + 1}"
            ws.print_title_rows = f"1:{title_rows}"
        ws.page_setup.orientation = "landscape"
        ws.page_setup.paperSize = self.paper
        ws.page_setup.fitToWidth = 1
        ws.page_setup.fitToHeight = 0
        ws.sheet_properties.pageSetUpPr.fitToPage = True
        ws.print_options.horizontalCentered = True
        ws.page_margins.left = ws.page_margins.right = layout.MARGIN_SIDE_IN
        ws.page_margins.top = layout.MARGIN_TOP_IN
        ws.page_margins.bottom = layout.MARGIN_BOTTOM_IN
        ws.page_margins.header = ws.page_margins.footer = 0.25
        ws.oddFooter.center.text = "第 &P 页，共 &N 页"
        ws.oddFooter.center.font = f"{layout.BODY_FONT},Regular"
        ws.oddFooter.center.size = 10


def build_workbook(scope):
    """The 台账 workbook for `scope`."""
    workbook = Workbook(write_only=True)
    layout.set_default_font(workbook)
    for style in layout.styles():
        workbook.add_named_style(style)
    if scope.plan is None:
        _write_reading_sheet(workbook, scope, None, [])
        return workbook
    progress = scope.progress()
    states = list(progress.states.values())
    if scope.unit_ids is not None:
        states = [s for s in states if any(scope.wants(o) for o in progress.obligations[s.measure.pk])]
    progress.keep_only(states)
    _write_reading_sheet(workbook, scope, progress, states)
    by_unit = progress.unit_summaries(scope.unit_ids, keep_states=True)
    _write_fill_in_sheet(workbook, scope, progress, by_unit)
    _write_summary_sheet(workbook, scope, progress, by_unit)
    if not scope.filters:
        _write_indicator_sheet(workbook, scope)
    return workbook


def write_status_sheet(scope, target):
    """Write the 台账 to a path or a binary file object."""
    build_workbook(scope).save(target)


READING_NOTE = (
    "本表供阅读：每项措施一行，显示牵头单位{what}的进展，“审核状态”说明所示进展是否已经审核；"
    "有多个牵头单位的措施（如各街镇牵头）列出每个单位的状态和进度；配合单位只列状态和进度。"
    "各单位的全部填报内容见“按单位”工作表（每行一个单位的一项填报），填报也请使用该表，本表的修改不会导入。"
)


def _measure_review(state, period):
    """审核状态: the lead's, or with several leads how many are in each state."""
    if len(state.leads) == 1:
        return review_label(state.leads[0], period)
    counts = Counter(REVIEW_LABELS[s.latest.state] if s.latest else NOT_REPORTED for s in state.leads)
    lines = [f"{label} {counts[label]}" for label in [*REVIEW_LABELS.values(), NOT_REPORTED] if counts[label]]
    returned = sum(1 for s in state.leads if s.standing is not None and s.standing.returned)
    if returned:
        lines.append(f"本期已退回 {returned}")
    return "\n".join(lines)


def _lines_in_one_cell(texts, width, max_lines):
    """`texts` as the lines of one cell, the longest cut (and marked) to fit
    `max_lines`; the 按单位 sheet has them whole."""
    needs = [layout.text_lines(text, width) for text in texts]
    if sum(needs) <= max_lines:
        return "\n".join(texts)
    shares = layout.share_lines(needs, max_lines)
    return "\n".join(layout.clip_text(text, width, n) for text, n in zip(texts, shares, strict=True))


def _lead_text(state, field, width, max_lines):
    """A field of the lead's report, for reading; with several leads see _leads_text."""
    if len(state.leads) > 1:
        return _leads_text(state, field, width, max_lines)
    return _lines_in_one_cell(state.lead_texts(field), width, max_lines)


def _standing(s):
    """ "推进中 90%" of a lead's shown report, or 未填报."""
    return f"{STATUS_LABELS[s.latest.status]} {s.latest.percent}%" if s.latest else NOT_REPORTED


def _leads_text(state, field, width, max_lines):
    """A field of a measure with several leads (5.(2), 各街镇), never cut: 进展情况 gives
    every lead's standing and, when they all fit, its text ("江桥镇（推进中 90%）：…"),
    else a short line a lead ("江桥镇：推进中 90%"), or with too many for that the leads
    counted by state and the lagging named; 存在问题 and 下一步计划 give each text once
    with the leads that wrote it, or name those leads when the texts do not fit."""
    fits = lambda lines: sum(layout.text_lines(line, width) for line in lines) <= max_lines  # noqa: E731
    leads = [(s.obligation.unit.name, s) for s in state.leads]
    if field == "progress":
        if not any(s.latest for _, s in leads):
            return f"{len(leads)}个单位均{NOT_REPORTED}：{'、'.join(name for name, _ in leads)}"
        whole = [
            f"{name}（{_standing(s)}）：{s.latest.progress}" if s.latest else f"{name}：{NOT_REPORTED}"
            for name, s in leads
        ]
        if fits(whole):
            return "\n".join(whole)
        short = [f"{name}：{_standing(s)}" for name, s in leads] + [FULL_TEXTS]
        if fits(short):
            return "\n".join(short)
        return "\n".join(_counted(leads) + [FULL_TEXTS])
    by_text = {}
    for name, s in leads:
        text = getattr(s.latest, field) if s.latest else ""
        if text:
            by_text.setdefault(text.strip(), []).append(name)
    grouped = [f"{'、'.join(names)}：{text}" for text, names in by_text.items()]
    if fits(grouped):
        return "\n".join(grouped)
    wrote = {name for names in by_text.values() for name in names}
    writers = [name for name, _ in leads if name in wrote]
    return f"{len(writers)}个单位填写（内容见“按单位”）：{'、'.join(writers)}"


FULL_TEXTS = "（各单位填报内容见“按单位”）"


def _counted(leads):
    """The leads counted by state, then the lagging (滞后, 未启动, 未填报) by name."""
    counts = Counter(STATUS_LABELS[s.latest.status] if s.latest else NOT_REPORTED for _, s in leads)
    lines = ["、".join(f"{label} {n}" for label, n in counts.items())]
    for status in (Report.Status.LATE, Report.Status.NOT_STARTED, None):
        label = STATUS_LABELS[status] if status else NOT_REPORTED
        names = [
            f"{name} {s.latest.percent}%" if s.latest else name
            for name, s in leads
            if (s.latest.status if s.latest else None) == status
        ]
        if names:
            lines.append(f"{label}：{'、'.join(names)}")
    return lines


def _reporters(state):
    reporting = [s.obligation.unit.name for s in state.leads if s.latest]
    if len(state.leads) == 1:
        return reporting[0] if reporting else ""
    return f"{len(reporting)}/{len(state.leads)} 个牵头单位"


def _supports(state, width, max_lines):
    """配合单位进展: each reporting co-organizer's status and percent, a line each
    (their texts are in 按单位), then those yet to report, on one line."""
    texts = [
        f"{s.obligation.unit.name}：{STATUS_LABELS[s.latest.status]} {s.latest.percent}%"
        for s in state.supports
        if s.latest
    ]
    missing = [s.obligation.unit.name for s in state.supports if not s.latest]
    if missing:
        texts.append(f"{NOT_REPORTED}：{'、'.join(missing)}")
    return _lines_in_one_cell(texts, width, max_lines)


_TEXT_WIDTHS = {column.header: column.width for column in READING_COLUMNS}


def _write_reading_sheet(workbook, scope, progress, states):
    sheet = _Sheet(workbook, layout.READING_SHEET, READING_COLUMNS, layout.PAPER_A3)
    sheet.print_setup(3)
    sheet.banner(title_text(scope, progress.expected if progress else None), "title", layout.TITLE_SIZE)
    note = READING_NOTE.format(what="已审核" if scope.approved_only else "最新提交")
    if scope.filters:
        note += f"\n筛选条件：{scope.filters}（共 {len(states)} 项措施）"
    sheet.banner(note, "note", layout.BODY_SIZE)
    sheet.header()
    capacity, used = sheet.capacity(), 0.0
    # At most half a page a row (and never past Excel's tallest row), so that
    # measures with a dozen leads still print two to a page.
    max_lines = min(layout.MAX_LINES, int((capacity / 2 - layout.ROW_PADDING_PT) // layout.LINE_PT))
    task_start, current_task = None, None
    status_styles = {}
    for state in states:
        measure = state.measure
        first_of_task = measure.task_id != current_task
        values = [
            None,
            measure.numbered_text,
            measure.printed_units(),
            measure.printed_leads(),
            layout.status_with_light(state.status, state.light),
            state.percent / 100,
            _measure_review(state, scope.period),
            _lead_text(state, "progress", _TEXT_WIDTHS["进展情况"], max_lines),
            _lead_text(state, "problems", _TEXT_WIDTHS["存在问题"], max_lines),
            _lead_text(state, "next_steps", _TEXT_WIDTHS["下一步计划"], max_lines),
            _reporters(state),
            _time(state.reported_at),
            _supports(state, _TEXT_WIDTHS["配合单位进展"], max_lines),
        ]
        height = layout.row_height(values, READING_COLUMNS)
        new_page = used > 0 and used + height > capacity
        if first_of_task or new_page:
            # A task that runs onto a new page shows its name there too.
            values[0] = measure.task.heading if first_of_task else f"{measure.task.heading}（续）"
            height = layout.row_height(values, READING_COLUMNS)
            new_page = used > 0 and used + height > capacity
            sheet.merge_down(1, task_start, sheet.row)
            task_start = sheet.row + 1
        if new_page:
            sheet.page_break()
            used = 0.0
        current_task = measure.task_id
        light = state.light.value
        styles = status_styles.get(light) or status_styles.setdefault(light, {4: f"light_{light}"})
        used += sheet.append(values, styles, height)
    sheet.merge_down(1, task_start, sheet.row)


FILL_IN_NOTE = (
    "填报表：每行是一个单位对一项措施的填报。请只修改本单位各行的黄色单元格"
    "（状态、完成进度、进展情况、存在问题、下一步计划），不要改动其他列、表头和隐藏的“校验”列；"
    "保存为 .xlsx 后在系统的“导入台账”页面上传。未修改的行不会重新提交；其他单位的行请勿修改。"
)


def _write_fill_in_sheet(workbook, scope, progress, by_unit):
    sheet = _Sheet(workbook, layout.FILL_IN_SHEET, FILL_IN_COLUMNS, layout.PAPER_A3)
    sheet.print_setup(3)
    sheet.banner(title_text(scope, progress.expected) + " · 按单位（填报表）", "title", layout.TITLE_SIZE)
    sheet.banner(FILL_IN_NOTE, "note", layout.BODY_SIZE)
    sheet.header()
    first = sheet.row + 1
    light_styles = {}
    for summary in by_unit:
        unit = summary.unit
        for s in summary.states:
            obligation = s.obligation
            if scope.role is not None and obligation.role != scope.role:
                continue
            measure = obligation.measure
            report = s.shown
            if report is not None:
                values = {
                    "status": report.status,
                    "percent": report.percent,
                    "progress": report.progress,
                    "problems": report.problems,
                    "next_steps": report.next_steps,
                }
            else:
                values = dict.fromkeys(layout.EDITABLE.values())
            key = layout.fingerprint(
                measure.pk, unit.pk, report.pk if report else 0, s.current.version if s.current else 0, values
            )
            light = s.light.value
            styles = light_styles.get(light) or light_styles.setdefault(light, {8: f"light_{light}"})
            sheet.append(
                [
                    unit.name,
                    ROLE_LABELS[obligation.role],
                    f"{measure.code} {measure.text}",
                    STATUS_LABELS[report.status] if report else None,
                    report.percent / 100 if report else None,
                    values["progress"],
                    values["problems"],
                    values["next_steps"],
                    LIGHT_LABELS[s.light],
                    review_label(s, scope.period, report),
                    _time(report.submitted_at) if report else "",
                    key,
                ],
                styles,
            )
    if sheet.row >= first:
        status = get_column_letter(4)
        choices = DataValidation(
            type="list",
            formula1='"' + ",".join(STATUS_LABELS[value] for value in Report.Status.values) + '"',
            allow_blank=True,
            showErrorMessage=True,
            errorTitle="状态",
            error="请从下拉列表中选择：未启动、推进中、已完成或滞后。",
        )
        choices.add(f"{status}{first}:{status}{sheet.row}")
        sheet.ws.data_validations.append(choices)


SUMMARY_CHART_ROWS = 14  # rows of MIN_ROW_PT the chart covers


def _write_summary_sheet(workbook, scope, progress, by_unit):
    sheet = _Sheet(workbook, layout.SUMMARY_SHEET, SUMMARY_COLUMNS, layout.PAPER_A3)
    # The title on every page; the task table and the unit table have headers of their own.
    sheet.print_setup(1)
    sheet.banner(title_text(scope, progress.expected) + " · 汇总", "title", layout.TITLE_SIZE)
    headers = [c.header for c in SUMMARY_COLUMNS]
    header_height = max(layout.MIN_ROW_PT, layout.row_height(headers, SUMMARY_COLUMNS) + 2)
    used = sheet.append(headers, {i: "header" for i in range(len(headers))}, height=header_height)
    task_rows = progress.task_rows()
    first_task_row = sheet.row + 1
    for task, task_states, percent in task_rows:
        lights = [s.light.value for s in task_states]
        used += sheet.append(
            [
                task.heading,
                len(task_states),
                percent / 100,
                lights.count("red"),
                lights.count("yellow"),
                lights.count("green"),
                lights.count("done"),
            ]
        )
    last_task_row = sheet.row
    used += sheet.append([], height=layout.MIN_ROW_PT)
    if task_rows:
        chart = BarChart()
        chart.type = "bar"
        chart.style = 2
        chart.gapWidth = 60
        chart.title = layout.chart_title(f"各项工作任务平均完成进度（序时进度 {progress.expected:g}%）")
        chart.y_axis.scaling.min = 0
        chart.y_axis.scaling.max = 1
        chart.y_axis.numFmt = "0%"
        chart.y_axis.majorGridlines = None
        chart.x_axis.scaling.orientation = "maxMin"  # task 1 at the top, as in the table
        chart.legend = None
        data = Reference(sheet.ws, min_col=3, min_row=first_task_row - 1, max_row=last_task_row)
        categories = Reference(sheet.ws, min_col=1, min_row=first_task_row, max_row=last_task_row)
        chart.add_data(data, titles_from_data=True)
        chart.set_categories(categories)
        series = chart.series[0]
        # Dark grey with a black outline: as readable in black and white as in colour.
        series.graphicalProperties.solidFill = "595959"
        series.graphicalProperties.line.solidFill = "000000"
        series.dLbls = DataLabelList(
            showVal=True, showCatName=False, showSerName=False, showLegendKey=False, showPercent=False
        )
        series.dLbls.numFmt = "0%"
        chart.txPr = chart.x_axis.txPr = chart.y_axis.txPr = series.dLbls.txPr = layout.chart_text()
        chart.height = SUMMARY_CHART_ROWS * layout.MIN_ROW_PT / 72 * 2.54
        chart.width = sum(layout.column_points(c.width) for c in SUMMARY_COLUMNS) / 72 * 2.54
        sheet.ws.add_chart(chart, f"A{sheet.row + 1}")
        for _ in range(SUMMARY_CHART_ROWS):
            used += sheet.append([], height=layout.MIN_ROW_PT)
    _write_unit_summary(sheet, by_unit, used)


UNIT_TABLE_START_ROWS = 5  # unit rows that must fit below the task table for the unit table to start there


def _write_unit_summary(sheet, by_unit, used):
    """The unit table below the task table when its header and a few rows fit there,
    else from a new page; its header repeated on every page it runs onto. `used`:
    sheet points of the page already taken below the repeated title."""
    columns = [
        Column(h, c.width, c.style)
        for h, c in zip(UNIT_SUMMARY_HEADERS, SUMMARY_COLUMNS[: len(UNIT_SUMMARY_HEADERS)], strict=True)
    ]
    capacity = sheet.capacity()
    header_height = layout.row_height(UNIT_SUMMARY_HEADERS, columns)
    if used + header_height + UNIT_TABLE_START_ROWS * layout.MIN_ROW_PT <= capacity:
        used += sheet.append([], height=layout.MIN_ROW_PT)
    else:
        sheet.page_break()
        used = 0.0
    starting = True  # the table starts with its header
    for summary in by_unit:
        values = [
            summary.unit.name,
            summary.obligations,
            summary.leads,
            summary.submitted,
            summary.overdue,
            summary.percent / 100,
        ]
        height = layout.row_height(values, columns)
        if starting or used + height > capacity:
            if not starting:
                sheet.page_break()
                used = 0.0
            used += sheet.append(UNIT_SUMMARY_HEADERS, {i: "header" for i in range(6)}, height=header_height)
            starting = False
        used += sheet.append(values, {2: "center", 5: "percent"}, height=height)


INDICATOR_NOTE = (
    "本表列出方案“二、主要目标”的指标：目标与各年度实际值。已审核的实际值为数字；{pending}"
    "状态只按已审核的数值判断（已达成、进展中、未达成、目标待定）。本表只供阅读，导入台账时不读取。"
)
INDICATOR_REVIEW_LABELS = {Report.State.SUBMITTED: "待审核", Report.State.RETURNED: "已退回"}


def _indicator_year_cell(evaluation, year, approved_only):
    """An approved value as a number; one submitted or returned as text naming its state;
    "—" for a year outside the indicator's years; else empty."""
    if year not in evaluation.indicator.years:
        return "—"
    if year in evaluation.values:
        return float(evaluation.values[year])
    row = evaluation.pending.get(year)
    if approved_only or row is None or row.state not in INDICATOR_REVIEW_LABELS:
        return None  # drafts are their unit's own
    return f"{indicator_rules.number(row.value)}\n{INDICATOR_REVIEW_LABELS[row.state]}"


def _write_indicator_sheet(workbook, scope):
    evaluations = indicator_rules.evaluations(scope.plan)
    years = sorted({y for e in evaluations for y in e.indicator.years})
    columns = layout.indicator_columns(years)
    sheet = _Sheet(workbook, layout.INDICATOR_SHEET, columns, layout.PAPER_A4)
    sheet.print_setup(3)
    title = f"《{scope.plan.title}》主要目标指标 · 截至 {scope.as_of:%Y年%m月%d日}"
    sheet.banner(title + ("（仅已审核）" if scope.approved_only else ""), "title", layout.TITLE_SIZE)
    pending = "" if scope.approved_only else "待审核、已退回的注明其状态，草稿不列出；"
    sheet.banner(INDICATOR_NOTE.format(pending=pending), "note", layout.BODY_SIZE)
    sheet.header()
    if not evaluations:
        sheet.append(["本方案尚未设定目标指标。"])
        return
    for e in evaluations:
        i = e.indicator
        baseline = f"{i.baseline_year}年" if i.baseline_year else "—"
        if e.baseline is not None:
            baseline += f"\n{indicator_rules.number(e.baseline)}"
        responsible = i.unit.name + (f"\n数据：{i.data_unit.name}" if i.data_unit else "")
        sheet.append(
            [
                f"{i.number}. {i.name}",
                i.measure_unit,
                baseline,
                e.target_text,
                *(_indicator_year_cell(e, year, scope.approved_only) for year in years),
                str(e.status_label),
                responsible,
            ]
        )

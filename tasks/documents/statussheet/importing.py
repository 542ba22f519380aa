"""The 台账 back in: the 按单位 sheet, filled in offline, is read, checked and previewed.

`read_upload` runs named steps: open the file, find the header and columns,
match each row to its obligation, compare it with what was exported (the
row's hidden key), validate the changed rows with the report form's rules
and build the preview. `apply_changes` then writes every change or none.

A row changes its own unit's report only, and only in the fields whose
cells differ from the export: an unmodified sheet, whatever program saved
it, changes nothing.
"""

import re
import zipfile
from dataclasses import asdict, dataclass, field

from django.db import transaction
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter

from departments.models import Unit
from jiading_ads import text, uploads
from tasks import obligations as obligation_rules
from tasks.documents.statussheet import layout
from tasks.documents.statussheet.layout import (
    EDITABLE,
    FILL_IN_SHEET,
    KEY_HEADER,
    REQUIRED_HEADERS,
    STATUS_LABELS,
    RowKey,
)
from tasks.models import Measure, Report
from tasks.reporting import workflow
from tasks.reporting.forms import ReportForm

STATUS_BY_LABEL = {str(label): value for value, label in Report.Status.choices}
FIELD_HEADERS = {name: header for header, name in EDITABLE.items()}
TEXT_FIELDS = ["progress", "problems", "next_steps"]


class UploadError(Exception):
    """The file as a whole cannot be read; str() is the Chinese message."""


@dataclass
class RowChange:
    """One valid row of an uploaded sheet that changes a report."""

    row: int
    measure_id: int
    unit_id: int
    code: str
    unit_name: str
    version: int  # of this period's report when exported; 0 for a new report
    data: dict  # every report field, as it will be saved
    fields: list = field(default_factory=list)  # [(header, old, new)] of what changes

    def as_data(self):
        return asdict(self)


@dataclass
class ImportPreview:
    changes: list
    errors: list  # (row number, message)
    unchanged: int
    period: object
    missing_columns: list = field(default_factory=list)  # optional columns absent: their fields are kept
    ignored: int = 0  # unchanged rows of units the user may not import for

    @property
    def ok(self):
        return not self.errors and bool(self.changes)


SAVE_AS_XLSX = (
    "请打开文件后另存为 .xlsx 再上传：Excel 选“文件 → 另存为”，保存类型选“Excel 工作簿 (*.xlsx)”；"
    "WPS 表格选“文件 → 另存为”，文件类型选“Microsoft Excel 文件 (*.xlsx)”；"
    "LibreOffice Calc 选“文件 → 另存为”，文件类型选“Excel 2007-365 (.xlsx)”，并在提示时选“使用 Excel 2007-365!”。"
)
OTHER_FORMATS = {
    ".xls": "Excel 97-2003 工作簿（.xls）",
    ".et": "WPS 表格文件（.et）",
    ".ods": "OpenDocument 电子表格（.ods）",
    ".csv": "CSV 文本文件（.csv）",
}


def wrong_format_message(kind):
    return f"这是{kind}，系统只能读取 .xlsx 格式的台账。{SAVE_AS_XLSX}"


# --- Step 1: open the file --------------------------------------------------------------


def _sniff(file):
    """The name of another spreadsheet format the content is in, or None."""
    head = file.read(8)
    file.seek(0)
    if head.startswith(b"\xd0\xcf\x11\xe0"):  # OLE2: .xls, and .et saved by WPS
        return "Excel 97-2003 或 WPS 表格文件（.xls / .et）"
    if head.startswith(b"PK"):
        try:
            with zipfile.ZipFile(file) as archive:
                if "mimetype" in archive.namelist() and b"opendocument" in archive.read("mimetype"):
                    return OTHER_FORMATS[".ods"]
        except zipfile.BadZipFile:
            return None
        finally:
            file.seek(0)
    return None


def _open(file):
    """The workbook's fill-in sheet as rows of cells (values and formulas, with number formats).

    Where reading an upload begins: every check of the file as a whole (its
    name, format and limits) belongs here, before openpyxl opens it.
    """
    name = str(getattr(file, "name", "") or "").lower()
    for extension, kind in OTHER_FORMATS.items():
        if name.endswith(extension):
            raise UploadError(wrong_format_message(kind))
    if name and not name.endswith((".xlsx", ".xlsm")):
        raise UploadError(f"只能上传 .xlsx 格式的台账。{SAVE_AS_XLSX}")
    if hasattr(file, "seek"):
        file.seek(0)
        kind = _sniff(file)
        if kind:
            raise UploadError(wrong_format_message(kind))
    try:
        uploads.check_xlsx(file)
    except uploads.UploadRefused as exc:
        raise UploadError(str(exc)) from None
    try:
        workbook = load_workbook(file, read_only=True, data_only=False)
    except Exception:  # openpyxl raises many kinds of error on a bad file
        raise UploadError(
            "无法读取该文件：请上传由本系统导出、用 Excel、WPS 或 LibreOffice 编辑后保存为 .xlsx 的台账。"
        ) from None
    try:
        if FILL_IN_SHEET not in workbook.sheetnames:
            raise UploadError(
                f"找不到“{FILL_IN_SHEET}”工作表：请在本系统导出的台账的“{FILL_IN_SHEET}”工作表中填写后上传"
                f"（“{layout.READING_SHEET}”工作表只供阅读，其内容不会导入）。"
            )
        sheet = workbook[FILL_IN_SHEET]
        return [
            [(c.value, c.data_type, c.number_format if c.value is not None else None) for c in row]
            for row in sheet.iter_rows(max_col=len(layout.FILL_IN_COLUMNS) + 10)
        ]
    finally:
        workbook.close()


# --- Step 2: the header and the columns -----------------------------------------------------


@dataclass
class Columns:
    header_row: int  # 0-based index into the rows
    index: dict  # header: 0-based column
    missing: list  # optional headers not found

    def letter(self, header):
        return get_column_letter(self.index[header] + 1)


def _text(value):
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _find_columns(rows):
    found = [
        (number, headers)
        for number, headers in enumerate([_text(value) for value, _, _ in row] for row in rows[:10])
        if "单位" in headers and "具体措施" in headers
    ]
    if not found:
        raise UploadError(
            f"找不到表头：“{FILL_IN_SHEET}”工作表的前几行应有“单位”“具体措施”等列名（请使用本系统导出的台账）。"
        )
    number, headers = found[0]
    index = {}
    for column, header in enumerate(headers):
        if header and header not in index:
            index[header] = column
    required = [h for h in REQUIRED_HEADERS if h not in index]
    if required:
        raise UploadError(
            f"表头缺少以下列：{'、'.join(required)}。请不要删除或改名这些列（“{KEY_HEADER}”列是隐藏的），"
            "可重新导出台账后再填写。"
        )
    missing = [h for h in EDITABLE if h not in index]
    return Columns(number, index, missing)


def _check_period(rows, columns, plan, period):
    """A sheet exported for another period is refused: its rows would land in the wrong one."""
    title = " ".join(_text(value) for row in rows[: columns.header_row] for value, _, _ in row if value)
    named = [name for name in plan.periods.values_list("name", flat=True) if f"· {name} ·" in title]
    if named and period.name not in named:
        raise UploadError(
            f"这份台账是“{named[0]}”的，当前填报周期是“{period.name}”：请导出当前周期的台账填写后再上传。"
        )


# --- Step 3: reading a cell as a report field --------------------------------------------------


def _is_percent_format(number_format):
    """A number format that shows value × 100 with a % sign (not a literal "%")."""
    if not number_format:
        return False
    bare = re.sub(r'"[^"]*"|\\.', "", number_format)
    return "%" in bare


def parse_percent(value, number_format):
    """(percent, problem): 98, "98", "98%" and 0.98 in a percent cell all mean 98; 1.0 there means 100."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None, None
    if isinstance(value, bool):
        return None, "应为 0 到 100 之间的整数"
    if isinstance(value, (int, float)):
        number = float(value)
        if _is_percent_format(number_format) and 0 <= number <= 1:
            number *= 100
    else:
        text = str(value).strip().replace("％", "%").removesuffix("%").strip()
        try:
            number = float(text)
        except ValueError:
            return None, "不是数字，应为 0 到 100 之间的整数（如 85 或 85%）"
    rounded = round(number)
    if abs(number - rounded) > 1e-6 or not 0 <= rounded <= 100:
        return None, "应为 0 到 100 之间的整数（如 85 或 85%）"
    return int(rounded), None


def parse_status(value):
    """A status label ("推进中", or "推进中（绿灯）") as its value; anything else as typed, for the form to refuse."""
    text = _text(value)
    label = text.split("（", 1)[0].split("(", 1)[0].strip()
    if not label:
        return None
    return STATUS_BY_LABEL.get(label, text)


def parse_text(value):
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if hasattr(value, "isoformat"):  # a date typed into a text cell
        return value.isoformat()
    # A pasted control character would break the next export (jiading_ads/text.py).
    return text.remove_control_characters(str(value))


# --- Steps 4 and 5: match rows to obligations, compare with the export --------------------------


@dataclass
class _Row:
    number: int  # the sheet's row number
    key: RowKey
    obligation: object
    cells: dict  # field: (value, problem) for the editable columns present
    changed: dict  # field: parsed value, for the fields whose cell differs from the export


def _read_field(name, raw, coordinate):
    value, data_type, number_format = raw
    if data_type == "f":
        return None, f"{coordinate} 是公式“{str(value)[:30]}”：请直接填写内容，不要使用公式"
    if name == "percent":
        percent, problem = parse_percent(value, number_format)
        return percent, problem and f"{coordinate} 完成进度“{_text(value)}”{problem}"
    if name == "status":
        return parse_status(value), None
    return parse_text(value), None


def _match_rows(rows, columns, plan, errors):
    """Rows with their obligation and what changed since the export; errors are appended."""
    measures = {m.pk: m for m in Measure.objects.filter(task__plan=plan).select_related("task").with_assignments()}
    members = obligation_rules.collective_members()
    seen, matched = {}, []
    for offset, row in enumerate(rows[columns.header_row + 1 :], start=columns.header_row + 2):

        def raw(header, row=row):
            index = columns.index.get(header)
            return row[index] if index is not None and index < len(row) else (None, "n", None)

        if all(value is None or _text(value) == "" for value, _, _ in row):
            continue
        key = RowKey.parse(raw(KEY_HEADER)[0])
        if key is None:
            if any(_text(raw(h)[0]) for h in EDITABLE if h in columns.index):
                errors.append(
                    (offset, f"这一行不是从系统导出的行（缺少“{KEY_HEADER}”列的内容）：请在导出的行中填写，不要新增行")
                )
            continue
        measure = measures.get(key.measure_id)
        obligation = obligation_rules.find(measure, key.unit_id, members) if measure else None
        if obligation is None:
            errors.append((offset, "这一行的措施或单位已不在本方案中（可能已调整分工），请重新导出台账后填写"))
            continue
        if (key.measure_id, key.unit_id) in seen:
            errors.append((offset, f"与第 {seen[key.measure_id, key.unit_id]} 行是同一单位的同一措施，请删去重复的行"))
            continue
        seen[key.measure_id, key.unit_id] = offset
        unit_cell, measure_cell = _text(raw("单位")[0]), _text(raw("具体措施")[0])
        if unit_cell != obligation.unit.name or not measure_cell.startswith(f"{measure.code} "):
            errors.append(
                (
                    offset,
                    f"“单位”或“具体措施”与导出时不一致（应为 {obligation.unit.name}、{measure.code}），请不要修改这两列",
                )
            )
            continue
        cells, changed = {}, {}
        for header, name in EDITABLE.items():
            if header not in columns.index:
                continue
            coordinate = f"{columns.letter(header)}{offset}"
            value, problem = _read_field(name, raw(header), coordinate)
            cells[name] = (value, problem)
            if problem or layout.digest(name, value) != key.digests[name]:
                changed[name] = value
        matched.append(_Row(offset, key, obligation, cells, changed))
    return matched


# --- Step 6: validate the changed rows ------------------------------------------------------------


def _label(name, value):
    if value in (None, ""):
        return "（空）" if name != "status" else layout.NOT_REPORTED
    if name == "status":
        return STATUS_LABELS[value] if value in STATUS_BY_LABEL.values() else str(value)
    if name == "percent":
        return f"{value}%"
    return value


def _validate(row, base, current, period, columns, user_unit_ids, today):
    """(RowChange, None) or (None, message) for a changed row."""
    obligation = row.obligation
    unit, measure = obligation.unit, obligation.measure
    where = f"措施 {measure.code}（{unit.name}）"
    if user_unit_ids is not None and unit.pk not in user_unit_ids:
        return None, f"{where}：您只能导入本单位的填报，这一行属于“{unit.name}”，请不要修改其他单位的行"
    # A final evaluation has fields the 台账 does not carry (完成情况): an unchanged
    # 台账 comes back as 0 changes, an edited row is refused with the workflow's reason.
    final_block = workflow.final_block_reason(obligation, period, row.changed)
    if final_block:
        return None, f"{where}：{final_block}"
    problems = [problem for _, problem in row.cells.values() if problem]
    if problems:
        return None, f"{where}：" + "；".join(problems)
    version = current.version if current else 0
    if version != row.key.current_version or (row.key.shown_id and base is None):
        return None, f"{where}：这份填报在导出台账后已有更新，为免覆盖，请重新导出台账后再填写这一行"
    before = {name: getattr(base, name) if base else None for name in EDITABLE.values()}
    data = {**before, **row.changed}
    form = ReportForm(
        data={**{k: ("" if v is None else v) for k, v in data.items()}, "version": version},
        instance=Report(role=obligation.role),
    )
    if not form.is_valid():
        messages = []
        for name, field_errors in form.errors.items():
            header = FIELD_HEADERS.get(name)
            cell = f"{columns.letter(header)}{row.number} " if header in columns.index else ""
            messages.extend(f"{cell}{message}" for message in field_errors)
        return None, f"{where}：" + "；".join(messages)
    # Fields left as exported keep their stored value; a new report takes the form's for all.
    saved = {name: form.cleaned_data[name] if name in row.changed or base is None else before[name] for name in before}
    fields = [
        (FIELD_HEADERS[name], _label(name, before[name]), _label(name, saved[name]))
        for name in EDITABLE.values()
        if name in row.changed and layout.cell_value(name, saved[name]) != layout.cell_value(name, before[name])
    ]
    if not fields:
        return None, None  # a change the form's cleaning undoes, e.g. spaces typed at the end
    reason = workflow.edit_block_reason(current, period, today)
    if reason:
        return None, f"{where}：{reason}"
    return (
        RowChange(
            row=row.number,
            measure_id=measure.pk,
            unit_id=unit.pk,
            code=measure.code,
            unit_name=unit.name,
            version=version,
            data=saved,
            fields=fields,
        ),
        None,
    )


# --- The steps together ---------------------------------------------------------------------------


def read_upload(file, plan, period, user_unit_ids=None, today=None):
    """Check an uploaded 台账 against the plan; returns an ImportPreview.

    `user_unit_ids`: for unit staff, the units they may report for; None for
    the coordinator. `today`: the day the period write rule is judged on
    (None: only a closed period refuses). Reads the workbook once, then a
    fixed number of queries.
    """
    if plan is None or period is None:
        raise UploadError("没有可导入的行动方案或开放的填报周期。")
    rows = _open(file)
    columns = _find_columns(rows)
    _check_period(rows, columns, plan, period)
    errors = []
    matched = _match_rows(rows, columns, plan, errors)
    changed = [row for row in matched if row.changed]
    shown_ids = {row.key.shown_id for row in changed if row.key.shown_id}
    bases = Report.objects.in_bulk(shown_ids)
    currents = {
        (r.measure_id, r.unit_id): r
        for r in Report.objects.filter(period=period, measure_id__in={row.key.measure_id for row in changed}).order_by()
    }
    changes, unchanged, ignored = [], 0, 0
    for row in matched:
        if not row.changed:
            if user_unit_ids is not None and row.obligation.unit.pk not in user_unit_ids:
                ignored += 1
            else:
                unchanged += 1
            continue
        change, problem = _validate(
            row,
            bases.get(row.key.shown_id),
            currents.get(row.obligation.key),
            period,
            columns,
            user_unit_ids,
            today,
        )
        if problem:
            errors.append((row.number, problem))
        elif change:
            changes.append(change)
        else:
            unchanged += 1
    errors.sort(key=lambda error: error[0])
    return ImportPreview(
        changes=changes,
        errors=errors,
        unchanged=unchanged,
        period=period,
        missing_columns=columns.missing,
        ignored=ignored,
    )


def apply_changes(changes, period, user, today=None):
    """Apply previewed changes as submitted reports, all or nothing.

    Raises workflow.WorkflowError (a conflict if any report changed since
    the preview); nothing is written then.
    """
    measures = Measure.objects.select_related("task").with_assignments().in_bulk([c["measure_id"] for c in changes])
    members = obligation_rules.collective_members()
    units = Unit.objects.in_bulk([c["unit_id"] for c in changes])
    with transaction.atomic():
        for change in changes:
            measure, unit = measures.get(change["measure_id"]), units.get(change["unit_id"])
            obligation = obligation_rules.find(measure, unit, members) if measure and unit else None
            if obligation is None:
                raise workflow.NotAllowed(f"第 {change['row']} 行：该单位已不承担这项措施。")
            workflow.save_report(
                obligation,
                period,
                change["data"],
                user,
                submit=True,
                version=change["version"],
                imported=True,
                today=today,
            )
    return len(changes)

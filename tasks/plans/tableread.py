"""Step 1 of loading a plan from its task table (see plantable): the table as
printed, from Word or Excel, read into a `TableDraft` without touching the
database.

`read_table(file, name)` reads tasks, measures and units with the place
(table, row, cell) each came from, the 备注 and its lead rule (`parse_note`),
and the problems found while reading; a file that cannot be read at all
raises `TableError`. The draft is plain data (`as_data` /
`TableDraft.from_data`), so the page keeps it in the session between upload
and confirm instead of trusting the client with it.
"""

import io
import re
from dataclasses import asdict, dataclass, field

import docx
from django.conf import settings
from docx.table import _Cell
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter

from jiading_ads import uploads

DEFAULT_ISSUER = "上海市嘉定区人民政府"

# Upload limits: the site's one set (jiading_ads/uploads.py, settings
# UPLOAD_MAX_*), checked part by part, streamed, before python-docx or openpyxl
# reads the file (rows included); a cell over UPLOAD_MAX_CELL_CHARS that got
# through is a row problem here rather than a refusal.


class Severity:
    ERROR = "error"  # the file must be corrected
    DECISION = "decision"  # the admin decides in the preview
    WARNING = "warning"  # shown, does not block


SEVERITY_LABELS = {Severity.ERROR: "错误", Severity.DECISION: "待确认", Severity.WARNING: "提示"}


@dataclass
class Problem:
    severity: str
    place: str
    message: str
    name: str = ""  # the printed unit name, for unknown units
    about_note: bool = False  # the admin's "已核对备注" settles it

    @property
    def label(self):
        return SEVERITY_LABELS[self.severity]

    def __str__(self):
        return f"[{self.label}] {self.place}：{self.message}" if self.place else f"[{self.label}] {self.message}"


class TableError(Exception):
    """The file as a whole cannot be read; str() is the Chinese message."""


# --- Text as offices print it ---------------------------------------------

_SPACE = re.compile(r"[\s\u200b\ufeff]+")
_ASCII_WORD = re.compile(r"[A-Za-z0-9]")


def clean_text(value):
    """Text without the line-break spaces of PDFs and Word, as the bundled
    fixture has it: a space stays only after an ASCII letter, digit or ")"
    or before an ASCII letter or digit ("5G 等", "上海设计 100+", "5.(2) 各"),
    and goes everywhere else ("发展数字广告 新型业态", "5. (2)")."""
    text = _cell_text(value).strip()

    def keep(match):
        before = text[match.start() - 1] if match.start() else ""
        after = text[match.end()] if match.end() < len(text) else ""
        if _ASCII_WORD.match(before) or before == ")" or _ASCII_WORD.match(after):
            return " "
        return ""

    return _SPACE.sub(keep, text)


def clean_name(value):
    """A unit name: no whitespace at all."""
    return _SPACE.sub("", _cell_text(value))


def _cell_text(value):
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value)


_CN_DIGITS = {
    "零": 0,
    "〇": 0,
    "一": 1,
    "二": 2,
    "两": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
}


def parse_number(text):
    """ "12", "１２", "十二", "二十一" → int; None when it is no number."""
    text = text.strip()
    if text.isdecimal():
        return int(text)
    if not text or any(ch not in _CN_DIGITS and ch not in "十百" for ch in text):
        return None
    total = current = 0
    for ch in text:
        if ch == "十":
            total += (current or 1) * 10
            current = 0
        elif ch == "百":
            total += (current or 1) * 100
            current = 0
        else:
            current = _CN_DIGITS[ch]
    return total + current


_NUMBER = r"\d+|[零〇一二两三四五六七八九十百]+"
_TASK_CELL = re.compile(
    rf"^(?:[(（]\s*(?P<p>{_NUMBER})\s*[)）]|(?P<n>{_NUMBER})\s*[.．、](?![0-9]))\s*(?P<rest>.*)$", re.S
)
_CIRCLED = {
    **{chr(0x2460 + i): i + 1 for i in range(20)},  # ①–⑳
    **{chr(0x3251 + i): i + 21 for i in range(15)},  # ㉑–㉟
    **{chr(0x32B1 + i): i + 36 for i in range(15)},  # ㊱–㊿
}
_MEASURE_CELL = re.compile(
    rf"^(?:[(（]\s*(?P<p>{_NUMBER})\s*[)）]|(?P<b>\d+)\s*[)）]|(?P<c>[{''.join(_CIRCLED)}])"
    rf"|(?P<d>\d+)\s*[.．、](?![0-9]))\s*(?P<rest>.*)$",
    re.S,
)


def split_task(text):
    """ "1. 发展…", "1、…", "一、…", "（一）…" → (number, title); None without a number."""
    match = _TASK_CELL.match(text)
    if not match:
        return None
    number = parse_number(match.group("p") or match.group("n"))
    title = match.group("rest").strip()
    return (number, title) if number and title else None


_SERIAL = re.compile(rf"^(?:(?:{_NUMBER})\s*[.．\-—－]\s*)?(?P<n>\d+)[.．、]?$")


def split_serial(text):
    """A 序号 cell → the measure's number: "3", "3.", "（3）", "③", "1.3" / "1-3" (task 1,
    measure 3) → 3; None when it holds none."""
    text = (text or "").strip()
    match = _SERIAL.match(text)
    if match:
        return int(match.group("n"))
    parsed = split_measure(text + " x")
    return parsed[0] if parsed else None


def split_measure(text):
    """ "(1) 鼓励…", "（1）…", "1)…", "①…", "1. …" → (number, text); None without a number."""
    match = _MEASURE_CELL.match(text)
    if not match:
        return None
    if match.group("c"):
        number = _CIRCLED[match.group("c")]
    else:
        number = parse_number(match.group("p") or match.group("b") or match.group("d"))
    rest = match.group("rest").strip()
    return (number, rest) if number and rest else None


# --- Units and their lead markers --------------------------------------------

_UNIT_SEPARATORS = "、，,；;\n\r"
_LABEL = re.compile(r"(牵头|配合|协办|参与)(?:单位|部门)?\s*[:：]")
_MARKER = re.compile(r"[(（]\s*(牵头|牵头单位|牵头部门|配合|配合单位|协办|协办单位)\s*[)）]$")


def _split_outside_brackets(text):
    parts, depth, current = [], 0, []
    for ch in text:
        if ch in "(（[【":
            depth += 1
        elif ch in ")）]】":
            depth = max(depth - 1, 0)
        if ch in _UNIT_SEPARATORS and depth == 0:
            parts.append("".join(current))
            current = []
        else:
            current.append(ch)
    parts.append("".join(current))
    return parts


def split_units(text):
    """A 责任单位 cell → [(printed name, lead)], in order. `lead` is True for a
    unit marked as lead ("区科委（牵头）", after "牵头："), False for one marked
    as co-organizer, None when unmarked."""
    units = []
    segments, position, role = [], 0, None
    for match in _LABEL.finditer(text):
        segments.append((text[position : match.start()], role))
        role = match.group(1) == "牵头"
        position = match.end()
    segments.append((text[position:], role))
    for segment, segment_role in segments:
        for part in _split_outside_brackets(segment):
            name = clean_name(part)
            lead = segment_role
            marker = _MARKER.search(name)
            if marker:
                lead = marker.group(1).startswith("牵头")
                name = name[: marker.start()]
            if name:
                units.append((name, lead))
    return units


# --- The 备注 -----------------------------------------------------------------

_REFERENCE = re.compile(rf"(?P<t>{_NUMBER})\s*[.．、]?\s*[(（]\s*(?P<m>\d+)\s*[)）]")
_FIRST_LEADS = re.compile(r"(第一|首位|首个|第1|排在最前|排在前面|居首|第一位|第一个)")
_EACH_OWN = re.compile(r"(各自|分别)(负责)?牵头")
_ALL_LEAD = re.compile(r"(共同牵头|联合牵头|均为牵头|都是牵头|均是牵头)")
_SUPPORT_RULE = re.compile(r"(其余|其他|其它|余下).{0,8}(配合|协办)")
NOTE_PREFIX = re.compile(r"^\s*(备\s*注|注)\s*[:：]?\s*")
_NOTE_LINE = re.compile(r"^\s*(备\s*注|注)\s*[:：]")


@dataclass
class NoteRule:
    """What a 备注 says about leads."""

    first_leads: bool = False  # "排名第一的为牵头单位"
    exceptions: dict = field(default_factory=dict)  # {(task, measure): "each" | "all"}
    unscoped: str = ""  # an exception naming no measure ("各街镇各自牵头" in a row's 备注)
    unknown: list = field(default_factory=list)  # clauses not understood


def parse_note(text):
    """Read the usual wordings of the lead rule; keep what is not understood."""
    rule = NoteRule()
    text = NOTE_PREFIX.sub("", clean_text(text))
    pending = []  # measures named in a clause whose rule follows in the next
    for sentence in re.split(r"[。；;\n]", text):
        for clause in re.split(r"[，,]", sentence):
            clause = clause.strip()
            if not clause:
                continue
            references = [(parse_number(m.group("t")), int(m.group("m"))) for m in _REFERENCE.finditer(clause)]
            kind = "each" if _EACH_OWN.search(clause) else "all" if _ALL_LEAD.search(clause) else None
            if kind:
                targets = references or pending
                if targets:
                    for reference in targets:
                        rule.exceptions[reference] = kind
                else:
                    rule.unscoped = kind
                pending = []
            elif references:
                pending = references
            elif "牵头" in clause and _FIRST_LEADS.search(clause):
                rule.first_leads = True
            elif _SUPPORT_RULE.search(clause) or re.fullmatch(r"其中", clause):
                continue
            else:
                rule.unknown.append(clause)
    return rule


# --- The draft: the table as read -------------------------------------------


@dataclass
class UnitEntry:
    name: str  # as printed, spaces removed, marker stripped
    lead: bool | None  # marked lead / marked co-organizer / unmarked
    place: str


@dataclass
class MeasureRow:
    number: int
    text: str
    place: str
    units: list  # UnitEntry
    units_place: str
    lead_names: list | None = None  # from a 牵头单位 column
    note: str = ""  # the row's 备注 cell
    note_place: str = ""
    from_number_column: bool = False  # numbered from the 序号 column (the 具体措施 cell holds the text alone)


@dataclass
class TaskRow:
    number: int
    title: str
    place: str
    measures: list = field(default_factory=list)


@dataclass
class TableDraft:
    source: str
    tasks: list = field(default_factory=list)
    note: str = ""
    note_place: str = ""
    problems: list = field(default_factory=list)

    def as_data(self):
        return asdict(self)

    @classmethod
    def from_data(cls, data):
        tasks = []
        for t in data["tasks"]:
            measures = [MeasureRow(**{**m, "units": [UnitEntry(**u) for u in m["units"]]}) for m in t["measures"]]
            tasks.append(TaskRow(**{**t, "measures": measures}))
        return cls(
            source=data["source"],
            tasks=tasks,
            note=data["note"],
            note_place=data["note_place"],
            problems=[Problem(**p) for p in data["problems"]],
        )

    def measures(self):
        for task in self.tasks:
            for measure in task.measures:
                yield task, measure

    @property
    def measure_count(self):
        return sum(len(t.measures) for t in self.tasks)


# --- Reading files -----------------------------------------------------------

_COLUMNS = {
    "task": ("工作任务", "主要任务", "重点任务"),
    "measure": ("具体措施", "工作措施", "主要措施"),
    "units": ("责任单位", "责任部门"),
    "leads": ("牵头单位", "牵头部门"),
    "supports": ("配合单位", "配合部门", "协办单位"),
    "note": ("备注",),
    "number": ("序号", "编号"),
}
_COLUMN_LABELS = {key: names[0] for key, names in _COLUMNS.items()}
HEADER_LABELS = (_COLUMN_LABELS["task"], _COLUMN_LABELS["measure"], _COLUMN_LABELS["units"])
HEADER_HELP = "表头应有“工作任务”“具体措施”“责任单位”三列（顺序不限，可另有“备注”列）"


def _header_columns(cells):
    """{column key: index} when `cells` is a header row, else None."""
    found = {}
    for index, cell in enumerate(cells):
        text = clean_name(cell)
        for key, names in _COLUMNS.items():
            if text in names and key not in found:
                found[key] = index
    if "task" in found and "measure" in found and ("units" in found or "leads" in found):
        return found
    return None


def check_limits(data, name):
    """Refuse what is too big or not a Word/Excel file, before any parser reads
    it. Returns "docx" or "xlsx"."""
    if not data:
        raise TableError("文件是空的（0 字节）。")
    if len(data) > settings.UPLOAD_MAX_FILE_BYTES:
        limit = settings.UPLOAD_MAX_FILE_BYTES // (1024 * 1024)
        raise TableError(f"文件超过 {limit} MB，任务分工表不会这么大：请检查是否选错了文件。")
    if data.startswith(uploads.OLE_MAGIC):
        if "EncryptionInfo".encode("utf-16-le") in data:
            raise TableError("文件设有打开密码（已加密），无法读取：请在 Word 或 Excel 中取消密码后另存，再上传。")
        raise TableError(
            "这是旧版 Word（.doc）或 Excel（.xls）格式：请在 Word/WPS 中“另存为” .docx（或 Excel 的 .xlsx）后再上传。"
        )
    if not data.startswith(uploads.ZIP_MAGIC):
        raise TableError("无法识别的文件格式：请上传 Word（.docx）或 Excel（.xlsx）文件。")
    try:
        kind = uploads.check_office_file(io.BytesIO(data))
    except uploads.UploadRefused as exc:
        raise TableError(str(exc)) from None
    if kind is None:
        raise TableError(f"“{name}”不是 Word 文档或 Excel 工作簿：请上传 .docx 或 .xlsx 文件。")
    return kind


def read_table(file, name):
    """Read a task table from a .docx/.xlsx (path, bytes or file object)."""
    if isinstance(file, (bytes, bytearray)):
        data = bytes(file)
    elif hasattr(file, "read"):
        data = file.read(settings.UPLOAD_MAX_FILE_BYTES + 1)
    else:
        with open(file, "rb") as handle:
            data = handle.read(settings.UPLOAD_MAX_FILE_BYTES + 1)
    kind = check_limits(data, name)
    draft = TableDraft(source=name)
    try:
        tables, note = (_word_tables if kind == "docx" else _excel_tables)(io.BytesIO(data))
    except TableError:
        raise
    except Exception:  # python-docx and openpyxl raise many kinds of error on a damaged file
        raise TableError("文件已损坏或内容无法解析：请用 Word/WPS/Excel 打开后重新保存，再上传。") from None
    _GridReader(draft).read(tables)
    if note and not draft.note:
        draft.note, draft.note_place = note
    if not draft.tasks and not any(p.severity == Severity.ERROR for p in draft.problems):
        raise TableError("任务分工表是空的：表头下面没有任何工作任务和具体措施。")
    return draft


@dataclass
class _Grid:
    """One table (Word) or worksheet (Excel) as rows of cell texts."""

    label: str  # "表 2", "工作表“任务分工”"
    rows: list
    excel: bool = False

    def place(self, row, column=None, header=""):
        if self.excel:
            where = f"{self.label} 第 {row + 1} 行"
            return f"{where} {get_column_letter(column + 1)}{row + 1} 单元格" if column is not None else where
        where = f"{self.label} 第 {row + 1} 行"
        return f"{where}“{header}”列" if header else where


def _word_tables(stream):
    document = docx.Document(stream)
    grids, note = [], None
    for block in document.iter_inner_content():
        if hasattr(block, "rows"):
            grids.append(_Grid(label=f"表 {len(grids) + 1}", rows=_word_rows(block)))
        elif grids and note is None:
            text = block.text.strip()
            if _NOTE_LINE.match(text):
                note = (clean_text(text), f"表格下方的段落“{text[:12]}…”")
    return grids, note


def _word_rows(table):
    """A Word table as rows of cell texts, one per grid column: a cell spanning
    columns repeats its text, a vertically merged cell takes the text above.
    Linear in the table's size (python-docx's own lookup of merged cells walks
    up the column for every row)."""
    rows, above = [], {}
    for tr in table._tbl.tr_lst:
        column = tr.grid_before
        row = [""] * column
        for tc in tr.tc_lst:
            span = tc.grid_span
            if tc.vMerge == "continue":
                text = above.get(column, "")
            else:
                text = _Cell(tc, table).text
            for offset in range(span):
                above[column + offset] = text
            row.extend([text] * span)
            column += span
        rows.append(row)
    return rows


def _excel_tables(stream):
    workbook = load_workbook(stream, data_only=True)
    grids = []
    for sheet in workbook.worksheets:
        width = min(sheet.max_column, 40)
        rows = [[cell for cell in row] for row in sheet.iter_rows(max_col=width, values_only=True)]
        # A merged cell holds its value in the top-left cell only: copy it to
        # the whole range, as a reader sees it.
        for merged in sheet.merged_cells.ranges:
            value = sheet.cell(merged.min_row, merged.min_col).value
            for r in range(merged.min_row, min(merged.max_row, len(rows)) + 1):
                for c in range(merged.min_col, min(merged.max_col, width) + 1):
                    rows[r - 1][c - 1] = value
        rows = [[_cell_text(v) for v in row] for row in rows]
        grids.append(_Grid(label=f"工作表“{sheet.title}”", rows=rows, excel=True))
    workbook.close()
    return grids, None


class _GridReader:
    """Walks the tables in order: finds the header, then tasks and measures."""

    def __init__(self, draft):
        self.draft = draft
        self.task = None
        self.found = False

    def problem(self, place, message, severity=Severity.ERROR):
        self.draft.problems.append(Problem(severity, place, message))

    def read(self, grids):
        for grid in grids:
            header_at, columns = None, None
            for index, row in enumerate(grid.rows[:30]):
                columns = _header_columns(row)
                if columns:
                    header_at = index
                    break
            if columns is None:
                if self.found and not grid.excel and grid.rows and len(grid.rows[0]) >= 3:
                    self.problem(
                        grid.label,
                        "这张表没有表头，未读取。如果它是任务分工表的续表，请加上与第一张表相同的表头。",
                        Severity.WARNING,
                    )
                continue
            if self.found and grid.excel:
                break  # Excel: the first sheet with the table; other sheets are other things
            self.found = True
            self._read_rows(grid, header_at, columns)
        if not self.found:
            raise TableError(f"找不到任务分工表：{HEADER_HELP}。")
        self._number_from_serials()
        for task in self.draft.tasks:
            if not task.measures:
                self.problem(task.place, f"工作任务 {task.number} 下没有具体措施")

    def _read_rows(self, grid, header_at, columns):
        headers = {index: _COLUMN_LABELS[key] for key, index in columns.items()}

        def cell(row, key):
            index = columns.get(key)
            return row[index] if index is not None and index < len(row) else ""

        for r in range(header_at + 1, len(grid.rows)):
            row = grid.rows[r]
            texts = [clean_text(v) for v in row]
            if not any(texts):
                continue
            if _header_columns(row) or clean_name(cell(row, "measure")) in _COLUMNS["measure"]:
                continue  # the header repeated on a later page
            filled = [t for t in texts if t]
            if _NOTE_LINE.match(filled[0]) and len(set(filled)) == 1:
                if not self.draft.note:
                    self.draft.note, self.draft.note_place = filled[0], grid.place(r)
                continue
            too_long = next((i for i, v in enumerate(row) if len(v) > settings.UPLOAD_MAX_CELL_CHARS), None)
            if too_long is not None:
                self.problem(
                    grid.place(r, too_long, headers.get(too_long, "")),
                    f"单元格超过 {settings.UPLOAD_MAX_CELL_CHARS} 个字符",
                )
                continue
            self._read_row(grid, r, columns, headers, cell, row)

    def _read_row(self, grid, r, columns, headers, cell, row):
        def place(key):
            index = columns.get(key)
            return grid.place(r, index, headers.get(index, ""))

        task_text = clean_text(cell(row, "task"))
        measure_text = clean_text(cell(row, "measure"))
        if task_text:
            parsed = split_task(task_text)
            if parsed is None:
                self.problem(place("task"), f"无法识别工作任务的编号：“{task_text[:30]}”（应如“1.”“1、”“一、”）")
                self.task = None
                return
            number, title = parsed
            self._start_task(number, title, place("task"))
            if measure_text == task_text:
                return  # a task row merged across the columns
        if not measure_text:
            if clean_name(cell(row, "units")):
                self.problem(place("measure"), "这一行有责任单位，却没有具体措施")
            return
        if self.task is None:
            if task_text == "" and not any(p.severity == Severity.ERROR for p in self.draft.problems):
                self.problem(place("task"), "这条措施之前没有工作任务（第一行的“工作任务”列为空）")
            return
        parsed = split_measure(measure_text)
        from_number_column = False
        if parsed is None and "number" in columns:
            number = split_serial(clean_text(cell(row, "number")))
            if number is None:
                self.problem(
                    place("number"),
                    f"具体措施“{measure_text[:20]}”没有编号，“序号”列也无法识别：“{clean_text(cell(row, 'number'))[:12]}”",
                )
                return
            parsed, from_number_column = (number, measure_text), True
        if parsed is None:
            self.problem(place("measure"), f"无法识别具体措施的编号：“{measure_text[:30]}”（应如“(1)”“（1）”“1)”“①”）")
            return
        number, text = parsed
        if any(m.number == number for m in self.task.measures):
            self.problem(place("measure"), f"工作任务 {self.task.number} 中措施编号 ({number}) 重复")
            return
        units = [UnitEntry(name, lead, place("units")) for name, lead in split_units(cell(row, "units"))]
        lead_names = None
        if "leads" in columns:
            lead_names = [name for name, _ in split_units(cell(row, "leads"))]
            if "units" not in columns:
                supports = [name for name, _ in split_units(cell(row, "supports"))]
                units = [UnitEntry(n, True, place("leads")) for n in lead_names]
                units += [UnitEntry(n, False, place("supports")) for n in supports]
        self.task.measures.append(
            MeasureRow(
                number=number,
                text=text,
                place=place("measure"),
                units=units,
                units_place=place("units" if "units" in columns else "leads"),
                lead_names=lead_names,
                note=clean_text(cell(row, "note")),
                note_place=place("note") if "note" in columns else "",
                from_number_column=from_number_column,
            )
        )

    def _number_from_serials(self):
        """Measures numbered in a 序号 column: as they stand when the column restarts
        in each task; a count running over the whole table (the second task does not
        start again at 1) becomes a number within the task, gaps kept. Said in the preview."""
        serial = [(t, [m for m in t.measures if m.from_number_column]) for t in self.draft.tasks]
        serial = [(t, measures) for t, measures in serial if measures]
        if not serial:
            return
        running = len(serial) > 1 and serial[1][1][0].number > 1
        for task, measures in serial:
            if running:
                offset = measures[0].number - 1
                for measure in measures:
                    measure.number -= offset
            numbers = [m.number for m in task.measures]
            if len(set(numbers)) != len(numbers):
                self.problem(task.place, f"工作任务 {task.number} 按“序号”列编号后，措施编号重复，请核对“序号”列")
        how = "“序号”列为全表连续编号，已按每项工作任务内的顺序编号" if running else "编号取自“序号”列"
        count = sum(len(measures) for _, measures in serial)
        self.problem(
            "“序号”列",
            f"{count} 条具体措施的单元格中没有编号：{how}，如（1）（2）……，请在预览中核对",
            Severity.WARNING,
        )

    def _start_task(self, number, title, place):
        current = self.task
        continued = re.sub(r"[(（]续[)）]$", "", title)
        if current is not None and current.number == number and continued == current.title:
            return  # a merged or repeated task cell
        if any(t.number == number for t in self.draft.tasks):
            self.problem(place, f"工作任务编号 {number} 重复")
            self.task = None
            return
        self.task = TaskRow(number=number, title=title, place=place)
        self.draft.tasks.append(self.task)

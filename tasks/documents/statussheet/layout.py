"""What the 台账 looks like: sheets, columns, fonts, styles and the printed page.

Shared by the export, which writes this layout, and the import, which reads
the fill-in sheet back by the same headers and compares its cells with what
was exported through the same normalisation (`cell_value`, `fingerprint`).
"""

import functools
import hashlib
import math
from dataclasses import dataclass

from openpyxl.chart.text import RichText, Text
from openpyxl.chart.title import Title
from openpyxl.drawing.text import CharacterProperties, Paragraph, ParagraphProperties, RegularTextRun
from openpyxl.drawing.text import Font as DrawingFont
from openpyxl.styles import Alignment, Border, Font, NamedStyle, PatternFill, Side
from openpyxl.utils.indexed_list import IndexedList

from jiading_ads.xlsx import clean_text
from tasks.models import Assignment, Report
from tasks.progress.rollup import STATUS_LABELS, ChoiceLabels, Light

READING_SHEET = "台账"
FILL_IN_SHEET = "按单位"
SUMMARY_SHEET = "汇总"
INDICATOR_SHEET = "指标"


@dataclass(frozen=True)
class Column:
    header: str
    width: float  # in Excel's character widths
    style: str = "body"


# 台账: one row per measure, for reading (DESIGN.md: the attachment's four
# columns from A, then the progress). Not imported: a row may carry several
# units' text.
READING_COLUMNS = [
    Column("工作任务", 11),
    Column("具体措施", 34),
    Column("责任单位", 16),
    Column("牵头单位", 10),
    Column("状态", 9, "center"),
    Column("完成进度", 6, "percent"),
    Column("审核状态", 9, "center"),
    Column("进展情况", 42),
    Column("存在问题", 20),
    Column("下一步计划", 20),
    Column("填报单位", 9),
    Column("填报时间", 10, "center"),
    Column("配合单位进展", 23),
]

# 按单位: one row per (measure, unit) obligation with that unit's own report.
# The sheet units fill in and upload; the hidden last column says which
# obligation and report the row was exported from, and what it held.
KEY_HEADER = "校验"
EDITABLE = {  # header: report field
    "状态": "status",
    "完成进度": "percent",
    "进展情况": "progress",
    "存在问题": "problems",
    "下一步计划": "next_steps",
}
FILL_IN_COLUMNS = [
    Column("单位", 11),
    Column("角色", 5, "center"),
    Column("具体措施", 50),
    Column("状态", 8, "editable_center"),
    Column("完成进度", 7, "editable_percent"),
    Column("进展情况", 48, "editable"),
    Column("存在问题", 22, "editable"),
    Column("下一步计划", 22, "editable"),
    Column("信号灯", 7, "center"),
    Column("审核状态", 11, "center"),
    Column("填报时间", 11, "center"),
    Column(KEY_HEADER, 10, "key"),
]
REQUIRED_HEADERS = ["单位", "具体措施", KEY_HEADER]

SUMMARY_COLUMNS = [
    Column("工作任务", 40),
    Column("措施数", 8, "center"),
    Column("平均完成进度", 11, "percent"),
    Column("红灯", 7, "center"),
    Column("黄灯", 7, "center"),
    Column("绿灯", 7, "center"),
    Column("已完成", 7, "center"),
]
UNIT_SUMMARY_HEADERS = ["单位", "承担事项", "其中牵头", "本期已提交", "逾期未报", "平均完成进度"]

# 指标: one row per goal indicator, for reading (never imported); a column per
# year from the earliest baseline year to the last target year. On A4 landscape:
# its columns stay under the width that prints body text at 9 points.
INDICATOR_COLUMNS_BEFORE = [
    Column("指标", 22),
    Column("计量单位", 9, "center"),
    Column("基期", 11, "center"),
    Column("目标", 30),
]
INDICATOR_YEAR_WIDTH = 9
INDICATOR_COLUMNS_AFTER = [Column("状态", 9, "center"), Column("责任单位", 16)]


def indicator_columns(years):
    """The 指标 sheet's columns for these years."""
    return [
        *INDICATOR_COLUMNS_BEFORE,
        *(Column(f"{year}年", INDICATOR_YEAR_WIDTH, "center") for year in years),
        *INDICATOR_COLUMNS_AFTER,
    ]


# --- Fonts and styles -----------------------------------------------------------------

# Named for Excel and WPS, which have them on every Chinese Windows; LibreOffice
# on Linux finds them through fontconfig (see fontconfig/ in the repository).
BODY_FONT = "宋体"
HEADING_FONT = "黑体"
BODY_SIZE = 11
TITLE_SIZE = 14
PERCENT_FORMAT = "0%"

LIGHT_COLOURS = {
    Light.RED: "F4C7C3",
    Light.YELLOW: "FCE8B2",
    Light.GREEN: "B7E1CD",
    Light.DONE: "C9DAF8",
}
EDITABLE_FILL = "FFFDE7"  # a pale yellow: the cells a unit fills in

_THIN = Side(style="thin", color="808080")
_BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)


def _font(**kwargs):
    return Font(name=BODY_FONT, size=BODY_SIZE, charset=134, **kwargs)


def set_default_font(workbook):
    """Make 宋体 the workbook's default font.

    Column widths are counted in the default font's digit widths: left as
    openpyxl's Calibri, LibreOffice without Calibri measures them in a wider
    substitute, the columns grow by a third and the page prints smaller.
    openpyxl has no public setter for it.
    """
    font = _font(family=3)
    workbook._fonts = IndexedList([font])
    workbook._named_styles["Normal"].font = font


def styles():
    """The workbook's named styles, by name."""
    top = Alignment(wrap_text=True, vertical="top")
    centred = Alignment(wrap_text=True, vertical="top", horizontal="center")
    editable = PatternFill("solid", fgColor=EDITABLE_FILL)
    named = [
        NamedStyle(name="body", font=_font(), border=_BORDER, alignment=top),
        NamedStyle(name="center", font=_font(), border=_BORDER, alignment=centred),
        NamedStyle(name="percent", font=_font(), border=_BORDER, number_format=PERCENT_FORMAT, alignment=centred),
        NamedStyle(name="editable", font=_font(), border=_BORDER, alignment=top, fill=editable),
        NamedStyle(name="editable_center", font=_font(), border=_BORDER, alignment=centred, fill=editable),
        NamedStyle(
            name="editable_percent",
            font=_font(),
            border=_BORDER,
            number_format=PERCENT_FORMAT,
            alignment=centred,
            fill=editable,
        ),
        NamedStyle(name="key", font=Font(name=BODY_FONT, size=8, color="808080"), alignment=Alignment(vertical="top")),
        NamedStyle(
            name="header",
            font=Font(name=HEADING_FONT, size=BODY_SIZE, bold=True, charset=134),
            fill=PatternFill("solid", fgColor="D9D9D9"),
            border=_BORDER,
            alignment=Alignment(horizontal="center", vertical="center", wrap_text=True),
        ),
        NamedStyle(
            name="title",
            font=Font(name=HEADING_FONT, size=TITLE_SIZE, bold=True, charset=134),
            alignment=Alignment(vertical="center", wrap_text=True),
        ),
        NamedStyle(name="note", font=_font(), alignment=Alignment(vertical="top", wrap_text=True)),
    ]
    for light, colour in LIGHT_COLOURS.items():
        named.append(
            NamedStyle(
                name=f"light_{light.value}",
                font=_font(),
                border=_BORDER,
                fill=PatternFill("solid", fgColor=colour),
                alignment=centred,
            )
        )
    return named


def _chart_font(size, bold=False):
    """Character properties naming the body font for Latin and East Asian script alike:
    LibreOffice takes nothing from the chart's own text settings into its axes,
    labels or title, and falls back to DejaVu Sans and a sans CJK face there."""
    return CharacterProperties(
        sz=round(size * 100), b=bold, latin=DrawingFont(typeface=BODY_FONT), ea=DrawingFont(typeface=BODY_FONT)
    )


def chart_text(size=BODY_SIZE):
    """Text properties for a chart part (axis, data labels) in the body font."""
    properties = _chart_font(size)
    return RichText(p=[Paragraph(pPr=ParagraphProperties(defRPr=properties), endParaRPr=properties)])


def chart_title(text, size=BODY_SIZE + 1):
    """A chart title in the body font, bold."""
    properties = _chart_font(size, bold=True)
    paragraph = Paragraph(pPr=ParagraphProperties(defRPr=properties), r=[RegularTextRun(rPr=properties, t=text)])
    return Title(tx=Text(rich=RichText(p=[paragraph])), overlay=False)


ROLE_LABELS = ChoiceLabels(Assignment.Role.choices)
LIGHT_LABELS = ChoiceLabels(Light.choices)
NOT_REPORTED = "未填报"

REVIEW_LABELS = {
    Report.State.APPROVED: "已审核",
    Report.State.SUBMITTED: "待审核",
    Report.State.RETURNED: "已退回",
}


def status_with_light(status, light):
    """ "推进中（绿灯）": the status and, for black-and-white printing, the light."""
    if light == Light.DONE:
        return LIGHT_LABELS[light]
    return f"{STATUS_LABELS[status] if status else NOT_REPORTED}（{LIGHT_LABELS[light]}）"


# --- The printed page --------------------------------------------------------------------

PAPER_A3, PAPER_A4 = 8, 9  # Excel's paperSize codes
_PAPER_MM = {PAPER_A3: (420, 297), PAPER_A4: (297, 210)}  # landscape: width, height
MARGIN_SIDE_IN, MARGIN_TOP_IN, MARGIN_BOTTOM_IN = 0.4, 0.5, 0.6
MIN_PRINTED_PT = 9  # body text on paper, after fit-to-width scaling

ROW_PADDING_PT = 3.0
MIN_ROW_PT = 18.0
MAX_ROW_PT = 409.0  # Excel's tallest row; LibreOffice ignores a height above 1,600 points


@dataclass(frozen=True)
class _Layout:
    """How a program lays wrapped text out in a column, for 11-point text.

    `unit`: points of column a width unit gives; `margins`: points of it
    text cannot use; `advance`: a CJK character's width; `line`: a line's
    height (all in points).
    """

    unit: float
    margins: float
    advance: float
    line: float


# Measured with the fonts each program uses for 宋体 (tests/statussheet/test_print.py
# checks the result on LibreOffice's own layout): LibreOffice with Noto Serif CJK SC
# makes a column 6.15 points a unit and fits 20 characters of 11 points in a width
# of 40, 2 in a width of 5, not 3 in a width of 6; its lines are 15.7 points.
# Excel and WPS with SimSun: 7 pixels a unit plus 5, 15-pixel characters, lines
# of 14.25 points. Each wrapped line leaves up to an em free, as line-breaking
# rules (no closing punctuation at a line start, whole Latin words) end lines early.
LIBREOFFICE = _Layout(unit=6.15, margins=3.5, advance=11.5, line=16.0)
EXCEL = _Layout(unit=5.25, margins=-1.5, advance=11.25, line=14.5)
LINE_PT = LIBREOFFICE.line  # the taller line, for rows whose lines both programs count alike


def column_points(width):
    """A column's printed width in points (LibreOffice's, the wider: it decides the scale)."""
    return LIBREOFFICE.unit * width


def fit_scale(columns, paper):
    """The scale fit-to-width printing uses on landscape `paper`, at most 1."""
    printable = _PAPER_MM[paper][0] / 25.4 * 72 - 2 * MARGIN_SIDE_IN * 72
    content = sum(column_points(c.width) for c in columns if c.style != "key")
    return min(1.0, printable / content)


def page_height(paper, scale):
    """The printable height of a landscape page, in sheet points (before scaling)."""
    printable = _PAPER_MM[paper][1] / 25.4 * 72 - (MARGIN_TOP_IN + MARGIN_BOTTOM_IN) * 72
    return printable / scale


@functools.cache
def _line_ems(program, width, size):
    """(ems a line holds unwrapped, ems a wrapped line holds) in a column `width` wide."""
    one_line = (program.unit * width - program.margins) / (program.advance * size / BODY_SIZE)
    return one_line, max(one_line - 1, one_line * 0.75)


@functools.cache
def _surely_one_line(width, size):
    """Characters that fit on one line in every program, even if each were an emoji."""
    return min(_line_ems(program, width, size)[0] for program in (LIBREOFFICE, EXCEL)) / 1.25


def _line_widths(text):
    """Each line's width in ems.

    A CJK character is one em wide, most Latin characters about half: the
    UTF-8 length (three bytes for CJK, one for ASCII) plus the character count,
    divided by four, estimates the width without looking at each character.
    """
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")  # as clean_text writes it
    return [(len(line.encode("utf-8")) + len(line)) / 4 + 2 * line.count("\t") for line in text.split("\n")]


def _short(text, width, size):
    return len(text) <= _surely_one_line(width, size) and "\n" not in text and "\r" not in text


def _count_lines(widths, program, width, size):
    one_line, wrapped = _line_ems(program, width, size)
    return sum(1 if ems <= one_line else math.ceil(ems / wrapped) for ems in widths)


def text_lines(text, width, size=BODY_SIZE, program=EXCEL):
    """Lines a wrapped cell's text takes in a column `width` characters wide, in
    `program` (Excel, the default, fits fewer characters on a line than LibreOffice)."""
    if not text or not isinstance(text, str) or _short(text, width, size):
        return 1
    return _count_lines(_line_widths(text), program, width, size)


def text_height(text, width, size=BODY_SIZE):
    """Points a wrapped cell's text needs in the program that needs more."""
    if not text or not isinstance(text, str) or _short(text, width, size):
        return LINE_PT * size / BODY_SIZE
    return _long_text_height(text, width, size)


@functools.lru_cache(maxsize=256)  # a measure's text comes again in each of its units' rows
def _long_text_height(text, width, size):
    widths = _line_widths(text)
    lines = max(_count_lines(widths, program, width, size) * program.line for program in (LIBREOFFICE, EXCEL))
    return lines * size / BODY_SIZE


def row_height(values, columns):
    """Points a row needs for its tallest wrapped cell, at most MAX_ROW_PT;
    `values` may stop short of the last columns."""
    needed = LINE_PT
    for value, column in zip(values, columns[: len(values)], strict=True):
        if isinstance(value, str) and column.style != "key":
            needed = max(needed, text_height(value, column.width))
    return min(MAX_ROW_PT, max(MIN_ROW_PT, needed + ROW_PADDING_PT))


MAX_LINES = int((MAX_ROW_PT - ROW_PADDING_PT) // LINE_PT)  # lines the tallest row holds in every program
CLIPPED = "…（见“按单位”）"


def clip_text(text, width, max_lines):
    """`text`, cut to `max_lines` lines of a column `width` wide and marked CLIPPED where cut."""
    if text_lines(text, width) <= max_lines:
        return text
    low, high = 0, len(text)
    while low < high:
        middle = (low + high + 1) // 2
        if text_lines(text[:middle].rstrip() + CLIPPED, width) <= max_lines:
            low = middle
        else:
            high = middle - 1
    return text[:low].rstrip() + CLIPPED


def share_lines(needs, budget):
    """Lines for texts that together need more than `budget`: each keeps what it
    needs up to an equal share of what the shorter ones leave, at least one."""
    shares = [0] * len(needs)
    left = budget
    for done, index in enumerate(sorted(range(len(needs)), key=needs.__getitem__)):
        shares[index] = max(1, min(needs[index], left // (len(needs) - done)))
        left -= shares[index]
    return shares


# --- What a fill-in row held when it was exported ----------------------------------------


def cell_value(field, value):
    """A field's value as the fill-in sheet shows it, normalised for comparison.

    `value` is the report's value (None when there is none); the import
    passes what it parsed from the cell, so an unmodified cell gives back
    the exported value whatever program saved the file.
    """
    if value is None:
        return ""
    if field == "percent":
        return str(int(value))
    if field == "status":
        return str(value)
    return clean_text(value).strip()


def digest(field, value):
    return hashlib.blake2s(cell_value(field, value).encode("utf-8"), digest_size=4).hexdigest()


def fingerprint(measure_id, unit_id, shown, current_version, values):
    """The hidden key of a fill-in row.

    Which obligation (measure, unit), which report it shows (`shown`, a
    report pk or 0), the version of this period's report when exported
    (0: none), and a short digest of each editable field as exported.
    """
    digests = "".join(digest(field, values[field]) for field in EDITABLE.values())
    return f"{measure_id}-{unit_id}-{shown}-{current_version}-{digests}"


@dataclass(frozen=True)
class RowKey:
    measure_id: int
    unit_id: int
    shown_id: int
    current_version: int
    digests: dict  # field: digest

    @classmethod
    def parse(cls, text):
        """A RowKey from a fill-in row's key cell, or None when it is not one."""
        parts = str(text or "").strip().split("-")
        fields = list(EDITABLE.values())
        if len(parts) != 5 or not all(p.isdigit() for p in parts[:4]) or len(parts[4]) != 8 * len(fields):
            return None
        hexes = parts[4]
        return cls(
            measure_id=int(parts[0]),
            unit_id=int(parts[1]),
            shown_id=int(parts[2]),
            current_version=int(parts[3]),
            digests={field: hexes[8 * i : 8 * i + 8] for i, field in enumerate(fields)},
        )

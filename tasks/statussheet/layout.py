"""What the 台账 looks like: sheets, columns, fonts, styles and the printed page.

Shared by the export, which writes this layout, and the import, which reads
the fill-in sheet back by the same headers and compares its cells with what
was exported through the same normalisation (`cell_value`, `fingerprint`).
"""

import functools
import hashlib
import math
from dataclasses import dataclass

from openpyxl.styles import Alignment, Border, Font, NamedStyle, PatternFill, Side
from openpyxl.utils.indexed_list import IndexedList

from jiading_ads.xlsx import clean_text

from ..models import Assignment, Report
from ..progress import STATUS_LABELS, ChoiceLabels, Light

READING_SHEET = "台账"
FILL_IN_SHEET = "按单位"
SUMMARY_SHEET = "汇总"


@dataclass(frozen=True)
class Column:
    header: str
    width: float  # in Excel's character widths
    style: str = "body"


# 台账: one row per measure, for reading (DESIGN.md: the attachment's four
# columns from A, then the progress). Not imported: a row may carry several
# units' text.
READING_COLUMNS = [
    Column("工作任务", 12),
    Column("具体措施", 36),
    Column("责任单位", 16),
    Column("牵头单位", 10),
    Column("状态", 9, "center"),
    Column("完成进度", 6, "percent"),
    Column("审核状态", 8, "center"),
    Column("进展情况", 36),
    Column("存在问题", 20),
    Column("下一步计划", 20),
    Column("填报单位", 9),
    Column("填报时间", 10, "center"),
    Column("配合单位进展", 27),
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
    Column("具体措施", 40),
    Column("状态", 8, "editable_center"),
    Column("完成进度", 7, "editable_percent"),
    Column("进展情况", 38, "editable"),
    Column("存在问题", 24, "editable"),
    Column("下一步计划", 24, "editable"),
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


def chart_text():
    """Chart text in 宋体, for Latin and East Asian script alike (a chart names no font otherwise)."""
    from openpyxl.chart.text import RichText
    from openpyxl.drawing.text import CharacterProperties, Paragraph, ParagraphProperties
    from openpyxl.drawing.text import Font as DrawingFont

    properties = CharacterProperties(
        sz=BODY_SIZE * 100, latin=DrawingFont(typeface=BODY_FONT), ea=DrawingFont(typeface=BODY_FONT)
    )
    return RichText(p=[Paragraph(pPr=ParagraphProperties(defRPr=properties), endParaRPr=properties)])


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

# One line of 11-point text: LibreOffice's line height of Noto Serif CJK SC
# (the 宋体 stand-in on Linux; 1.44 em) is the tallest of the fonts the sheet
# meets, Excel's SimSun needs 14.25 points. Measured, see
# tests/statussheet/test_print.py.
LINE_PT = 16.0
ROW_PADDING_PT = 3.0
MIN_ROW_PT = 18.0


def column_points(width):
    """A column's printed width in points, at most.

    A width counts digits of the default font plus 5 px of padding at 96 dpi:
    7 px for Excel's SimSun, 8 px for LibreOffice's Noto Serif CJK SC (measured
    in tests/statussheet/test_print.py); the wider one decides the scale.
    """
    return 0.75 * (8 * width + 5)


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
def _ems_per_line(width, size):
    return (column_points(width) - 10) / size - 1.5


def text_lines(text, width, size=BODY_SIZE):
    """Lines a wrapped cell's text takes in a column `width` characters wide.

    A CJK character is one em wide, most Latin characters about half: the
    UTF-8 length (three bytes for CJK, one for ASCII) plus the character count,
    divided by four, estimates the width in ems without looking at each
    character. One em a line is kept free because line-breaking rules
    (no closing punctuation at a line start, whole Latin words) end lines early.
    """
    if not text or not isinstance(text, str):
        return 1
    per_line = _ems_per_line(width, size)
    if len(text) <= per_line / 1.25 and "\n" not in text and "\r" not in text:
        return 1  # fits even if every character were an emoji
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")  # as clean_text writes it
    lines = text.split("\n") if "\n" in text else (text,)
    return sum(
        max(1, math.ceil(((len(line.encode("utf-8")) + len(line)) / 4 + 2 * line.count("\t")) / per_line))
        for line in lines
    )


def row_height(values, columns):
    """Points a row needs for its tallest wrapped cell; `values` may stop short of the last columns."""
    lines = 1
    for value, column in zip(values, columns[: len(values)], strict=True):
        if isinstance(value, str) and column.style != "key":
            lines = max(lines, text_lines(value, column.width))
    return max(MIN_ROW_PT, lines * LINE_PT + ROW_PADDING_PT)


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

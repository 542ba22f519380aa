"""The house style of the office's Word documents (GB/T 9704-2012 party and government documents).

Shared by every document the tracker drafts (the quarterly 通报, tasks/bulletin.py, and
the 终期评估报告, tasks/finalreport.py):

- A4 portrait, 版心 156 × 225 mm (margins 37/35/28/26 mm), a document grid of 22 lines of
  28 characters (w:docGrid, as Word and WPS show it in 页面设置). Body paragraphs do not
  snap to the grid's characters but are condensed by 0.3 pt a character, which gives the
  same 28 characters a line in LibreOffice too: LibreOffice puts a 三号 character wider
  than a grid cell into two cells, so snapping would halve the line there.
- Title in 方正小标宋 二号, broken between words into lines that fit (`title_lines`);
  first-level headings 黑体 三号, second-level 楷体 三号, both kept with the next
  paragraph; body 仿宋 三号 with a two-character indent, 22 lines a page.
- Tables in 仿宋 四号: the header row repeated on every page, no row split across pages,
  column widths that follow the content (`fit_widths`).
- Signature and date kept with the text before them; an attachment (附件) on a page of its own.
- Page numbers 4号 宋体 "— 1 —", at the right on odd pages and the left on even pages.
- Dates as 2026年12月8日 (`chinese_date`), percentages with one decimal (`percent`).

Every font is named for East Asian text (w:eastAsia) and Western text, and the
document's font table gives each Chinese font a fallback (w:altName) that Windows,
WPS and LibreOffice (via fontconfig) have.
"""

import functools
import itertools
import logging
import math
import re

from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.oxml import OxmlElement, parse_xml
from docx.oxml.ns import nsdecls, qn
from docx.shared import Mm, Pt
from docx.table import Table
from docx.text.paragraph import Paragraph

from jiading_ads.text import clean_text

CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"

# Font sizes by their Chinese names.
ERHAO = Pt(22)  # 二号
SANHAO = Pt(16)  # 三号
SIHAO = Pt(14)  # 四号
XIAOSI = Pt(12)  # 小四

WESTERN = "Times New Roman"
TITLE_FONT = "方正小标宋简体"
HEADING_FONT = "黑体"
SUBHEADING_FONT = "楷体_GB2312"
BODY_FONT = "仿宋_GB2312"
PAGE_NUMBER_FONT = "宋体"

# Font table entries: (name, fallback, family, panose). Fallbacks are the fonts
# Windows and WPS ship; LibreOffice maps what it lacks to Noto CJK through fontconfig.
FONTS = [
    (TITLE_FONT, "华文中宋", "script", "02010601030101010101"),
    (HEADING_FONT, "SimHei", "modern", "02010609060101010101"),
    (SUBHEADING_FONT, "楷体", "modern", "02010609030101010101"),
    (BODY_FONT, "仿宋", "modern", "02010609030101010101"),
    (PAGE_NUMBER_FONT, "SimSun", "auto", "02010600030101010101"),
]

# The GB/T 9704 page: 版心 156 mm wide and 225 mm high, 22 lines of 28 三号 characters.
TEXT_WIDTH_MM = 156
GRID_LINES, GRID_CHARS = 22, 28
GRID_LINE_PITCH = 579  # twips: 225 mm / 22 lines = 28.95 pt
GRID_CHAR_SPACE = -842  # 4096ths of a point added to a 三号 character: 156 mm / 28
LINE_SPACING = Pt(28.95)
CONDENSE_TWIPS = -6  # each character 0.3 pt narrower: 28 a line without the grid's help
CHAR_PT = 16 + CONDENSE_TWIPS / 20  # a body character's advance
TITLE_EMS = 20  # 二号 characters a title line holds: 442 pt / 21.7 pt
ANNEX = "附件"


def chinese_date(day):
    """2026年12月8日: GB/T 9704's date, months and days without a leading zero."""
    return f"{day.year}年{day.month}月{day.day}日"


def percent(value):
    """Every percentage of a document in one format: 75.0%, 84.4%."""
    return f"{value:.1f}%"


def text_width(text):
    """A text's width in ems: ASCII half an em, everything else (CJK, full-width punctuation) one."""
    return sum(0.5 if " " <= ch <= "~" else 1 for ch in text)


def set_font(target, east_asian, size=None, *, bold=None, western=WESTERN):
    """Name the fonts of a run or a style for Western and East Asian text."""
    font = target.font
    font.name = western
    if size is not None:
        font.size = size
    if bold is not None:
        font.bold = bold
    rpr = target.element.get_or_add_rPr()
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        rpr.insert(0, fonts)
    for attribute in ("w:ascii", "w:hAnsi", "w:cs"):
        fonts.set(qn(attribute), western)
    fonts.set(qn("w:eastAsia"), east_asian)
    # Chinese text: Word then picks the East Asian font for ambiguous characters too.
    fonts.set(qn("w:hint"), "eastAsia")


# Children that come after these in their parents' schema sequence (Word refuses
# a file whose elements are out of order).
_AFTER_SNAP_TO_GRID = ("w:spacing", "w:ind", "w:contextualSpacing", "w:mirrorIndents", "w:suppressOverlap", "w:jc")
_AFTER_RUN_SPACING = ("w:w", "w:kern", "w:position", "w:sz", "w:szCs", "w:highlight", "w:u", "w:lang")
_AFTER_CANT_SPLIT = ("w:trHeight", "w:tblHeader", "w:tblCellSpacing", "w:jc", "w:hidden")


def _set_child(parent, tag, successors, **attributes):
    element = parent.find(qn(tag))
    if element is None:
        element = OxmlElement(tag)
        parent.insert_element_before(element, *successors)
    for name, value in attributes.items():
        element.set(qn(f"w:{name}"), value)
    return element


def _add_font_fallbacks(document):
    part = next(p for p in document.part.package.iter_parts() if str(p.partname) == "/word/fontTable.xml")
    table = parse_xml(part.blob)
    present = {f.get(qn("w:name")) for f in table.findall(qn("w:font"))}
    for name, fallback, family, panose in FONTS:
        if name in present:
            continue
        table.append(
            parse_xml(
                f'<w:font {nsdecls("w")} w:name="{name}"><w:altName w:val="{fallback}"/>'
                f'<w:panose1 w:val="{panose}"/><w:charset w:val="86"/><w:family w:val="{family}"/>'
                '<w:pitch w:val="fixed"/></w:font>'
            )
        )
    from lxml import etree

    part._blob = etree.tostring(table, xml_declaration=True, encoding="UTF-8", standalone=True)


def _paragraph_style(document, name, font, size, *, bold=False, align=None, indent=False, base="Normal"):
    styles = document.styles
    style = styles[name] if name in [s.name for s in styles] else styles.add_style(name, 1)
    style.base_style = styles[base] if name != base else None
    set_font(style, font, size, bold=bold)
    fmt = style.paragraph_format
    fmt.line_spacing_rule = WD_LINE_SPACING.EXACTLY
    fmt.line_spacing = LINE_SPACING
    fmt.space_before = Pt(0)
    fmt.space_after = Pt(0)
    fmt.first_line_indent = Pt(2 * CHAR_PT) if indent else Pt(0)
    if align is not None:
        fmt.alignment = align
    fmt.widow_control = True
    return style


def _set_grid(section):
    """22 lines × 28 characters: the grid Word and WPS lay the body on."""
    sect_pr = section._sectPr
    grid = sect_pr.find(qn("w:docGrid"))
    if grid is None:
        grid = OxmlElement("w:docGrid")
        sect_pr.append(grid)
    grid.set(qn("w:type"), "linesAndChars")
    grid.set(qn("w:linePitch"), str(GRID_LINE_PITCH))
    grid.set(qn("w:charSpace"), str(GRID_CHAR_SPACE))


def new_document(title):
    """A blank document in the house style, with `title` in its properties."""
    document = Document()
    section = document.sections[0]
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin, section.bottom_margin = Mm(37), Mm(35)
    section.left_margin, section.right_margin = Mm(28), Mm(26)
    # The page number's dashes 7 mm below the text (GB/T 9704 7.5).
    section.footer_distance = Mm(21)
    _set_grid(section)

    # Chinese as the East Asian language of the whole document; 三号 as its default
    # size, the size a grid's character is counted from.
    defaults = document.styles.element.find(qn("w:docDefaults"))
    rpr = defaults.find(qn("w:rPrDefault")).find(qn("w:rPr"))
    lang = rpr.find(qn("w:lang"))
    if lang is None:
        lang = OxmlElement("w:lang")
        rpr.append(lang)
    lang.set(qn("w:eastAsia"), "zh-CN")
    for tag in ("w:sz", "w:szCs"):
        _set_child(rpr, tag, ("w:highlight", "w:u", "w:lang"), val="32")

    body = _paragraph_style(document, "Normal", BODY_FONT, SANHAO, indent=True, align=WD_ALIGN_PARAGRAPH.JUSTIFY)
    _set_child(body.element.get_or_add_pPr(), "w:snapToGrid", _AFTER_SNAP_TO_GRID, val="0")
    _set_child(body.element.get_or_add_rPr(), "w:spacing", _AFTER_RUN_SPACING, val=str(CONDENSE_TWIPS))
    title_style = _paragraph_style(document, "公文标题", TITLE_FONT, ERHAO, align=WD_ALIGN_PARAGRAPH.CENTER)
    title_style.paragraph_format.line_spacing = Pt(36)
    title_style.paragraph_format.keep_with_next = True
    _paragraph_style(document, "公文副标题", SUBHEADING_FONT, SANHAO, align=WD_ALIGN_PARAGRAPH.CENTER)
    for name, font in (("一级标题", HEADING_FONT), ("二级标题", SUBHEADING_FONT)):
        _paragraph_style(document, name, font, SANHAO, indent=True).paragraph_format.keep_with_next = True
    _paragraph_style(document, "主送", BODY_FONT, SANHAO)
    _paragraph_style(document, "落款", BODY_FONT, SANHAO, align=WD_ALIGN_PARAGRAPH.RIGHT)
    _paragraph_style(document, "附件标识", HEADING_FONT, SANHAO).paragraph_format.keep_with_next = True
    for size, (body_name, head_name) in TABLE_STYLES.items():
        line = Pt(size.pt + 6)
        _paragraph_style(
            document, body_name, BODY_FONT, size, align=WD_ALIGN_PARAGRAPH.LEFT
        ).paragraph_format.line_spacing = line
        _paragraph_style(
            document, head_name, HEADING_FONT, size, align=WD_ALIGN_PARAGRAPH.CENTER
        ).paragraph_format.line_spacing = line
    _add_font_fallbacks(document)
    document.settings.odd_and_even_pages_header_footer = True
    _page_numbers(section.footer.paragraphs[0], WD_ALIGN_PARAGRAPH.RIGHT)
    _page_numbers(section.even_page_footer.paragraphs[0], WD_ALIGN_PARAGRAPH.LEFT)
    document.core_properties.title = title
    document.core_properties.language = "zh-CN"
    return document


def _page_numbers(paragraph, side):
    """ "— 1 —" in 宋体 四号 as a PAGE field, one character in from `side` (GB/T 9704 7.5)."""
    paragraph.alignment = side
    fmt = paragraph.paragraph_format
    fmt.first_line_indent = Pt(0)
    if side == WD_ALIGN_PARAGRAPH.RIGHT:
        fmt.right_indent = SIHAO
    else:
        fmt.left_indent = SIHAO

    def run(text=""):
        r = paragraph.add_run(text)
        set_font(r, PAGE_NUMBER_FONT, SIHAO)
        return r

    run("— ")
    for kind, text in (("begin", None), (None, " PAGE "), ("separate", None), (None, "1"), ("end", None)):
        r = run()
        if kind:
            element = OxmlElement("w:fldChar")
            element.set(qn("w:fldCharType"), kind)
            r._r.append(element)
        elif text == " PAGE ":
            instruction = OxmlElement("w:instrText")
            instruction.set(qn("xml:space"), "preserve")
            instruction.text = text
            r._r.append(instruction)
        else:
            r.text = text
    run(" —")


# --- The title, broken between words ----------------------------------------------------------

OPENING = "《（(“‘〔【"
CLOSING = "》）)”’〕】、，。；：！？"
_SHORT_BRACKETS = re.compile(r"[（(〔][^（）()〔〕]{1,12}[）)〕]")


# Words of policy documents that jieba's dictionary splits ("高质量/发展", "行动/方案"):
# a title is better broken around them than inside.
POLICY_WORDS = ("高质量发展", "行动方案", "实施方案", "工作方案", "实施意见", "若干措施", "终期评估", "推进情况")


@functools.cache
def _segmenter():
    import jieba

    jieba.setLogLevel(logging.WARNING)
    for word in POLICY_WORDS:
        jieba.add_word(word)
    return jieba


def _break_costs(text, keep):
    """{index: cost} of breaking `text` before character `index`: only between words
    (jieba's), never inside `keep` phrases or a short bracket like "（2023—2025年）",
    never after an opening or before a closing mark; cheapest beside a bracket."""
    boundaries, position = set(), 0
    for word in _segmenter().lcut(text, HMM=False):
        position += len(word)
        boundaries.add(position)
    protected = set()
    spans = [m.span() for m in _SHORT_BRACKETS.finditer(text)]
    for phrase in keep:
        start = text.find(phrase)
        while phrase and start >= 0:
            spans.append((start, start + len(phrase)))
            start = text.find(phrase, start + 1)
    for start, end in spans:
        protected.update(range(start + 1, end))
    costs = {}
    for index in sorted(boundaries - protected):
        if not 0 < index < len(text) or text[index - 1] in OPENING or text[index] in CLOSING:
            continue
        before, after = text[index - 1], text[index]
        if before in "》）)〕" or after in "《（(〔":
            costs[index] = 0
        elif text[:index].endswith("关于"):
            costs[index] = 1
        else:
            costs[index] = 3
    return costs


def title_lines(text, keep=(), limit=TITLE_EMS):
    """`text` as the fewest lines of at most `limit` ems, broken between words, weighing
    how good the breaks are against how even the lines are (GB/T 9704 7.3.3: 回行时词意
    完整, 排列对称). A title with no such breaks is cut where the lines are full."""
    if text_width(text) <= limit:
        return [text]
    costs = _break_costs(text, keep)
    for lines in range(2, 5):
        best = None
        for breaks in itertools.combinations(sorted(costs), lines - 1):
            parts = [text[a:b] for a, b in itertools.pairwise((0, *breaks, len(text)))]
            widths = [text_width(p) for p in parts]
            if max(widths) > limit:
                continue
            score = 2 * sum(costs[b] for b in breaks) + max(widths) - min(widths)
            if best is None or score < best[0]:
                best = (score, parts)
        if best is not None:
            return best[1]
    parts, line = [], ""
    for ch in text:
        if text_width(line + ch) > limit:
            parts.append(line)
            line = ""
        line += ch
    return [*parts, line]


def title(document, text, keep=()):
    """The document's title, centred, its lines broken between words (title_lines)."""
    p = document.add_paragraph(style="公文标题")
    for index, line in enumerate(title_lines(clean_text(text), keep)):
        run = p.add_run(line)
        if index:
            run._r.addprevious(_line_break())
    return p


def _line_break():
    run = OxmlElement("w:r")
    run.append(OxmlElement("w:br"))
    return run


def heading(document, text, level=1):
    return document.add_paragraph(clean_text(text), style="一级标题" if level == 1 else "二级标题")


def paragraph(document, text="", *, lead=None, style=None):
    """A body paragraph; `lead` (e.g. "（一）任务名称。") is set in 楷体 before the text."""
    p = document.add_paragraph(style=style)
    if lead:
        set_font(p.add_run(clean_text(lead)), SUBHEADING_FONT, SANHAO)
    if text:
        p.add_run(clean_text(text))
    return p


# --- Tables -----------------------------------------------------------------------------------

# Table text: 四号 in the text, 小四 in an attachment's long table.
TABLE_STYLES = {SIHAO: ("表格文字", "表头"), XIAOSI: ("附表文字", "附表表头")}
CELL_PADDING_MM = 3.8  # Word's default cell margins, 0.19 cm each side
MERGED = object()  # a cell merged with the one above it (the same measure's next lead)
_UNBREAKABLE = re.compile(r"[!-~]+")  # a run of ASCII (a number, a code like 6.(1)) stays on one line


def _em_mm(size):
    """Millimetres a character of `size` takes in a table, with room for rounding."""
    return (size.pt + CONDENSE_TWIPS / 20) * 25.4 / 72 * 1.03


def fit_widths(header, rows, size=SIHAO, total=TEXT_WIDTH_MM):
    """Column widths in millimetres that follow the content: starting from each column's
    longest unbreakable piece (a number, a code like 6.(1)), the width is handed out an
    em at a time to the column where it saves the most lines over the whole table (a
    row is as tall as its tallest cell), never past a column's longest line."""
    cells = []  # [row][column]: the widths of a cell's lines, in ems
    for values in [header, *rows]:
        cells.append([[text_width(line) for line in str(v).split("\n")] if v is not MERGED else [] for v in values])
    columns = range(len(header))
    highs = [max(w for row in cells for w in row[c] or [0]) for c in columns]
    pieces = [
        [text_width(p) for r in rows if r[c] is not MERGED for p in _UNBREAKABLE.findall(str(r[c]))] for c in columns
    ]
    # At least three characters a line (a narrower column reads as a column of characters).
    lows = [max([min(3, highs[c]), *pieces[c]]) for c in columns]
    highs = [max(lows[c], highs[c]) for c in columns]
    ems = (total - CELL_PADDING_MM * len(header)) / _em_mm(size)

    def height(widths):
        return sum(max(sum(max(1, math.ceil(w / widths[c])) for w in row[c]) for c in columns) for row in cells)

    widths = list(lows)
    while sum(widths) + 1 <= ems:
        growing = [c for c in columns if widths[c] + 1 <= highs[c]]
        if not growing:
            break
        trials = {c: height([w + (c == i) for i, w in enumerate(widths)]) for c in growing}
        widths[min(growing, key=lambda c: (trials[c], widths[c]))] += 1
    spare = ems - sum(widths)
    widths = [w + spare * w / sum(widths) for w in widths]
    return [w * _em_mm(size) + CELL_PADDING_MM for w in widths]


def _cant_split(row):
    _set_child(row._tr.get_or_add_trPr(), "w:cantSplit", _AFTER_CANT_SPLIT)


def table(document, header, rows, widths=None, *, keep_together=False, size=SIHAO):
    """A bordered table: header row in 黑体 repeated on every page, body in 仿宋 `size`
    (四号, or 小四 for an attachment's long table), no row split across pages. `widths`
    in millimetres, one per column (None: fit_widths). A MERGED value merges its cell
    with the one above. `keep_together`: a short table stays on one page."""
    body_style, head_style = TABLE_STYLES[size]
    widths = widths or fit_widths(header, rows, size)
    t = document.add_table(rows=1, cols=len(header))
    t.style = document.styles["Table Grid"]
    t.alignment = WD_TABLE_ALIGNMENT.CENTER
    t.autofit = False
    head = t.rows[0]
    _cant_split(head)
    repeat = OxmlElement("w:tblHeader")
    repeat.set(qn("w:val"), "true")
    head._tr.get_or_add_trPr().append(repeat)
    for cell, text in zip(head.cells, header, strict=True):
        cell.paragraphs[0].style = document.styles[head_style]
        cell.paragraphs[0].add_run(clean_text(text))
    merges = []
    for values in rows:
        row = t.add_row()
        _cant_split(row)
        for column, (cell, value) in enumerate(zip(row.cells, values, strict=True)):
            if value is MERGED:
                merges.append((len(t.rows) - 1, column))
                continue
            lines = clean_text(str(value)).split("\n")
            cell.paragraphs[0].style = document.styles[body_style]
            cell.paragraphs[0].add_run(lines[0])
            for line in lines[1:]:
                cell.add_paragraph(line, style=body_style)
    for column, width in zip(t.columns, widths, strict=True):
        column.width = Mm(width)
    for row in t.rows:
        for cell, width in zip(row.cells, widths, strict=True):
            cell.width = Mm(width)
    for row_index, column in merges:
        top = row_index - 1
        while (top, column) in merges:
            top -= 1
        t.cell(top, column).merge(t.cell(row_index, column))
    if keep_together:
        # Every cell's own paragraphs, read from the XML: row.cells gives a
        # merged cell's top for the cells below it, whose paragraphs would be missed.
        for tr in t._tbl.tr_lst[:-1]:
            for tc in tr.tc_lst:
                for p in tc.p_lst:
                    Paragraph(p, tc).paragraph_format.keep_with_next = True
    return t


# --- The end of the text and the attachment ---------------------------------------------------


def _keep_last_block_with_next(document):
    """The last paragraph (or a table's last row) stays on the page of what follows."""
    last = document.element.body[-2] if document.element.body[-1].tag == qn("w:sectPr") else document.element.body[-1]
    if last.tag == qn("w:p"):
        Paragraph(last, document._body).paragraph_format.keep_with_next = True
    elif last.tag == qn("w:tbl"):
        rows = Table(last, document._body).rows
        for row in rows[max(0, len(rows) - 2) : len(rows) - 1]:
            for cell in row.cells:
                for p in cell.paragraphs:
                    p.paragraph_format.keep_with_next = True


def _kept(p):
    p.paragraph_format.keep_with_next = True
    return p


def signature(document, issuer, day, annex=None):
    """The attachment's note (GB/T 9704 7.3.6), the issuing office and the date
    (7.3.5.2: 署名 two characters in from the right, the date centred under it),
    kept on one page with the text before them."""
    _keep_last_block_with_next(document)
    if annex:
        _kept(document.add_paragraph("", style="主送"))
        note = _kept(document.add_paragraph(f"{ANNEX}：{clean_text(annex)}", style="主送"))
        note.paragraph_format.left_indent = Pt(2 * CHAR_PT)
    _kept(document.add_paragraph("", style="主送"))
    office = _kept(document.add_paragraph(clean_text(issuer), style="落款"))
    office.paragraph_format.right_indent = Pt(2 * CHAR_PT)
    date_text = chinese_date(day)
    date = document.add_paragraph(date_text, style="落款")
    centred = 2 + max(0, text_width(issuer) - text_width(date_text)) / 2
    date.paragraph_format.right_indent = Pt(centred * CHAR_PT)


def annex(document, name):
    """An attachment on a page of its own: 附件 in 黑体 at the top left, its title on
    the third line (GB/T 9704 8)."""
    label = document.add_paragraph(ANNEX, style="附件标识")
    label.paragraph_format.page_break_before = True
    _kept(document.add_paragraph("", style="主送"))
    title(document, name)

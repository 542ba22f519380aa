"""The house style of the office's Word documents (GB/T 9704 party and government documents).

Shared by every document the tracker drafts (the quarterly 通报, tasks/bulletin.py, and
the 终期评估报告, tasks/finalreport.py): A4 portrait with the standard margins; title in 方正小标宋 二号; first-level
headings in 黑体 三号, second-level in 楷体 三号; body in 仿宋 三号 with a two-character
first-line indent; tables in 仿宋 四号 with the header row repeated on every page; page
numbers "— 1 —" in the footer. Every font is named for East Asian text (w:eastAsia) and
Western text, and the document's font table gives each Chinese font a fallback
(w:altName) that Windows, WPS and LibreOffice (via fontconfig) have.
"""

import io

from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.oxml import OxmlElement, parse_xml
from docx.oxml.ns import nsdecls, qn
from docx.shared import Mm, Pt

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

LINE_SPACING = Pt(28)  # 22 lines a page at 三号


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
    fmt.first_line_indent = size * 2 if indent else Pt(0)
    if align is not None:
        fmt.alignment = align
    fmt.widow_control = True
    return style


def new_document(title):
    """A blank document in the house style, with `title` in its properties."""
    document = Document()
    section = document.sections[0]
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin, section.bottom_margin = Mm(37), Mm(35)
    section.left_margin, section.right_margin = Mm(28), Mm(26)
    section.footer_distance = Mm(20)

    # Chinese as the East Asian language of the whole document.
    defaults = document.styles.element.find(qn("w:docDefaults"))
    rpr = defaults.find(qn("w:rPrDefault")).find(qn("w:rPr"))
    lang = rpr.find(qn("w:lang"))
    if lang is None:
        lang = OxmlElement("w:lang")
        rpr.append(lang)
    lang.set(qn("w:eastAsia"), "zh-CN")

    body = _paragraph_style(document, "Normal", BODY_FONT, SANHAO, indent=True, align=WD_ALIGN_PARAGRAPH.JUSTIFY)
    body.paragraph_format.first_line_indent = SANHAO * 2
    _paragraph_style(
        document, "公文标题", TITLE_FONT, ERHAO, align=WD_ALIGN_PARAGRAPH.CENTER
    ).paragraph_format.line_spacing = Pt(36)
    _paragraph_style(document, "公文副标题", SUBHEADING_FONT, SANHAO, align=WD_ALIGN_PARAGRAPH.CENTER)
    _paragraph_style(document, "一级标题", HEADING_FONT, SANHAO, indent=True)
    _paragraph_style(document, "二级标题", SUBHEADING_FONT, SANHAO, indent=True)
    _paragraph_style(document, "主送", BODY_FONT, SANHAO)
    # The signature block stays on one page with its date.
    _paragraph_style(
        document, "落款", BODY_FONT, SANHAO, align=WD_ALIGN_PARAGRAPH.RIGHT
    ).paragraph_format.keep_with_next = True
    table_text = _paragraph_style(document, "表格文字", BODY_FONT, SIHAO, align=WD_ALIGN_PARAGRAPH.LEFT)
    table_text.paragraph_format.line_spacing = Pt(20)
    table_head = _paragraph_style(document, "表头", HEADING_FONT, SIHAO, align=WD_ALIGN_PARAGRAPH.CENTER)
    table_head.paragraph_format.line_spacing = Pt(20)
    _add_font_fallbacks(document)
    _page_numbers(section)
    document.core_properties.title = title
    document.core_properties.language = "zh-CN"
    return document


def _page_numbers(section):
    """ "— 1 —" centred in the footer, 宋体 四号, as a PAGE field."""
    paragraph = section.footer.paragraphs[0]
    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    paragraph.paragraph_format.first_line_indent = Pt(0)

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


def title(document, text):
    return document.add_paragraph(clean_text(text), style="公文标题")


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


def table(document, header, rows, widths, *, keep_together=False):
    """A bordered table: header row in 黑体 repeated on every page, body in 仿宋 四号.

    `widths` in millimetres, one per column. `keep_together`: a short table
    stays on one page (its rows keep with the next, none splits).
    """
    t = document.add_table(rows=1, cols=len(header))
    t.style = document.styles["Table Grid"]
    t.alignment = WD_TABLE_ALIGNMENT.CENTER
    t.autofit = False
    head = t.rows[0]
    head_properties = head._tr.get_or_add_trPr()
    repeat = OxmlElement("w:tblHeader")
    repeat.set(qn("w:val"), "true")
    head_properties.append(repeat)
    head_properties.append(OxmlElement("w:cantSplit"))
    for cell, text in zip(head.cells, header, strict=True):
        cell.paragraphs[0].style = document.styles["表头"]
        cell.paragraphs[0].add_run(clean_text(text))
    for values in rows:
        cells = t.add_row().cells
        for cell, value in zip(cells, values, strict=True):
            lines = clean_text(str(value)).split("\n")
            cell.paragraphs[0].style = document.styles["表格文字"]
            cell.paragraphs[0].add_run(lines[0])
            for line in lines[1:]:
                cell.add_paragraph(line, style="表格文字")
    if keep_together:
        body = list(t.rows)
        for index, row in enumerate(body):
            if index:  # the header row cannot split already
                row._tr.get_or_add_trPr().append(OxmlElement("w:cantSplit"))
            if index < len(body) - 1:
                for cell in row.cells:
                    for paragraph in cell.paragraphs:
                        paragraph.paragraph_format.keep_with_next = True
    for column, width in zip(t.columns, widths, strict=True):
        column.width = Mm(width)
    for row in t.rows:
        for cell, width in zip(row.cells, widths, strict=True):
            cell.width = Mm(width)
    return t


def signature(document, issuer, day):
    """The issuing office and the date, right-aligned, kept on one page."""
    document.add_paragraph("", style="落款")
    document.add_paragraph(clean_text(issuer), style="落款")
    date = document.add_paragraph(f"{day.year}年{day.month}月{day.day}日", style="落款")
    date.paragraph_format.keep_with_next = False


def to_bytes(document):
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()

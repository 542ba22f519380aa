"""The house layout of the office's documents (tasks/documents.py, GB/T 9704-2012), read back
with python-docx and, where only the printed page can tell, through LibreOffice's PDF."""

import datetime
import re

import pytest
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn

from tasks.documents import bulletin, finalreport
from tasks.documents import house as documents
from tasks.models import Period

from .helpers import keeps_with_next, page_lines, pdf_pages, row_properties, to_pdf, written

D = datetime.date


@pytest.fixture
def drafts(plan):
    """The 2024Q1 通报 after its due date with nothing reported (every measure red: long
    tables), and the 终期评估报告 before any final evaluation."""
    period = Period.objects.get(plan=plan, name="2024年第一季度")
    return [
        written(bulletin.write, bulletin.collect(plan, period, D(2024, 4, 12))),
        written(finalreport.write, finalreport.collect(plan, D(2025, 12, 20))),
    ]


# --- the page --------------------------------------------------------------------------------------


def test_the_body_has_a_document_grid_of_22_lines_of_28_characters(drafts):
    for document in drafts:
        grid = document.sections[0]._sectPr.find(qn("w:docGrid"))
        assert grid.get(qn("w:type")) == "linesAndChars"
        assert grid.get(qn("w:linePitch")) == "579"  # 225 mm / 22
        assert grid.get(qn("w:charSpace")) == "-842"  # 156 mm / 28 from a 三号 character
        normal = document.styles["Normal"]
        assert normal.font.size.pt == 16 and normal.paragraph_format.line_spacing.pt == pytest.approx(28.95)


def test_a_full_page_of_body_text_prints_22_lines_of_28_characters(tmp_path):
    document = documents.new_document("版心")
    documents.paragraph(document, "".join("一二三四五六七八九十"[i % 10] for i in range(30 * 28)))
    source = tmp_path / "版心.docx"
    document.save(source)

    pages = pdf_pages(to_pdf(source, tmp_path))

    if pages is None:
        pytest.skip("pdftotext is not installed")
    lines = [line for line in page_lines(pages[0]) if not re.fullmatch(r"—\d+—", line)]
    assert len(lines) == 22
    assert lines[0] == "一二三四五六七八九十一二三四五六七八九十一二三四五六"  # 26 after the indent
    assert {len(line) for line in lines} == {28, 26}


def test_page_numbers_are_sihao_dashes_at_the_right_of_odd_and_the_left_of_even_pages(drafts):
    for document in drafts:
        assert document.settings.odd_and_even_pages_header_footer
        section = document.sections[0]
        odd, even = section.footer.paragraphs[0], section.even_page_footer.paragraphs[0]
        assert odd.alignment == WD_ALIGN_PARAGRAPH.RIGHT and even.alignment == WD_ALIGN_PARAGRAPH.LEFT
        for footer in (odd, even):
            assert footer.text == "— 1 —"  # the PAGE field's placeholder between 一字线
            assert "PAGE" in footer._p.xml
            assert {run.font.size.pt for run in footer.runs} == {14}


def test_page_numbers_print_right_on_page_one_and_left_on_page_two(drafts, tmp_path):
    source = tmp_path / "通报.docx"
    drafts[0].save(source)

    pdf = to_pdf(source, tmp_path)
    pages = pdf_pages(pdf)

    if pages is None:
        pytest.skip("pdftotext is not installed")
    footer_one = [line for line in pages[0].splitlines() if re.search(r"—\s*1\s*—", line)][0]
    footer_two = [line for line in pages[1].splitlines() if re.search(r"—\s*2\s*—", line)][0]
    assert len(footer_one) - len(footer_one.lstrip()) > 25  # pushed to the right
    assert len(footer_two) - len(footer_two.lstrip()) < 5  # at the left


# --- the title ---------------------------------------------------------------------------------------

TITLES = [
    ("关于《嘉定区数字广告业高质量发展行动方案（2023—2025年）》2024年第二季度推进情况的通报", ("2024年第二季度",)),
    ("关于《嘉定区数字广告业高质量发展行动方案（2023—2025年）》终期评估推进情况的通报", ("终期评估",)),
    ("《嘉定区数字广告业高质量发展行动方案（2023—2025年）》终期评估报告", ("终期评估报告",)),
    ("关于《上海市嘉定区关于加快推进数字经济与实体经济深度融合的若干措施》2026年第一季度推进情况的通报", ()),
]


@pytest.mark.parametrize(("text", "keep"), TITLES)
def test_a_title_breaks_between_words_into_two_or_three_lines_that_fit(text, keep):
    lines = documents.title_lines(text, keep)

    assert "".join(lines) == text
    assert 2 <= len(lines) <= 3
    assert all(documents.text_width(line) <= documents.TITLE_EMS <= 28 for line in lines)
    for before, after in zip(lines, lines[1:], strict=False):
        assert not re.search(r"[《（]$", before) and not re.match(r"[》）、，。]", after)
        assert not (before.endswith("通") and after.startswith("报"))
        assert not (before.endswith("推进情") and after.startswith("况"))
        assert not re.search(r"\d$", before)  # never inside 2023—2025年 or 2024年
    for phrase in (*keep, "（2023—2025年）", "推进情况的通报", "终期评估报告", "行动方案"):
        assert any(phrase in line for line in lines) or phrase not in text


def test_a_short_title_stays_on_one_line():
    assert documents.title_lines("关于开展季度检查的通报") == ["关于开展季度检查的通报"]


# --- tables, headings and the end of the text ---------------------------------------------------------


def test_no_table_row_splits_across_pages_and_every_header_row_repeats(drafts):
    for document in drafts:
        assert len(document.tables) >= 3
        for table in document.tables:
            rows = row_properties(table)
            assert all("<w:cantSplit/>" in row for row in rows)
            assert "<w:tblHeader" in rows[0]
            # Word reads trPr's children in schema order only.
            assert rows[0].index("cantSplit") < rows[0].index("tblHeader")


def test_headings_keep_with_the_next_paragraph(drafts):
    for document in drafts:
        headings = [p for p in document.paragraphs if p.style.name in ("一级标题", "二级标题", "公文标题")]
        assert len(headings) >= 5
        assert all(keeps_with_next(p) for p in headings)


def test_signature_and_date_are_kept_with_the_text_before_them(drafts):
    for document in drafts:
        paragraphs = document.paragraphs
        date = max(i for i, p in enumerate(paragraphs) if p.style.name == "落款")
        office = date - 1
        assert paragraphs[office].text == bulletin.ISSUER
        assert re.fullmatch(r"\d{4}年[1-9]\d?月[1-9]\d?日", paragraphs[date].text)
        # From the last paragraph of the text to the office's name, each keeps with the next.
        last_text = max(i for i in range(office) if paragraphs[i].style.name == "Normal" and paragraphs[i].text)
        assert all(keeps_with_next(p) for p in paragraphs[last_text : office + 1])
        assert paragraphs[office - 2].text.startswith("附件：")


def test_the_date_is_centred_under_the_office_two_characters_from_the_right(drafts):
    paragraphs = drafts[0].paragraphs
    date = max(i for i, p in enumerate(paragraphs) if p.style.name == "落款")
    office, day = paragraphs[date - 1], paragraphs[date]
    char = documents.CHAR_PT
    assert office.paragraph_format.right_indent.pt == pytest.approx(2 * char, abs=0.1)
    centred = 2 + (documents.text_width(office.text) - documents.text_width(day.text)) / 2
    assert day.paragraph_format.right_indent.pt == pytest.approx(centred * char, abs=0.1)


def test_the_attachment_starts_a_page_with_its_label_and_title(drafts):
    for document in drafts:
        label = next(p for p in document.paragraphs if p.style.name == "附件标识")
        assert label.text == "附件" and label.paragraph_format.page_break_before


def test_column_widths_follow_the_content():
    header = ["序号", "措施", "牵头单位", "状态/进度", "存在问题"]
    rows = [
        [
            str(i),
            "1.(2) 全力推进新型主流媒体建设",
            "区委宣传部",
            "滞后\n65.0%",
            "受企业投资节奏影响，项目落地慢于预期。" * 2,
        ]
        for i in range(1, 11)
    ]

    widths = documents.fit_widths(header, rows)

    assert sum(widths) == pytest.approx(documents.TEXT_WIDTH_MM)
    assert widths[4] == max(widths)  # the longest texts get the most room
    assert widths[0] == min(widths)
    assert widths[3] < widths[1]

"""The printed 台账, checked on LibreOffice's own output (PDF, and its row heights).

A district leader reads it on paper: text at least 9 pt after fit-to-width
scaling, named CJK fonts, no line cut off, a task named again on every page
it runs onto, and a 汇总 page whose unit table has its own header.
"""

import io
import re
import subprocess

import openpyxl
import pytest

from tasks.documents.statussheet import SheetScope
from tasks.documents.statussheet.layout import MAX_ROW_PT
from tasks.models import Report
from tests.conftest import measure_by_code

from .helpers import CURRENT_PERIOD, TODAY, export_bytes, report
from .test_round_trip import SPECIAL_TEXTS

LONG = "已建成众创空间两处，入驻数字广告企业二十三家，2024 年新增 AI 广告创意平台 3 个。"


@pytest.fixture
def printed(plan, lead_staff, town_staff, current_period, libreoffice):
    """The coordinator's export with long, mixed and awkward reports, and LibreOffice's PDF of it."""
    report(measure_by_code(plan, 1, 1), "区科委", current_period, lead_staff, progress=LONG * 6, problems=LONG)
    report(measure_by_code(plan, 2, 1), "区科委", current_period, lead_staff, progress=LONG, next_steps=LONG * 2)
    report(measure_by_code(plan, 2, 2), "区科委", current_period, lead_staff, progress="\r\n".join(SPECIAL_TEXTS[:6]))
    report(
        measure_by_code(plan, 5, 2),
        "江桥镇",
        current_period,
        town_staff,
        status=Report.Status.LATE,
        percent=10,
        progress=LONG * 3,
    )
    report(measure_by_code(plan, 6, 1), "江桥镇", current_period, town_staff, progress="长文本。" * 500)
    content = export_bytes(SheetScope(plan=plan, period=current_period, today=TODAY))
    [pdf] = libreoffice.convert([content], to="pdf")
    path = libreoffice.workdir / f"printed{libreoffice.count}.pdf"
    path.write_bytes(pdf)
    return content, path


def pdf_pages(path):
    """[(page text, [(word, width, height)])] from poppler's pdftotext."""
    pages = []
    count = int(
        re.search(r"Pages:\s+(\d+)", subprocess.run(["pdfinfo", path], capture_output=True, text=True).stdout).group(1)
    )
    for number in range(1, count + 1):
        text = subprocess.run(
            ["pdftotext", "-f", str(number), "-l", str(number), "-layout", path, "-"], capture_output=True, text=True
        ).stdout
        bbox = subprocess.run(
            ["pdftotext", "-f", str(number), "-l", str(number), "-bbox", path, "-"], capture_output=True, text=True
        ).stdout
        words = [
            (word, float(x2) - float(x1), float(y2) - float(y1))
            for x1, y1, x2, y2, word in re.findall(
                r'xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]+)<', bbox
            )
        ]
        pages.append((text, words))
    return pages


CJK_WORD = re.compile(r"^[\u4e00-\u9fff]{2,}$")


def test_body_text_is_at_least_9_points_on_every_printed_page(printed):
    _, path = printed
    for number, (_, words) in enumerate(pdf_pages(path), start=1):
        # A Chinese character is one em wide: the word's width over its length is the printed size.
        sizes = [width / len(word) for word, width, _ in words if CJK_WORD.match(word)]
        assert sizes, f"page {number} has no Chinese text"
        assert min(sizes) >= 9 - 0.05, (number, min(sizes))


def test_fonts_are_named_and_libreoffice_prints_latin_and_chinese_in_noto_cjk_alike(printed):
    content, path = printed
    workbook = openpyxl.load_workbook(io.BytesIO(content))
    names = {
        cell.font.name for sheet in workbook for row in sheet.iter_rows() for cell in row if cell.value is not None
    }
    fonts = subprocess.run(["pdffonts", path], capture_output=True, text=True).stdout

    assert names <= {"宋体", "黑体"}
    assert "NotoSerifCJK" in fonts  # 宋体 through fontconfig/99-jiading-cjk.conf
    assert "NotoSansCJK" in fonts  # 黑体
    # Latin text and digits in the same faces, the chart's too: no DejaVu or Liberation fallback.
    assert "DejaVu" not in fonts and "Liberation" not in fonts, fonts


def test_no_line_of_text_is_cut_off_in_libreoffice(printed, libreoffice):
    content, _ = printed
    for sheet, rows in libreoffice.row_heights(content).items():
        cut = [(row, height, needed) for row, height, needed in rows if needed > height + 0.5]
        if sheet == "按单位":
            # Its cells hold a report whole, to be edited and read back: 2,000 characters
            # need more than the tallest row Excel prints, which such a row gets.
            cut = [(row, height, needed) for row, height, needed in cut if height < MAX_ROW_PT - 0.5]
        assert cut == [], f"{sheet}: rows lower than LibreOffice needs (row, height, needed): {cut[:5]}"


def test_rows_are_not_much_taller_than_libreoffice_needs(printed, libreoffice):
    """Pages not wasted on blank lines (a 牵头 cell once counted as four lines)."""
    content, _ = printed
    for sheet, rows in libreoffice.row_heights(content).items():
        body = [(height, needed) for row, height, needed in rows if row > 3 and height < MAX_ROW_PT - 0.5]
        spare = sum(height for height, _ in body) / sum(needed for _, needed in body)
        # 1.16 today: a row holds a line of headroom for Excel, whose SimSun wraps earlier.
        assert spare < 1.25, f"{sheet}: rows {spare:.0%} of what LibreOffice needs"


def test_a_task_running_onto_a_new_page_is_named_on_that_page(plan, printed):
    content, path = printed
    sheet = openpyxl.load_workbook(io.BytesIO(content))["台账"]
    pages = [text for text, _ in pdf_pages(path) if "本表供阅读" in text]
    headings = [task.heading for task in plan.tasks.order_by("number")]

    # LibreOffice broke the pages where the export did, and nowhere else.
    assert len(pages) == len(sheet.row_breaks.brk) + 1
    for number, text in enumerate(pages, start=1):
        flat = re.sub(r"\s+", "", text)
        first = next(h for h in headings if re.sub(r"\s+", "", h)[:6] in flat)
        assert first, f"page {number} names no task"


def test_every_summary_page_has_the_title_and_the_unit_table_its_own_header(printed):
    _, path = printed
    pages = [re.sub(r"\s+", "", text) for text, _ in pdf_pages(path)]
    summary = [i for i, text in enumerate(pages) if "·汇总" in text]

    assert summary, "a 汇总 page"
    first = pages[summary[0]]
    assert f"截至{TODAY:%Y年%m月%d日}·序时进度45.7%·汇总" in first
    assert "各项工作任务平均完成进度" in first  # the chart, on the task page
    assert len(summary) >= 2  # the unit table runs onto a page of its own
    for page in summary[1:]:  # every page it runs onto repeats the title and the table's header
        assert f"截至{TODAY:%Y年%m月%d日}·序时进度45.7%·汇总" in pages[page]
        assert "单位承担事项其中牵头" in pages[page] and "措施数" not in pages[page]


def test_every_page_of_the_reading_and_fill_in_sheets_repeats_the_title_with_the_period(printed):
    _, path = printed
    pages = [re.sub(r"\s+", "", text) for text, _ in pdf_pages(path)]
    repeated = [text for text in pages if "本表供阅读" in text or "填报表：" in text]

    assert len(repeated) >= 3
    assert all(CURRENT_PERIOD in text for text in repeated)

"""The 台账's 指标 sheet: the goal indicators for reading (targets, yearly values with their
review state, status), in the house style, printed on A4 landscape, never imported."""

import io
import re
import subprocess
from decimal import Decimal

import openpyxl
import pytest

from tasks.documents.statussheet import SheetScope, layout
from tasks.indicators import values as indicator_rules
from tasks.models import Indicator
from tests.conftest import make_user

from .helpers import CURRENT_PERIOD, TODAY, export_bytes, preview_of, read_back, upload
from .test_print import CJK_WORD, pdf_pages

HEADERS = ["指标", "计量单位", "基期", "目标", *(f"{y}年" for y in range(2020, 2026)), "状态", "责任单位"]


@pytest.fixture
def values(plan, coordinator):
    """经营主体: 2020 1000 and 2021 1100 approved, 2022 1200 submitted, 2023 1300 a draft;
    营收: 2022 100 approved, 2023 105 returned; 分园 gets a target of 3 and 2023's 2 approved."""
    market = make_user("shichang", units=["区市场监管局"])

    def enter(number, year, value, *, then=None):
        indicator = Indicator.objects.get(plan=plan, number=number)
        row = indicator_rules.save_value(
            indicator,
            year,
            {"value": Decimal(value), "source": "区统计局", "note": ""},
            market,
            submit=then != "draft",
            version=0,
        )
        if then == "approve":
            indicator_rules.approve(row, coordinator, row.version)
        elif then == "return":
            indicator_rules.return_for_revision(row, coordinator, row.version, "请核实")

    enter(3, 2020, 1000, then="approve")
    enter(3, 2021, 1100, then="approve")
    enter(3, 2022, 1200)
    enter(3, 2023, 1300, then="draft")
    enter(4, 2022, 100, then="approve")
    enter(4, 2023, 105, then="return")
    Indicator.objects.filter(plan=plan, number=1).update(target_value=3)
    enter(1, 2023, 2, then="approve")


def sheet_of(content):
    return openpyxl.load_workbook(io.BytesIO(content))[layout.INDICATOR_SHEET]


def rows_of(sheet):
    return {row[0]: row for row in sheet.iter_rows(min_row=4, values_only=True)}


@pytest.fixture
def full(plan, current_period, values):
    return export_bytes(SheetScope(plan=plan, period=current_period, today=TODAY))


def test_one_row_per_indicator_with_target_values_and_status(plan, full):
    sheet = sheet_of(full)
    assert [c.value for c in sheet[3]] == HEADERS
    rows = rows_of(sheet)
    evaluations = {f"{e.indicator.number}. {e.indicator.name}": e for e in indicator_rules.evaluations(plan)}

    assert list(rows) == list(evaluations) and len(rows) == 4
    for name, evaluation in evaluations.items():
        assert rows[name][3] == evaluation.target_text
        assert rows[name][10] == str(evaluation.status_label)
    assert rows["3. 全区广告经营主体"][:10] == (
        "3. 全区广告经营主体",
        "户",
        "2020年\n1000",
        "2025年较2020年增长 40%，即 1400 户",
        1000,
        1100,
        "1200\n待审核",
        None,  # a draft is its unit's own
        None,
        None,
    )
    assert rows["3. 全区广告经营主体"][10:] == ("进展中", "区市场监管局\n数据：区统计局")
    assert rows["4. 广告年营收"][4:8] == ("—", "—", 100, "105\n已退回")
    assert rows["1. 中广国际广告产业园分园"][8:11] == (None, None, "进展中")
    assert rows["1. 中广国际广告产业园分园"][7] == 2
    assert rows["2. 在全国具有影响力的数字广告企业"][10] == "目标待定"


def test_approved_only_export_shows_approved_values_only(plan, current_period, values):
    content = export_bytes(SheetScope(plan=plan, period=current_period, today=TODAY, approved_only=True))
    rows = rows_of(sheet_of(content))

    assert rows["3. 全区广告经营主体"][4:8] == (1000, 1100, None, None)
    assert rows["4. 广告年营收"][7] is None


def test_a_filtered_export_has_no_indicator_sheet(plan, current_period, values):
    content = export_bytes(SheetScope(plan=plan, period=current_period, today=TODAY, filters="单位：区科委"))
    assert layout.INDICATOR_SHEET not in openpyxl.load_workbook(io.BytesIO(content)).sheetnames


def test_unit_staff_get_the_indicator_sheet_too(plan, values, client_for, lead_staff):
    content = client_for(lead_staff).get("/export/status.xlsx").content
    assert len(rows_of(sheet_of(content))) == 4


def test_fonts_are_named_and_it_prints_on_a4_landscape_at_9_points(full):
    sheet = sheet_of(full)
    fonts = {cell.font.name for row in sheet.iter_rows() for cell in row if cell.value is not None}
    columns = layout.indicator_columns(range(2020, 2026))

    assert fonts <= {"宋体", "黑体"}
    assert sheet.page_setup.paperSize == layout.PAPER_A4 and sheet.page_setup.orientation == "landscape"
    assert sheet.page_setup.fitToWidth == 1 and sheet.sheet_properties.pageSetUpPr.fitToPage
    assert sheet.print_title_rows == "$1:$3"
    assert layout.BODY_SIZE * layout.fit_scale(columns, layout.PAPER_A4) >= layout.MIN_PRINTED_PT
    assert [sheet.column_dimensions[chr(65 + i)].width for i in range(len(columns))] == [c.width for c in columns]


def test_the_import_ignores_the_indicator_sheet(plan, current_period, values, full, coordinator, client_for):
    workbook = openpyxl.load_workbook(io.BytesIO(full))
    sheet = workbook[layout.INDICATOR_SHEET]
    sheet["E4"] = "=1+1"
    sheet["K4"] = "已达成"
    buffer = io.BytesIO()
    workbook.save(buffer)

    preview = read_back(buffer.getvalue(), plan, current_period)
    page = preview_of(upload(client_for(coordinator), buffer.getvalue()))

    for result in (preview, page):
        assert result.changes == [] and result.errors == []


def test_libreoffice_prints_the_indicator_sheet_on_one_a4_landscape_page(full, libreoffice):
    [pdf] = libreoffice.convert([full], to="pdf")
    path = libreoffice.workdir / f"indicators{libreoffice.count}.pdf"
    path.write_bytes(pdf)
    pages = pdf_pages(path)
    [(number, (text, words))] = [(n, page) for n, page in enumerate(pages, start=1) if "主要目标指标" in page[0]]
    size = subprocess.run(
        ["pdfinfo", "-f", str(number), "-l", str(number), path], capture_output=True, text=True
    ).stdout

    width, height = map(float, re.search(rf"Page\s+{number} size:\s+([\d.]+) x ([\d.]+)", size).groups())
    assert (round(width), round(height)) == (842, 595)  # A4 landscape, in points
    flat = re.sub(r"\s+", "", text)
    for shown in ("全区广告经营主体", "即1400", "1200", "待审核", "已退回", "进展中"):
        assert shown in flat, shown
    assert CURRENT_PERIOD not in flat  # indicators are yearly
    sizes = [w / len(word) for word, w, _ in words if CJK_WORD.match(word)]
    assert min(sizes) >= layout.MIN_PRINTED_PT - 0.05

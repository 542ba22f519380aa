"""`export_status PATH.xlsx`: the status sheet (台账), opened back with openpyxl.

Its first columns mirror the attachment's table (任务分工): 工作任务 | 具体措施 |
责任单位 | 牵头单位, one row per measure, the task cell merged down its measures.
"""

import gc
import io

import openpyxl
import pytest
from django.core.management import CommandError, call_command

from tasks.models import Plan

from .plan_facts import MEASURE_COUNTS
from .seed import attachment_rows


@pytest.fixture
def plan(plan_from_module):
    """Read-only tests: the plan is loaded once for the module."""
    return plan_from_module


def export(tmp_path, *args):
    path = tmp_path / "台账.xlsx"
    out = io.StringIO()
    call_command("export_status", str(path), *args, stdout=out)
    assert f"已导出台账：{path}" in out.getvalue()
    return openpyxl.load_workbook(path).worksheets[0]


@pytest.fixture(scope="module")
def sheet(plan_loaded_for_module, django_db_blocker, tmp_path_factory):
    """The bundled plan's sheet, exported once: the tests using it only read it."""
    with django_db_blocker.unblock():
        return export(tmp_path_factory.mktemp("export"))


def header_row(sheet):
    """The row holding the column headers; a title row may come before it."""
    for row in range(1, 4):
        if sheet[f"A{row}"].value == "工作任务":
            return row
    raise AssertionError("no 工作任务 header in the first rows")


def first_data_row(sheet):
    return header_row(sheet) + 1


def row_values(sheet, row, columns="ABCD"):
    return [sheet[f"{column}{row}"].value for column in columns]


def task_merges(sheet):
    """Merged ranges below the header: the task cells."""
    return {str(r) for r in sheet.merged_cells.ranges if r.min_row > header_row(sheet)}


def data_row(sheet, task_number, measure_number):
    """The row of a measure: rows are in document order."""
    first = first_data_row(sheet) + sum(MEASURE_COUNTS[: task_number - 1])
    for row in range(first, first + MEASURE_COUNTS[task_number - 1]):
        if sheet[f"B{row}"].value.startswith(f"({measure_number}) "):
            return row
    raise AssertionError(f"{task_number}.({measure_number}) not found")


def test_header_row_starts_with_the_attachment_columns(sheet):
    assert row_values(sheet, header_row(sheet)) == ["工作任务", "具体措施", "责任单位", "牵头单位"]


def test_only_a_title_may_come_before_the_header(sheet):
    for row in range(1, header_row(sheet)):
        assert "台账" in sheet[f"A{row}"].value
        assert row_values(sheet, row, "BCD") == [None, None, None]


def test_progress_headers_follow_the_attachment_columns(sheet):
    rest = [cell.value for cell in sheet[header_row(sheet)][4:]]
    wanted = ["状态", "完成进度", "进展情况", "存在问题", "下一步计划"]
    assert [value for value in rest if value in wanted] == wanted
    assert rest[0] == "状态"
    assert any("单位" in value for value in rest[rest.index("下一步计划") :])
    assert any("时间" in value for value in rest[rest.index("下一步计划") :])


def test_one_row_per_measure(sheet):
    first = first_data_row(sheet)
    assert sheet.max_row == first - 1 + 42
    assert all(sheet[f"B{row}"].value for row in range(first, first + 42))


def test_first_row_is_measure_1_1_with_its_task(sheet):
    assert row_values(sheet, first_data_row(sheet)) == [
        "1. 发展数字广告新型业态",
        "(1) 鼓励有条件的创新创业载体孵化培育并服务数字广告相关创新创业企业。建设和运营一批广告业创新创业的众创空间。",
        "区科委",
        "区科委",
    ]


@pytest.mark.parametrize(
    "task_number,measure_number,units,leads",
    [
        (1, 3, "区商务委、区文化旅游局、区科委、区委宣传部", "区商务委"),
        (2, 1, "区科委、区委网信办、区经委、区行政服务中心(大数据中心)、各街镇", "区科委"),
        (
            5,
            2,
            "江桥镇、南翔镇、安亭镇、北虹办、区商务委、区市场局、区经委、区科委",
            "江桥镇、南翔镇、安亭镇、北虹办",
        ),
        (9, 1, "区市场监管局、各相关街镇", "区市场监管局"),
    ],
)
def test_units_and_leads_are_printed_names_joined_with_dunhao(sheet, task_number, measure_number, units, leads):
    row = data_row(sheet, task_number, measure_number)
    assert sheet[f"C{row}"].value == units
    assert sheet[f"D{row}"].value == leads


def test_task_10_rows_keep_the_printed_numbering(sheet):
    row = first_data_row(sheet) + 37
    assert sheet[f"A{row}"].value == "10. 鼓励对数字广告业提供金融服务"
    assert sheet[f"B{row}"].value.startswith("(1) 指导辖内银行保险")
    assert sheet[f"B{row + 1}"].value.startswith("(3) 推动商业银行")


def test_task_cell_is_merged_down_its_measures(sheet):
    first = first_data_row(sheet)
    merges = task_merges(sheet)
    assert f"A{first}:A{first + 4}" in merges
    assert f"A{first + 37}:A{first + 38}" in merges


def test_only_task_cells_are_merged_one_range_per_task(sheet):
    expected, row = set(), first_data_row(sheet)
    for count in MEASURE_COUNTS:
        expected.add(f"A{row}:A{row + count - 1}")
        row += count
    assert task_merges(sheet) == expected


def test_task_cell_is_written_only_on_the_first_row_of_each_task(sheet):
    first = first_data_row(sheet)
    task_rows = [row - first for row in range(first, first + 42) if sheet[f"A{row}"].value]
    assert task_rows == [0, 5, 7, 12, 16, 19, 28, 31, 33, 37, 39]


def test_columns_a_to_d_match_the_attachment_cell_for_cell(sheet):
    expected = []
    for seed_row in attachment_rows():
        is_5_2 = (seed_row.task_number, seed_row.measure_number) == (5, 2)
        expected.append(
            [
                seed_row.task_cell or None,
                seed_row.measure_cell,
                "、".join(seed_row.units),
                "、".join(seed_row.units[:4] if is_5_2 else seed_row.units[:1]),
            ]
        )
    rows = range(first_data_row(sheet), sheet.max_row + 1)
    assert [row_values(sheet, row) for row in rows] == expected


def test_empty_database_gives_the_header_row_alone(plan, tmp_path):
    Plan.objects.all().delete()
    sheet = export(tmp_path)
    assert sheet.max_row == header_row(sheet)
    assert row_values(sheet, header_row(sheet)) == ["工作任务", "具体措施", "责任单位", "牵头单位"]
    assert task_merges(sheet) == set()


def test_sheet_prints_landscape_with_the_header_on_every_page(sheet):
    assert sheet.page_setup.orientation == "landscape"
    assert sheet.print_title_rows.replace("$", "") == f"1:{header_row(sheet)}"


def test_header_is_frozen_when_scrolling(sheet):
    assert sheet.freeze_panes == f"A{header_row(sheet) + 1}"


def test_sheet_is_fitted_to_the_page_width(sheet):
    assert sheet.page_setup.fitToWidth == 1
    assert sheet.sheet_properties.pageSetUpPr.fitToPage is True


def test_text_columns_wrap_and_have_widths_set(sheet):
    first = first_data_row(sheet)
    assert sheet[f"B{first}"].alignment.wrap_text is True
    assert sheet[f"C{first}"].alignment.wrap_text is True
    assert sheet.column_dimensions["B"].width >= 40
    assert sheet.column_dimensions["C"].width >= 20


def test_unknown_plan_doc_number_is_refused(plan, tmp_path):
    with pytest.raises(CommandError, match="嘉府发〔2099〕1号"):
        call_command("export_status", str(tmp_path / "out.xlsx"), "--plan", "嘉府发〔2099〕1号")
    assert not (tmp_path / "out.xlsx").exists()


def test_named_plan_is_exported(plan, tmp_path):
    sheet = export(tmp_path, "--plan", "嘉府发〔2023〕2号")
    assert sheet.max_row == header_row(sheet) + 42


# openpyxl leaves the write-only sheets' row writers open when saving fails; they
# complain when collected.
@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
def test_unwritable_path_is_refused_with_the_path_named(plan, tmp_path):
    target = tmp_path / "no-such-dir" / "台账.xlsx"
    with pytest.raises(CommandError) as excinfo:
        call_command("export_status", str(target))
    assert str(target) in str(excinfo.value)
    assert not target.exists()
    del excinfo  # its traceback holds the workbook
    gc.collect()

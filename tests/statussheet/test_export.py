"""GET /export/status.xlsx and `export_status --period`: the 台账 workbook, opened back with openpyxl."""

import io
import re
from collections import Counter
from urllib.parse import unquote

import openpyxl
import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from departments import roles
from tasks import obligations
from tasks.models import Period, Report
from tasks.progress import Light
from tasks.statussheet import COLUMN_WIDTHS, CONTENT_TYPE, LIGHT_COLOURS, PERCENT_FORMAT
from tests.conftest import make_user, measure_by_code

from .helpers import (
    EXPECTED_PERCENT,
    FIRST_DATA_ROW,
    HEADERS,
    a_few_reports,
    bulk_reports,
    count_queries,
    data_rows,
    document_measures,
    measure_codes,
    raw_parts,
    report,
    row_of,
    unit,
    workbook_of,
)

URL = "/export/status.xlsx"
PLAN_TITLE = "嘉定区数字广告业高质量发展行动方案（2023—2025年）"


@pytest.fixture
def sheet(plain_workbook):
    """The 台账 sheet before anyone has reported (shared, read only)."""
    return plain_workbook["台账"]


def fill_colour(cell):
    return cell.fill.fgColor.rgb[-6:].upper()


# --- The download -------------------------------------------------------------


def test_coordinator_downloads_an_xlsx_with_a_chinese_name_and_an_ascii_fallback(plain_export):
    response = plain_export

    assert response.status_code == 200
    assert response["Content-Type"] == CONTENT_TYPE
    disposition = response["Content-Disposition"]
    assert disposition.startswith("attachment;")
    fallback = re.search(r'filename="([^"]+)"', disposition).group(1)
    assert fallback.isascii()
    assert fallback.endswith("2024-05-15.xlsx")
    encoded = re.search(r"filename\*=UTF-8''(\S+)", disposition).group(1)
    assert encoded.isascii()
    assert encoded == "%E5%8F%B0%E8%B4%A6_2024-05-15.xlsx"
    assert unquote(encoded) == "台账_2024-05-15.xlsx"


def test_workbook_has_the_status_unit_and_summary_sheets_in_order(plain_workbook):
    assert plain_workbook.sheetnames == ["台账", "按单位", "汇总"]


def test_title_row_names_plan_period_and_as_of_date_across_the_header(sheet):
    title = sheet["A1"].value

    assert PLAN_TITLE in title
    assert "2024年第二季度" in title
    assert "2024年05月15日" in title
    assert "A1:M1" in {str(r) for r in sheet.merged_cells.ranges}
    assert [sheet.cell(1, column).value for column in range(2, 14)] == [None] * 12


def test_header_row_is_the_attachment_columns_then_the_progress_columns(sheet):
    assert [cell.value for cell in sheet[2]] == HEADERS


def test_one_row_per_measure_in_document_order(plan, sheet):
    assert sheet.max_row == FIRST_DATA_ROW - 1 + 42
    assert measure_codes(sheet) == [m.code for m in document_measures(plan)]


def test_first_row_is_measure_1_1_under_its_task(sheet):
    assert sheet["A3"].value == "1. 发展数字广告新型业态"
    assert sheet["B3"].value.startswith("(1) 鼓励有条件的创新创业载体孵化培育")
    assert sheet["C3"].value == "区科委"
    assert sheet["D3"].value == "区科委"


def test_each_task_cell_is_merged_down_its_measures(plan, sheet):
    per_task = Counter(m.task.number for m in document_measures(plan))
    expected, row = set(), FIRST_DATA_ROW
    for number in sorted(per_task):
        if per_task[number] > 1:
            expected.add(f"A{row}:A{row + per_task[number] - 1}")
        row += per_task[number]

    merges = {str(r) for r in sheet.merged_cells.ranges if r.min_row >= FIRST_DATA_ROW}
    assert "A3:A7" in merges  # task 1: five measures
    assert merges == expected


def test_task_heading_is_written_once_per_task(plan, sheet):
    headings = [row["工作任务"] for row in data_rows(sheet) if row["工作任务"]]
    assert headings == [task.heading for task in plan.tasks.order_by("number")]


def test_units_are_joined_with_dunhao_in_document_order(plan, sheet):
    for measure, row in zip(document_measures(plan), data_rows(sheet), strict=True):
        assignments = sorted(measure.assignments.all(), key=lambda a: a.position)
        assert row["具体措施"] == f"({measure.number}) {measure.text}"
        assert row["责任单位"] == "、".join(a.printed_name for a in assignments)
        assert row["牵头单位"] == "、".join(a.printed_name for a in assignments if a.is_lead)


def test_5_2_lists_its_four_town_leads(sheet):
    row = row_of(sheet, "5.(2)")

    assert row["牵头单位"] == "江桥镇、南翔镇、安亭镇、北虹办"
    assert row["责任单位"] == "江桥镇、南翔镇、安亭镇、北虹办、区商务委、区市场局、区经委、区科委"


# --- Progress columns ---------------------------------------------------------


def test_measure_nobody_reported_reads_not_reported_and_red_after_falling_behind(sheet):
    row = row_of(sheet, "1.(1)")

    assert row["状态"] == "未填报（红灯）"
    assert row["完成进度"] == 0
    assert row["序时进度"] == EXPECTED_PERCENT
    assert not row["进展情况"]
    assert not row["填报单位"]
    assert not row["填报时间"]


def test_submitted_lead_report_fills_the_progress_columns(plan, as_coordinator, lead_staff, current_period):
    saved = report(
        measure_by_code(plan, 1, 1),
        "区科委",
        current_period,
        lead_staff,
        percent=40,
        progress="已建成众创空间两处。",
        problems="场地不足。",
        next_steps="再建一处。",
    )

    row = row_of(workbook_of(as_coordinator.get(URL))["台账"], "1.(1)")

    assert row["状态"] == "推进中（绿灯）"
    assert row["完成进度"] == 40
    assert row["序时进度"] == EXPECTED_PERCENT
    assert row["进展情况"] == "已建成众创空间两处。"
    assert row["存在问题"] == "场地不足。"
    assert row["下一步计划"] == "再建一处。"
    assert row["填报单位"] == "区科委"
    assert row["填报时间"] == timezone.localtime(saved.submitted_at).strftime("%Y-%m-%d %H:%M")


def test_percent_columns_are_shown_with_a_percent_sign(sheet):
    assert sheet["F3"].number_format == PERCENT_FORMAT
    assert sheet["G3"].number_format == PERCENT_FORMAT


def test_draft_is_not_shown_in_the_sheet(plan, as_coordinator, lead_staff, current_period):
    report(measure_by_code(plan, 1, 1), "区科委", current_period, lead_staff, submit=False, progress="草稿内容")

    row = row_of(workbook_of(as_coordinator.get(URL))["台账"], "1.(1)")

    assert row["状态"].startswith("未填报")
    assert not row["进展情况"]


def test_co_organizer_contributions_are_summarised_beside_the_lead(
    plan, as_coordinator, lead_staff, co_organizer, current_period
):
    measure = measure_by_code(plan, 2, 1)
    report(measure, "区科委", current_period, lead_staff, percent=40, progress="区科委牵头推进。")
    report(measure, "区委网信办", current_period, co_organizer, percent=30, progress="网信办配合完成调研。")

    row = row_of(workbook_of(as_coordinator.get(URL))["台账"], "2.(1)")

    assert row["进展情况"] == "区科委牵头推进。"
    assert row["填报单位"] == "区科委"
    assert row["配合单位进展"] == "区委网信办（推进中 30%）：网信办配合完成调研。"


def test_5_2_shows_each_reporting_lead_on_its_own_line(plan, as_coordinator, town_staff, current_period):
    nanxiang = make_user("nanxiang", units=["南翔镇"])
    measure = measure_by_code(plan, 5, 2)
    report(measure, "江桥镇", current_period, town_staff, percent=60, progress="江桥孵化平台已挂牌。")
    report(measure, "南翔镇", current_period, nanxiang, percent=20, progress="南翔完成选址。")

    row = row_of(workbook_of(as_coordinator.get(URL))["台账"], "5.(2)")

    assert row["进展情况"] == "江桥镇：江桥孵化平台已挂牌。\n南翔镇：南翔完成选址。"
    assert row["填报单位"] == "江桥镇、南翔镇"
    assert row["完成进度"] == 20  # (60 + 20 + 0 + 0) / 4 leads


def test_status_cell_is_filled_with_the_colour_of_its_light(plan, as_coordinator, lead_staff, current_period):
    report(measure_by_code(plan, 1, 1), "区科委", current_period, lead_staff, percent=40)
    report(
        measure_by_code(plan, 2, 2),
        "区科委",
        current_period,
        lead_staff,
        status=Report.Status.DONE,
        percent=100,
        progress="认定工作已完成。",
    )

    sheet = workbook_of(as_coordinator.get(URL))["台账"]
    green, done, red = (row_of(sheet, code)["row"] for code in ["1.(1)", "2.(2)", "1.(2)"])

    assert sheet[f"E{green}"].value == "推进中（绿灯）"
    assert sheet[f"E{done}"].value == "已完成"
    assert sheet[f"E{red}"].value == "未填报（红灯）"
    assert fill_colour(sheet[f"E{green}"]) == LIGHT_COLOURS[Light.GREEN]
    assert fill_colour(sheet[f"E{done}"]) == LIGHT_COLOURS[Light.DONE]
    assert fill_colour(sheet[f"E{red}"]) == LIGHT_COLOURS[Light.RED]
    assert len({fill_colour(sheet[f"E{row}"]) for row in (green, done, red)}) == 3


# --- Printing -----------------------------------------------------------------


def test_sheet_prints_landscape_one_page_wide_with_the_title_and_header_repeated(sheet):
    assert sheet.page_setup.orientation == "landscape"
    assert int(sheet.page_setup.fitToWidth) == 1
    assert sheet.print_title_rows.replace("$", "") == "1:2"


def test_body_cells_wrap_and_every_column_has_its_width(sheet):
    for column in "BCDHIJM":
        assert sheet[f"{column}3"].alignment.wrap_text is True, column
    widths = [sheet.column_dimensions[openpyxl.utils.get_column_letter(i)].width for i in range(1, 14)]
    assert widths == COLUMN_WIDTHS


def test_header_stays_frozen_when_scrolling(sheet):
    assert sheet.freeze_panes == "A3"


def test_fit_to_width_takes_effect(sheet):
    # Excel ignores fitToWidth unless the sheet properties say fitToPage; in write-only mode both
    # must be set before the first row is written.
    assert sheet.sheet_properties.pageSetUpPr.fitToPage is True


# --- The summary sheet ----------------------------------------------------------


def test_summary_sheet_has_one_row_per_task_and_a_native_bar_chart(plan, plain_export, plain_workbook):
    summary = plain_workbook["汇总"]
    parts = raw_parts(plain_export.content)

    assert [summary.cell(2, c).value for c in range(1, 5)] == ["工作任务", "措施数", "平均完成进度", "序时进度"]
    assert [summary.cell(r, 1).value for r in range(3, 14)] == [t.heading for t in plan.tasks.order_by("number")]
    assert sum(summary.cell(r, 2).value for r in range(3, 14)) == 42
    # openpyxl's reader drops charts, so look at the file itself.
    assert "xl/charts/chart1.xml" in parts
    chart = parts["xl/charts/chart1.xml"]
    assert re.search(r"<(c:)?barChart>", chart)
    assert "'汇总'!$A$3:$A$13" in chart


def test_unit_sheet_lists_each_units_obligations(plan, as_coordinator, lead_staff, current_period):
    report(measure_by_code(plan, 1, 1), "区科委", current_period, lead_staff, progress="区科委进展。")

    units_sheet = workbook_of(as_coordinator.get(URL))["按单位"]
    rows = [[cell.value for cell in row] for row in units_sheet.iter_rows(min_row=3)]
    kewei_first = next(i for i, row in enumerate(rows) if row[0] == "区科委")
    kewei_rows = rows[kewei_first : kewei_first + len(obligations.for_units([unit("区科委")], plan))]

    assert units_sheet["A2"].value == "单位"
    codes = [row[3].split(" ", 1)[0] for row in kewei_rows]
    assert codes == ["1.(1)", "1.(3)", "2.(1)", "2.(2)", "5.(2)", "6.(4)", "6.(6)"]
    assert kewei_rows[0][1] == "牵头"
    assert kewei_rows[0][6] == "区科委进展。"
    assert kewei_rows[1][1] == "配合"


# --- Text that looks like a formula ------------------------------------------------


@pytest.mark.parametrize("text", ['=HYPERLINK("http://x")', "+1", "-1", "@SUM(A1)"])
def test_text_that_looks_like_a_formula_stays_text(plan, as_coordinator, lead_staff, current_period, text):
    report(measure_by_code(plan, 1, 1), "区科委", current_period, lead_staff, progress=text, problems=text)

    response = as_coordinator.get(URL)
    workbook = workbook_of(response)
    cell = workbook["台账"].cell(row_of(workbook["台账"], "1.(1)")["row"], HEADERS.index("进展情况") + 1)
    unit_cells = [c for row in workbook["按单位"].iter_rows(min_row=3) for c in row if c.value == text]

    assert cell.value == text
    assert cell.data_type == "s"
    assert unit_cells and all(c.data_type == "s" for c in unit_cells)
    for name, xml in raw_parts(response.content).items():
        if name.startswith("xl/worksheets/"):
            assert not re.search(r"<f[\s>]", xml), name


# --- A past period --------------------------------------------------------------


@pytest.fixture
def two_quarters(plan, lead_staff, previous_period, current_period):
    """区科委 reported 1.(1) at 30% in the first quarter and 40% in the second."""
    measure = measure_by_code(plan, 1, 1)
    report(measure, "区科委", previous_period, lead_staff, percent=30, progress="一季度：完成选址。")
    report(measure, "区科委", current_period, lead_staff, percent=40, progress="二季度：空间开工。")


def test_past_period_is_exported_as_it_stood_at_its_due_date(as_coordinator, two_quarters, previous_period):
    response = as_coordinator.get(URL, {"period": previous_period.pk})
    sheet = workbook_of(response)["台账"]
    row = row_of(sheet, "1.(1)")

    assert response.status_code == 200
    assert "2024年第一季度" in sheet["A1"].value
    assert "截至 2024年04月10日" in sheet["A1"].value
    assert "2024年第二季度" not in sheet["A1"].value
    assert row["完成进度"] == 30
    assert row["进展情况"] == "一季度：完成选址。"
    assert row["序时进度"] == 42.5  # 466 of 1096 days by 2024-04-10
    assert "2024-04-10" in unquote(response["Content-Disposition"])


def test_current_period_shows_the_latest_report(as_coordinator, two_quarters):
    row = row_of(workbook_of(as_coordinator.get(URL))["台账"], "1.(1)")

    assert row["完成进度"] == 40
    assert row["进展情况"] == "二季度：空间开工。"


@pytest.mark.parametrize("wanted", ["999999", "abc"])
def test_unknown_period_is_404(as_coordinator, wanted):
    assert as_coordinator.get(URL, {"period": wanted}).status_code == 404


def test_command_exports_a_named_past_period(plan, two_quarters, tmp_path):
    path = tmp_path / "台账.xlsx"
    out = io.StringIO()

    call_command("export_status", str(path), "--period", "2024年第一季度", stdout=out)

    sheet = openpyxl.load_workbook(path)["台账"]
    assert f"已导出台账：{path}" in out.getvalue()
    assert "2024年第一季度" in sheet["A1"].value
    assert "截至 2024年04月10日" in sheet["A1"].value
    assert row_of(sheet, "1.(1)")["完成进度"] == 30
    assert row_of(sheet, "1.(1)")["进展情况"] == "一季度：完成选址。"


def test_command_refuses_an_unknown_period_and_lists_the_options(plan, tmp_path):
    path = tmp_path / "台账.xlsx"

    with pytest.raises(CommandError) as excinfo:
        call_command("export_status", str(path), "--period", "2024年第五季度")

    message = str(excinfo.value)
    assert "2024年第五季度" in message
    for name in Period.objects.filter(plan=plan).values_list("name", flat=True):
        assert name in message
    assert not path.exists()


# --- Who may download what ----------------------------------------------------------


def test_unit_staff_download_only_their_units_measures(plan, client, lead_staff):
    client.force_login(lead_staff)

    response = client.get(URL)
    workbook = workbook_of(response)
    sheet = workbook["台账"]
    owed = obligations.for_units([unit("区科委")], plan)

    assert response.status_code == 200
    assert measure_codes(sheet) == [o.measure.code for o in owed]
    assert measure_codes(sheet) == ["1.(1)", "1.(3)", "2.(1)", "2.(2)", "5.(2)", "6.(4)", "6.(6)"]
    assert {str(r) for r in sheet.merged_cells.ranges if r.min_row >= FIRST_DATA_ROW} == {"A3:A4", "A5:A6", "A8:A9"}
    assert {row[0].value for row in workbook["按单位"].iter_rows(min_row=3) if row[0].value} == {"区科委"}


def test_town_staff_download_includes_measures_owed_through_each_town(plan, client, town_staff):
    client.force_login(town_staff)

    sheet = workbook_of(client.get(URL))["台账"]

    wanted = [o.measure.code for o in obligations.for_units([unit("江桥镇")], plan)]
    assert measure_codes(sheet) == wanted
    assert "6.(1)" in wanted  # through 各街镇 only
    assert "5.(2)" in wanted


def test_viewer_downloads_the_whole_sheet(client, viewer):
    client.force_login(viewer)

    response = client.get(URL)

    assert response.status_code == 200
    assert workbook_of(response)["台账"].max_row == FIRST_DATA_ROW - 1 + 42


@pytest.mark.parametrize("groups", [(), (roles.AUDITOR,)], ids=["no-units-no-groups", "auditor"])
def test_user_without_units_or_a_reading_role_is_refused(plan, client, groups):
    client.force_login(make_user("nobody", groups=groups))

    response = client.get(URL)

    assert response.status_code == 403
    assert response["Content-Type"] != CONTENT_TYPE


def test_anonymous_visitor_is_sent_to_login(plan, client):
    response = client.get(URL)

    assert response.status_code == 302
    assert response["Location"] == f"/accounts/login/?next={URL}"


# --- Queries ---------------------------------------------------------------------


EXPORT_QUERIES = 16


def test_export_query_count_is_pinned_and_flat_as_reports_grow(
    plan, as_coordinator, lead_staff, django_assert_max_num_queries
):
    a_few_reports(plan, lead_staff)
    as_coordinator.get(URL)  # the first request of a session sets up its security record
    with django_assert_max_num_queries(EXPORT_QUERIES):
        as_coordinator.get(URL)
    _, few = count_queries(lambda: as_coordinator.get(URL))

    added = bulk_reports(plan, ["2024年第一季度", "2024年第二季度"])
    assert added > 150
    response, many = count_queries(lambda: as_coordinator.get(URL))

    assert many == few
    sheet = workbook_of(response)["台账"]
    assert row_of(sheet, "2.(1)")["进展情况"] == "区科委 2.(1) 进展"
    assert row_of(sheet, "1.(1)")["进展情况"] == "区科委2024年第二季度进展"


def test_rows_are_tall_enough_for_their_wrapped_text(plan, as_coordinator, lead_staff, current_period):
    long_text = "已建成众创空间两处，入驻数字广告企业二十三家。" * 6
    report(measure_by_code(plan, 1, 1), "区科委", current_period, lead_staff, percent=40, progress=long_text)

    sheet = workbook_of(as_coordinator.get(URL))["台账"]
    tall, short = (row_of(sheet, code)["row"] for code in ["1.(1)", "2.(2)"])

    # 进展情况 is 40 characters wide: about 280 display widths take 7 lines or more.
    assert sheet.row_dimensions[tall].height >= 7 * 14
    assert sheet.row_dimensions[tall].height > (sheet.row_dimensions[short].height or 15)


def test_wide_sheets_print_on_a3_landscape(plain_workbook):
    for name in ["台账", "按单位"]:
        setup = plain_workbook[name].page_setup
        assert (setup.paperSize, setup.orientation) == (8, "landscape")

"""GET /export/status.xlsx: the 台账 workbook's sheets and cells, opened back with openpyxl.

Printing is pinned in test_print.py, the command in test_export_command.py.
"""

import re
from collections import Counter
from urllib.parse import unquote

import pytest
from django.utils import timezone

from departments import roles
from jiading_ads.xlsx import CONTENT_TYPE
from tasks import obligations
from tasks.documents.statussheet import layout
from tasks.documents.statussheet.layout import CLIPPED, LIGHT_COLOURS, MAX_ROW_PT, PERCENT_FORMAT
from tasks.models import Report
from tasks.progress.rollup import Light
from tests.conftest import make_user, measure_by_code
from tests.helpers import unit

from .helpers import (
    EXPECTED_PERCENT,
    FILL_IN_HEADERS,
    FIRST_DATA_ROW,
    HEADERS,
    data_rows,
    document_measures,
    fill_in_row,
    fill_in_rows,
    measure_codes,
    queries_as_reports_grow,
    raw_parts,
    report,
    row_of,
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
    assert fallback == "taizhang_2024-05-15.xlsx"
    encoded = re.search(r"filename\*=UTF-8''(\S+)", disposition).group(1)
    assert encoded.isascii()
    assert unquote(encoded) == "台账_2024年第二季度_2024-05-15.xlsx"


def test_workbook_has_the_status_unit_summary_and_indicator_sheets_in_order(plain_workbook):
    assert plain_workbook.sheetnames == ["台账", "按单位", "汇总", "指标"]


def test_title_row_names_plan_period_as_of_date_and_expected_progress_across_the_header(sheet):
    title = sheet["A1"].value

    assert PLAN_TITLE in title
    assert "2024年第二季度" in title
    assert "2024年05月15日" in title
    assert f"序时进度 {EXPECTED_PERCENT}%" in title
    assert "A1:M1" in {str(r) for r in sheet.merged_cells.ranges}
    assert [sheet.cell(1, column).value for column in range(2, 14)] == [None] * 12


def test_second_title_row_says_the_sheet_is_for_reading_and_which_sheet_is_filled_in(sheet):
    note = sheet["A2"].value

    assert note.startswith("本表供阅读")
    assert "“按单位”工作表" in note
    assert "A2:M2" in {str(r) for r in sheet.merged_cells.ranges}


def test_header_row_is_the_attachment_columns_then_the_progress_columns(sheet):
    assert [cell.value for cell in sheet[3]] == HEADERS


def test_one_row_per_measure_in_document_order(plan, sheet):
    assert sheet.max_row == FIRST_DATA_ROW - 1 + 42
    assert measure_codes(sheet) == [m.code for m in document_measures(plan)]


def test_first_row_is_measure_1_1_under_its_task(sheet):
    assert sheet["A4"].value == "1. 发展数字广告新型业态"
    assert sheet["B4"].value.startswith("(1) 鼓励有条件的创新创业载体孵化培育")
    assert sheet["C4"].value == "区科委"
    assert sheet["D4"].value == "区科委"


def task_pieces(plan, sheet):
    """Each task's rows, split where a page ends: [(heading, first row, last row)]."""
    breaks = {b.id for b in sheet.row_breaks.brk}
    per_task = Counter(m.task.number for m in document_measures(plan))
    headings = {t.number: t.heading for t in plan.tasks.all()}
    pieces, row = [], FIRST_DATA_ROW
    for number in sorted(per_task):
        first = row
        for current in range(row, row + per_task[number]):
            if current in breaks and current < row + per_task[number] - 1:
                pieces.append((headings[number], first, current))
                first = current + 1
        pieces.append((headings[number], first, row + per_task[number] - 1))
        row += per_task[number]
    return pieces


def test_each_task_cell_is_merged_down_its_measures_on_each_page(plan, sheet):
    pieces = task_pieces(plan, sheet)
    merges = {str(r) for r in sheet.merged_cells.ranges if r.min_row >= FIRST_DATA_ROW}

    assert "A4:A8" in merges  # task 1: five measures on the first page
    assert merges == {f"A{first}:A{last}" for _, first, last in pieces if last > first}


def test_a_task_that_runs_onto_a_new_page_is_named_there_too(plan, sheet):
    pieces = task_pieces(plan, sheet)
    continued = [(heading, first) for i, (heading, first, _) in enumerate(pieces) if i and pieces[i - 1][0] == heading]

    assert sheet.row_breaks.brk, "the 42 measures fill more than one A3 page"
    assert continued, "some task runs across a page break"
    for heading, first in continued:
        assert sheet[f"A{first}"].value == f"{heading}（续）"


def test_task_heading_is_written_once_per_task_besides_its_continuations(plan, sheet):
    headings = [row["工作任务"] for row in data_rows(sheet) if row["工作任务"] and "（续）" not in row["工作任务"]]
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
    assert row["审核状态"] == "未填报"
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
    assert row["完成进度"] == 0.4
    assert row["审核状态"] == "待审核"
    assert row["进展情况"] == "已建成众创空间两处。"
    assert row["存在问题"] == "场地不足。"
    assert row["下一步计划"] == "再建一处。"
    assert row["填报单位"] == "区科委"
    assert row["填报时间"] == timezone.localtime(saved.submitted_at).strftime("%Y-%m-%d %H:%M")


def test_percent_column_is_a_real_percentage(sheet):
    # 0.4 shown as "40%": what a person types as 98% is then stored the same way.
    assert sheet["F4"].number_format == PERCENT_FORMAT == "0%"


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
    # Co-organizers by status and percent (their texts are in 按单位), those yet to report on a line.
    reported, missing = row["配合单位进展"].split("\n")
    assert reported == "区委网信办：推进中 30%"
    assert missing.startswith("未填报：区经委、") and "江桥镇" in missing


def test_5_2_shows_each_reporting_lead_on_its_own_line(plan, as_coordinator, town_staff, current_period):
    nanxiang = make_user("nanxiang", units=["南翔镇"])
    measure = measure_by_code(plan, 5, 2)
    report(measure, "江桥镇", current_period, town_staff, percent=60, progress="江桥孵化平台已挂牌。")
    report(measure, "南翔镇", current_period, nanxiang, percent=20, progress="南翔完成选址。")

    row = row_of(workbook_of(as_coordinator.get(URL))["台账"], "5.(2)")

    assert row["进展情况"] == (
        "江桥镇（推进中 60%）：江桥孵化平台已挂牌。\n南翔镇（推进中 20%）：南翔完成选址。\n安亭镇：未填报\n北虹办：未填报"
    )
    other = row_of(workbook_of(as_coordinator.get(URL))["台账"], "6.(1)")
    assert other["进展情况"].startswith("12个单位均未填报：新成路街道、真新街道、")
    assert row["填报单位"] == "2/4 个牵头单位"
    assert row["审核状态"] == "待审核 2\n未填报 2"
    assert row["完成进度"] == 0.2  # (60 + 20 + 0 + 0) / 4 leads


def test_text_too_long_for_a_printed_row_is_cut_in_the_reading_sheet_and_whole_in_the_fill_in_sheet(
    plan, as_coordinator, lead_staff, current_period
):
    long = "长文本。" * 500
    report(measure_by_code(plan, 1, 1), "区科委", current_period, lead_staff, progress=long)

    workbook = workbook_of(as_coordinator.get(URL))
    row = row_of(workbook["台账"], "1.(1)")

    assert row["进展情况"].endswith(CLIPPED)
    assert long.startswith(row["进展情况"].removesuffix(CLIPPED))
    assert workbook["台账"].row_dimensions[row["row"]].height <= MAX_ROW_PT
    assert fill_in_row(workbook["按单位"], "1.(1)", "区科委")["进展情况"] == long


def test_every_town_shows_its_state_and_percent_when_the_towns_texts_are_too_long_for_a_printed_row(
    plan, as_coordinator, lead_staff, current_period
):
    measure = measure_by_code(plan, 6, 1)  # led by 各街镇: each member town leads its part
    leads = [o.unit.name for o in obligations.for_measure(measure) if o.is_lead]
    for index, name in enumerate(leads):
        status = Report.Status.LATE if index == 3 else Report.Status.IN_PROGRESS
        report(
            measure,
            name,
            current_period,
            lead_staff,
            status=status,
            percent=40 + index,
            progress=f"{name}推进。" * 60,
            problems="资金拨付慢。" if index < 5 else "场地未落实。",
            next_steps=f"{name}的下一步。" * 40,
        )

    sheet = workbook_of(as_coordinator.get(URL))["台账"]
    row = row_of(sheet, "6.(1)")
    lines = row["进展情况"].split("\n")

    assert len(leads) >= 10
    assert lines[:-1] == [
        f"{name}：{'滞后' if index == 3 else '推进中'} {40 + index}%" for index, name in enumerate(leads)
    ]
    assert lines[-1] == "（各单位填报内容见“按单位”）"
    # Problems said once with the towns that gave them; next steps too long: their writers named.
    assert row["存在问题"] == f"{'、'.join(leads[:5])}：资金拨付慢。\n{'、'.join(leads[5:])}：场地未落实。"
    assert row["下一步计划"] == f"{len(leads)}个单位填写（内容见“按单位”）：{'、'.join(leads)}"
    assert not any(CLIPPED in str(value) for value in row.values())
    assert sheet.row_dimensions[row["row"]].height <= MAX_ROW_PT


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


# --- The summary sheet ----------------------------------------------------------


def test_summary_sheet_has_one_row_per_task_and_a_native_bar_chart(plan, plain_export, plain_workbook):
    summary = plain_workbook["汇总"]
    parts = raw_parts(plain_export.content)
    tasks = [t.heading for t in plan.tasks.order_by("number")]

    assert summary["A1"].value.endswith("· 汇总")
    assert [summary.cell(2, c).value for c in range(1, 4)] == ["工作任务", "措施数", "平均完成进度"]
    assert [summary.cell(r, 1).value for r in range(3, 14)] == tasks
    assert sum(summary.cell(r, 2).value for r in range(3, 14)) == 42
    # openpyxl's reader drops charts, so look at the file itself.
    chart = parts["xl/charts/chart1.xml"]
    assert re.search(r"<(c:)?barChart>", chart)
    assert "'汇总'!$A$3:$A$13" in chart


def test_summary_unit_table_follows_the_chart_and_has_its_header_on_every_page(plan, plain_workbook):
    summary = plain_workbook["汇总"]
    headers = [r for r in range(1, summary.max_row + 1) if summary.cell(r, 1).value == "单位"]

    assert [summary.cell(headers[0], c).value for c in range(1, 7)] == [
        "单位",
        "承担事项",
        "其中牵头",
        "本期已提交",
        "逾期未报",
        "平均完成进度",
    ]
    breaks = {b.id for b in summary.row_breaks.brk}
    assert {b + 1 for b in breaks} <= set(headers)  # each page the table runs onto starts with its header
    assert summary.print_title_rows == "$1:$1"  # the title on every page, not the task table's header


@pytest.mark.parametrize(("name", "columns"), [("台账", layout.READING_COLUMNS), ("汇总", layout.SUMMARY_COLUMNS)])
def test_no_forced_page_break_leaves_a_page_mostly_empty(plain_workbook, name, columns):
    sheet = plain_workbook[name]
    page = layout.page_height(layout.PAPER_A3, layout.fit_scale(columns, layout.PAPER_A3))
    titles = int(sheet.print_title_rows.split(":")[-1].strip("$")) if sheet.print_title_rows else 0
    title_height = sum(sheet.row_dimensions[r].height for r in range(1, titles + 1))
    start = titles + 1
    for end in sorted(b.id for b in sheet.row_breaks.brk):
        used = title_height + sum(sheet.row_dimensions[r].height for r in range(start, end + 1))
        assert used > page / 2, f"{name}: the page ending at row {end} is {used / page:.0%} full"
        start = end + 1


def test_unit_sheet_lists_each_units_obligations_with_its_own_report(plan, as_coordinator, lead_staff, current_period):
    report(measure_by_code(plan, 1, 1), "区科委", current_period, lead_staff, progress="区科委进展。")

    units_sheet = workbook_of(as_coordinator.get(URL))["按单位"]
    rows = [row for row in fill_in_rows(units_sheet) if row["单位"] == "区科委"]

    assert [cell.value for cell in units_sheet[3]] == FILL_IN_HEADERS
    assert [row["code"] for row in rows] == [o.measure.code for o in obligations.for_units([unit("区科委")], plan)]
    assert [row["code"] for row in rows] == ["1.(1)", "1.(3)", "2.(1)", "2.(2)", "5.(2)", "6.(4)", "6.(6)"]
    assert (rows[0]["角色"], rows[0]["状态"], rows[0]["完成进度"], rows[0]["进展情况"]) == (
        "牵头",
        "推进中",
        0.4,
        "区科委进展。",
    )
    assert rows[0]["审核状态"] == "待审核"
    assert rows[1]["角色"] == "配合"
    assert (rows[1]["状态"], rows[1]["完成进度"], rows[1]["审核状态"]) == (None, None, "未填报")


def test_unit_sheet_title_rows_say_it_is_the_sheet_to_fill_in(plain_workbook):
    units_sheet = plain_workbook["按单位"]

    assert "按单位（填报表）" in units_sheet["A1"].value
    assert units_sheet["A2"].value.startswith("填报表：每行是一个单位对一项措施的填报")
    assert units_sheet.column_dimensions["L"].hidden


def test_each_town_of_each_town_led_measure_has_its_own_row(plan, plain_workbook):
    rows = fill_in_rows(plain_workbook["按单位"])
    members = unit("各街镇").members.count()

    assert len([r for r in rows if r["code"] == "6.(1)"]) == members
    assert {r["单位"] for r in rows if r["code"] == "5.(2)" and r["角色"] == "牵头"} == {
        "江桥镇",
        "南翔镇",
        "安亭镇",
        "北虹办",
    }


# --- Text that looks like a formula ------------------------------------------------


@pytest.mark.parametrize("text", ['=HYPERLINK("http://x")', "+1", "-1", "@SUM(A1)"])
def test_text_that_looks_like_a_formula_stays_text(plan, as_coordinator, lead_staff, current_period, text):
    report(measure_by_code(plan, 1, 1), "区科委", current_period, lead_staff, progress=text, problems=text)

    response = as_coordinator.get(URL)
    workbook = workbook_of(response)
    cell = workbook["台账"].cell(row_of(workbook["台账"], "1.(1)")["row"], HEADERS.index("进展情况") + 1)
    unit_cells = [c for row in workbook["按单位"].iter_rows(min_row=4) for c in row if c.value == text]

    assert cell.value == text
    assert cell.data_type == "s"
    assert unit_cells and all(c.data_type == "s" for c in unit_cells)
    for name, xml in raw_parts(response.content).items():
        if name.startswith("xl/worksheets/"):
            assert not re.search(r"<f[\s>]", xml), name


def test_text_that_looks_like_an_error_code_stays_text(plan, as_coordinator, lead_staff, current_period):
    report(measure_by_code(plan, 1, 1), "区科委", current_period, lead_staff, progress="#N/A", problems="#DIV/0!")

    sheet = workbook_of(as_coordinator.get(URL))["按单位"]
    row = fill_in_row(sheet, "1.(1)", "区科委")["row"]
    cells = [sheet.cell(row, FILL_IN_HEADERS.index(name) + 1) for name in ("进展情况", "存在问题")]

    assert [(c.value, c.data_type) for c in cells] == [("#N/A", "s"), ("#DIV/0!", "s")]


# --- A past period --------------------------------------------------------------


def test_past_period_is_exported_as_it_stood_at_its_due_date(as_coordinator, two_quarters, previous_period):
    response = as_coordinator.get(URL, {"period": previous_period.pk})
    sheet = workbook_of(response)["台账"]
    row = row_of(sheet, "1.(1)")

    assert response.status_code == 200
    assert "2024年第一季度" in sheet["A1"].value
    assert "截至 2024年04月10日" in sheet["A1"].value
    assert "2024年第二季度" not in sheet["A1"].value
    assert row["完成进度"] == 0.3
    assert row["进展情况"] == "一季度：完成选址。"
    assert "序时进度 42.5%" in sheet["A1"].value  # 466 of 1096 days by 2024-04-10
    assert "台账_2024年第一季度_2024-04-10.xlsx" in unquote(response["Content-Disposition"])


def test_current_period_shows_the_latest_report(as_coordinator, two_quarters):
    row = row_of(workbook_of(as_coordinator.get(URL))["台账"], "1.(1)")

    assert row["完成进度"] == 0.4
    assert row["进展情况"] == "二季度：空间开工。"


@pytest.mark.parametrize("wanted", ["999999", "abc"])
def test_unknown_period_is_404(as_coordinator, wanted):
    assert as_coordinator.get(URL, {"period": wanted}).status_code == 404


# --- Who may download what ----------------------------------------------------------


def test_unit_staff_download_only_their_units_measures(plan, client_for, lead_staff):
    client = client_for(lead_staff)

    response = client.get(URL)
    workbook = workbook_of(response)
    sheet = workbook["台账"]
    owed = obligations.for_units([unit("区科委")], plan)

    assert response.status_code == 200
    assert measure_codes(sheet) == [o.measure.code for o in owed]
    assert measure_codes(sheet) == ["1.(1)", "1.(3)", "2.(1)", "2.(2)", "5.(2)", "6.(4)", "6.(6)"]
    assert {str(r) for r in sheet.merged_cells.ranges if r.min_row >= FIRST_DATA_ROW} == {"A4:A5", "A6:A7", "A9:A10"}
    assert {row["单位"] for row in fill_in_rows(workbook["按单位"])} == {"区科委"}


def test_town_staff_download_includes_measures_owed_through_each_town(plan, client_for, town_staff):
    client = client_for(town_staff)

    sheet = workbook_of(client.get(URL))["台账"]

    wanted = [o.measure.code for o in obligations.for_units([unit("江桥镇")], plan)]
    assert measure_codes(sheet) == wanted
    assert "6.(1)" in wanted  # through 各街镇 only
    assert "5.(2)" in wanted


def test_viewer_downloads_the_whole_sheet(client_for, viewer):
    client = client_for(viewer)

    response = client.get(URL)

    assert response.status_code == 200
    assert workbook_of(response)["台账"].max_row == FIRST_DATA_ROW - 1 + 42


@pytest.mark.parametrize("groups", [(), (roles.AUDITOR,)], ids=["no-units-no-groups", "auditor"])
def test_user_without_units_or_a_reading_role_is_refused(plan, client_for, groups):
    client = client_for(make_user("nobody", groups=groups))

    response = client.get(URL)

    assert response.status_code == 403
    assert response["Content-Type"] != CONTENT_TYPE


def test_anonymous_visitor_is_sent_to_login(plan, client):
    response = client.get(URL)

    assert response.status_code == 302
    assert response["Location"] == f"/accounts/login/?next={URL}"


# --- Queries ---------------------------------------------------------------------


EXPORT_QUERIES = 18  # with the 指标 sheet's indicators and their values, and the audit record's 操作者角色


def test_export_query_count_is_pinned_and_flat_as_reports_grow(
    plan, as_coordinator, lead_staff, django_assert_max_num_queries
):
    pinned = django_assert_max_num_queries(EXPORT_QUERIES)

    few, many, response = queries_as_reports_grow(as_coordinator, URL, None, plan, lead_staff, pinned)

    assert many == few
    sheet = workbook_of(response)["台账"]
    assert row_of(sheet, "2.(1)")["进展情况"] == "区科委 2.(1) 进展"
    assert row_of(sheet, "1.(1)")["进展情况"] == "区科委2024年第二季度进展"

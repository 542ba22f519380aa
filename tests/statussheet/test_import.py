"""/import/: the 按单位 sheet comes back, each row is compared with what was exported,
the changes are previewed field by field, and applied all or nothing."""

import datetime
import io
import os

import openpyxl
import pytest

from tasks.documents import statussheet
from tasks.models import Report, ReportEvent
from tasks.reporting import workflow
from tests.conftest import make_user, measure_by_code

from .helpers import (
    FIRST_DATA_ROW,
    SESSION_KEY,
    apply,
    export_bytes,
    fill_in_column,
    fill_in_row,
    messages_of,
    preview_of,
    report,
    type_in,
    upload,
    workbook_of,
    xlsx_bytes,
)

URL = "/import/"


@pytest.fixture
def blank(plain_export):
    """A fresh, editable copy of the coordinator's export before anyone reported."""
    return openpyxl.load_workbook(io.BytesIO(plain_export.content))


def upload_workbook(client, workbook):
    return upload(client, xlsx_bytes(workbook))


def fresh_export(client):
    return workbook_of(client.get("/export/status.xlsx"))


@pytest.fixture
def filled(blank):
    """Four rows filled in: 1.(1) and 2.(2) of 区科委, 2.(1) of its co-organizer 区委网信办, 5.(2) of 南翔镇."""
    type_in(
        blank, "1.(1)", "区科委", 状态="推进中", 完成进度=0.4, 进展情况="已建成众创空间两处。", 存在问题="场地紧张。"
    )
    type_in(blank, "2.(2)", "区科委", 状态="已完成", 完成进度=1, 进展情况="高新技术企业认定工作已完成。")
    type_in(blank, "2.(1)", "区委网信办", 状态="推进中", 完成进度="20%", 进展情况="网信办完成调研。")
    type_in(blank, "5.(2)", "南翔镇", 状态="推进中", 完成进度=30, 进展情况="南翔镇孵化平台选址完成。")
    return blank


# --- The round trip ---------------------------------------------------------------------


def test_preview_lists_every_changed_field_per_row_and_unit_and_writes_nothing(as_coordinator, filled):
    response = upload_workbook(as_coordinator, filled)
    preview = preview_of(response)
    body = response.content.decode()

    assert preview.errors == []
    assert sorted((c.code, c.unit_name, c.data["status"], c.data["percent"]) for c in preview.changes) == [
        ("1.(1)", "区科委", "in_progress", 40),
        ("2.(1)", "区委网信办", "in_progress", 20),
        ("2.(2)", "区科委", "done", 100),
        ("5.(2)", "南翔镇", "in_progress", 30),
    ]
    first = next(c for c in preview.changes if c.code == "1.(1)")
    assert first.fields == [
        ("状态", "未填报", "推进中"),
        ("完成进度", "（空）", "40%"),
        ("进展情况", "（空）", "已建成众创空间两处。"),
        ("存在问题", "（空）", "场地紧张。"),
    ]
    assert "将更新 <strong>4</strong> 条填报，<strong>0</strong> 行有错误" in body
    assert '<strong>完成进度</strong>：<span class="old">（空）</span> → <span class="new">40%</span>' in body
    assert '<span class="old">原：（空）</span><span class="new">新：已建成众创空间两处。</span>' in body
    assert 'value="apply"' in body
    assert Report.objects.count() == 0


def test_apply_creates_submitted_reports_of_the_rows_units(as_coordinator, coordinator, filled, current_period):
    upload_workbook(as_coordinator, filled)

    response = apply(as_coordinator)

    assert response.redirect_chain == [("/measures/", 302)]
    assert "已导入 4 条填报，并记入各措施的填报记录。" in messages_of(response)
    reports = {(r.measure.code, r.unit.name): r for r in Report.objects.select_related("measure__task", "unit")}
    assert set(reports) == {("1.(1)", "区科委"), ("2.(1)", "区委网信办"), ("2.(2)", "区科委"), ("5.(2)", "南翔镇")}
    first = reports[("1.(1)", "区科委")]
    assert (first.status, first.percent, first.progress, first.problems) == (
        "in_progress",
        40,
        "已建成众创空间两处。",
        "场地紧张。",
    )
    assert reports[("2.(1)", "区委网信办")].role == "support"
    assert reports[("5.(2)", "南翔镇")].role == "lead"
    for saved in reports.values():
        assert saved.period == current_period
        assert saved.state == Report.State.SUBMITTED
        assert saved.updated_by == coordinator
        assert list(saved.events.values_list("action", "actor")) == [("imported", coordinator.pk)]
    assert SESSION_KEY not in as_coordinator.session


def test_a_towns_edit_of_its_5_2_row_changes_its_own_report_only(plan, client_for, town_staff, current_period):
    """江桥镇 edits its 5.(2) row; the other towns' text and the measure's combined status stay out of it."""
    nanxiang = make_user("nanxiang", units=["南翔镇"])
    measure = measure_by_code(plan, 5, 2)
    report(measure, "江桥镇", current_period, town_staff, percent=60, progress="江桥孵化平台已挂牌。")
    report(
        measure, "南翔镇", current_period, nanxiang, status=Report.Status.LATE, percent=10, progress="南翔选址滞后。"
    )
    client = client_for(town_staff)
    workbook = fresh_export(client)
    type_in(workbook, "5.(2)", "江桥镇", 完成进度=0.7, 进展情况="江桥孵化平台已入驻三家企业。")

    preview = preview_of(upload_workbook(client, workbook))
    apply(client)

    assert preview.errors == []
    assert [(c.code, c.unit_name) for c in preview.changes] == [("5.(2)", "江桥镇")]
    jiangqiao = Report.objects.get(measure=measure, unit__name="江桥镇")
    assert (jiangqiao.status, jiangqiao.percent, jiangqiao.progress) == (
        "in_progress",
        70,
        "江桥孵化平台已入驻三家企业。",
    )
    nanxiang_report = Report.objects.get(measure=measure, unit__name="南翔镇")
    assert (nanxiang_report.status, nanxiang_report.progress, nanxiang_report.version) == ("late", "南翔选址滞后。", 1)
    row = fill_in_row(fresh_export(client)["按单位"], "5.(2)", "江桥镇")
    assert row["进展情况"] == "江桥孵化平台已入驻三家企业。"


def test_a_deleted_or_renamed_optional_column_leaves_its_field_as_it_is(
    plan, as_coordinator, lead_staff, current_period
):
    saved = report(
        measure_by_code(plan, 1, 1),
        "区科委",
        current_period,
        lead_staff,
        percent=30,
        problems="场地不足。",
        next_steps="再建一处。",
    )
    workbook = fresh_export(as_coordinator)
    sheet = workbook["按单位"]
    type_in(workbook, "1.(1)", "区科委", 完成进度=0.35)
    sheet.cell(3, fill_in_column("存在问题")).value = "问题"
    sheet.delete_cols(fill_in_column("下一步计划"))

    response = upload_workbook(as_coordinator, workbook)
    preview = preview_of(response)
    apply(as_coordinator)

    assert preview.errors == []
    assert preview.missing_columns == ["存在问题", "下一步计划"]
    assert "这些内容保持不变：存在问题、下一步计划" in response.content.decode()
    assert [c.fields for c in preview.changes] == [[("完成进度", "30%", "35%")]]
    saved.refresh_from_db()
    assert (saved.percent, saved.problems, saved.next_steps) == (35, "场地不足。", "再建一处。")


@pytest.mark.parametrize(
    "typed,number_format",
    [(98, None), ("98", None), ("98%", None), ("98 ％", None), (0.98, "0%"), (0.98, "0.0%")],
    ids=["number", "text", "text-with-percent", "full-width-percent", "fraction-in-percent-cell", "one-decimal-format"],
)
def test_percent_as_people_type_it_means_what_they_meant(as_coordinator, blank, typed, number_format):
    row = type_in(blank, "1.(1)", "区科委", 状态="推进中", 完成进度=typed, 进展情况="已推进。")
    if number_format:
        blank["按单位"].cell(row, fill_in_column("完成进度")).number_format = number_format

    preview = preview_of(upload_workbook(as_coordinator, blank))

    assert preview.errors == []
    assert [c.data["percent"] for c in preview.changes] == [98]


def test_one_in_a_percent_cell_is_a_hundred_percent(as_coordinator, blank):
    type_in(blank, "1.(1)", "区科委", 状态="已完成", 完成进度=1, 进展情况="已完成。")

    preview = preview_of(upload_workbook(as_coordinator, blank))

    assert [c.data["percent"] for c in preview.changes] == [100]


def test_unchanged_returned_and_approved_reports_are_not_resubmitted(
    plan, as_coordinator, coordinator, lead_staff, current_period
):
    returned = report(measure_by_code(plan, 1, 1), "区科委", current_period, lead_staff, percent=30)
    returned = workflow.return_for_revision(returned, coordinator, returned.version, "请补充数据。")
    approved = report(measure_by_code(plan, 2, 2), "区科委", current_period, lead_staff, percent=50)
    approved = workflow.approve(approved, coordinator, approved.version)
    workbook = fresh_export(as_coordinator)
    type_in(workbook, "2.(1)", "区科委", 状态="推进中", 完成进度=0.2, 进展情况="推进中。")

    preview = preview_of(upload_workbook(as_coordinator, workbook))
    apply(as_coordinator)

    assert preview.errors == []
    assert [c.code for c in preview.changes] == ["2.(1)"]
    for before in (returned, approved):
        after = Report.objects.get(pk=before.pk)
        assert (after.state, after.version, after.submitted_at) == (before.state, before.version, before.submitted_at)


def test_row_carried_over_from_last_quarter_is_not_a_new_submission(plan, as_coordinator, lead_staff, previous_period):
    report(measure_by_code(plan, 1, 1), "区科委", previous_period, lead_staff, percent=30, progress="一季度进展。")
    workbook = fresh_export(as_coordinator)
    row = fill_in_row(workbook["按单位"], "1.(1)", "区科委")
    assert (row["进展情况"], row["审核状态"]) == ("一季度进展。", "待审核（2024年第一季度）")

    preview = preview_of(upload_workbook(as_coordinator, workbook))

    assert (preview.changes, preview.errors) == ([], [])


def test_editing_a_carried_over_row_submits_this_quarter_with_the_rest_kept(
    plan, as_coordinator, lead_staff, previous_period, current_period
):
    report(
        measure_by_code(plan, 1, 1),
        "区科委",
        previous_period,
        lead_staff,
        percent=30,
        progress="一季度进展。",
        problems="缺场地。",
    )
    workbook = fresh_export(as_coordinator)
    type_in(workbook, "1.(1)", "区科委", 完成进度="45%")

    upload_workbook(as_coordinator, workbook)
    apply(as_coordinator)

    new = Report.objects.get(period=current_period)
    assert (new.percent, new.progress, new.problems, new.state) == (45, "一季度进展。", "缺场地。", "submitted")


def test_a_returned_report_shows_as_returned_not_as_unreported(
    plan, as_coordinator, coordinator, lead_staff, current_period
):
    saved = report(measure_by_code(plan, 1, 1), "区科委", current_period, lead_staff, percent=30, progress="初稿。")
    workflow.return_for_revision(saved, coordinator, saved.version, "请补充数据。")

    workbook = fresh_export(as_coordinator)

    assert fill_in_row(workbook["按单位"], "1.(1)", "区科委")["审核状态"] == "已退回"
    reading = [
        row
        for row in workbook["台账"].iter_rows(min_row=FIRST_DATA_ROW, values_only=True)
        if row[1].startswith("(1) 鼓励")
    ][0]
    # The reading sheet shows the judgement (nothing counted yet) and says why; the text is the unit's to correct.
    assert reading[4].startswith("未填报")
    assert reading[6] == "已退回"
    assert not reading[7]


def test_approved_only_export_shows_the_last_approved_report_and_marks_a_newer_return(
    plan, as_coordinator, coordinator, lead_staff, previous_period, current_period
):
    earlier = report(
        measure_by_code(plan, 1, 1), "区科委", previous_period, lead_staff, percent=20, progress="一季度。"
    )
    workflow.approve(earlier, coordinator, earlier.version)
    saved = report(measure_by_code(plan, 1, 1), "区科委", current_period, lead_staff, percent=30, progress="二季度。")
    workflow.return_for_revision(saved, coordinator, saved.version, "请补充。")

    response = as_coordinator.get("/export/status.xlsx", {"reports": "approved"})
    row = fill_in_row(workbook_of(response)["按单位"], "1.(1)", "区科委")

    assert (
        "仅已审核" in response["Content-Disposition"]
        or "%E4%BB%85%E5%B7%B2%E5%AE%A1%E6%A0%B8" in response["Content-Disposition"]
    )
    assert (row["进展情况"], row["审核状态"]) == ("一季度。", "已审核（2024年第一季度）；本期已退回")


# --- Bad rows: an error per row, naming the cell; nothing applied ------------------------------


def assert_refused(client, response, *expected):
    """The preview lists `expected` (row, text) errors; nothing can be applied and nothing was written."""
    preview = preview_of(response)
    body = response.content.decode()
    for row, text in expected:
        assert any(r == row and text in message for r, message in preview.errors), (row, text, preview.errors)
        assert f'<td data-label="行号" class="where">第 {row} 行</td>' in body
    assert 'value="apply"' not in body
    assert SESSION_KEY not in client.session
    assert "没有待导入的内容" in " ".join(messages_of(apply(client)))
    assert ReportEvent.objects.count() == 0


@pytest.mark.parametrize(
    "cells,message",
    [
        ({"完成进度": 150}, "E{row} 完成进度“150”应为 0 到 100 之间的整数"),
        ({"完成进度": "abc"}, "E{row} 完成进度“abc”不是数字"),
        ({"完成进度": 40.5}, "E{row} 完成进度“40.5”应为 0 到 100 之间的整数"),
        ({"完成进度": 0.985, "_format": "0%"}, "E{row} 完成进度“0.985”应为 0 到 100 之间的整数"),
        ({"状态": "已完成", "完成进度": 0.8}, "状态为“已完成”时，完成进度应为 100%。"),
        ({"进展情况": None}, "F{row} 请填写进展情况。"),
        ({"状态": "进行中"}, "D{row} 状态无效"),
        ({"进展情况": "=SUM(A1)"}, "F{row} 是公式“=SUM(A1)”"),
        ({"进展情况": "长" * 5001}, "F{row} 确保该变量包含不超过 5000 字符"),
    ],
    ids=[
        "percent-150",
        "percent-abc",
        "percent-fraction",
        "percent-cell-fraction",
        "done-at-80",
        "no-progress-text",
        "unknown-status",
        "formula",
        "too-long",
    ],
)
def test_bad_row_is_listed_by_row_and_cell_and_nothing_is_applied(as_coordinator, blank, cells, message):
    good = {"状态": "推进中", "完成进度": 0.4, "进展情况": "已推进。"}
    cells = dict(cells)
    number_format = cells.pop("_format", None)
    row = type_in(blank, "1.(1)", "区科委", **{**good, **cells})
    if number_format:
        blank["按单位"].cell(row, fill_in_column("完成进度")).number_format = number_format

    assert_refused(as_coordinator, upload_workbook(as_coordinator, blank), (row, message.format(row=row)))


def test_formula_is_refused_not_imported_as_its_cached_value(as_coordinator, blank):
    row = type_in(blank, "1.(1)", "区科委", 状态="推进中", 完成进度="=40+1", 进展情况="已推进。")

    assert_refused(as_coordinator, upload_workbook(as_coordinator, blank), (row, f"E{row} 是公式“=40+1”"))


def test_one_bad_row_stops_the_good_ones(as_coordinator, blank):
    type_in(blank, "1.(1)", "区科委", 状态="推进中", 完成进度=0.4, 进展情况="已建成众创空间两处。")
    bad = type_in(blank, "2.(2)", "区科委", 状态="推进中", 完成进度=150, 进展情况="认定中。")

    response = upload_workbook(as_coordinator, blank)

    assert [c.code for c in preview_of(response).changes] == ["1.(1)"]
    assert "本次不会导入任何内容" in response.content.decode()
    assert_refused(as_coordinator, response, (bad, "完成进度“150”"))


def test_a_row_edited_after_someone_else_changed_the_report_is_refused(
    plan, as_coordinator, lead_staff, current_period
):
    measure = measure_by_code(plan, 1, 1)
    report(measure, "区科委", current_period, lead_staff, percent=30, progress="已选址。")
    workbook = fresh_export(as_coordinator)
    report(measure, "区科委", current_period, lead_staff, percent=50, progress="单位自己更新。")
    row = type_in(workbook, "1.(1)", "区科委", 完成进度=0.6)

    response = upload_workbook(as_coordinator, workbook)

    assert any(r == row and "导出台账后已有更新" in m for r, m in preview_of(response).errors)
    assert Report.objects.get(measure=measure).progress == "单位自己更新。"


def test_approved_report_cannot_be_overwritten_by_an_import(
    plan, as_coordinator, coordinator, lead_staff, current_period
):
    saved = report(measure_by_code(plan, 1, 1), "区科委", current_period, lead_staff, percent=30)
    workflow.approve(saved, coordinator, saved.version)
    workbook = fresh_export(as_coordinator)
    row = type_in(workbook, "1.(1)", "区科委", 完成进度=0.9)

    response = upload_workbook(as_coordinator, workbook)

    assert preview_of(response).errors == [
        (row, "措施 1.(1)（区科委）：该填报已审核通过，不能修改；如需修改，请联系协调人重新打开。")
    ]
    saved.refresh_from_db()
    assert (saved.percent, saved.state) == (30, Report.State.APPROVED)


def test_a_row_whose_unit_or_measure_was_altered_is_refused(as_coordinator, blank):
    row = type_in(blank, "1.(1)", "区科委", 单位="区体育局", 状态="推进中", 完成进度=0.4, 进展情况="已推进。")

    assert_refused(as_coordinator, upload_workbook(as_coordinator, blank), (row, "请不要修改这两列"))


def test_a_row_added_by_hand_is_refused(as_coordinator, blank):
    sheet = blank["按单位"]
    row = sheet.max_row + 1
    for header, value in {"单位": "区科委", "具体措施": "1.(1) 新增", "状态": "推进中", "进展情况": "新增行。"}.items():
        sheet.cell(row, fill_in_column(header)).value = value

    assert_refused(as_coordinator, upload_workbook(as_coordinator, blank), (row, "不是从系统导出的行"))


# --- Bad files: a message for the whole file --------------------------------------------------------


def file_errors(response):
    assert response.status_code == 200
    assert response.context["preview"] is None
    return response.context["form"].errors["file"]


@pytest.mark.parametrize(
    "break_it,message",
    [
        (lambda sheet: [setattr(sheet.cell(3, c), "value", None) for c in range(1, 13)], "找不到表头"),
        (lambda sheet: setattr(sheet.cell(3, fill_in_column("单位")), "value", "单位名称"), "找不到表头"),
        (lambda sheet: sheet.delete_cols(fill_in_column("校验")), "表头缺少以下列：校验"),
        (lambda sheet: setattr(sheet.cell(3, fill_in_column("具体措施")), "value", "措施"), "找不到表头"),
    ],
    ids=["no-header", "unit-renamed", "key-deleted", "measure-renamed"],
)
def test_sheet_without_a_required_column_is_refused(as_coordinator, blank, break_it, message):
    type_in(blank, "1.(1)", "区科委", 状态="推进中", 完成进度=0.4, 进展情况="已推进。")
    break_it(blank["按单位"])

    response = upload_workbook(as_coordinator, blank)

    assert any(message in error for error in file_errors(response))
    assert Report.objects.count() == 0


def test_sheet_without_the_fill_in_sheet_is_refused_with_where_to_fill_in(as_coordinator, blank):
    del blank["按单位"]

    errors = file_errors(upload_workbook(as_coordinator, blank))

    assert any("找不到“按单位”工作表" in e and "只供阅读" in e for e in errors)


@pytest.mark.parametrize(
    "name,content,kind",
    [
        ("台账.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(500), "Excel 97-2003"),
        ("台账.et", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(500), "WPS 表格文件"),
        ("台账.ods", b"PK\x03\x04", "OpenDocument"),
        ("台账.csv", "单位,具体措施\n区科委,1.(1)\n".encode(), "CSV"),
        ("台账.xlsx", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(500), "Excel 97-2003"),
    ],
    ids=["xls", "et", "ods", "csv", "xls-named-xlsx"],
)
def test_other_spreadsheet_formats_are_refused_with_how_to_save_as_xlsx(as_coordinator, name, content, kind):
    errors = " ".join(file_errors(upload(as_coordinator, content, name)))

    assert kind in errors
    for program in ("Excel", "WPS 表格", "LibreOffice Calc"):
        assert program in errors
    assert "另存为" in errors and ".xlsx" in errors


@pytest.mark.parametrize(
    "content", [os.urandom(2048), b"PK\x03\x04 not really a zip"], ids=["random-bytes", "broken-zip"]
)
def test_file_that_is_not_a_spreadsheet_is_refused(as_coordinator, content):
    assert any("无法读取该文件" in e for e in file_errors(upload(as_coordinator, content)))
    assert SESSION_KEY not in as_coordinator.session


def test_sheet_of_a_past_period_is_refused_with_both_names(plan, current_period, previous_period):
    content = export_bytes(statussheet.SheetScope(plan=plan, period=previous_period, today=previous_period.due_date))

    with pytest.raises(statussheet.UploadError) as refused:
        statussheet.read_upload(io.BytesIO(content), plan, current_period)

    assert "这份台账是“2024年第一季度”的" in str(refused.value)
    assert "当前填报周期是“2024年第二季度”" in str(refused.value)


def test_apply_without_a_preview_writes_nothing(as_coordinator):
    response = apply(as_coordinator)

    assert response.redirect_chain == [(URL, 302)]
    assert "没有待导入的内容，或填报周期已变化，请重新上传。" in messages_of(response)
    assert Report.objects.count() == 0


# --- Who may import ----------------------------------------------------------------------------


def test_unit_staff_may_import_their_own_rows_in_both_roles(client_for, lead_staff, blank):
    client = client_for(lead_staff)
    type_in(blank, "1.(1)", "区科委", 状态="推进中", 完成进度=0.4, 进展情况="已建成众创空间两处。")
    type_in(blank, "5.(2)", "区科委", 状态="推进中", 完成进度=0.1, 进展情况="区科委配合调研。")

    preview = preview_of(upload_workbook(client, blank))
    apply(client)

    assert preview.errors == []
    saved = Report.objects.order_by("measure__task__number").select_related("unit")
    assert [(r.unit.name, r.role, r.updated_by) for r in saved] == [
        ("区科委", "lead", lead_staff),
        ("区科委", "support", lead_staff),
    ]


def test_unit_staff_edit_of_another_units_row_is_refused_naming_that_unit(client_for, lead_staff, blank):
    client = client_for(lead_staff)
    type_in(blank, "1.(1)", "区科委", 状态="推进中", 完成进度=0.4, 进展情况="已建成众创空间两处。")
    row = type_in(blank, "1.(2)", "区委宣传部", 状态="推进中", 完成进度=0.4, 进展情况="替宣传部填写。")

    assert_refused(client, upload_workbook(client, blank), (row, "这一行属于“区委宣传部”"))


def test_unit_staff_sending_back_the_whole_sheet_have_other_units_rows_ignored(client_for, lead_staff, blank):
    client = client_for(lead_staff)
    type_in(blank, "1.(1)", "区科委", 状态="推进中", 完成进度=0.4, 进展情况="已推进。")

    preview = preview_of(upload_workbook(client, blank))

    assert (preview.errors, [c.code for c in preview.changes]) == ([], ["1.(1)"])
    assert preview.ignored > 100


@pytest.mark.parametrize("method", ["get", "post"])
def test_viewer_may_not_import(client_for, viewer, blank, method):
    client = client_for(viewer)
    type_in(blank, "1.(1)", "区科委", 状态="推进中", 完成进度=0.4, 进展情况="已推进。")

    response = client.get(URL) if method == "get" else upload_workbook(client, blank)

    assert response.status_code == 403
    assert Report.objects.count() == 0


def test_user_without_units_may_not_import(plan, client_for):
    client = client_for(make_user("nobody"))

    assert client.get(URL).status_code == 403


def test_anonymous_visitor_is_sent_to_login(plan, client):
    response = client.get(URL)

    assert response.status_code == 302
    assert response["Location"] == f"/accounts/login/?next={URL}"


# --- A stale preview -------------------------------------------------------------------------------


def test_stale_preview_is_refused_on_apply_with_nothing_written(
    plan, as_coordinator, lead_staff, blank, current_period
):
    type_in(blank, "1.(1)", "区科委", 状态="推进中", 完成进度=0.4, 进展情况="协调人导入的内容。")
    type_in(blank, "2.(2)", "区科委", 状态="推进中", 完成进度=0.5, 进展情况="认定中。")
    assert preview_of(upload_workbook(as_coordinator, blank)).ok
    theirs = report(
        measure_by_code(plan, 2, 2), "区科委", current_period, lead_staff, percent=60, progress="单位自己填报。"
    )

    response = apply(as_coordinator)

    assert response.redirect_chain == [(URL, 302)]
    assert any(m.startswith("未导入任何内容：") for m in messages_of(response))
    assert list(Report.objects.values_list("pk", "percent", "progress", "version")) == [
        (theirs.pk, 60, "单位自己填报。", 1)
    ]


def test_preview_made_in_another_period_is_refused(plan, as_coordinator, filled, clock, settings):
    # The session, and the preview in it, outlive the clock's jump below.
    settings.SESSION_IDLE_MINUTES = 90 * 24 * 60
    settings.SESSION_COOKIE_AGE = 90 * 24 * 3600
    upload_workbook(as_coordinator, filled)
    # After 2024年第二季度's due date the current period is 2024年第三季度.
    clock(plan.periods.get(name="2024年第二季度").due_date + datetime.timedelta(days=1))

    response = apply(as_coordinator)

    assert "没有待导入的内容，或填报周期已变化，请重新上传。" in messages_of(response)
    assert Report.objects.count() == 0

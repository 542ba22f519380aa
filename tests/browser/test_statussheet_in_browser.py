"""The 台账 in a real browser: export the filtered /measures/ view, upload a filled sheet at /import/,
and a town's round trip through LibreOffice, unchanged and with the edits people make."""

import datetime

import openpyxl
import pytest

from tasks.documents.statussheet import SheetScope, write_status_sheet
from tasks.models import Period, Report
from tests.browser.accessibility import axe_problems, layout_problems
from tests.browser.conftest import log_in, screenshot
from tests.conftest import PASSWORD, make_user, measure_by_code
from tests.statussheet.helpers import LibreOffice, measure_codes, report, require_libreoffice, type_in

pytestmark = pytest.mark.browser

TODAY = datetime.date(2024, 5, 15)  # inside 2024年第二季度


@pytest.fixture(autouse=True)
def today(clock):
    """The live server runs in this process, so the moved clock holds for its views too."""
    return clock(TODAY)


def test_coordinator_exports_exactly_the_filtered_measures(page, live_server, coordinator, plan, tmp_path):
    task = plan.tasks.get(number=6)
    wanted = [f"6.({m.number})" for m in task.measures.order_by("number")]

    log_in(page, live_server, coordinator.username, PASSWORD)
    page.goto(f"{live_server.url}/measures/")
    page.select_option("#id_task", str(task.pk))
    page.click("button:has-text('筛选')")
    page.wait_for_load_state()
    assert f"共 {len(wanted)} 条措施" in page.inner_text("main")
    assert page.locator("td[data-label='措施']").all_inner_texts() == wanted
    screenshot(page, "measures-filtered-by-task")

    with page.expect_download() as download_info:
        page.click("a#export-view")
    download = download_info.value
    path = tmp_path / "export.xlsx"
    download.save_as(path)

    assert download.suggested_filename == "台账筛选结果_2024年第二季度_2024-05-15.xlsx"
    sheet = openpyxl.load_workbook(path)["台账"]
    assert measure_codes(sheet) == wanted
    assert sheet["A4"].value == task.heading


def test_coordinator_uploads_a_filled_sheet_and_sees_the_preview(page, live_server, coordinator, plan, tmp_path):
    period = Period.objects.get(plan=plan, name="2024年第二季度")
    path = tmp_path / "台账.xlsx"
    write_status_sheet(SheetScope(plan=plan, period=period, today=TODAY), path)
    workbook = openpyxl.load_workbook(path)
    type_in(workbook, "1.(1)", "区科委", 状态="推进中", 完成进度=0.4, 进展情况="已建成众创空间两处。")
    type_in(workbook, "5.(2)", "南翔镇", 状态="推进中", 完成进度="30%", 进展情况="南翔镇孵化平台选址完成。")
    workbook.save(path)

    log_in(page, live_server, coordinator.username, PASSWORD)
    page.goto(f"{live_server.url}/import/")
    page.set_input_files("#id_file", str(path))
    page.click("button[value=preview]")
    page.wait_for_load_state()

    preview = page.locator("#preview")
    assert "将更新 2 条填报，0 行有错误" in preview.inner_text()
    rows = preview.locator("table.changes tbody tr")
    assert rows.count() == 2
    assert "南翔镇" in rows.nth(1).inner_text() or "南翔镇" in rows.nth(0).inner_text()
    assert "完成进度" in preview.inner_text()
    assert Report.objects.count() == 0
    screenshot(page, "import-preview")
    assert axe_problems(page) == []  # the preview's table of changes, for every reader

    page.click("button[value=apply]")
    page.wait_for_load_state()
    assert "已导入 2 条填报" in page.inner_text(".messages")
    assert sorted(Report.objects.values_list("unit__name", "percent")) == [("区科委", 40), ("南翔镇", 30)]


THREE_EDITS = {
    "rows": [
        # A town's row of 5.(2), a measure with four leads: only its own report may change.
        {
            "unit": "江桥镇",
            "code": "5.(2)",
            "cells": {"状态": "推进中", "完成进度": "85%", "进展情况": "江桥孵化平台二期开工，已入驻企业 12 家。"},
        },
        # A percent typed as people type it: LibreOffice keeps 0.98 in a percent cell.
        {"unit": "江桥镇", "code": "6.(4)", "cells": {"完成进度": "98%"}},
        {"unit": "江桥镇", "code": "6.(8)", "cells": {"完成进度": "80"}},
    ],
    # An optional column deleted: its field stays as it is.
    "delete_columns": ["下一步计划"],
}


def upload_in_browser(page, live_server, path):
    page.goto(f"{live_server.url}/import/")
    page.set_input_files("#id_file", str(path))
    page.click("button[value=preview]")
    page.wait_for_load_state()
    return page.locator("#preview")


def test_a_town_sends_its_sheet_back_through_libreoffice_unchanged_then_with_three_edits(
    page, live_server, town_staff, plan, tmp_path
):
    require_libreoffice()
    libreoffice = LibreOffice(tmp_path)
    period = Period.objects.get(plan=plan, name="2024年第二季度")
    nanxiang = make_user("nanxiang", units=["南翔镇"])
    five_two, six_four, six_eight = (
        measure_by_code(plan, 5, 2),
        measure_by_code(plan, 6, 4),
        measure_by_code(plan, 6, 8),
    )
    report(
        five_two,
        "江桥镇",
        period,
        town_staff,
        status=Report.Status.DONE,
        percent=100,
        progress="江桥孵化平台已挂牌。",
        next_steps="明年扩建。",
    )
    report(five_two, "南翔镇", period, nanxiang, percent=40, progress="南翔完成选址。", next_steps="年底开工。")
    report(six_four, "江桥镇", period, town_staff, percent=75, next_steps="继续推进。")
    report(six_eight, "江桥镇", period, town_staff, percent=75, next_steps="保持。")
    before = {r.pk: (r.version, r.progress, r.next_steps) for r in Report.objects.all()}

    log_in(page, live_server, town_staff.username, PASSWORD)
    with page.expect_download() as download_info:
        page.click("nav >> text=导出台账")
    exported = tmp_path / "exported.xlsx"
    download_info.value.save_as(exported)
    resaved = tmp_path / "resaved.xlsx"
    [content] = libreoffice.convert([exported.read_bytes()])
    resaved.write_bytes(content)

    preview = upload_in_browser(page, live_server, resaved)
    assert "将更新 0 条填报，0 行有错误" in preview.inner_text()
    assert preview.locator("#nothing-to-import").is_visible()

    edited = tmp_path / "edited.xlsx"
    edited.write_bytes(libreoffice.edit(content, THREE_EDITS))
    preview = upload_in_browser(page, live_server, edited)
    text = preview.inner_text()
    screenshot(page, "import-three-edits")
    assert axe_problems(page) == []
    page.set_viewport_size({"width": 390, "height": 844})
    screenshot(page, "import-three-edits-390")
    assert axe_problems(page) == [] and layout_problems(page) == []

    assert "将更新 3 条填报，0 行有错误" in text
    assert "下一步计划" in preview.locator("#missing-columns").inner_text()
    rows = [row.inner_text() for row in preview.locator("table.changes tbody tr").all()]
    assert len(rows) == 3
    assert "5.(2)" in rows[0] and "已完成 → 推进中" in rows[0] and "100% → 85%" in rows[0]
    assert "新：江桥孵化平台二期开工" in rows[0]
    assert "6.(4)" in rows[1] and "75% → 98%" in rows[1]
    assert "6.(8)" in rows[2] and "75% → 80%" in rows[2]
    assert "下一步计划" not in "".join(rows)

    page.click("button[value=apply]")
    page.wait_for_load_state()
    assert "已导入 3 条填报" in page.inner_text(".messages")
    saved = {r.measure_id: r for r in Report.objects.filter(unit__name="江桥镇")}
    assert (saved[five_two.pk].status, saved[five_two.pk].percent) == (Report.Status.IN_PROGRESS, 85)
    assert saved[five_two.pk].progress == "江桥孵化平台二期开工，已入驻企业 12 家。"
    assert [saved[m.pk].percent for m in (six_four, six_eight)] == [98, 80]
    assert [saved[m.pk].next_steps for m in (five_two, six_four, six_eight)] == ["明年扩建。", "继续推进。", "保持。"]
    nanxiang_report = Report.objects.get(measure=five_two, unit__name="南翔镇")
    assert (nanxiang_report.version, nanxiang_report.progress, nanxiang_report.next_steps) == before[nanxiang_report.pk]

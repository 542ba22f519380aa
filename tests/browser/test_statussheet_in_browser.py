"""The 台账 in a real browser: export the filtered /measures/ view, upload a filled sheet at /import/."""

import datetime

import openpyxl
import pytest

from tasks.models import Period, Report
from tasks.statussheet import SheetScope, write_status_sheet
from tests.browser.conftest import log_in, screenshot
from tests.conftest import PASSWORD
from tests.statussheet.helpers import fill, keep_only, measure_codes

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

    assert download.suggested_filename == "台账_2024-05-15.xlsx"
    sheet = openpyxl.load_workbook(path)["台账"]
    assert measure_codes(sheet) == wanted
    assert sheet["A3"].value == task.heading


def test_coordinator_uploads_a_filled_sheet_and_sees_the_preview(page, live_server, coordinator, plan, tmp_path):
    period = Period.objects.get(plan=plan, name="2024年第二季度")
    path = tmp_path / "台账.xlsx"
    write_status_sheet(SheetScope(plan=plan, period=period, today=TODAY), path)
    workbook = openpyxl.load_workbook(path)
    sheet = workbook["台账"]
    fill(sheet, "1.(1)", 状态="推进中", 完成进度=40, 进展情况="已建成众创空间两处。")
    fill(sheet, "5.(2)", 状态="推进中", 完成进度=30, 进展情况="南翔镇孵化平台选址完成。", 填报单位="南翔镇")
    keep_only(sheet, ["1.(1)", "5.(2)"])
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
    assert "第 4 行" in rows.nth(1).inner_text()
    assert "南翔镇" in rows.nth(1).inner_text()
    assert Report.objects.count() == 0
    screenshot(page, "import-preview")

    page.click("button[value=apply]")
    page.wait_for_load_state()
    assert "已导入 2 条填报" in page.inner_text(".messages")
    assert sorted(Report.objects.values_list("unit__name", "percent")) == [("区科委", 40), ("南翔镇", 30)]

"""An admin loads a new plan from the Word table the district office mailed: finds
the page from the admin's plan list, maps the two unknown unit names, confirms."""

import pytest

from tasks.models import Plan
from tests.browser.accessibility import axe_problems, layout_problems
from tests.browser.conftest import log_in, screenshot
from tests.conftest import PASSWORD
from tests.plans.conftest import make_plan_admin
from tests.plans.tables import SECOND_NOTE, SECOND_ROWS, write_docx

pytestmark = pytest.mark.browser

TITLE = "嘉定区广告产业营商环境提升行动方案（2026—2027年）"


@pytest.fixture
def admin_user(plan):
    return make_plan_admin()


@pytest.fixture
def mailed_table(tmp_path):
    return write_docx(tmp_path / "营商环境提升行动方案任务分工.docx", SECOND_ROWS, note=SECOND_NOTE, split_after=(1,))


def upload(page, live_server, path):
    page.fill("#id_doc_number", "嘉府发〔2026〕3号")
    page.fill("#id_title", TITLE)
    page.set_input_files("#id_file", str(path))
    page.click("button[value=preview]")
    page.wait_for_load_state()


def test_admin_loads_a_plan_from_its_word_table(page, live_server, admin_user, mailed_table, violations):
    page.set_viewport_size({"width": 1280, "height": 900})
    log_in(page, live_server, admin_user.username, PASSWORD)
    page.goto(f"{live_server.url}/admin/tasks/plan/")
    page.click("text=导入行动方案（Word/Excel 任务分工表）")
    upload(page, live_server, mailed_table)
    assert "还有 2 个问题需要处理" in page.content()
    screenshot(page, "plan-import-preview")
    assert axe_problems(page) == []  # the decisions' fields are labelled

    page.select_option("select[name=decision-0-action]", "create")
    page.select_option("select[name=decision-0-kind]", "government")
    page.select_option("select[name=decision-1-action]", "alias")
    page.select_option("select[name=decision-1-unit]", "区经委")
    page.click("button[value=recheck]")
    page.wait_for_load_state()
    assert "没有需要处理的问题，可以导入" in page.content()
    screenshot(page, "plan-import-decided")
    assert axe_problems(page) == []

    page.click("button[value=confirm]")
    page.wait_for_load_state()
    new = Plan.objects.get(doc_number="嘉府发〔2026〕3号")
    assert f"plan={new.pk}" in page.url
    assert page.locator("h1").inner_text() == TITLE
    assert page.locator("li.measure").count() == 5
    screenshot(page, "plan-import-loaded")
    # The preview marks unknown units and the loaded plan draws its bars without inline styles.
    assert violations == []


def test_plan_import_preview_fits_a_phone(page, live_server, admin_user, mailed_table):
    page.set_viewport_size({"width": 390, "height": 844})
    log_in(page, live_server, admin_user.username, PASSWORD)
    page.goto(f"{live_server.url}/plans/import/")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    upload(page, live_server, mailed_table)
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    screenshot(page, "plan-import-phone")
    assert axe_problems(page) == [] and layout_problems(page) == []

import pytest

from tests.browser.conftest import log_in, screenshot
from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser


def test_user_logs_in_and_sees_the_whole_plan(page, live_server, lead_staff):
    page.goto(f"{live_server.url}/tasks/")
    assert "/accounts/login/" in page.url
    log_in(page, live_server, lead_staff.username, PASSWORD)
    page.goto(f"{live_server.url}/tasks/")
    assert page.locator("li.measure").count() == 42
    assert page.locator("section.task h4").count() == 11
    leads_52 = page.locator("li.measure", has_text="相关街镇根据街镇特点").locator(".unit.lead")
    assert [t.replace("\n", "") for t in leads_52.all_inner_texts()] == [
        "江桥镇牵头",
        "南翔镇牵头",
        "安亭镇牵头",
        "北虹办牵头",
    ]
    screenshot(page, "plan")


def test_plan_page_fits_a_phone(page, live_server, lead_staff):
    page.set_viewport_size({"width": 390, "height": 844})
    log_in(page, live_server, lead_staff.username, PASSWORD)
    page.goto(f"{live_server.url}/tasks/")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390
    screenshot(page, "plan-phone")

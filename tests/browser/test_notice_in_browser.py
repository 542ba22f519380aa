"""The notice page and the indicators in a real browser, on a desktop and on a phone."""

import pytest

from tests.browser.conftest import log_in, screenshot
from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser


def test_notice_page_puts_each_narrative_beside_its_measures_on_a_desktop(page, live_server, lead_staff):
    page.set_viewport_size({"width": 1280, "height": 900})
    log_in(page, live_server, lead_staff.username, PASSWORD)
    page.goto(f"{live_server.url}/tasks/")
    task = page.locator("#task-5")
    narrative = task.locator(".task-narrative").bounding_box()
    measures = task.locator(".measures").bounding_box()
    assert narrative["x"] + narrative["width"] <= measures["x"]  # side by side
    assert page.locator(".measure-state .light").count() == 42
    page.locator("#section-tasks").scroll_into_view_if_needed()
    screenshot(page, "notice-desktop")


def test_notice_page_stacks_and_fits_a_phone(page, live_server, lead_staff):
    page.set_viewport_size({"width": 390, "height": 844})
    log_in(page, live_server, lead_staff.username, PASSWORD)
    page.goto(f"{live_server.url}/tasks/")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    task = page.locator("#task-5")
    narrative = task.locator(".task-narrative").bounding_box()
    measures = task.locator(".measures").bounding_box()
    assert narrative["y"] + narrative["height"] <= measures["y"]  # narrative first, then measures
    screenshot(page, "notice-phone")


def test_indicators_fit_a_phone(page, live_server, coordinator):
    page.set_viewport_size({"width": 390, "height": 844})
    log_in(page, live_server, coordinator.username, PASSWORD)
    page.goto(f"{live_server.url}/indicators/")
    assert page.locator("svg.indicator-chart").count() == 4
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    screenshot(page, "indicators-phone")

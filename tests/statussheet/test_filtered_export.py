"""导出当前结果 on /measures/: the 台账 of exactly the filtered rows, in the view's order."""

import html
import re
from urllib.parse import unquote

import pytest

from tasks.models import Measure
from tests.conftest import make_user, measure_by_code
from tests.helpers import unit

from .helpers import (
    FIRST_DATA_ROW,
    MEASURE_LIST_URL,
    all_codes,
    fill_in_rows,
    measure_codes,
    queries_as_reports_grow,
    workbook_of,
)

URL = MEASURE_LIST_URL

EXPORT_VIEW_QUERIES = 22  # the audit record names the actor's role: one query


def exported_codes(client, params):
    response = client.get(URL, {**params, "export": "xlsx"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    return measure_codes(workbook_of(response)["台账"])


# --- Export of the filtered view ------------------------------------------------------


def test_export_link_carries_the_filter_but_not_the_page(plan, as_coordinator):
    task = measure_by_code(plan, 6, 1).task
    body = as_coordinator.get(URL, {"task": task.pk, "page": 1}).content.decode()

    link = html.unescape(re.search(r'id="export-view" href="\?([^"]*)"', body).group(1))
    assert sorted(link.split("&")) == sorted([f"task={task.pk}", "export=xlsx"])


@pytest.mark.parametrize(
    "params",
    [
        lambda plan: {"task": measure_by_code(plan, 6, 1).task_id},
        lambda plan: {"unit": unit("江桥镇").pk},
        lambda plan: {"unit": unit("区科委").pk, "role": "support"},
        lambda plan: {"q": "公益广告"},
        lambda plan: {"status": "none"},
        lambda plan: {"light": "red"},
    ],
    ids=["task", "unit", "unit-role", "q", "status", "light"],
)
def test_export_of_the_view_has_exactly_the_filtered_measures(plan, as_coordinator, reported, params):
    filters = params(plan)

    exported = exported_codes(as_coordinator, filters)

    assert exported == all_codes(as_coordinator, filters)
    assert 0 < len(exported) < 42


def test_export_of_a_filtered_view_keeps_the_sheet_layout(plan, as_coordinator):
    task = measure_by_code(plan, 6, 1).task
    response = as_coordinator.get(URL, {"task": task.pk, "export": "xlsx"})
    sheet = workbook_of(response)["台账"]

    assert "filename*=UTF-8''" in response["Content-Disposition"]
    assert sheet["A3"].value == "工作任务"
    assert sheet[f"A{FIRST_DATA_ROW}"].value == task.heading
    assert {str(r) for r in sheet.merged_cells.ranges if r.min_row >= FIRST_DATA_ROW} == {"A4:A12"}


def test_unit_staff_export_of_the_view_is_limited_to_their_unit(plan, client_for, lead_staff):
    client = client_for(lead_staff)

    assert exported_codes(client, {"task": measure_by_code(plan, 1, 1).task_id}) == ["1.(1)", "1.(3)"]


def test_user_without_units_or_a_reading_role_cannot_export_the_view(plan, client_for):
    client = client_for(make_user("nobody"))

    assert client.get(URL).status_code == 200
    assert client.get(URL, {"export": "xlsx"}).status_code == 403


def test_export_of_the_view_query_count_is_pinned_and_flat(
    plan, as_coordinator, lead_staff, django_assert_max_num_queries
):
    params = {"role": "support", "export": "xlsx"}
    pinned = django_assert_max_num_queries(EXPORT_VIEW_QUERIES)

    few, many, _ = queries_as_reports_grow(as_coordinator, URL, params, plan, lead_staff, pinned)

    assert many == few
    assert Measure.objects.count() == 42


def test_export_keeps_the_views_sort_order(as_coordinator, reported):
    params = {"sort": "-light"}

    assert exported_codes(as_coordinator, params) == all_codes(as_coordinator, params)


def test_title_and_file_name_say_what_was_filtered(plan, as_coordinator):
    task = measure_by_code(plan, 6, 1).task

    response = as_coordinator.get(URL, {"task": task.pk, "unit": unit("江桥镇").pk, "export": "xlsx"})
    sheet = workbook_of(response)["台账"]

    assert "台账筛选结果" in sheet["A1"].value
    assert f"工作任务：{task.heading}" in sheet["A2"].value
    assert "责任单位：江桥镇" in sheet["A2"].value
    name = unquote(re.search(r"filename\*=UTF-8''(\S+)", response["Content-Disposition"]).group(1))
    assert name == "台账筛选结果_2024年第二季度_2024-05-15.xlsx"
    assert 'filename="taizhang-filtered_2024-05-15.xlsx"' in response["Content-Disposition"]


def test_unit_filter_limits_the_fill_in_sheet_to_that_unit(plan, as_coordinator):
    response = as_coordinator.get(URL, {"unit": unit("江桥镇").pk, "export": "xlsx"})
    workbook = workbook_of(response)

    rows = fill_in_rows(workbook["按单位"])
    assert {row["单位"] for row in rows} == {"江桥镇"}
    assert sorted(row["code"] for row in rows) == sorted(measure_codes(workbook["台账"]))


def test_task_filter_limits_the_fill_in_sheet_to_the_filtered_measures(plan, as_coordinator):
    task = measure_by_code(plan, 6, 1).task

    workbook = workbook_of(as_coordinator.get(URL, {"task": task.pk, "export": "xlsx"}))

    assert {row["code"] for row in fill_in_rows(workbook["按单位"])} == {f"6.({n})" for n in range(1, 10)}

"""/measures/: the filterable, sortable table of measures and the export of the filtered view."""

import re

import pytest

from tasks import obligations
from tasks.models import Assignment, Report
from tests.conftest import measure_by_code
from tests.helpers import unit

from .helpers import (
    ALL_CODES_PAGE_1,
    EXPECTED_PERCENT,
    MEASURE_LIST_URL,
    all_codes,
    document_measures,
    page_codes,
    queries_as_reports_grow,
    report,
)

URL = MEASURE_LIST_URL


def codes_owed_by(plan, unit_name, role=None):
    """Measures the unit owes a report on, directly or through a collective, from tasks.obligations."""
    owed = obligations.for_units([unit(unit_name)], plan)
    return [o.measure.code for o in owed if role is None or o.role == role]


@pytest.fixture
def document_codes(plan):
    return [m.code for m in document_measures(plan)]


# --- The table ---------------------------------------------------------------------


def test_table_lists_the_42_measures_25_per_page(as_coordinator, document_codes):
    first = as_coordinator.get(URL)
    second = as_coordinator.get(URL, {"page": 2})

    assert first.status_code == 200
    assert '<table class="data stack">' in first.content.decode()
    assert page_codes(first) == document_codes[:ALL_CODES_PAGE_1]
    assert page_codes(second) == document_codes[ALL_CODES_PAGE_1:]
    assert len(page_codes(second)) == 17
    assert "共 42 条措施" in first.content.decode()
    assert "2024年第二季度" in first.content.decode()
    assert f"序时进度 {EXPECTED_PERCENT}%" in first.content.decode()


def test_row_shows_the_lead_state(plan, as_coordinator, lead_staff, current_period):
    report(measure_by_code(plan, 1, 1), "区科委", current_period, lead_staff, percent=40)

    body = as_coordinator.get(URL).content.decode()
    row = body[body.index(">1.(1)</a>") : body.index(">1.(2)</a>")]

    assert '<td data-label="状态" class="nowrap">推进中</td>' in row
    assert "40.0%" in row
    assert '<span class="light green">绿灯</span>' in row


def test_units_are_listed_in_document_order(plan, as_coordinator):
    body = as_coordinator.get(URL, {"task": measure_by_code(plan, 5, 2).task_id}).content.decode()
    cell = re.search(r'<td data-label="责任单位">(.*?)</td>', body[body.index(">5.(2)</a>") :]).group(1)

    names = re.sub(r"<[^>]+>", "", cell).split("、")
    assert names == ["江桥镇", "南翔镇", "安亭镇", "北虹办", "区商务委", "区市场局", "区经委", "区科委"]


def test_lead_units_are_marked(plan, as_coordinator):
    body = as_coordinator.get(URL, {"task": measure_by_code(plan, 1, 3).task_id}).content.decode()

    assert '<span class="lead-name">区商务委</span>、<span>区文化旅游局</span>' in body


def test_anonymous_visitor_is_sent_to_login(plan, client):
    response = client.get(URL)

    assert response.status_code == 302
    assert response["Location"] == f"/accounts/login/?next={URL}"


# --- Filters -----------------------------------------------------------------------


def test_task_filter_keeps_that_tasks_measures(plan, as_coordinator):
    task = measure_by_code(plan, 6, 1).task

    codes = all_codes(as_coordinator, {"task": task.pk})

    assert codes == [f"6.({n})" for n in range(1, 10)]
    assert "共 9 条措施" in as_coordinator.get(URL, {"task": task.pk}).content.decode()


@pytest.mark.parametrize("unit_name", ["区科委", "江桥镇", "区体育局", "北虹办"])
def test_unit_filter_keeps_the_units_obligations(plan, as_coordinator, unit_name):
    codes = all_codes(as_coordinator, {"unit": unit(unit_name).pk})

    assert codes == codes_owed_by(plan, unit_name)


def test_unit_filter_reaches_a_town_through_each_town(plan, as_coordinator):
    codes = all_codes(as_coordinator, {"unit": unit("江桥镇").pk})

    direct = set(Assignment.objects.filter(unit__name="江桥镇").values_list("measure__task__number", "measure__number"))
    assert {"6.(1)", "6.(2)", "9.(1)"} <= set(codes)  # 各街镇 and 各相关街镇 only
    assert len(codes) > len(direct)
    assert "1.(1)" not in codes


@pytest.mark.parametrize(
    "unit_name,role",
    [("江桥镇", "lead"), ("江桥镇", "support"), ("区科委", "lead"), ("区科委", "support")],
)
def test_unit_and_role_filter_together(plan, as_coordinator, unit_name, role):
    codes = all_codes(as_coordinator, {"unit": unit(unit_name).pk, "role": role})

    assert codes == codes_owed_by(plan, unit_name, role)
    assert codes


def test_role_filter_alone_keeps_measures_with_such_a_unit(plan, as_coordinator, document_codes):
    with_support = {m.code for m in document_measures(plan) if any(not a.is_lead for a in m.assignments.all())}

    assert all_codes(as_coordinator, {"role": "lead"}) == document_codes
    assert all_codes(as_coordinator, {"role": "support"}) == [c for c in document_codes if c in with_support]
    assert len(with_support) < 42


@pytest.mark.parametrize(
    "status,wanted",
    [
        ("in_progress", ["1.(1)"]),
        ("done", ["2.(2)"]),
        ("late", ["2.(1)"]),
        ("not_started", ["1.(3)"]),
    ],
)
def test_status_filter(as_coordinator, reported, status, wanted):
    assert all_codes(as_coordinator, {"status": status}) == wanted


def test_status_none_keeps_the_measures_nobody_reported(as_coordinator, reported, document_codes):
    codes = all_codes(as_coordinator, {"status": "none"})

    assert codes == [c for c in document_codes if c not in {"1.(1)", "2.(2)", "2.(1)", "1.(3)"}]
    assert len(codes) == 38


def test_a_late_lead_of_5_2_makes_the_measure_late(plan, as_coordinator, town_staff, current_period):
    report(measure_by_code(plan, 5, 2), "江桥镇", current_period, town_staff, status=Report.Status.LATE, percent=10)

    assert all_codes(as_coordinator, {"status": "late"}) == ["5.(2)"]


@pytest.mark.parametrize(
    "light,wanted",
    [("green", ["1.(1)"]), ("done", ["2.(2)"])],
)
def test_light_filter(as_coordinator, reported, light, wanted):
    assert all_codes(as_coordinator, {"light": light}) == wanted


def test_light_filter_red_keeps_the_late_and_the_unreported(as_coordinator, reported, document_codes):
    codes = all_codes(as_coordinator, {"light": "red"})

    assert codes == [c for c in document_codes if c not in {"1.(1)", "2.(2)"}]


def test_period_filter_shows_the_state_as_of_that_period(as_coordinator, reported, previous_period):
    in_q1 = all_codes(as_coordinator, {"period": previous_period.pk, "status": "none"})
    body = as_coordinator.get(URL, {"period": previous_period.pk}).content.decode()

    assert "1.(1)" in in_q1  # reported only in the second quarter
    assert "1.(3)" not in in_q1
    assert all_codes(as_coordinator, {"period": previous_period.pk, "status": "not_started"}) == ["1.(3)"]
    assert "2024年第一季度" in body


@pytest.mark.parametrize(
    "text,wanted",
    [
        ("众创空间", ["1.(1)"]),  # measure text
        ("公益广告", ["11.(1)", "11.(2)", "11.(3)"]),  # task title
        ("区体育局", ["6.(8)"]),  # unit as printed
    ],
)
def test_text_search(as_coordinator, text, wanted):
    assert all_codes(as_coordinator, {"q": text}) == wanted


def test_text_search_finds_every_measure_whose_text_matches(plan, as_coordinator):
    wanted = [m.code for m in document_measures(plan) if "企业" in m.text or "企业" in m.task.title]

    assert all_codes(as_coordinator, {"q": "企业"}) == wanted


def test_filter_that_matches_nothing_says_so(as_coordinator):
    response = as_coordinator.get(URL, {"q": "不存在的措施文字"})

    assert page_codes(response) == []
    assert "没有符合条件的措施。" in response.content.decode()
    assert "共 0 条措施" in response.content.decode()


# --- Sorting -----------------------------------------------------------------------


def test_sorting_by_code_descending_reverses_document_order(as_coordinator, document_codes):
    assert all_codes(as_coordinator, {"sort": "-code"}) == document_codes[::-1]
    assert all_codes(as_coordinator, {"sort": "code"}) == document_codes


def test_sorting_by_light_puts_red_last_and_descending_first(as_coordinator, reported):
    ascending = all_codes(as_coordinator, {"sort": "light"})
    descending = all_codes(as_coordinator, {"sort": "-light"})

    assert ascending[:2] == ["2.(2)", "1.(1)"]  # done, then green
    assert set(descending[:40]) == set(ascending[2:])  # the 40 red ones
    assert descending[-2:] == ["1.(1)", "2.(2)"]


# --- Queries ----------------------------------------------------------------------


# The navigation (plans, unread count, flags) once, though render_table renders its own context.
LIST_QUERIES = 21


def test_list_query_count_is_pinned_and_flat_as_reports_grow(
    plan, as_coordinator, lead_staff, django_assert_max_num_queries
):
    params = {"unit": unit("江桥镇").pk, "sort": "-light"}
    pinned = django_assert_max_num_queries(LIST_QUERIES)

    few, many, response = queries_as_reports_grow(as_coordinator, URL, params, plan, lead_staff, pinned)

    assert many == few
    assert set(page_codes(response)) == set(codes_owed_by(plan, "江桥镇"))
    assert "未填报" not in "".join(
        re.findall(r'<td data-label="状态" class="nowrap">([^<]*)</td>', response.content.decode())
    )

"""Whether an indicator's target is reached: 已达成 / 进展中 / 未达成 / 目标待定, at the boundaries."""

import datetime
from decimal import Decimal

import pytest

from tasks.indicators import values as indicators
from tasks.indicators.values import Status
from tasks.models import Indicator, IndicatorValue, Plan, Report

D = Decimal
PLAN = Plan(start_date=datetime.date(2023, 1, 1))


def indicator(kind, target=None, *, baseline_year=2020, baseline_value=None, target_year=2025):
    return Indicator(
        plan=PLAN,
        name="测试指标",
        measure_unit="户",
        target_kind=kind,
        target_value=None if target is None else D(target),
        target_year=target_year,
        baseline_year=baseline_year,
        baseline_value=None if baseline_value is None else D(baseline_value),
    )


def approved(**values):
    return [IndicatorValue(year=int(y[1:]), value=D(v), state=Report.State.APPROVED) for y, v in values.items()]


def status(ind, rows):
    return indicators.evaluate(ind, rows).status


# --- +40% over the baseline year (广告经营主体 over 2020) -----------------------------------


@pytest.mark.parametrize(
    "value_2025, expected",
    [
        ("1400", Status.ACHIEVED),  # exactly +40%
        ("1400.01", Status.ACHIEVED),
        ("1399.99", Status.MISSED),  # the target year is in and short by a hundredth
    ],
)
def test_over_baseline_target_year_decides(value_2025, expected):
    ind = indicator(Indicator.TargetKind.OVER_BASELINE, 40)
    assert status(ind, approved(y2020="1000", y2024="1300", y2025=value_2025)) == expected


def test_over_baseline_reached_early_is_achieved():
    ind = indicator(Indicator.TargetKind.OVER_BASELINE, 40)
    assert status(ind, approved(y2020="1000", y2023="1400")) == Status.ACHIEVED


def test_over_baseline_below_before_the_target_year_is_in_progress():
    ind = indicator(Indicator.TargetKind.OVER_BASELINE, 40)
    assert status(ind, approved(y2020="1000", y2024="1399")) == Status.IN_PROGRESS


def test_over_baseline_without_a_baseline_is_unset():
    ind = indicator(Indicator.TargetKind.OVER_BASELINE, 40)
    assert status(ind, approved(y2024="2000")) == Status.UNSET


def test_admin_baseline_value_is_used_when_set():
    ind = indicator(Indicator.TargetKind.OVER_BASELINE, 40, baseline_value="500")
    evaluation = indicators.evaluate(ind, approved(y2020="1000", y2025="700"))
    assert evaluation.threshold == D("700")
    assert evaluation.status == Status.ACHIEVED


def test_unapproved_values_do_not_count():
    ind = indicator(Indicator.TargetKind.OVER_BASELINE, 40)
    rows = approved(y2020="1000") + [IndicatorValue(year=2025, value=D("2000"), state=Report.State.SUBMITTED)]
    evaluation = indicators.evaluate(ind, rows)
    assert evaluation.status == Status.IN_PROGRESS
    assert list(evaluation.pending) == [2025]


# --- 两位数增长: at least 10% every year ---------------------------------------------------------


def growth(**values):
    return indicator(Indicator.TargetKind.ANNUAL_GROWTH, 10, baseline_year=2022), approved(**values)


def test_exactly_ten_percent_every_year_is_achieved():
    ind, rows = growth(y2022="100", y2023="110", y2024="121", y2025="133.1")
    evaluation = indicators.evaluate(ind, rows)
    assert evaluation.status == Status.ACHIEVED
    assert [round(g, 2) for g in evaluation.growth.values()] == [D("10.00")] * 3


def test_one_year_below_ten_percent_is_missed_at_once():
    ind, rows = growth(y2022="100", y2023="109.99")
    assert status(ind, rows) == Status.MISSED


def test_a_later_year_below_ten_percent_is_missed_even_if_the_average_is_higher():
    ind, rows = growth(y2022="100", y2023="130", y2024="140", y2025="160")  # 30%, 7.7%, 14.3%
    assert status(ind, rows) == Status.MISSED


def test_growth_on_track_with_years_to_go_is_in_progress():
    ind, rows = growth(y2022="100", y2023="115")
    assert status(ind, rows) == Status.IN_PROGRESS


def test_growth_with_a_missing_year_is_in_progress_until_entered():
    ind, rows = growth(y2022="100", y2023="115", y2025="150")
    assert status(ind, rows) == Status.IN_PROGRESS


def test_growth_without_a_baseline_value_is_unset():
    ind, rows = growth(y2023="115")
    assert status(ind, rows) == Status.UNSET


# --- 若干 / 一批: an absolute target an admin sets -------------------------------------------------


def test_absolute_target_not_set_is_unset():
    ind = indicator(Indicator.TargetKind.ABSOLUTE, None, baseline_year=2022)
    evaluation = indicators.evaluate(ind, approved(y2023="3"))
    assert evaluation.status == Status.UNSET
    assert "目标值待设定" in evaluation.target_text


@pytest.mark.parametrize(
    "values, expected",
    [
        ({"y2024": "4"}, Status.ACHIEVED),  # reached exactly, a year early
        ({"y2024": "3"}, Status.IN_PROGRESS),
        ({"y2024": "5", "y2025": "3"}, Status.MISSED),  # the target year's value decides
        ({"y2025": "4"}, Status.ACHIEVED),
    ],
)
def test_absolute_target(values, expected):
    ind = indicator(Indicator.TargetKind.ABSOLUTE, 4, baseline_year=2022)
    assert status(ind, approved(**values)) == expected


def test_baseline_year_value_alone_does_not_reach_an_absolute_target():
    ind = indicator(Indicator.TargetKind.ABSOLUTE, 4, baseline_year=2022)
    assert status(ind, approved(y2022="9")) == Status.IN_PROGRESS


# --- the chart ----------------------------------------------------------------------------------


def test_chart_marks_actuals_with_filled_circles_and_the_target_with_a_dashed_line():
    ind, rows = growth(y2022="100", y2023="110", y2024="125")
    geometry = indicators.chart(indicators.evaluate(ind, rows))
    assert [p["label"] for p in geometry["actual"]] == ["100", "110", "125"]
    assert [p["label"] for p in geometry["target"]] == ["100", "110", "121", "133.1"]
    assert [y["year"] for y in geometry["years"]] == [2022, 2023, 2024, 2025]
    # The highest value sits inside the plot area, the axis starts at 0.
    assert min(p["y"] for p in geometry["actual"]) >= geometry["top"]
    assert geometry["ticks"][0]["label"] == "0"


def test_number_drops_needless_zeros():
    assert [indicators.number(D(v)) for v in ["1400.00", "12.50", "0.00", "133.10"]] == ["1400", "12.5", "0", "133.1"]

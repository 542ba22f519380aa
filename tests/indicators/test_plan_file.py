"""The `indicators:` part of a plan file: checked like the rest, refused with a message naming the problem."""

import pytest

from tasks.plans.planfile import PlanFileError, read_plan_file
from tests.tasks.test_load_plan import bundled_data, write_yaml


def refused(tmp_path, change, message):
    data = bundled_data()
    change(data)
    with pytest.raises(PlanFileError, match=message):
        read_plan_file(write_yaml(tmp_path, data))


def indicator(data, number):
    return next(i for i in data["indicators"] if i["number"] == number)


def test_unknown_target_kind_is_refused(tmp_path, plan):
    refused(tmp_path, lambda d: indicator(d, 3)["target"].update(kind="percent"), "指标 3的目标类型“percent”无效")


def test_growth_target_without_a_rate_is_refused(tmp_path, plan):
    refused(tmp_path, lambda d: indicator(d, 4)["target"].pop("value"), "指标 4是增长类目标，须给出增长百分比")


def test_growth_target_without_a_baseline_year_is_refused(tmp_path, plan):
    refused(tmp_path, lambda d: indicator(d, 3).pop("baseline_year"), "指标 3是增长类目标，须给出基期年份")


def test_baseline_after_the_target_year_is_refused(tmp_path, plan):
    refused(tmp_path, lambda d: indicator(d, 3).update(baseline_year=2025), "指标 3的基期年份应早于目标年份")


@pytest.mark.parametrize("value", [-1, "很多", True])
def test_target_value_that_is_not_a_non_negative_number_is_refused(tmp_path, plan, value):
    refused(tmp_path, lambda d: indicator(d, 1)["target"].update(value=value), "指标 1的“target”的“value”应为")


def test_duplicate_indicator_number_is_refused(tmp_path, plan):
    refused(tmp_path, lambda d: indicator(d, 2).update(number=1), "指标编号 1 重复")


def test_unknown_responsible_unit_is_refused(tmp_path, plan):
    refused(tmp_path, lambda d: indicator(d, 3).update(unit="区广告局"), "指标 3中的单位“区广告局”无法识别")


def test_collective_responsible_unit_is_refused(tmp_path, plan):
    refused(tmp_path, lambda d: indicator(d, 3).update(data_unit="各街镇"), "指标 3的责任单位不能是集合单位")


def test_target_value_given_in_the_file_is_loaded(tmp_path, plan):
    from tasks.plans.planfile import load_plan

    data = bundled_data()
    indicator(data, 1)["target"]["value"] = 6
    load_plan(read_plan_file(write_yaml(tmp_path, data)))
    assert str(plan.indicators.get(number=1).target_value) == "6.00"

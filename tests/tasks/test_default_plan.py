"""Plan.objects.default(): the plan shown when nobody has chosen one."""

import datetime

from tasks.models import Plan

D = datetime.date


def make_plan(doc_number, start):
    return Plan.objects.create(
        title=f"方案 {doc_number}", doc_number=doc_number, issuer="区政府", start_date=start, end_date=D(2030, 12, 31)
    )


def test_default_is_the_configured_plan_even_when_a_later_one_exists(db, settings):
    settings.DEFAULT_PLAN_DOC_NUMBER = "嘉府发〔2023〕2号"
    configured = make_plan("嘉府发〔2023〕2号", D(2023, 1, 1))
    make_plan("嘉府发〔2026〕1号", D(2026, 1, 1))

    assert Plan.objects.default() == configured


def test_without_the_configured_plan_the_latest_is_the_default(db, settings):
    settings.DEFAULT_PLAN_DOC_NUMBER = "嘉府发〔2023〕2号"
    make_plan("嘉府发〔2024〕5号", D(2024, 1, 1))
    latest = make_plan("嘉府发〔2026〕1号", D(2026, 1, 1))

    assert Plan.objects.default() == latest


def test_without_any_plan_there_is_no_default(db):
    assert Plan.objects.default() is None

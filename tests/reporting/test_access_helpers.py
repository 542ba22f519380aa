"""The access helpers check access themselves, whatever decorators their views carry:
a helper whose name says `_for_user` (or `_for_review`) refuses the wrong person."""

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.test import RequestFactory

from tasks import pages
from tasks.indicators import values
from tasks.indicators import views as indicator_views
from tasks.models import Report
from tasks.reporting import views as reporting_views
from tests.conftest import make_user
from tests.helpers import unit
from tests.reporting.helpers import period, save


def request_of(user):
    request = RequestFactory().get("/")
    request.user = user
    return request


def test_only_the_coordinator_gets_a_period_or_a_report_for_review(plan, measure, lead_staff, coordinator):
    report = save(plan, measure, "区科委", lead_staff)
    quarter = period(plan)

    for helper, pk in (
        (reporting_views._get_period_for_user, quarter.pk),
        (reporting_views._get_report_for_review, report.pk),
    ):
        with pytest.raises(PermissionDenied):
            helper(request_of(lead_staff), pk)
    assert reporting_views._get_period_for_user(request_of(coordinator), quarter.pk) == quarter
    assert reporting_views._get_report_for_review(request_of(coordinator), report.pk) == Report.objects.get()


def test_only_the_coordinator_gets_an_indicator_value_for_review(plan, coordinator, make_value):
    row = make_value()

    with pytest.raises(PermissionDenied):
        indicator_views._get_value_for_review(request_of(make_value.staff), row.pk)
    assert indicator_views._get_value_for_review(request_of(coordinator), row.pk) == row


def test_an_auditor_gets_no_unit_page(plan, auditor, viewer):
    kewei = unit("区科委")

    with pytest.raises(PermissionDenied):
        pages.get_unit_for_user(request_of(auditor), kewei.pk)
    assert pages.get_unit_for_user(request_of(viewer), kewei.pk) == kewei


@pytest.fixture
def make_value(plan):
    staff = make_user("shichang_helpers", units=["区市场监管局"])

    def make():
        data = {"value": Decimal("1200"), "source": "区统计局年度统计", "note": ""}
        return values.save_value(plan.indicators.get(number=3), 2021, data, staff, submit=True, version=0)

    make.staff = staff
    return make

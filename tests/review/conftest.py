"""The review engine, run against both reviewed items: a report (区科委 on 2.(1),
2024年第一季度) and an indicator's yearly value (区市场监管局, 全区广告经营主体,
2021). The bundled plan is committed once for the package."""

import datetime
from dataclasses import dataclass
from decimal import Decimal

import pytest

from tasks.indicators import values as indicator_rules
from tasks.models import Evidence, IndicatorEvent, IndicatorEvidence, IndicatorValue, Period, Report, ReportEvent
from tasks.reporting import workflow
from tests.conftest import make_user, measure_by_code, package_plan_fixtures
from tests.helpers import obligation

_committed_plan, plan, _fast_password_hasher = package_plan_fixtures()

TODAY = datetime.date(2024, 3, 20)


@pytest.fixture(autouse=True)
def today(clock):
    return clock(TODAY)


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    root = tmp_path / "media"
    root.mkdir()
    settings.MEDIA_ROOT = root
    return root


@dataclass
class Subject:
    """One kind of reviewed item, as the tests drive it: `save(user, text, submit=,
    version=, evidence=)` writes its one item; the review functions are its own."""

    name: str
    model: type
    event_model: type
    evidence_model: type
    staff: object  # a user of the responsible unit
    save_item: object
    approve: object
    return_for_revision: object
    reopen: object
    text_field: str

    def save(self, text="第一稿", *, submit=True, version=0, evidence=()):
        return self.save_item(self.staff, text, submit=submit, version=version, evidence=evidence)

    def events(self, item):
        return list(self.event_model.objects.filter(**{self.parent: item}).order_by("at", "pk"))

    @property
    def parent(self):
        return "report" if self.model is Report else "value"


def report_subject(plan, staff):
    lead = obligation(measure_by_code(plan, 2, 1), "区科委")
    period = Period.objects.get(plan=plan, name="2024年第一季度")

    def save_item(user, text, *, submit, version, evidence):
        data = {"status": Report.Status.IN_PROGRESS, "percent": 30, "progress": text, "problems": "", "next_steps": ""}
        return workflow.save_report(
            lead, period, data, user, submit=submit, version=version, evidence=evidence, today=TODAY
        )

    return Subject(
        name="report",
        model=Report,
        event_model=ReportEvent,
        evidence_model=Evidence,
        staff=staff,
        save_item=save_item,
        approve=workflow.approve,
        return_for_revision=workflow.return_for_revision,
        reopen=workflow.reopen,
        text_field="progress",
    )


def indicator_subject(plan, staff):
    businesses = plan.indicators.get(number=3)

    def save_item(user, text, *, submit, version, evidence):
        data = {"value": Decimal("1200"), "source": "区统计局年度统计", "note": text}
        return indicator_rules.save_value(
            businesses, 2021, data, user, submit=submit, version=version, evidence=evidence
        )

    return Subject(
        name="indicator value",
        model=IndicatorValue,
        event_model=IndicatorEvent,
        evidence_model=IndicatorEvidence,
        staff=staff,
        save_item=save_item,
        approve=indicator_rules.approve,
        return_for_revision=indicator_rules.return_for_revision,
        reopen=indicator_rules.reopen,
        text_field="note",
    )


@pytest.fixture(params=["report", "indicator value"])
def subject(request, plan):
    if request.param == "report":
        return report_subject(plan, make_user("kewei_review", units=["区科委"]))
    return indicator_subject(plan, make_user("shichang_review", units=["区市场监管局"]))

"""Demo data that tells a story (seed_demo): the plan's 2023–2025 as a real office lived it.

Quarterly reports from every unit, leads and co-organizers, progress rising
quarter by quarter; most submitted on time and approved, some late, some
returned and resubmitted, some never sent, some 滞后; the goal indicators'
yearly values from their baseline years; and, once the plan has ended, a
final evaluation (终期评估) open now, with some leads' evaluations submitted,
some approved with the coordinator's 评估意见, one returned.

Everything goes through the app's own rules (workflow.save_report, approve,
return_for_revision, approve_evaluation; indicators.save_value, approve, …)
with each step stamped at the moment it happened in the story
(the `at=` of every workflow call), so timelines, lights, on-time rates, the 台账 and the
documents read as they would in a real office. Every text starts with
DEMO_MARK, and the dashboard says so while such reports exist. The audit
trail, a record of what people really did, is not written for the story.

The story is the same on every run (a seeded random generator); only the
final evaluation's dates follow today. A plan that already has reports or
indicator values gets no history.
"""

import datetime
import random
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import transaction
from django.db.models import OuterRef, Subquery
from django.utils import timezone

from security import audit
from tasks import obligations as obligation_rules
from tasks import periods as period_rules
from tasks.followup import notifications
from tasks.indicators import values as indicator_rules
from tasks.models import Indicator, IndicatorEvent, IndicatorValue, Measure, Period, Report, ReportEvent
from tasks.reporting import workflow

DEMO_MARK = "【演示数据】"
FINAL_PERIOD_NAME = "终期评估"
SEED = 2023

ACTIVITIES = [
    "召开专题推进会{n}次，明确责任分工和时间节点",
    "走访调研重点企业{m}家，梳理企业诉求{n}条",
    "会同相关部门研究制定配套政策措施",
    "组织政策宣讲和业务培训{n}场，覆盖企业{m}家",
    "完成项目申报和评审，{n}个项目纳入扶持范围",
    "推动{n}家企业签约落地",
    "建立工作台账，按月跟踪推进情况",
    "举办专题对接活动，促成合作意向{n}项",
    "编制年度工作计划并报区政府备案",
    "梳理可复制推广的经验做法{n}条",
]
SUPPORT_ACTIVITIES = [
    "提供相关数据和政策支持",
    "参加牵头单位组织的推进会{n}次",
    "协助走访企业{m}家",
    "在职责范围内做好配套服务",
]
PROBLEMS = [
    "受企业投资节奏影响，项目落地慢于预期",
    "专项资金拨付流程较长",
    "相关企业申报积极性不高",
    "跨部门协调事项较多，推进周期延长",
    "场地载体尚未完全落实",
]
NEXT_STEPS = [
    "召开推进会，逐项对账销号",
    "加强与企业对接，推动项目尽快落地",
    "会同区财政局加快资金拨付",
    "加大宣传力度，扩大政策覆盖面",
    "细化时间节点，按月跟踪",
]
RETURN_COMMENTS = [
    "请补充本季度具体工作量和数据。",
    "进展情况过于笼统，请写明完成的具体事项。",
    "完成进度与进展描述不一致，请核实后重新提交。",
]
ASSESSMENTS = {
    Report.Completion.DONE: "措施按期完成，成效明显，同意评估结论。",
    Report.Completion.MOSTLY: "主体工作已完成，请按后续安排抓紧收尾，年内完成。",
    Report.Completion.NOT_DONE: "措施未按期完成，请明确后续安排和完成时限，纳入常态化跟踪。",
}
FINAL_RETURN_COMMENT = "主要成效请补充量化数据（如企业数量、投资额），未完成原因请写具体。"

# (target set by an admin for 若干 / 一批, {year: (value, source)}) by indicator number.
INDICATOR_STORY = {
    1: (Decimal(3), {2022: 0, 2023: 1, 2024: 2, 2025: 3}),
    2: (Decimal(10), {2022: 2, 2023: 4, 2024: 6, 2025: 8}),
    3: (None, {2020: 12500, 2021: 13400, 2022: 14600, 2023: 15900, 2024: 17000, 2025: 17900}),
    4: (None, {2022: Decimal("86.0"), 2023: Decimal("96.3"), 2024: Decimal("107.4"), 2025: Decimal("116.9")}),
}
INDICATOR_RETURNED = (4, 2024, Decimal("105.0"), "请以区统计局年报正式数为准。")
INDICATOR_PENDING = (2, 2025)  # submitted, not yet reviewed


def history_exists(plan):
    """Whether the plan holds seed_demo's history (a report marked DEMO_MARK). One query."""
    return Report.objects.filter(measure__task__plan=plan, progress__startswith=DEMO_MARK).exists()


@dataclass
class Summary:
    reports: int = 0
    late: int = 0
    returned: int = 0
    missing: int = 0
    evaluations: int = 0
    values: int = 0
    final_period: object = None
    notes: list = field(default_factory=list)


def _moment(day, rng):
    """A moment in office hours on `day`, in the site's zone."""
    minutes = rng.randint(9 * 60, 17 * 60 + 30)
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(minutes // 60, minutes % 60)))


def _topic(measure):
    """The measure's first phrase, for texts: "推动人工智能、大数据、云计算、区块链等"."""
    text = measure.text
    for mark in "，。；：":
        text = text.split(mark)[0]
    if len(text) <= 24:
        return text
    cut = text[:24].rfind("、")
    return text[:cut] + "等" if cut > 8 else text[:24] + "…"


def _activity(rng, pool):
    return rng.choice(pool).format(n=rng.randint(2, 6), m=rng.randint(5, 30))


class Story:
    """One run of the story over a plan: who reports what, when."""

    def __init__(self, plan, staff, coordinator, today):
        self.plan = plan
        self.staff = staff  # {unit pk: User}
        self.coordinator = coordinator
        self.today = today
        self.now = timezone.now()
        self.rng = random.Random(SEED)
        self.summary = Summary()
        measures = list(Measure.objects.filter(task__plan=plan).select_related("task").with_assignments())
        members = obligation_rules.collective_members()
        self.obligations = [o for m in measures for o in obligation_rules.for_measure(m, members)]
        # Each measure's fate at the plan's end, shared by its leads: most done.
        self.fate = {}
        for measure in measures:
            roll = self.rng.random()
            self.fate[measure.pk] = (
                Report.Completion.DONE
                if roll < 0.55
                else Report.Completion.MOSTLY
                if roll < 0.85
                else Report.Completion.NOT_DONE
            )
        self.leads_of = {}
        for o in self.obligations:
            if o.is_lead:
                self.leads_of.setdefault(o.measure.pk, []).append(o)

    # --- quarterly reports ------------------------------------------------------------------

    def final_percent(self, obligation):
        fate = self.fate[obligation.measure.pk]
        if fate == Report.Completion.DONE:
            return 100
        if fate == Report.Completion.MOSTLY:
            return self.rng.randint(82, 95)
        return self.rng.randint(40, 70)

    def trajectory(self, obligation, count):
        """Percent after each of `count` quarters, rising to the obligation's end point."""
        end = self.final_percent(obligation)
        done_at = self.rng.randint(count - 4, count) if end == 100 else count + 1
        idle = self.rng.choice([0, 0, 0, 0, 0, 1, 2])  # quarters before work started (未启动)
        path, last = [], 0
        for k in range(1, count + 1):
            if k <= idle:
                value = 0
            elif k >= done_at:
                value = 100
            else:
                share = (k / done_at) ** 0.85
                value = min(99 if end == 100 else end, round(end * share + self.rng.randint(-4, 4)))
            last = max(last, value, 0)
            path.append(last)
        return path

    def quarter_texts(self, obligation, period, percent, behind):
        topic = _topic(obligation.measure)
        if percent == 100:
            progress = f"{DEMO_MARK}{period.name}：“{topic}”各项工作已完成，{_activity(self.rng, ACTIVITIES)}，转入常态化推进。"
        elif obligation.is_lead:
            progress = (
                f"{DEMO_MARK}{period.name}：围绕“{topic}”，{_activity(self.rng, ACTIVITIES)}；"
                f"{_activity(self.rng, ACTIVITIES)}。累计完成约{percent}%。"
            )
        else:
            progress = f"{DEMO_MARK}{period.name}：配合推进“{topic}”，{_activity(self.rng, SUPPORT_ACTIVITIES)}。"
        problems = self.rng.choice(PROBLEMS) + "。" if behind or self.rng.random() < 0.2 else ""
        next_steps = self.rng.choice(NEXT_STEPS) + "。" if percent < 100 else ""
        return progress, problems, next_steps

    def step(self, moment, change, *args, **kwargs):
        """`change(*args, **kwargs)` stamped at `moment`, unless that moment is still to come (None then)."""
        if moment >= self.now:
            return None
        return change(*args, at=moment, **kwargs)

    def quarterly(self, periods):
        paths = {o.key: self.trajectory(o, len(self.quarters)) for o in self.obligations}
        for index, period in enumerate(periods):
            for obligation in self.obligations:
                user = self.staff.get(obligation.unit.pk)
                if user is None or not obligation.owes(period):
                    continue
                self.quarter_report(obligation, period, paths[obligation.key][index], index, user)

    def quarter_report(self, obligation, period, percent, index, user):
        rng = self.rng
        town = obligation.collective is not None
        if rng.random() < (0.08 if town and index < 4 else 0.025):
            self.summary.missing += 1
            return
        behind = (
            percent < 100
            and self.fate[obligation.measure.pk] == Report.Completion.NOT_DONE
            and index >= len(self.quarters) - 6
            and rng.random() < 0.6
        ) or (percent < 100 and rng.random() < 0.04)
        if percent == 100:
            status = Report.Status.DONE
        elif percent == 0:
            status = Report.Status.NOT_STARTED
        else:
            status = Report.Status.LATE if behind else Report.Status.IN_PROGRESS
        progress, problems, next_steps = self.quarter_texts(obligation, period, percent, behind)
        data = {
            "status": status,
            "percent": percent,
            "progress": progress,
            "problems": problems,
            "next_steps": next_steps,
        }
        late = rng.random() < 0.09
        if late:
            day = period.due_date + datetime.timedelta(days=rng.randint(1, 20))
            self.summary.late += 1
        else:
            day = period.end_date + datetime.timedelta(days=rng.randint(1, (period.due_date - period.end_date).days))
        moment = _moment(day, rng)
        report = self.step(moment, workflow.save_report, obligation, period, data, user, submit=True, version=0)
        if report is None:
            return
        self.summary.reports += 1
        if rng.random() < 0.06:
            moment = _moment(day + datetime.timedelta(days=rng.randint(1, 3)), rng)
            comment = rng.choice(RETURN_COMMENTS)
            returned = self.step(
                moment, workflow.return_for_revision, report, self.coordinator, report.version, comment
            )
            if returned is None:
                return
            self.summary.returned += 1
            day = moment.date() + datetime.timedelta(days=rng.randint(1, 4))
            data = {
                **data,
                "progress": data["progress"] + f"（已按审核意见补充：本季度完成具体事项{rng.randint(2, 5)}项。）",
            }
            report = self.step(
                _moment(day, rng),
                workflow.save_report,
                *(obligation, period, data, user),
                submit=True,
                version=returned.version,
            )
            if report is None:
                return
        # The last quarters' stragglers are still waiting for review.
        if index == len(self.plan_periods) - 1 and rng.random() < 0.03:
            return
        self.step(
            _moment(day + datetime.timedelta(days=rng.randint(1, 7)), rng),
            workflow.approve,
            *(report, self.coordinator, report.version),
        )

    # --- the final evaluation -----------------------------------------------------------------

    def final_period(self):
        start = max(self.plan.end_date + datetime.timedelta(days=1), self.today - datetime.timedelta(days=20))
        period, _ = Period.objects.get_or_create(
            plan=self.plan,
            name=FINAL_PERIOD_NAME,
            defaults={
                "kind": Period.Kind.FINAL,
                "start_date": start,
                "end_date": self.today + datetime.timedelta(days=10),
                "due_date": period_rules.next_workday(self.today + datetime.timedelta(days=20)),
            },
        )
        return period

    def final_evaluation(self, period, latest_percent):
        """Some measures fully evaluated (most of those approved), some in part, one lead returned."""
        rng = self.rng
        returned_one = False
        for measure_id, leads in self.leads_of.items():
            roll = rng.random()
            if roll < 0.45:
                evaluating = leads
            elif roll < 0.6:
                evaluating = leads[: max(1, len(leads) // 2)]
            else:
                continue
            approve = roll < 0.3
            for obligation in evaluating:
                user = self.staff.get(obligation.unit.pk)
                if user is None or not obligation.owes(period):
                    continue
                fate = self.fate[measure_id]
                percent = 100 if fate == Report.Completion.DONE else max(latest_percent.get(obligation.key, 0), 40)
                percent = min(percent, 95) if fate != Report.Completion.DONE else 100
                topic = _topic(obligation.measure)
                data = {
                    "completion": fate,
                    "status": Report.COMPLETION_STATUS[fate],
                    "percent": percent,
                    "progress": f"{DEMO_MARK}方案实施以来，围绕“{topic}”，{_activity(rng, ACTIVITIES)}，"
                    f"{_activity(rng, ACTIVITIES)}，完成{percent}%。",
                    "problems": "" if fate == Report.Completion.DONE else rng.choice(PROBLEMS) + "。",
                    "next_steps": ""
                    if fate == Report.Completion.DONE
                    else rng.choice(NEXT_STEPS) + "，力争明年上半年完成。",
                }
                day = period.start_date + datetime.timedelta(
                    days=rng.randint(1, max(1, (self.today - period.start_date).days - 4))
                )
                report = self.step(
                    _moment(day, rng), workflow.save_report, obligation, period, data, user, submit=True, version=0
                )
                if report is None:
                    continue
                self.summary.evaluations += 1
                later = _moment(day + datetime.timedelta(days=rng.randint(1, 3)), rng)
                if not returned_one and not approve:
                    returned_one = True
                    self.step(
                        later,
                        workflow.return_for_revision,
                        *(report, self.coordinator, report.version, FINAL_RETURN_COMMENT),
                    )
                elif approve:
                    self.step(
                        later,
                        workflow.approve_evaluation,
                        *(report, self.coordinator, report.version, ASSESSMENTS[fate]),
                    )

    # --- indicators -------------------------------------------------------------------------

    def indicators(self, entering):
        """Each indicator's values from its baseline year, entered by its unit's staff
        (`entering`: {unit pk: User}) in March of the year after and reviewed."""
        rng = self.rng
        for indicator in Indicator.objects.filter(plan=self.plan).select_related("unit"):
            story = INDICATOR_STORY.get(indicator.number)
            if story is None:
                continue
            target, values = story
            if target is not None and indicator.target_value is None:
                # What an admin does for 若干 / 一批 (Django admin: 目标指标).
                indicator.target_value = target
                indicator.save(update_fields=["target_value"])
            user = entering.get(indicator.unit_id)
            if user is None:
                continue
            for year, value in values.items():
                if year not in indicator.years:
                    continue
                source = f"{DEMO_MARK}{indicator.data_unit.name if indicator.data_unit else indicator.unit.name}{year}年度统计数据"
                data = {"value": Decimal(value), "source": source, "note": ""}
                returned = INDICATOR_RETURNED[:2] == (indicator.number, year)
                if returned:
                    data["value"] = INDICATOR_RETURNED[2]
                day = datetime.date(year + 1, 3, rng.randint(5, 20))
                row = self.step(
                    _moment(day, rng), indicator_rules.save_value, indicator, year, data, user, submit=True, version=0
                )
                if row is None:
                    continue
                self.summary.values += 1
                if returned:
                    row = self.step(
                        _moment(day + datetime.timedelta(days=3), rng),
                        indicator_rules.return_for_revision,
                        *(row, self.coordinator, row.version, INDICATOR_RETURNED[3]),
                    )
                    day += datetime.timedelta(days=6)
                    if row is not None:
                        row = self.step(
                            _moment(day, rng),
                            indicator_rules.save_value,
                            *(indicator, year, {**data, "value": Decimal(value)}, user),
                            submit=True,
                            version=row.version,
                        )
                if row is None or INDICATOR_PENDING == (indicator.number, year):
                    continue
                self.step(
                    _moment(day + datetime.timedelta(days=rng.randint(2, 6)), rng),
                    indicator_rules.approve,
                    *(row, self.coordinator, row.version),
                )

    def run(self):
        self.quarters = list(Period.objects.filter(plan=self.plan, kind=Period.Kind.QUARTER).order_by("end_date"))
        self.plan_periods = [p for p in self.quarters if p.end_date < self.today]
        self.quarterly(self.plan_periods)
        self.indicators(self.staff)
        if self.today > self.plan.end_date and self.plan_periods:
            period = self.final_period()
            self.summary.final_period = period
            latest = {
                (m, u): p
                for m, u, p in Report.objects.filter(measure__task__plan=self.plan, state__in=Report.OFFICIAL_STATES)
                .order_by("period__end_date")
                .values_list("measure_id", "unit_id", "percent")
            }
            self.final_evaluation(period, latest)
        return self.summary


def _stamp_rows_from_timelines(plan):
    """created_at and updated_at follow the story: the first and last event of each row
    (the models stamp them with the real time, which the workflow cannot set)."""
    events = ReportEvent.objects.filter(report=OuterRef("pk")).order_by("at", "pk").values("at")
    Report.objects.filter(measure__task__plan=plan).update(
        created_at=Subquery(events[:1]), updated_at=Subquery(events.reverse()[:1])
    )
    value_events = IndicatorEvent.objects.filter(value=OuterRef("pk")).order_by("at", "pk").values("at")
    IndicatorValue.objects.filter(indicator__plan=plan).update(
        created_at=Subquery(value_events[:1]), updated_at=Subquery(value_events.reverse()[:1])
    )


def write_history(plan, staff, coordinator, today=None):
    """Write the story into `plan` and return its Summary, or None when the plan
    already has reports or indicator values (a second run adds nothing).
    `staff`: {unit pk: the unit's User}. In one transaction."""
    today = today or timezone.localdate()
    if (
        Report.objects.filter(measure__task__plan=plan).exists()
        or IndicatorValue.objects.filter(indicator__plan=plan).exists()
    ):
        return None
    # A story of the past: no audit records and no notifications of today.
    with transaction.atomic(), audit.suspended(), notifications.suspended():
        summary = Story(plan, staff, coordinator, today).run()
        _stamp_rows_from_timelines(plan)
    return summary

"""The 终期评估报告: a Word draft of the plan's outcome for the office to edit.

Its numbers come from where the pages take theirs: the final evaluation from
tasks/progress.py (PlanProgress of the final-evaluation period, its
EvaluationSummary and MeasureState.completion, as the dashboard shows them),
the goals from tasks/indicators.py (as /indicators/), and the units' on-time
reporting over the whole plan from progress.reporting_over_plan (as /units/).
Measures without a final evaluation are said to be so, with their latest
quarterly state. Layout: tasks/documents.py, as the 通报.
"""

from dataclasses import dataclass

from . import documents
from . import indicators as indicator_rules
from .bulletin import ISSUER, chinese_number, clip
from .models import Period, Report
from .progress import STATUS_LABELS, PlanProgress, latest_final_period, reporting_over_plan

NOT_EVALUATED = "未评估"
UNFINISHED = (str(Report.Completion.MOSTLY.label), str(Report.Completion.NOT_DONE.label))


@dataclass
class FinalReport:
    plan: object
    period: object  # the final-evaluation period, or None when none has started
    today: object
    progress: PlanProgress  # of the final-evaluation period, else of the current period
    evaluation: object  # progress.EvaluationSummary, or None without a final-evaluation period
    indicators: list  # [indicators.Evaluation]
    reporting: object  # progress.PlanReporting
    tasks: list  # [(task, [MeasureState], percent)]

    @property
    def title(self):
        return f"《{self.plan.title}》终期评估报告"

    def completion_label(self, state):
        """The measure's 完成情况 as the document writes it, 未评估 until it is evaluated."""
        if self.evaluation is None or state.completion is None:
            return NOT_EVALUATED
        return str(Report.Completion(state.completion).label)

    def task_counts(self, states):
        """{完成情况 label or 未评估: measures}, most complete first."""
        counts = {str(label): 0 for _, label in reversed(Report.Completion.choices)}
        counts[NOT_EVALUATED] = 0
        for state in states:
            counts[self.completion_label(state)] += 1
        return counts


def collect(plan, today):
    """Everything the report says, as of `today`. A fixed number of queries."""
    period = latest_final_period(plan, today)
    if period is not None:
        progress = PlanProgress(plan, period, today=today)
    else:
        progress = PlanProgress(plan, Period.objects.current(plan, today), today=today)
    return FinalReport(
        plan=plan,
        period=period,
        today=today,
        progress=progress,
        evaluation=progress.evaluation() if period is not None else None,
        indicators=indicator_rules.evaluations(plan),
        reporting=reporting_over_plan(plan, today, progress),
        tasks=progress.task_rows(),
    )


def _one_line(text, limit=300):
    """A text on one line, without its closing punctuation (the sentence adds its own)."""
    return clip(text.replace("\n", "；"), limit).rstrip("。；;. ")


def _date(day):
    return f"{day.year}年{day.month}月{day.day}日"


def _evaluation_texts(state, field):
    """A field of the leads' submitted or approved evaluations; with several leads one per lead ("江桥镇：…")."""
    reports = [(s.obligation.unit.name, s.current) for s in state.leads if s.owes and s.current is not None]
    texts = [(name, getattr(r, field)) for name, r in reports if r.is_official and getattr(r, field)]
    leads = len(state.evaluations)
    if leads == 1:
        return [_one_line(text) for _, text in texts]
    # A measure led by every town (各街镇) has a dozen parts: shorter, so the report stays readable.
    return [f"{name}：{_one_line(text, 160 if leads <= 4 else 80)}" for name, text in texts]


def _review_note(state):
    if state.evaluation_approved:
        return "已审核"
    return "待审核"


def _measure_paragraph(report, state):
    """(lead, text) of one measure: its 完成情况 and results, or that it is not yet evaluated."""
    measure = state.measure
    lead = f"措施{measure.code}　"
    text = f"{clip(measure.text, 60)}（牵头单位：{measure.printed_leads()}）。"
    if report.completion_label(state) == NOT_EVALUATED:
        evaluated = state.evaluated_leads
        if report.evaluation is None:
            text += "尚未开展终期评估。"
        elif len(state.evaluations) > 1:
            text += f"尚未完成终期评估（{evaluated}/{len(state.evaluations)}个牵头单位已提交）。"
        else:
            text += "尚未完成终期评估。"
        latest = state.latest_report
        if latest is not None:
            text += f"最新进展（{latest.period.name}）：{STATUS_LABELS[latest.status]}，完成{state.percent:g}%。"
        else:
            text += "牵头单位尚未报送进展。"
        return lead, text
    text += f"完成情况：{report.completion_label(state)}（{_review_note(state)}），完成{state.percent:g}%。"
    results = _evaluation_texts(state, "progress")
    if results:
        text += "主要成效：" + "；".join(results) + "。"
    shortfall = _evaluation_texts(state, "problems")
    if shortfall:
        text += "未完成原因：" + "；".join(shortfall) + "。"
    assessments = _evaluation_texts(state, "assessment")
    if assessments:
        text += "评估意见：" + "；".join(assessments) + "。"
    return lead, text


def _indicator_rows(report):
    rows = []
    for e in report.indicators:
        i = e.indicator
        baseline = "—"
        if e.baseline is not None:
            baseline = f"{i.baseline_year}年 {indicator_rules.number(e.baseline)} {i.measure_unit}"
        latest = f"{e.latest[0]}年 {indicator_rules.number(e.latest[1])} {i.measure_unit}" if e.latest else "尚无审核值"
        rows.append([f"{i.number}. {i.name}", baseline, e.target_text, latest, str(e.status_label)])
    return rows


def _indicator_paragraph(e):
    i = e.indicator
    years = [y for y in sorted(e.values) if y != i.baseline_year]
    parts = []
    for year in years:
        text = f"{year}年{indicator_rules.number(e.values[year])}{i.measure_unit}"
        if year in e.growth:
            text += f"（增长{e.growth[year]:.1f}%）"
        parts.append(text)
    values = "、".join(parts) if parts else "尚无审核通过的实际值"
    pending = [str(year) for year in sorted(e.pending) if e.pending[year].state == Report.State.SUBMITTED]
    tail = f"；{'、'.join(pending)}年数值待审核" if pending else ""
    return (
        f"（{chinese_number(i.number)}）{i.name}。",
        f"目标：{e.target_text}。实际：{values}{tail}。评估：{e.status_label}。",
    )


RATE_DEFINITION = (
    "按时报送率：方案各填报周期（终期评估除外）中截止日期已过的，各单位应报送的事项里，"
    "在截止日期当天及之前提交（以最后一次提交为准）且目前为已提交或已审核的比例。"
    "应报送 = 按时 + 逾期报送 + 至今未报；已报告“已完成”的事项此后各期不再计入应报送（仍报送的照常计入）；"
    "被退回尚未重新提交的计入至今未报。"
)


def _unit_row(name, s):
    return [name, str(s.owed), str(s.on_time), str(s.late), str(s.never_sent), f"{s.on_time_rate:g}%"]


def reporting_sentence(report):
    """一's sentence on reporting over the plan; its numbers add up (owed = on time + late + never sent)."""
    t = report.reporting.total
    returned = f"（其中被退回尚未重新提交{t.returned}项）" if t.returned else ""
    return (
        f"方案实施期间共{len(report.reporting.periods)}个填报周期已过截止日期，各单位应报送{t.owed}项："
        f"按时报送{t.on_time}项，逾期报送{t.late}项，至今未报{t.never_sent}项{returned}；"
        f"按时报送率{t.on_time_rate:g}%。"
    )


def write(report, target):
    """Write the 终期评估报告 as .docx to a path or a binary stream."""
    r = report
    plan = r.plan
    doc = documents.new_document(r.title)
    documents.title(doc, r.title)
    doc.add_paragraph(f"（截至{_date(r.today)} · 征求意见稿）", style="公文副标题")
    doc.add_paragraph("", style="主送")
    states = [s for _, task_states, _ in r.tasks for s in task_states]
    documents.paragraph(
        doc,
        f"按照《{plan.title}》（{plan.doc_number}）的要求，方案实施期为{_date(plan.start_date)}至"
        f"{_date(plan.end_date)}。现对方案{len(r.tasks)}项工作任务、{len(states)}条具体措施和"
        f"{len(r.indicators)}项主要目标的完成情况进行终期评估，报告如下。",
    )

    documents.heading(doc, "一、总体情况")
    counts = r.task_counts(states)
    if r.evaluation is None:
        documents.paragraph(
            doc,
            "终期评估尚未开展（协调人在“填报周期”中新增类型为“终期评估”的周期后，各牵头单位逐项填报）。"
            "以下各措施按其最新进展填写。",
        )
    else:
        e = r.evaluation
        documents.paragraph(
            doc,
            f"{r.period.name}自{_date(r.period.start_date)}开始，截止日期{_date(r.period.due_date)}。"
            f"截至{_date(r.today)}，{e.measures}条具体措施中已有{e.evaluated}条完成终期评估"
            f"（其中{e.approved}条经协调人审核通过），"
            + "、".join(f"{label}{n}条" for label, n in counts.items() if label != NOT_EVALUATED)
            + f"；尚有{e.not_evaluated}条未完成评估。牵头单位应提交评估{e.owed}份，已提交{e.submitted}份，"
            f"退回修改{e.returned}份。",
        )
    statuses = {}
    for ev in r.indicators:
        statuses[str(ev.status_label)] = statuses.get(str(ev.status_label), 0) + 1
    documents.paragraph(
        doc,
        f"方案“二、主要目标”的{len(r.indicators)}项指标中，"
        + ("、".join(f"{label}{n}项" for label, n in statuses.items()) or "尚无指标")
        + "（以协调人审核通过的数值为准）。",
    )
    t = r.reporting.total
    documents.paragraph(doc, reporting_sentence(r))
    total = len(states) or 1
    documents.table(
        doc,
        ["完成情况", "措施数", "占比"],
        [[label, str(n), f"{100 * n / total:.1f}%"] for label, n in counts.items()],
        [60, 48, 48],
        keep_together=True,
    )

    documents.heading(doc, "二、主要目标完成情况")
    if r.indicators:
        documents.table(
            doc,
            ["指标", "基期", "目标", "实际值", "评估"],
            _indicator_rows(r),
            [36, 28, 44, 28, 20],
            keep_together=True,
        )
        for e in r.indicators:
            lead, text = _indicator_paragraph(e)
            documents.paragraph(doc, text, lead=lead)
    else:
        documents.paragraph(doc, "本方案未设定量化目标指标。")

    documents.heading(doc, "三、各项任务完成情况")
    for task, task_states, percent in r.tasks:
        task_counts = r.task_counts(task_states)
        summary = "、".join(f"{label}{n}条" for label, n in task_counts.items() if n)
        documents.paragraph(
            doc,
            f"本任务共{len(task_states)}条具体措施，{summary}；平均完成进度{percent:g}%。",
            lead=f"（{chinese_number(task.number)}）{task.title}。",
        )
        for state in task_states:
            lead, text = _measure_paragraph(r, state)
            documents.paragraph(doc, text, lead=lead)

    documents.heading(doc, "四、各单位报送情况")
    documents.paragraph(doc, RATE_DEFINITION)
    documents.table(
        doc,
        ["单位", "应报送", "按时", "逾期报送", "至今未报", "按时报送率"],
        [_unit_row(u.unit.name, u) for u in r.reporting.units] + [_unit_row("合计", t)],
        [47, 20, 16, 24, 24, 29],
    )

    documents.heading(doc, "五、存在问题")
    unfinished = [s for s in states if r.completion_label(s) in UNFINISHED]
    not_evaluated = [s for s in states if r.completion_label(s) == NOT_EVALUATED]
    missed = [e for e in r.indicators if e.status == indicator_rules.Status.MISSED]
    if not (unfinished or not_evaluated or missed):
        documents.paragraph(doc, "经评估，各项措施均已完成，主要目标均已达成。")
    for e in missed:
        documents.paragraph(doc, f"指标“{e.indicator.name}”未达成：目标为{e.target_text}。")
    for state in unfinished:
        reasons = _evaluation_texts(state, "problems")
        documents.paragraph(
            doc,
            f"措施{state.measure.code}（{state.measure.printed_leads()}）{r.completion_label(state)}"
            + ("：" + "；".join(reasons) if reasons else "")
            + "。",
        )
    if not_evaluated and r.evaluation is not None:
        documents.paragraph(
            doc,
            f"尚有{len(not_evaluated)}条措施未完成终期评估："
            + "、".join(s.measure.code for s in not_evaluated)
            + "，请牵头单位抓紧填报。",
        )

    documents.heading(doc, "六、后续安排")
    documents.paragraph(
        doc,
        "对基本完成和未完成的措施，牵头单位要会同配合单位明确后续安排和完成时限，纳入常态化工作持续推进；"
        "协调机制办公室将继续跟踪，并在新一轮行动方案中统筹考虑。",
    )
    for state in unfinished:
        plans = _evaluation_texts(state, "next_steps")
        if plans:
            documents.paragraph(doc, f"措施{state.measure.code}：" + "；".join(plans) + "。")

    documents.signature(doc, ISSUER, r.today)

    doc.add_page_break()
    documents.heading(doc, "附表：各措施完成情况一览")
    documents.table(
        doc,
        ["措施", "牵头单位", "完成情况", "审核", "完成进度"],
        [
            [
                f"{s.measure.code} {clip(s.measure.text, 24)}",
                s.measure.printed_leads(),
                r.completion_label(s),
                _review_note(s) if r.completion_label(s) != NOT_EVALUATED else "—",
                f"{s.percent:g}%",
            ]
            for s in states
        ],
        [56, 30, 26, 20, 24],
    )
    doc.save(target)


def filename(report):
    return f"终期评估报告_{report.today:%Y-%m-%d}.docx"

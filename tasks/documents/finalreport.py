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

from tasks.documents import drafting
from tasks.documents import house as documents
from tasks.documents.bulletin import ISSUER, chinese_number
from tasks.documents.house import percent
from tasks.indicators import values as indicator_rules
from tasks.models import Indicator, Period, Report
from tasks.progress.rollup import STATUS_LABELS, PlanProgress, latest_final_period, reporting_over_plan

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


def _date(day):
    return documents.chinese_date(day)


EVALUATION_ORDER = [str(label) for _, label in reversed(Report.Completion.choices)]
NOT_SUBMITTED = "尚未提交评估"


def _evaluation_standing(s):
    """(label, lagging) of a lead in the final evaluation: its 完成情况, or 尚未提交评估."""
    report = s.current
    if s.standing is None or not s.standing.evaluated or not report.completion:
        return NOT_SUBMITTED, True
    return str(Report.Completion(report.completion).label), report.completion != Report.Completion.DONE


def _evaluations(state, field):
    """[Said] of a field of the leads' submitted or approved evaluations, every sentence."""
    said = []
    for s in state.leads:
        report = s.current
        if s.standing is not None and s.standing.evaluated:
            for sentence in drafting.sentences(getattr(report, field), state.measure.text):
                said.append(drafting.said_by(s, sentence))
    return said


def _by_reason(states, field):
    """The leads' sentences of `field` over the measures, each said once with the
    measures that give it: "企业申报不足（措施2.(2)、6.(4)）；…"."""
    codes = {}
    for state in states:
        for said in _evaluations(state, field):
            found = codes.setdefault(said.text, [])
            if state.measure.code not in found:
                found.append(state.measure.code)
    return "；".join(f"{text}（措施{'、'.join(found)}）" for text, found in codes.items())


def _task_paragraph(report, task, states, task_percent):
    """(lead, text) of a task in 三: its measures by 完成情况, its most concrete results,
    each measure with several leads counted, what is unfinished and why, and which
    measures are still to be evaluated."""
    counts = report.task_counts(states)
    summary = "、".join(f"{label}{n}条" for label, n in counts.items() if n)
    if len(states) == 1:
        text = f"本任务1条措施，{report.completion_label(states[0])}，完成进度{percent(task_percent)}。"
    else:
        text = f"本任务{len(states)}条措施中，{summary}，平均完成进度{percent(task_percent)}。"
    results = drafting.achievements(states)
    if results:
        text += drafting.attributed(results) + "。"
    waiting = []
    for state in states:
        measure = state.measure
        label = report.completion_label(state)
        if len(state.leads) > 1:
            if report.evaluation is not None:
                counted = drafting.counted_leads(state, _evaluation_standing, [*EVALUATION_ORDER, NOT_SUBMITTED])
            else:  # before the final evaluation: how the towns stood in their latest reports
                counted = drafting.counted_leads(state, drafting.quarterly_standing, drafting.QUARTERLY_ORDER)
            text += f"措施（{measure.number}）由{measure.printed_leads()}牵头，{counted}。"
        elif label in UNFINISHED:
            text += f"措施（{measure.number}）（{measure.printed_leads()}牵头）{label}，完成{percent(state.percent)}"
            reasons = [said.text for said in _evaluations(state, "problems")]
            text += ("，未完成原因是" + "；".join(reasons[:2]) if reasons else "") + "。"
        elif label == NOT_EVALUATED:
            waiting.append(f"措施（{measure.number}）（{measure.printed_leads()}牵头）")
    if waiting and report.evaluation is not None:
        text += f"尚未完成终期评估的有{'、'.join(waiting)}。"
    return f"（{chinese_number(task.number)}）{task.title}。", text


def _target(e):
    """The indicator's target in the document's own style (one percent format, no spaces)."""
    i = e.indicator
    if i.target_value is None:
        return f"{i.goal_text or i.name}（目标值待设定）"
    value = indicator_rules.number(i.target_value)
    if i.target_kind == Indicator.TargetKind.ABSOLUTE:
        return f"{i.target_year}年达到{value}{i.measure_unit}"
    if i.target_kind == Indicator.TargetKind.OVER_BASELINE:
        reach = f"，即{indicator_rules.number(e.threshold)}{i.measure_unit}" if e.threshold is not None else ""
        return f"{i.target_year}年较{i.baseline_year}年增长{percent(i.target_value)}{reach}"
    return f"{i.baseline_year + 1}—{i.target_year}年每年增长不低于{percent(i.target_value)}"


def _indicator_rows(report):
    rows = []
    for e in report.indicators:
        i = e.indicator
        baseline = "—"
        if e.baseline is not None:
            baseline = f"{i.baseline_year}年{indicator_rules.number(e.baseline)}{i.measure_unit}"
        latest = f"{e.latest[0]}年{indicator_rules.number(e.latest[1])}{i.measure_unit}" if e.latest else "尚无审核值"
        rows.append([f"{i.number}. {i.name}", baseline, _target(e), latest, str(e.status_label)])
    return rows


def _indicator_paragraph(e):
    i = e.indicator
    years = [y for y in sorted(e.values) if y != i.baseline_year]
    parts = []
    for year in years:
        text = f"{year}年{indicator_rules.number(e.values[year])}{i.measure_unit}"
        if year in e.growth:
            text += f"（增长{percent(e.growth[year])}）"
        parts.append(text)
    values = "、".join(parts) if parts else "尚无审核通过的实际值"
    pending = [str(year) for year in sorted(e.pending) if e.pending[year].state == Report.State.SUBMITTED]
    tail = f"；{'、'.join(pending)}年数值待审核" if pending else ""
    return (
        f"（{chinese_number(i.number)}）{i.name}。",
        f"目标：{_target(e)}。实际：{values}{tail}。评估：{e.status_label}。",
    )


RATE_DEFINITION = (
    "按时报送率：方案各填报周期（终期评估除外）中截止日期已过的，各单位应报送的事项里，"
    "在截止日期当天及之前提交（以最后一次提交为准）且目前为已提交或已审核的比例。"
    "应报送 = 按时 + 逾期报送 + 至今未报；已报告“已完成”的事项此后各期不再计入应报送（仍报送的照常计入）；"
    "被退回尚未重新提交的计入至今未报。"
)


def _unit_row(name, s):
    return [name, str(s.owed), str(s.on_time), str(s.late), str(s.never_sent), percent(s.on_time_rate)]


def reporting_sentence(report):
    """一's sentence on reporting over the plan; its numbers add up (owed = on time + late + never sent)."""
    t = report.reporting.total
    returned = f"（其中被退回尚未重新提交{t.returned}项）" if t.returned else ""
    return (
        f"方案实施期间共{len(report.reporting.periods)}个填报周期已过截止日期，各单位应报送{t.owed}项："
        f"按时报送{t.on_time}项，逾期报送{t.late}项，至今未报{t.never_sent}项{returned}；"
        f"按时报送率{percent(t.on_time_rate)}。"
    )


def _detail_rows(report, states):
    """The attachment: a row per lead of every measure, its evaluation's texts whole
    (a lead yet to evaluate: its latest quarterly state)."""
    rows = []
    for state in states:
        measure = f"{state.measure.code} {drafting.topic(state.measure)}"
        for index, s in enumerate(state.leads):
            evaluation = s.current if report.evaluation is not None else None
            if evaluation is not None and evaluation.is_official and evaluation.completion:
                review = "已审核" if evaluation.state == Report.State.APPROVED else "待审核"
                standing = f"{Report.Completion(evaluation.completion).label}\n{percent(evaluation.percent)}\n{review}"
                texts = [evaluation.progress, evaluation.problems, evaluation.assessment]
            else:
                latest = s.latest
                standing = NOT_EVALUATED
                quarterly = ""
                if latest is not None:
                    quarterly = (
                        f"（{latest.period.name}：{STATUS_LABELS[latest.status]}，完成{percent(latest.percent)}）"
                    )
                texts = [quarterly, "", ""]
            rows.append(
                [
                    measure if index == 0 else documents.MERGED,
                    f"{drafting.unit_name(s)}\n{standing}",
                    *((drafting.full_text(t) or "—") for t in texts),
                ]
            )
    return rows


ANNEX_TITLE = "各措施完成情况表"


def write(report, target):
    """Write the 终期评估报告 as .docx to a path or a binary stream."""
    r = report
    plan = r.plan
    doc = documents.new_document(r.title)
    documents.title(doc, r.title, keep=("终期评估报告",))
    states = [s for _, task_states, _ in r.tasks for s in task_states]
    note = drafting.labels_note(states)
    doc.add_paragraph(f"（截至{_date(r.today)} · 征求意见稿{note}）", style="公文副标题")
    doc.add_paragraph("", style="主送")
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
        [[label, str(n), percent(100 * n / total)] for label, n in counts.items()],
        keep_together=True,
    )

    documents.heading(doc, "二、主要目标完成情况")
    if r.indicators:
        documents.table(doc, ["指标", "基期", "目标", "实际值", "评估"], _indicator_rows(r), keep_together=True)
        for e in r.indicators:
            lead, text = _indicator_paragraph(e)
            documents.paragraph(doc, text, lead=lead)
    else:
        documents.paragraph(doc, "本方案未设定量化目标指标。")

    documents.heading(doc, "三、各项任务完成情况")
    for task, task_states, task_percent in r.tasks:
        lead, text = _task_paragraph(r, task, task_states, task_percent)
        documents.paragraph(doc, text, lead=lead)

    documents.heading(doc, "四、各单位报送情况")
    documents.paragraph(doc, RATE_DEFINITION)
    documents.table(
        doc,
        ["单位", "应报送", "按时", "逾期报送", "至今未报", "按时报送率"],
        [_unit_row(u.unit.name, u) for u in r.reporting.units] + [_unit_row("合计", t)],
    )

    documents.heading(doc, "五、存在问题")
    unfinished = [s for s in states if r.completion_label(s) in UNFINISHED]
    not_evaluated = [s for s in states if r.completion_label(s) == NOT_EVALUATED]
    missed = [e for e in r.indicators if e.status == indicator_rules.Status.MISSED]
    if not (unfinished or not_evaluated or missed):
        documents.paragraph(doc, "经评估，各项措施均已完成，主要目标均已达成。")
    for e in missed:
        documents.paragraph(doc, f"指标“{e.indicator.name}”未达成：目标为{_target(e)}。")
    if unfinished:
        reasons = _by_reason(unfinished, "problems")
        codes = "、".join(s.measure.code for s in unfinished)
        documents.paragraph(
            doc,
            f"{len(unfinished)}条措施基本完成或未完成"
            + (f"，牵头单位说明的原因主要是：{reasons}。" if reasons else f"：{codes}。"),
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
    for task, task_states, _ in r.tasks:
        said = [p for state in task_states if state in unfinished for p in _evaluations(state, "next_steps")]
        if said:
            documents.paragraph(
                doc, drafting.attributed(said) + "。", lead=f"（{chinese_number(task.number)}）{task.title}。"
            )

    documents.signature(doc, ISSUER, r.today, annex=ANNEX_TITLE)
    documents.annex(doc, ANNEX_TITLE)
    documents.table(
        doc,
        ["措施", "牵头单位及完成情况", "主要成效", "未完成原因", "评估意见"],
        _detail_rows(r, states),
        size=documents.XIAOSI,
    )
    doc.save(target)


def filename(report):
    return f"终期评估报告_{report.today:%Y-%m-%d}.docx"

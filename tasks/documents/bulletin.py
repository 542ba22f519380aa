"""The quarterly 通报: a Word draft of one period's progress for the office to edit.

Every number comes from tasks/progress.py (the same PlanProgress the dashboard
and the 台账 use), so the document agrees with the pages: plan and task
percents, measures by state and by light, the on-time reporting rate, the red
and yellow lists, and the units named for late or returned reports.
"""

from collections import Counter
from dataclasses import dataclass, field

from tasks.documents import drafting
from tasks.documents import house as documents
from tasks.documents.house import percent
from tasks.models import Period, Report
from tasks.progress.rollup import STATUS_LABELS, YELLOW_GAP, Light, PlanProgress

ISSUER = "嘉定区数字广告业发展联动协调工作机制办公室"
CHINESE_NUMBERS = "一二三四五六七八九十"


def chinese_number(n):
    """1 → 一, 11 → 十一, 20 → 二十 (up to 99)."""
    tens, ones = divmod(n, 10)
    text = ("" if tens == 1 else CHINESE_NUMBERS[tens - 1]) + "十" if tens else ""
    return text + (CHINESE_NUMBERS[ones - 1] if ones else "")


@dataclass
class NamedUnit:
    name: str
    sort_order: int
    count: int = 0
    measures: list = field(default_factory=list)


@dataclass
class Bulletin:
    plan: object
    period: object
    today: object  # the day the period is shown as of (a past period: its due date)
    now: object  # the day the 通报 is drafted
    progress: PlanProgress
    counts: dict
    reporting: object
    tasks: list  # [(task, [MeasureState], percent)]
    red: list  # [MeasureState]
    yellow: list
    overdue_units: list  # [NamedUnit]: reports owed and missing after a due date (the dashboard's 逾期未报)
    late_units: list  # [NamedUnit]: this period's reports that came after the due date (逾期报送)
    returned_units: list
    next_period: object

    @property
    def title(self):
        return f"关于《{self.plan.title}》{self.period.name}推进情况的通报"

    @property
    def closed(self):
        """Whether the period's due date has passed: before it nothing is late and nobody is named."""
        return self.reporting.closed


def collect(plan, period, today):
    """Everything the 通报 says about `period`, looked at on `today` (a past
    period is shown as of its due date), from one PlanProgress. A fixed number of queries."""
    progress = PlanProgress(plan, period, today=today)
    rows = progress.task_rows()
    states = list(progress.states.values())
    overdue, late, returned = {}, {}, {}
    for state in states:
        for s in state.leads + state.supports + state.pending:
            standing = s.standing
            found = [
                named
                for named, applies in (
                    (overdue, standing.overdue),
                    (late, standing.late),
                    (returned, standing.returned),
                )
                if applies
            ]
            for named in found:
                unit = s.obligation.unit
                entry = named.setdefault(unit.pk, NamedUnit(unit.name, unit.sort_order))
                entry.count += 1
                entry.measures.append(state.measure.code)
    next_period = (
        Period.objects.filter(plan=plan, start_date__gt=period.end_date, is_closed=False).order_by("start_date").first()
    )
    return Bulletin(
        plan=plan,
        period=period,
        today=progress.today,
        now=progress.now,
        progress=progress,
        counts=progress.counts(),
        reporting=progress.reporting(),
        tasks=rows,
        red=[s for s in states if s.light == Light.RED],
        yellow=[s for s in states if s.light == Light.YELLOW],
        overdue_units=sorted(overdue.values(), key=_named_order),
        late_units=sorted(late.values(), key=_named_order),
        returned_units=sorted(returned.values(), key=_named_order),
        next_period=next_period,
    )


def _named_order(named):
    return (-named.count, named.sort_order, named.name)


def _task_paragraph(task, states, task_percent, expected):
    """(lead, text) of a task in 二: how its measures stand, its two or three most
    concrete achievements, each measure with several leads counted, what lags and why."""
    lead = f"（{chinese_number(task.number)}）{task.title}。"
    if len(states) == 1:
        text = f"本任务1条措施，{states[0].status_label}，完成进度{percent(task_percent)}。"
    else:
        text = f"本任务{len(states)}条措施中，{_status_counts(states)}，平均完成进度{percent(task_percent)}。"
    achievements = drafting.achievements(states)
    if achievements:
        text += drafting.attributed(achievements) + "。"
    not_reported = []
    for state in states:
        if len(state.leads) > 1:
            counted = drafting.counted_leads(state, drafting.quarterly_standing, drafting.QUARTERLY_ORDER)
            text += f"措施（{state.measure.number}）由{state.measure.printed_leads()}牵头，{counted}。"
        elif state.leads and state.leads[0].latest is None:
            not_reported.append(f"措施（{state.measure.number}）（{state.measure.printed_leads()}牵头）")
        elif state.leads:
            text += _lagging_sentence(state, expected)
    if not_reported:
        text += f"尚未报送进展的有{'、'.join(not_reported)}。"
    return lead, text


def _status_counts(states):
    """ "已完成2条、推进中2条、滞后1条", most advanced first."""
    counts = Counter(s.status_label for s in states)
    return "、".join(f"{label}{counts[label]}条" for label in drafting.QUARTERLY_ORDER if counts[label])


def _lagging_sentence(state, expected):
    """A measure with one lead that is 滞后 or 未启动, or 10 points or more behind
    序时进度, with the reasons its lead gives; else nothing."""
    report = state.leads[0].latest
    gap = expected - report.percent
    if report.status == Report.Status.DONE:
        return ""
    if report.status == Report.Status.LATE:
        standing = "进展滞后"
    elif report.status == Report.Status.NOT_STARTED:
        standing = "尚未启动"
    elif gap >= YELLOW_GAP:
        standing = f"落后序时进度{gap:.1f}个百分点"
    else:
        return ""
    text = f"措施（{state.measure.number}）（{state.measure.printed_leads()}牵头）{standing}，完成{percent(report.percent)}"
    reasons = drafting.sentences(report.problems, state.measure.text)
    if reasons:
        text += "，主要原因是" + "；".join(reasons[:2])
    return text + "。"


def _problems(state):
    """存在问题 of a measure whole: the lead's text, or each lead's with identical ones said once."""
    if not any(s.latest for s in state.leads):
        return "尚未报送进展"
    if len(state.leads) == 1:
        return drafting.full_text(state.leads[0].latest.problems) or "—"
    said = drafting.lead_texts(state, "problems")
    return drafting.attributed(said) + "。" if said else "—"


def _light_rows(states):
    return [
        [
            str(index),
            f"{state.measure.code} {drafting.topic(state.measure)}",
            state.measure.printed_leads(),
            f"{state.status_label}\n{percent(state.percent)}",
            _problems(state),
        ]
        for index, state in enumerate(states, start=1)
    ]


def _next_steps(states):
    """The task's unfinished measures' next steps, identical ones said once with their units."""
    said = []
    for state in states:
        if state.status != Report.Status.DONE:
            said.extend(drafting.lead_texts(state, "next_steps"))
    return drafting.attributed(said)


def _detail_rows(states):
    """The attachment: a row per lead of every measure, its report's texts whole."""
    rows = []
    for state in states:
        measure = f"{state.measure.code} {drafting.topic(state.measure)}"
        for index, s in enumerate(state.leads):
            report = s.latest
            standing = f"{STATUS_LABELS[report.status]}\n{percent(report.percent)}" if report else drafting.NOT_REPORTED
            rows.append(
                [
                    measure if index == 0 else documents.MERGED,
                    f"{drafting.unit_name(s)}\n{standing}",
                    drafting.full_text(report.progress) if report else "—",
                    (drafting.full_text(report.problems) if report else "") or "—",
                    (drafting.full_text(report.next_steps) if report else "") or "—",
                ]
            )
    return rows


ANNEX_TITLE = "各措施推进情况表"


def write(bulletin, target):
    """Write the 通报 as .docx to a path or a binary stream."""
    b = bulletin
    doc = documents.new_document(b.title)
    documents.title(doc, b.title, keep=(b.period.name, "推进情况的通报"))
    states = list(b.progress.states.values())
    note = drafting.labels_note(states)
    doc.add_paragraph(f"（截至{documents.chinese_date(b.today)} · 征求意见稿{note}）", style="公文副标题")
    doc.add_paragraph("", style="主送")
    doc.add_paragraph("各有关单位：", style="主送")
    documents.paragraph(
        doc,
        f"根据《{b.plan.title}》（{b.plan.doc_number}）的工作要求，现将{b.period.name}各项任务推进情况通报如下。",
    )

    lights = b.counts["lights"]
    statuses = b.counts["statuses"]
    total = len(b.progress.states)
    documents.heading(doc, "一、总体情况")
    documents.paragraph(
        doc,
        f"截至{documents.chinese_date(b.today)}，方案{len(b.tasks)}项工作任务、{total}条具体措施平均完成进度"
        f"{percent(b.progress.plan_percent)}，序时进度{percent(b.progress.expected)}。按状态统计，"
        + "、".join(f"{label}{n}条" for label, n in statuses.items())
        + f"；按预警灯统计，红灯{lights[Light.RED]}条、黄灯{lights[Light.YELLOW]}条、"
        f"绿灯{lights[Light.GREEN]}条、已完成{lights[Light.DONE]}条。",
    )
    documents.paragraph(doc, reporting_sentence(b))
    share = (lambda n: percent(100 * n / total)) if total else (lambda n: "—")
    documents.table(
        doc,
        ["分类", "项目", "措施数", "占比"],
        # The group's name once, its cell merged down its rows.
        [
            ["按状态" if i == 0 else documents.MERGED, label, str(n), share(n)]
            for i, (label, n) in enumerate(statuses.items())
        ]
        + [
            ["按预警灯" if i == 0 else documents.MERGED, str(light.label), str(lights[light]), share(lights[light])]
            for i, light in enumerate(Light)
        ],
        keep_together=True,
    )

    documents.heading(doc, "二、各项任务推进情况")
    for task, task_states, task_percent in b.tasks:
        lead, text = _task_paragraph(task, task_states, task_percent, b.progress.expected)
        documents.paragraph(doc, text, lead=lead)

    documents.heading(doc, "三、需重点关注的措施")
    documents.paragraph(
        doc,
        f"红灯措施{len(b.red)}条（逾期未报、进度滞后或落后序时进度30个百分点以上），"
        f"黄灯措施{len(b.yellow)}条（临近截止未报或落后序时进度10至30个百分点）。",
    )
    header = ["序号", "措施", "牵头单位", "状态/进度", "存在问题"]
    documents.heading(doc, "（一）红灯措施", level=2)
    if b.red:
        documents.table(doc, header, _light_rows(b.red))
    else:
        documents.paragraph(doc, "本期无红灯措施。")
    documents.heading(doc, "（二）黄灯措施", level=2)
    if b.yellow:
        documents.table(doc, header, _light_rows(b.yellow))
    else:
        documents.paragraph(doc, "本期无黄灯措施。")

    documents.heading(doc, "四、报送情况点名")
    for sentence in naming_sentences(b):
        documents.paragraph(doc, sentence)
    if b.closed and (b.overdue_units or b.late_units or b.returned_units):
        documents.table(
            doc,
            ["单位", "至今未报", "逾期报送", "被退回待修改"],
            _named_rows(b.overdue_units, b.late_units, b.returned_units),
        )
    elif b.overdue_units or b.returned_units:
        documents.table(
            doc,
            ["单位", "上期逾期未报", "被退回待修改"],
            _named_rows(b.overdue_units, b.returned_units),
        )

    documents.heading(doc, "五、下一步工作")
    upcoming = (
        f"{b.next_period.name}进展请于{documents.chinese_date(b.next_period.due_date)}前报送"
        if b.next_period
        else "请继续按要求报送进展"
    )
    documents.paragraph(
        doc,
        f"请各责任单位对照任务分工，聚焦红灯、黄灯措施，加快推进、补齐短板；{upcoming}。"
        "牵头单位要会同配合单位加强协同，及时反映存在的问题。各项任务下一步重点工作如下。",
    )
    for task, task_states, _ in b.tasks:
        steps = _next_steps(task_states)
        if steps:
            documents.paragraph(doc, steps + "。", lead=f"（{chinese_number(task.number)}）{task.title}。")

    documents.signature(doc, ISSUER, b.now, annex=ANNEX_TITLE)
    documents.annex(doc, ANNEX_TITLE)
    documents.table(
        doc,
        ["措施", "牵头单位及进度", "进展情况", "存在问题", "下一步计划"],
        _detail_rows(states),
        size=documents.XIAOSI,
    )
    doc.save(target)


def _named_rows(*lists):
    """One row per unit named in any of `lists`, a cell per list ("2项：1.(1)、2.(1)" or —)."""
    names = {}
    for index, named in enumerate(lists):
        for u in named:
            names.setdefault((u.sort_order, u.name), [""] * len(lists))[index] = f"{u.count}项：{'、'.join(u.measures)}"
    return [[name, *(cell or "—" for cell in cells)] for (_, name), cells in sorted(names.items())]


def reporting_sentence(b):
    """一's sentence on this period's reports. Before the due date: how many are in
    so far and when they are due (nothing is late yet); after it: the position at
    the due date, then what came late and what never came, adding up to the owed."""
    r = b.reporting
    due = documents.chinese_date(b.period.due_date)
    if not b.closed:
        text = (
            f"截至{documents.chinese_date(b.today)}，本期应报送{r.owed}项，已报送{r.submitted}项，尚未报送{r.waiting}项"
            + (f"（其中被退回待修改{r.returned}项）" if r.returned else "")
            + f"；本期截止日期为{due}。"
        )
        return text
    text = (
        f"本期应报送{r.owed}项，截至截止日期（{due}）按时报送{r.on_time}项，按时报送率{percent(r.on_time_rate)}；"
        f"截止日期后逾期报送{r.late}项，截至{documents.chinese_date(b.now)}仍未报送{r.never_sent}项"
        + (f"（其中被退回待修改{r.returned}项）" if r.returned else "")
        + "。"
    )
    return text


def _listed(units):
    return "、".join(f"{u.name}（{u.count}项）" for u in units)


def naming_sentences(b):
    """四's sentences: who is named for what, only for what is true on the day.
    Before the due date nobody is named for this period; a unit whose report of
    the last period is still missing is named for that period."""
    sentences = []
    if b.closed:
        if b.overdue_units:
            sentences.append(
                f"截至{documents.chinese_date(b.now)}仍未报送本期进展的单位：{_listed(b.overdue_units)}。请上述单位抓紧补报。"
            )
        else:
            sentences.append("本期应报送的进展均已报送。")
        if b.late_units:
            sentences.append(f"在截止日期后逾期报送的单位：{_listed(b.late_units)}。")
    else:
        sentences.append(
            f"本期截止日期为{documents.chinese_date(b.period.due_date)}，尚未到期，不对本期未报送的单位点名。"
        )
        previous = b.progress.previous_period
        if b.overdue_units and previous is not None:
            sentences.append(
                f"{previous.name}（截止日期{documents.chinese_date(previous.due_date)}）进展逾期至今仍未报送的单位："
                f"{_listed(b.overdue_units)}。请上述单位抓紧补报，并按时报送本期进展。"
            )
    if b.returned_units:
        sentences.append(f"报送内容被退回、尚待修改的单位：{_listed(b.returned_units)}。请按审核意见修改后重新提交。")
    return sentences


def filename(bulletin):
    return f"通报_{bulletin.period.name}_{bulletin.today:%Y-%m-%d}.docx"

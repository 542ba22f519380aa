"""The quarterly 通报: a Word draft of one period's progress for the office to edit.

Every number comes from tasks/progress.py (the same PlanProgress the dashboard
and the 台账 use), so the document agrees with the pages: plan and task
percents, measures by state and by light, the on-time reporting rate, the red
and yellow lists, and the units named for late or returned reports.
"""

from dataclasses import dataclass, field

from . import documents
from .models import Period
from .progress import Light, PlanProgress

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


def clip(text, limit=160):
    text = " ".join(text.split())
    return text if len(text) <= limit else text[:limit] + "……"


def _measure_sentence(state):
    head = f"措施（{state.measure.number}）由{state.measure.printed_leads()}牵头"
    if state.latest_report is None:
        return f"{head}，尚未报送进展。"
    progress = clip(state.lead_text("progress").replace("\n", "；"))
    return f"{head}，{state.status_label}，完成{state.percent:g}%：{progress}"


def _task_paragraph(task, states, percent, expected):
    statuses = {}
    for s in states:
        statuses[s.status_label] = statuses.get(s.status_label, 0) + 1
    summary = "、".join(f"{label}{n}条" for label, n in statuses.items())
    lead = f"（{chinese_number(task.number)}）{task.title}。"
    text = f"本任务共{len(states)}条具体措施，平均完成进度{percent:g}%（序时进度{expected:g}%），其中{summary}。"
    return lead, text + "".join(_measure_sentence(s) for s in states)


def _light_rows(states):
    rows = []
    for index, state in enumerate(states, start=1):
        reason = state.lead_text("problems")
        if not reason and any(s.standing is not None and s.standing.overdue for s in state.leads):
            reason = "逾期未报"
        elif not reason and state.latest_report is None:
            reason = "尚未报送进展"
        rows.append(
            [
                str(index),
                f"{state.measure.code} {clip(state.measure.text, 40)}",
                state.measure.printed_leads(),
                f"{state.status_label}\n{state.percent:g}%",
                clip(reason, 80) or "—",
            ]
        )
    return rows


def write(bulletin, target):
    """Write the 通报 as .docx to a path or a binary stream."""
    b = bulletin
    doc = documents.new_document(b.title)
    documents.title(doc, b.title)
    doc.add_paragraph(f"（{b.period.name} · 截至{b.today:%Y年%m月%d日} · 征求意见稿）", style="公文副标题")
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
        f"截至{b.today:%Y年%m月%d日}，方案{len(b.tasks)}项工作任务、{total}条具体措施平均完成进度"
        f"{b.progress.plan_percent:g}%，序时进度{b.progress.expected:g}%。按状态统计，"
        + "、".join(f"{label}{n}条" for label, n in statuses.items())
        + f"；按预警灯统计，红灯{lights[Light.RED]}条、黄灯{lights[Light.YELLOW]}条、"
        f"绿灯{lights[Light.GREEN]}条、已完成{lights[Light.DONE]}条。",
    )
    documents.paragraph(doc, reporting_sentence(b))
    share = (lambda n: f"{100 * n / total:.1f}%") if total else (lambda n: "—")
    documents.table(
        doc,
        ["分类", "项目", "措施数", "占比"],
        [["按状态", label, str(n), share(n)] for label, n in statuses.items()]
        + [["按预警灯", str(light.label), str(lights[light]), share(lights[light])] for light in Light],
        [34, 50, 36, 36],
    )

    documents.heading(doc, "二、各项任务推进情况")
    for task, states, percent in b.tasks:
        lead, text = _task_paragraph(task, states, percent, b.progress.expected)
        documents.paragraph(doc, text, lead=lead)

    documents.heading(doc, "三、需重点关注的措施")
    documents.paragraph(
        doc,
        f"红灯措施{len(b.red)}条（逾期未报、进度滞后或落后序时进度30个百分点以上），"
        f"黄灯措施{len(b.yellow)}条（临近截止未报或落后序时进度10至30个百分点）。",
    )
    header = ["序号", "措施", "牵头单位", "状态/进度", "存在问题"]
    widths = [14, 56, 30, 26, 30]
    documents.heading(doc, "（一）红灯措施", level=2)
    if b.red:
        documents.table(doc, header, _light_rows(b.red), widths)
    else:
        documents.paragraph(doc, "本期无红灯措施。")
    documents.heading(doc, "（二）黄灯措施", level=2)
    if b.yellow:
        documents.table(doc, header, _light_rows(b.yellow), widths)
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
            [38, 40, 40, 38],
        )
    elif b.overdue_units or b.returned_units:
        documents.table(
            doc,
            ["单位", "上期逾期未报", "被退回待修改"],
            _named_rows(b.overdue_units, b.returned_units),
            [50, 52, 54],
        )

    documents.heading(doc, "五、下一步工作")
    upcoming = (
        f"{b.next_period.name}进展请于{b.next_period.due_date:%Y年%m月%d日}前报送"
        if b.next_period
        else "请继续按要求报送进展"
    )
    documents.paragraph(
        doc,
        f"请各责任单位对照任务分工，聚焦红灯、黄灯措施，加快推进、补齐短板；{upcoming}。"
        "牵头单位要会同配合单位加强协同，及时反映存在的问题。",
    )
    for state in b.red + b.yellow:
        plan_text = state.lead_text("next_steps")
        if plan_text:
            documents.paragraph(doc, f"措施{state.measure.code}下一步：{clip(plan_text.replace(chr(10), '；'), 120)}")

    documents.signature(doc, ISSUER, b.now)
    doc.save(target)


def _named_rows(*lists):
    """One row per unit named in any of `lists`, a cell per list ("2项：1.(1)、2.(1)" or —)."""
    names = {}
    for index, named in enumerate(lists):
        for u in named:
            names.setdefault((u.sort_order, u.name), [""] * len(lists))[index] = f"{u.count}项：{'、'.join(u.measures)}"
    return [[name, *(cell or "—" for cell in cells)] for (_, name), cells in sorted(names.items())]


def _day(day):
    return f"{day.year}年{day.month}月{day.day}日"


def reporting_sentence(b):
    """一's sentence on this period's reports. Before the due date: how many are in
    so far and when they are due (nothing is late yet); after it: the position at
    the due date, then what came late and what never came, adding up to the owed."""
    r = b.reporting
    due = _day(b.period.due_date)
    if not b.closed:
        text = (
            f"截至{_day(b.today)}，本期应报送{r.owed}项，已报送{r.submitted}项，尚未报送{r.waiting}项"
            + (f"（其中被退回待修改{r.returned}项）" if r.returned else "")
            + f"；本期截止日期为{due}。"
        )
        return text
    text = (
        f"本期应报送{r.owed}项，截至截止日期（{due}）按时报送{r.on_time}项，按时报送率{r.on_time_rate:g}%；"
        f"截止日期后逾期报送{r.late}项，截至{_day(b.now)}仍未报送{r.never_sent}项"
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
                f"截至{_day(b.now)}仍未报送本期进展的单位：{_listed(b.overdue_units)}。请上述单位抓紧补报。"
            )
        else:
            sentences.append("本期应报送的进展均已报送。")
        if b.late_units:
            sentences.append(f"在截止日期后逾期报送的单位：{_listed(b.late_units)}。")
    else:
        sentences.append(f"本期截止日期为{_day(b.period.due_date)}，尚未到期，不对本期未报送的单位点名。")
        previous = b.progress.previous_period
        if b.overdue_units and previous is not None:
            sentences.append(
                f"{previous.name}（截止日期{_day(previous.due_date)}）进展逾期至今仍未报送的单位："
                f"{_listed(b.overdue_units)}。请上述单位抓紧补报，并按时报送本期进展。"
            )
    if b.returned_units:
        sentences.append(f"报送内容被退回、尚待修改的单位：{_listed(b.returned_units)}。请按审核意见修改后重新提交。")
    return sentences


def filename(bulletin):
    return f"通报_{bulletin.period.name}_{bulletin.today:%Y-%m-%d}.docx"

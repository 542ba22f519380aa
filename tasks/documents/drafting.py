"""How the office's documents turn the leads' reports into prose a 科员 would write.

Shared by the 通报 (tasks/bulletin.py) and the 终期评估报告 (tasks/finalreport.py):

- A report's text is split into sentences at its own punctuation (。！？； and line
  breaks), never cut inside one. What the document already says is left out of a
  sentence: a leading label such as 【演示数据】 (the document says it once), the
  period it was written for ("2025年第四季度：", "方案实施以来，"), an opening that
  only repeats the measure's wording (围绕“…”，) and a closing "完成80%" (the
  document states the percent itself).
- The most concrete sentences are those with the most quantities (27家, 4场, 3项).
- Identical sentences from several units are said once, with the units after them.
- A measure with several leads (5.(2), or 各街镇 expanded to its towns) is one
  sentence that counts its leads by standing and names those that lag.

Nothing here reads the database: it works on the PlanProgress states the writers hold.
"""

import re
from dataclasses import dataclass

from departments.models import Unit
from tasks.documents.house import percent
from tasks.models import Report
from tasks.progress.rollup import STATUS_LABELS

NOT_REPORTED = "未填报"  # as MeasureState.status_label says it
LABEL = re.compile(r"^\s*【([^】]{1,12})】")
PERIOD_PREFIX = re.compile(r"^\d{4}年(?:第[一二三四]季度|[上下]半年|度)?[：:]")
# A quotation cut inside a quotation of its own: “…参与“上海国际广告节…”
CUT_ECHO = re.compile(r"^([^，,“”]{1,10}[，,])?(?:围绕|配合推进|推进|落实)?“([^”]{2,80}…)”[，,]?")
OPENER = re.compile(r"^(?:方案实施以来|今年以来|本季度以来|本季度|本期|截至目前|目前)[，,]\s*")
ECHO = re.compile(r"^([^，,“”]{1,10}[，,])?(?:围绕|配合推进|推进|落实)?“((?:[^“”]|“[^“”]*”){2,80})”[，,]?")
PERCENT_CLAUSE = re.compile(r"(?:^|[，,])\s*(?:累计|总体|目前)?(?:已)?完成(?:进度)?(?:约|了)?\s*\d+(?:\.\d+)?\s*%$")
QUANTITY = re.compile(
    r"(?:\d+(?:\.\d+)?|[一两二三四五六七八九十百千]+)\s*(?:万元|亿元|元|万|家|个|项|场|次|条|人次|人|户|件|份|篇|平方米|批|期|所|座|款|部|名|台|套)"
)
DONE_ONLY = re.compile(r"^(?:各项工作)?(?:均)?已(?:全部)?完成$")  # the status says so already
_SPLIT = re.compile(r"(?<=[。！？；;!?])|\n")
_TRAILING = "。！？；;!?，,、： "
TOWN_KINDS = (Unit.Kind.TOWN, Unit.Kind.SUBDISTRICT, Unit.Kind.COMMITTEE)


def labels(text):
    """The labels a text starts with ("演示数据" of 【演示数据】)."""
    return [m.group(1) for m in [LABEL.match(text or "")] if m]


def labels_note(states):
    """ " · 含演示数据" for the subtitle when the leads' reports carry such labels: the
    document says it once instead of in every sentence it quotes."""
    found = sorted({label for state in states for s in state.leads if s.latest for label in labels(s.latest.progress)})
    return "".join(f" · 含{label}" for label in found)


def _echoes(quoted, measure_text):
    """Whether a quoted phrase is the measure's own wording (cut with … or 等 or not)."""
    core = re.sub("[“”]", "", quoted).rstrip("…．.等")
    return len(core) >= 2 and core in re.sub("[“”]", "", measure_text)


def sentences(text, measure_text=""):
    """The complete sentences of a report's text, without their closing punctuation
    and without what the document says itself (see the module's docstring)."""
    text = LABEL.sub("", text or "")
    found = []
    for piece in _SPLIT.split(text):
        piece = piece.strip().rstrip(_TRAILING).strip()
        piece = PERIOD_PREFIX.sub("", piece).strip()
        echo = ECHO.match(piece) or CUT_ECHO.match(piece)
        if echo and _echoes(echo.group(2), measure_text):
            piece = (echo.group(1) or "") + piece[echo.end() :].strip()
        piece = OPENER.sub("", piece)
        piece = PERCENT_CLAUSE.sub("", piece).strip().rstrip(_TRAILING)
        if piece and not DONE_ONLY.match(piece):
            found.append(piece)
    return found


def concreteness(sentence):
    """How concrete a sentence is: its quantities; one with a phrase cut short (…) last."""
    return len(QUANTITY.findall(sentence)) - 10 * ("…" in sentence)


@dataclass
class Said:
    """A sentence and who said it."""

    text: str
    unit: str
    score: int = 0
    order: int = 0  # the measure's place in the document
    rank: tuple = ()  # the unit's place among units (Unit.sort_order)


def best(s, text, order=0):
    """The most concrete sentence of a lead's (an ObligationState's) text as Said, or None."""
    found = sentences(text, s.obligation.measure.text)
    if not found:
        return None
    return said_by(s, max(found, key=lambda f: (concreteness(f), -found.index(f))), order)


def said_by(s, sentence, order=0):
    """Said of a lead's (an ObligationState's) sentence."""
    unit = s.obligation.unit
    return Said(sentence, unit_name(s), concreteness(sentence), order, (unit.sort_order, unit.name))


MANY_UNITS = 6  # more units than this after a sentence: the first three and a count


def attributed(said):
    """Sentences with their units in brackets, identical ones once: "加强与企业对接
    （区委宣传部、区商务委）；…"; "（新成路街道、真新街道、南翔镇等8个单位）" for many
    (no closing punctuation)."""
    by_text = {}
    for s in said:
        units = by_text.setdefault(s.text, {})
        units.setdefault(s.unit, s.rank)
    parts = []
    for text, units in by_text.items():
        names = sorted(units, key=units.get)
        named = "、".join(names) if len(names) <= MANY_UNITS else f"{'、'.join(names[:3])}等{len(names)}个单位"
        parts.append(f"{text}（{named}）")
    return "；".join(parts)


def topic(measure):
    """The measure's first phrase, whole: "全力推进新型主流媒体建设" of 1.(2)."""
    return re.split(r"[，。；：]", measure.text, maxsplit=1)[0]


def unit_name(obligation_state):
    """A lead as the notice names it: an assignment's printed name, a town by its own."""
    obligation = obligation_state.obligation
    if obligation.collective is None:
        for assignment in obligation.measure.ordered_assignments():
            if assignment.unit_id == obligation.unit.pk:
                return assignment.printed_name
    return obligation.unit.name


def leads_noun(state):
    """街镇 when every lead is a town (各街镇, 5.(2) without 北虹办), else 牵头单位."""
    return "街镇" if all(s.obligation.unit.kind in TOWN_KINDS for s in state.leads) else "牵头单位"


def quarterly_standing(s):
    """(label, lagging) of a lead in a quarterly 通报: its latest report's status, or 未报送."""
    if s.latest is None:
        return NOT_REPORTED, True
    status = s.latest.status
    return STATUS_LABELS[status], status in (Report.Status.LATE, Report.Status.NOT_STARTED)


QUARTERLY_ORDER = [*(STATUS_LABELS[v] for v in ("done", "in_progress", "not_started", "late")), NOT_REPORTED]


def counted_leads(state, standing, order):
    """One sentence of a measure with several leads: "12个街镇中，9个已完成、2个推进中、
    1个未报送，滞后的为马陆镇（60.0%），未报送的为华亭镇"; "12个街镇均滞后（…）" when
    they stand alike (no closing punctuation). `standing(obligation_state)` gives
    (label, lagging); `order` lists the labels."""
    noun = leads_noun(state)
    by_label = {}
    for s in state.leads:
        label, lagging = standing(s)
        by_label.setdefault(label, []).append((s, lagging))
    named = {}
    for label in order:
        lagging = [s for s, lags in by_label.get(label, []) if lags]
        if lagging:
            named[label] = "、".join(
                unit_name(s) + (f"（{percent(s.latest.percent)}）" if s.latest is not None else "") for s in lagging
            )
    if len(by_label) == 1:
        text = f"{len(state.leads)}个{noun}均{next(iter(by_label))}"
        percents = sorted(s.latest.percent for s in state.leads if s.latest is not None)
        if named and percents and percents[0] != percents[-1]:
            text += f"（完成进度{percent(percents[0])}至{percent(percents[-1])}）"
        return text
    counts = "、".join(f"{len(by_label[label])}个{label}" for label in order if label in by_label)
    text = f"{len(state.leads)}个{noun}中，{counts}"
    return text + "".join(f"，{label}的为{names}" for label, names in named.items())


def achievements(states):
    """The two or three most concrete sentences of the leads' latest reports (in a final
    evaluation, their evaluations' 主要成效 where submitted) over a task's measures, at
    most one a measure, in the document's order."""
    candidates = []
    for order, state in enumerate(states):
        found = [best(s, s.latest.progress, order) for s in state.leads if s.latest is not None]
        found = [f for f in found if f is not None]
        if found:
            candidates.append(max(found, key=lambda f: f.score))
    ranked = sorted(candidates, key=lambda f: (-f.score, f.order))
    chosen = [f for f in ranked if f.score > 0][:3] or ranked[:2]
    return sorted(chosen, key=lambda f: f.order)


def lead_texts(state, field):
    """[Said] of each lead's latest report field (a lead without it is left out), all its sentences."""
    said = []
    for s in state.leads:
        if s.latest is not None:
            for sentence in sentences(getattr(s.latest, field), state.measure.text):
                said.append(said_by(s, sentence, state.measure.number))
    return said


def full_text(text):
    """A report's text whole, for an attachment: its lines joined, nothing cut."""
    return "\n".join(line.strip() for line in (text or "").splitlines() if line.strip())

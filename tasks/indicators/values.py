"""Goal indicators (指标): whether a target is reached, the chart, and how values change.

Only approved values count (a number the office publishes has been reviewed).
The baseline is the indicator's own baseline value when an admin set one, else
the approved value of its baseline year. With T the target value and Y the
target year, each indicator has one of four statuses:

- 达到目标值 (absolute): the threshold is T. Over-baseline (较基期增长): the
  threshold is baseline × (1 + T/100), e.g. +40% over 2020's count.
  已达成 when the latest approved value up to Y is at or above the threshold
  (reaching it exactly counts); 未达成 when Y's approved value is below it;
  进展中 otherwise (no value yet, or below it before Y).
- 每年增长率 (annual growth): every year after the baseline year up to Y must
  grow by at least T% over the year before ("两位数增长": T = 10, and exactly
  10% counts). 已达成 when every such year has an approved value and grows
  enough; 未达成 as soon as one year (with both its values approved) grows
  less; 进展中 otherwise.
- 目标待定: the target (or, for growth targets, the baseline) is not set yet,
  e.g. "若干" and "一批" until an admin sets a number.

Values go through draft → submitted → approved, or back as returned, in the
review engine (tasks/review/engine.py) as reports do, with this module's
policy: a version check and a timeline entry for every change, every change
in the audit trail, and the unit's staff told of a return, an approval or a
reopening (tasks/followup/notifications.py).
"""

from dataclasses import dataclass, field
from decimal import Decimal

from django.utils.translation import gettext_lazy as _

from security import audit
from tasks.followup import notifications
from tasks.models import Indicator, IndicatorEvent, IndicatorEvidence, IndicatorValue, Report, ReportEvent
from tasks.review import engine
from tasks.review.engine import NotAllowed

FIELDS = ["value", "source", "note"]
HUNDRED = Decimal(100)


class Status:
    ACHIEVED = "achieved"
    IN_PROGRESS = "in_progress"
    MISSED = "missed"
    UNSET = "unset"

    LABELS = {ACHIEVED: _("已达成"), IN_PROGRESS: _("进展中"), MISSED: _("未达成"), UNSET: _("目标待定")}


@dataclass
class Evaluation:
    indicator: Indicator
    values: dict  # {year: Decimal}, approved only
    pending: dict  # {year: IndicatorValue} not yet approved
    baseline: Decimal | None
    threshold: Decimal | None  # the value to reach (absolute, over-baseline)
    status: str = Status.IN_PROGRESS
    growth: dict = field(default_factory=dict)  # {year: percent growth over the year before}

    @property
    def status_label(self):
        return Status.LABELS[self.status]

    @property
    def latest(self):
        """(year, value) of the latest approved value up to the target year, or None."""
        years = [y for y in self.values if y <= self.indicator.target_year and y != self.indicator.baseline_year]
        return (max(years), self.values[max(years)]) if years else None

    @property
    def target_text(self):
        """The target as a sentence: "2025年达到 1400 户（较2020年增长 40%）"."""
        i = self.indicator
        if i.target_value is None:
            return f"{i.goal_text or i.name}（目标值待设定）"
        if i.target_kind == Indicator.TargetKind.ABSOLUTE:
            return f"{i.target_year}年达到 {number(i.target_value)} {i.measure_unit}"
        if i.target_kind == Indicator.TargetKind.OVER_BASELINE:
            reach = f"，即 {number(self.threshold)} {i.measure_unit}" if self.threshold is not None else ""
            return f"{i.target_year}年较{i.baseline_year}年增长 {number(i.target_value)}%{reach}"
        return f"{i.baseline_year + 1}—{i.target_year}年每年增长不低于 {number(i.target_value)}%"

    def target_path(self):
        """[(year, value)] of the target's trajectory, for the chart."""
        i = self.indicator
        if i.target_value is None:
            return []
        if i.target_kind == Indicator.TargetKind.ABSOLUTE:
            return [(i.first_year, i.target_value), (i.target_year, i.target_value)]
        if self.baseline is None:
            return []
        if i.target_kind == Indicator.TargetKind.OVER_BASELINE:
            return [(i.baseline_year, self.baseline), (i.target_year, self.threshold)]
        rate = 1 + i.target_value / HUNDRED
        return [
            (year, self.baseline * rate ** (year - i.baseline_year))
            for year in range(i.baseline_year, i.target_year + 1)
        ]


def number(value):
    """A Decimal without needless zeros: 1400.00 → "1400", 12.50 → "12.5"."""
    if value is None:
        return "—"
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return text or "0"


def evaluate(indicator, rows):
    """The Evaluation of `indicator` given its IndicatorValue rows (no query)."""
    values = {r.year: r.value for r in rows if r.state == Report.State.APPROVED}
    pending = {r.year: r for r in rows if r.state != Report.State.APPROVED}
    baseline = indicator.baseline_value
    if baseline is None and indicator.baseline_year is not None:
        baseline = values.get(indicator.baseline_year)
    kind, target, final = indicator.target_kind, indicator.target_value, indicator.target_year
    threshold = None
    if target is not None and kind == Indicator.TargetKind.ABSOLUTE:
        threshold = target
    elif target is not None and kind == Indicator.TargetKind.OVER_BASELINE and baseline is not None:
        threshold = baseline * (1 + target / HUNDRED)
    result = Evaluation(indicator, values, pending, baseline, threshold)

    if kind == Indicator.TargetKind.ANNUAL_GROWTH:
        if target is None or baseline is None or indicator.baseline_year is None:
            result.status = Status.UNSET
            return result
        series = {**values, indicator.baseline_year: baseline}
        complete = True
        for year in range(indicator.baseline_year + 1, final + 1):
            before, now = series.get(year - 1), series.get(year)
            if before is None or now is None:
                complete = False
                continue
            if before > 0:
                result.growth[year] = (now / before - 1) * HUNDRED
            if now < before * (1 + target / HUNDRED):
                result.status = Status.MISSED
                return result
        result.status = Status.ACHIEVED if complete else Status.IN_PROGRESS
        return result

    if threshold is None:
        result.status = Status.UNSET
        return result
    latest = result.latest
    if latest is not None and latest[1] >= threshold:
        result.status = Status.ACHIEVED
    elif latest is not None and latest[0] == final:
        result.status = Status.MISSED
    else:
        result.status = Status.IN_PROGRESS
    return result


def evaluations(plan):
    """Evaluations of the plan's indicators in order. Two queries."""
    indicators = list(plan.indicators.select_related("unit", "data_unit", "plan").prefetch_related("values"))
    return [evaluate(i, list(i.values.all())) for i in indicators]


# --- the chart ---------------------------------------------------------------------------------

# Small enough that its 13–14 px text stays legible when a phone scales it down.
CHART = {"width": 420, "height": 240, "left": 52, "right": 28, "top": 40, "bottom": 36}
# The first and last years stand this far inside the axes, and their value labels
# are set to the inside of their points, so that no value label touches the
# y-axis labels or runs off the right edge ("3 2", "12500" over "15000").
CHART_INSET = 14
NICE_STEPS = [Decimal(m) for m in ("1", "1.2", "1.6", "2", "2.4", "3", "4", "6", "8", "10")]


def _nice_top(value):
    """The smallest round number (1, 1.2, 1.6, 2, 2.4, 3, 4, 6, 8 × 10^k) at or above
    `value`, so that its quarters make readable axis labels."""
    scale = Decimal(10) ** (value.adjusted())
    return next(m * scale for m in NICE_STEPS if m * scale >= value)


def chart(evaluation):
    """Geometry of one indicator's server-side SVG: actual values against the target.

    The actual series is a solid line with filled circles, the target a dashed
    line with hollow squares, so it reads in black and white and in print.
    """
    i = evaluation.indicator
    years = list(range(min([i.first_year, *evaluation.values]), i.target_year + 1))
    actual = sorted((y, v) for y, v in evaluation.values.items() if years[0] <= y <= years[-1])
    if evaluation.baseline is not None and i.baseline_year is not None and i.baseline_year not in evaluation.values:
        actual = sorted([*actual, (i.baseline_year, evaluation.baseline)])
    target = evaluation.target_path()
    top_value = _nice_top(max([Decimal(1), *(v for _, v in actual), *(v for _, v in target)]) * Decimal("1.1"))
    c = CHART
    inner_w = c["width"] - c["left"] - c["right"]
    inner_h = c["height"] - c["top"] - c["bottom"]
    step = (inner_w - 2 * CHART_INSET) / max(len(years) - 1, 1)

    def x(year):
        return round(c["left"] + CHART_INSET + (year - years[0]) * step, 1)

    def value_label(year, value):
        anchor, dx = "middle", 0
        if year == years[0] and len(years) > 1:
            anchor, dx = "start", -4
        elif year == years[-1] and len(years) > 1:
            anchor, dx = "end", 4
        return {
            "x": x(year),
            "y": y(value),
            "label_x": round(x(year) + dx, 1),
            "label_y": round(y(value) - 11, 1),
            "anchor": anchor,
            "label": number(value),
            "year": year,
        }

    def y(value):
        return round(c["top"] + inner_h * (1 - float(value / top_value)), 1)

    ticks = [top_value * k / 4 for k in range(5)]
    return {
        **c,
        "axis_y": c["top"] + inner_h,
        "year_label_y": c["top"] + inner_h + 20,
        "tick_label_x": c["left"] - 6,
        "right_x": c["width"] - c["right"],
        "years": [{"year": year, "x": x(year)} for year in years],
        "ticks": [{"y": y(t), "label": number(t)} for t in ticks],
        "actual": [value_label(yr, v) for yr, v in actual],
        "actual_points": " ".join(f"{x(yr)},{y(v)}" for yr, v in actual),
        "target": [
            {"x": round(x(yr) - 5, 1), "y": round(y(v) - 5, 1), "label": number(round(v, 2))} for yr, v in target
        ],
        "target_points": " ".join(f"{x(yr)},{y(v)}" for yr, v in target),
        "label": f"{i.name}：实际值与目标（{evaluation.target_text}）",
    }


# --- entering and reviewing values ---------------------------------------------------------------


class IndicatorPolicy(engine.Policy):
    """An indicator's yearly value in the review engine."""

    model = IndicatorValue
    event_model = IndicatorEvent
    evidence_model = IndicatorEvidence
    parent = "value"
    noun = "数值"
    approved_message = "该年度数值已审核通过，不能修改；如需修改，请联系协调人重新打开。"
    submitted_draft_message = "该年度数值已提交，正在等待审核，不能保存为草稿；如需修改，请等待协调人审核或退回。"

    def reload(self, pk):
        return IndicatorValue.objects.select_related("indicator").get(pk=pk)

    def plain(self, value):
        return number(value) if isinstance(value, Decimal) else value

    def saved(self, user, item, existing, action, changes):
        _audit(user, item, ReportEvent.Action(action).label, changes)

    def reviewed(self, user, item, action, comment):
        _audit(user, item, ReportEvent.Action(action).label, comment=comment)
        notifications.indicator_reviewed(item, action, comment)

    def file_kept(self, user, item, evidence):
        audit.record(
            audit.Kind.INDICATOR_EVIDENCE_UPLOADED,
            user=user,
            obj=item,
            detail=f"{evidence.original_name}（{evidence.size} 字节）",
        )


VALUES = IndicatorPolicy()


def edit_block_reason(row):
    return VALUES.edit_block_reason(row)


def _audit(user, row, what, changes=None, comment=""):
    detail = f"{row.indicator.name} {row.year}年：{what}"
    if changes:
        detail += "；" + "；".join(
            f"{IndicatorValue._meta.get_field(name).verbose_name}：{old if old not in (None, '') else '（空）'} → {new}"
            for name, (old, new) in changes.items()
        )
    if comment:
        detail += f"；意见：{comment}"
    audit.record(audit.Kind.INDICATOR_CHANGED, user=user, obj=row, detail=detail)


def save_value(indicator, year, data, user, *, submit, version, evidence=(), at=None):
    """Create or update the indicator's value for `year`, as a draft or submitted.

    `version` is the version the form was based on (0 for a new value);
    `evidence` are uploaded files (already checked by the form) to keep with
    the value. Raises NotAllowed or Conflict, and then keeps nothing; returns
    the saved IndicatorValue.
    """
    if year not in indicator.years:
        raise NotAllowed(f"{year}年不在该指标的填报年份（{indicator.years[0]}—{indicator.years[-1]}年）之内。")
    values = {name: data[name] for name in FIELDS}
    key = {"indicator": indicator, "year": year}
    return engine.save(VALUES, key, values, user, submit=submit, version=version, evidence=evidence, at=at)


approve = VALUES.approve
return_for_revision = VALUES.return_for_revision
reopen = VALUES.reopen  # an approved value back to the unit, with the reason it reads


def timeline(indicator):
    """Every event of the indicator's values, newest first. One query."""
    return VALUES.timeline("value", value__indicator=indicator)


def describe_changes(event):
    labels = {name: IndicatorValue._meta.get_field(name).verbose_name for name in FIELDS}
    return [(labels[name], "" if old is None else old, new) for name, (old, new) in event.changes.items()]

"""Reading, validating and loading a plan file (fixtures/*.yaml).

`read_plan_file` turns a file into a checked `PlanSpec` or raises
`PlanFileError` naming the file and the problem; `load_plan` writes a spec to
the database in one transaction. Loading is idempotent: a second load of the
same file changes nothing, and nothing is ever deleted, so progress reports
attached to measures survive a reload.
"""

import datetime
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path

import yaml
from django.conf import settings
from django.db import transaction

from departments.models import DISTRICT_KINDS, CollectiveMembership, Unit, UnitAlias, check_collective_members
from security import tracking
from tasks.models import Assignment, Indicator, Measure, Plan, Task
from tasks.obligations import default_owed_from
from tasks.periods import ensure_quarterly_periods

DEFAULT_PLAN_FILE = Path(settings.BASE_DIR) / "fixtures" / "jiading_ads_2023.yaml"

UNIT_KINDS = set(Unit.Kind.values)
MAX_NUMBER = 32767  # PositiveSmallIntegerField on every database
NAME_LENGTH = Unit._meta.get_field("name").max_length


class PlanFileError(Exception):
    """A plan file that cannot be loaded. str() gives file and problem."""

    def __init__(self, path, problem):
        self.path = path
        self.problem = problem
        super().__init__(f"{path}：{problem}")


@dataclass
class UnitSpec:
    name: str
    kind: str
    aliases: list = field(default_factory=list)
    members: list = field(default_factory=list)


@dataclass
class MeasureSpec:
    number: int
    text: str
    units: list  # printed names, document order
    leads: list  # printed names of the lead units
    each_lead_own_part: bool
    due_date: datetime.date | None
    leads_as_marked: bool = False


@dataclass
class TaskSpec:
    number: int
    title: str
    narrative: str
    departments: list
    measures: list


@dataclass
class PlanSpec:
    doc_number: str
    title: str
    issuer: str
    start_date: datetime.date
    end_date: datetime.date
    goals: str
    safeguards: str
    lead_note: str
    units: list
    tasks: list
    # The notice's other sections (NOTICE_FIELDS) the data gives, and its
    # headings (None: not given). A plan loaded from its task table gives
    # none of them, nor indicators, and keeps what it has.
    notice: dict = field(default_factory=dict)
    headings: dict | None = None
    indicators: list = field(default_factory=list)
    # Printed names resolved to a unit for this plan only (no alias is kept):
    # what an admin chose when loading a plan from its task table.
    name_map: dict = field(default_factory=dict)


@dataclass
class IndicatorSpec:
    number: int
    name: str
    goal: str
    measure_unit: str
    baseline_year: int | None
    baseline_value: Decimal | None
    target_kind: str
    target_value: Decimal | None
    target_year: int
    target_note: str
    unit: str  # printed name
    data_unit: str


@dataclass
class LoadResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    warnings: list = field(default_factory=list)
    members_added: list = field(default_factory=list)  # (collective, [member names], owed_from)
    told: list = field(default_factory=list)  # the staff told that a new plan was loaded

    @property
    def changed(self):
        return self.created + self.updated


class _Reader:
    """Validates the parsed YAML; every problem raises PlanFileError."""

    def __init__(self, path):
        self.path = path

    def fail(self, problem):
        raise PlanFileError(self.path, problem)

    def mapping(self, value, where):
        if not isinstance(value, dict):
            self.fail(f"{where}应为键值对（映射）")
        return value

    def text(self, data, key, where, required=True, max_length=None):
        value = data.get(key)
        if value is None or (isinstance(value, str) and not value.strip()):
            if required:
                self.fail(f"{where}缺少“{key}”")
            return ""
        if not isinstance(value, str):
            self.fail(f"{where}的“{key}”应为文本")
        value = value.strip()
        if max_length is not None and len(value) > max_length:
            self.fail(f"{where}的“{key}”超过 {max_length} 个字符")
        return value

    def number(self, data, key, where):
        value = data.get(key)
        if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_NUMBER:
            self.fail(f"{where}的“{key}”应为 1 到 {MAX_NUMBER} 之间的整数，实为 {value!r}")
        return value

    def date(self, data, key, where, required=True):
        value = data.get(key)
        if value is None and not required:
            return None
        if isinstance(value, datetime.date):
            return value
        try:
            return datetime.date.fromisoformat(str(value))
        except ValueError:
            self.fail(f"{where}的“{key}”不是有效日期（应为 YYYY-MM-DD）：{value!r}")

    def name_list(self, data, key, where, required=True):
        value = data.get(key)
        if value is None or value == []:
            if required:
                self.fail(f"{where}没有列出任何单位（“{key}”）")
            return []
        if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
            self.fail(f"{where}的“{key}”应为单位名称列表")
        names = [v.strip() for v in value]
        too_long = [n for n in names if len(n) > NAME_LENGTH]
        if too_long:
            self.fail(f"{where}的单位名称“{too_long[0][:20]}…”超过 {NAME_LENGTH} 个字符")
        return names


def _length(model, field_name):
    return model._meta.get_field(field_name).max_length


def _departments(reader, item, where):
    names = reader.name_list(item, "departments", where, required=False)
    if len("、".join(names)) > _length(Task, "departments"):
        reader.fail(f"{where}的责任部门列表过长")
    return names


# The notice's other sections, all optional, stored verbatim on Plan.
NOTICE_FIELDS = [
    "header",
    "notice_title",
    "addressees",
    "notice_text",
    "notice_attachment",
    "preamble",
    "guidance",
    "key_points",
    "attachment_note",
    "attachment_title",
]
HEADING_LENGTH = 50


def _notice(reader, plan):
    """The notice sections the data gives; a section it leaves out is kept as it is."""
    where = "“plan”部分"
    return {
        name: reader.text(plan, name, where, required=False, max_length=_length(Plan, name))
        for name in NOTICE_FIELDS
        if name in plan
    }


def _headings(reader, plan):
    if "headings" not in plan:
        return None
    raw = plan["headings"]
    if raw is None:
        return {}
    where = "“plan”部分的“headings”"
    raw = reader.mapping(raw, where)
    unknown = set(raw) - set(Plan.SECTION_KEYS)
    if unknown:
        reader.fail(
            f"{where}中有未知的部分“{'、'.join(sorted(map(str, unknown)))}”，应为 {'、'.join(Plan.SECTION_KEYS)} 之一"
        )
    return {key: reader.text(raw, key, where, max_length=HEADING_LENGTH) for key in raw}


YEARS = (1900, 2100)


def _year(reader, data, key, where, required=True):
    value = data.get(key)
    if value is None and not required:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not YEARS[0] <= value <= YEARS[1]:
        reader.fail(f"{where}的“{key}”应为 {YEARS[0]} 到 {YEARS[1]} 之间的年份，实为 {value!r}")
    return value


def _amount(reader, data, key, where):
    value = data.get(key)
    if value is None:
        return None
    try:
        if isinstance(value, bool):
            raise InvalidOperation
        amount = Decimal(str(value))
    except InvalidOperation:
        reader.fail(f"{where}的“{key}”应为数字，实为 {value!r}")
    if not amount.is_finite() or amount < 0 or amount >= Decimal("1e14"):
        reader.fail(f"{where}的“{key}”应为不小于 0 的数字，实为 {value!r}")
    return amount.quantize(Decimal("0.01"))


def _read_indicators(reader, value):
    if value is None:
        return []
    if not isinstance(value, list):
        reader.fail("“indicators”应为列表")
    indicators, numbers = [], set()
    for index, item in enumerate(value, start=1):
        item = reader.mapping(item, f"第 {index} 个指标")
        number = reader.number(item, "number", f"第 {index} 个指标")
        where = f"指标 {number}"
        if number in numbers:
            reader.fail(f"指标编号 {number} 重复")
        numbers.add(number)
        target = reader.mapping(item.get("target"), f"{where}的“target”")
        kind = reader.text(target, "kind", f"{where}的“target”")
        if kind not in Indicator.TargetKind.values:
            reader.fail(f"{where}的目标类型“{kind}”无效，应为 {'、'.join(Indicator.TargetKind.values)} 之一")
        spec = IndicatorSpec(
            number=number,
            name=reader.text(item, "name", where, max_length=_length(Indicator, "name")),
            goal=reader.text(item, "goal", where, required=False, max_length=_length(Indicator, "goal_text")),
            measure_unit=reader.text(item, "measure_unit", where, max_length=_length(Indicator, "measure_unit")),
            baseline_year=_year(reader, item, "baseline_year", where, required=False),
            baseline_value=_amount(reader, item, "baseline_value", where),
            target_kind=kind,
            target_value=_amount(reader, target, "value", f"{where}的“target”"),
            target_year=_year(reader, target, "year", f"{where}的“target”"),
            target_note=reader.text(
                item, "target_note", where, required=False, max_length=_length(Indicator, "target_note")
            ),
            unit=reader.text(item, "unit", where, max_length=NAME_LENGTH),
            data_unit=reader.text(item, "data_unit", where, required=False, max_length=NAME_LENGTH),
        )
        if spec.baseline_year is not None and spec.baseline_year >= spec.target_year:
            reader.fail(f"{where}的基期年份应早于目标年份")
        if kind != Indicator.TargetKind.ABSOLUTE:
            if spec.baseline_year is None:
                reader.fail(f"{where}是增长类目标，须给出基期年份（baseline_year）")
            if spec.target_value is None:
                reader.fail(f"{where}是增长类目标，须给出增长百分比（target.value）")
        indicators.append(spec)
    return indicators


def read_plan_file(path):
    """Parse and check a plan file. Reads unit names from the database too."""
    path = Path(path)
    reader = _Reader(path)
    try:
        raw = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        reader.fail("文件不存在")
    except (OSError, UnicodeDecodeError) as exc:
        reader.fail(f"无法读取文件（{exc}）")
    try:
        data = yaml.safe_load(raw)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"第 {mark.line + 1} 行附近" if mark else ""
        reader.fail(f"YAML 格式错误{where}：{getattr(exc, 'problem', exc)}")
    return read_plan_data(data, path)


def read_plan_data(data, source, name_map=None):
    """Check plan data shaped as a plan file (YAML parsed, or a task table read
    by tasks/plantable.py); PlanFileError names `source` and the problem.

    `name_map` ({printed name: unit name}) resolves printed names to units
    for this plan only.
    """
    reader = _Reader(source)
    data = reader.mapping(data, "文件内容")
    for key in ("plan", "units", "tasks", "totals"):
        if key not in data:
            reader.fail(f"缺少“{key}”部分（文件可能不完整或被截断）")

    plan = reader.mapping(data["plan"], "“plan”部分")
    units = _read_units(reader, data["units"])
    tasks = _read_tasks(reader, data["tasks"])
    spec = PlanSpec(
        doc_number=reader.text(plan, "doc_number", "“plan”部分", max_length=_length(Plan, "doc_number")),
        title=reader.text(plan, "title", "“plan”部分", max_length=_length(Plan, "title")),
        issuer=reader.text(plan, "issuer", "“plan”部分", max_length=_length(Plan, "issuer")),
        start_date=reader.date(plan, "start_date", "“plan”部分"),
        end_date=reader.date(plan, "end_date", "“plan”部分"),
        goals=reader.text(plan, "goals", "“plan”部分", required=False),
        safeguards=reader.text(plan, "safeguards", "“plan”部分", required=False),
        lead_note=reader.text(plan, "lead_note", "“plan”部分", required=False),
        units=units,
        tasks=tasks,
        notice=_notice(reader, plan),
        headings=_headings(reader, plan),
        indicators=_read_indicators(reader, data.get("indicators")),
        name_map=dict(name_map or {}),
    )
    if spec.end_date < spec.start_date:
        reader.fail("结束日期早于开始日期")

    totals = reader.mapping(data["totals"], "“totals”部分")
    measure_count = sum(len(t.measures) for t in tasks)
    if totals.get("tasks") != len(tasks) or totals.get("measures") != measure_count:
        reader.fail(
            f"文件声明 {totals.get('tasks')} 项工作任务、{totals.get('measures')} 条措施，"
            f"实际读到 {len(tasks)} 项、{measure_count} 条（文件可能不完整）"
        )
    _check_names(reader, spec)
    return spec


def _read_units(reader, value):
    if not isinstance(value, list):
        reader.fail("“units”应为列表")
    units, seen = [], set()
    for index, item in enumerate(value, start=1):
        where = f"第 {index} 个单位"
        item = reader.mapping(item, where)
        name = reader.text(item, "name", where, max_length=NAME_LENGTH)
        where = f"单位“{name}”"
        kind = reader.text(item, "kind", where)
        if kind not in UNIT_KINDS:
            reader.fail(f"{where}的类型“{kind}”无效，应为 {'、'.join(sorted(UNIT_KINDS))} 之一")
        aliases = reader.name_list(item, "aliases", where, required=False)
        members = reader.name_list(item, "members", where, required=False)
        if kind == Unit.Kind.COLLECTIVE and not members:
            reader.fail(f"{where}是集合单位，但没有列出成员单位")
        if kind != Unit.Kind.COLLECTIVE and members:
            reader.fail(f"{where}不是集合单位，不能有成员单位")
        for spelling in [name, *aliases]:
            if spelling in seen:
                reader.fail(f"单位名称或别名“{spelling}”重复出现")
            seen.add(spelling)
        units.append(UnitSpec(name=name, kind=kind, aliases=aliases, members=members))
    return units


def _read_tasks(reader, value):
    if not isinstance(value, list) or not value:
        reader.fail("“tasks”应为非空列表")
    tasks, numbers = [], set()
    for index, item in enumerate(value, start=1):
        item = reader.mapping(item, f"第 {index} 项工作任务")
        number = reader.number(item, "number", f"第 {index} 项工作任务")
        where = f"工作任务 {number}"
        if number in numbers:
            reader.fail(f"工作任务编号 {number} 重复")
        numbers.add(number)
        measures_raw = item.get("measures")
        if not isinstance(measures_raw, list) or not measures_raw:
            reader.fail(f"{where}没有具体措施")
        measures, measure_numbers = [], set()
        for m_index, m_item in enumerate(measures_raw, start=1):
            m_item = reader.mapping(m_item, f"{where}的第 {m_index} 条措施")
            m_number = reader.number(m_item, "number", f"{where}的第 {m_index} 条措施")
            m_where = f"措施 {number}.({m_number})"
            if m_number in measure_numbers:
                reader.fail(f"{where}中措施编号 ({m_number}) 重复")
            measure_numbers.add(m_number)
            units = reader.name_list(m_item, "units", m_where)
            leads = reader.name_list(m_item, "leads", m_where, required=False) or units[:1]
            each_lead_own_part = m_item.get("each_lead_own_part", False)
            if not isinstance(each_lead_own_part, bool):
                reader.fail(f"{m_where}的“each_lead_own_part”应为 true 或 false")
            # A task table may mark its leads explicitly (（牵头）, a 牵头单位
            # column); a marked lead need not be listed first.
            leads_as_marked = m_item.get("leads_as_marked", False) is True
            if leads_as_marked and not set(leads) <= set(units):
                reader.fail(f"{m_where}的牵头单位应是其责任单位之一")
            elif not leads_as_marked and leads != units[: len(leads)]:
                reader.fail(f"{m_where}的牵头单位应为责任单位中排在最前的单位（备注：排名第一的是牵头单位）")
            if len(leads) > 1 and not each_lead_own_part:
                reader.fail(f"{m_where}列出了多个牵头单位，但没有标明“each_lead_own_part”（各自牵头）")
            if each_lead_own_part and len(leads) < 2:
                reader.fail(f"{m_where}标明各自牵头，却只有一个牵头单位")
            measures.append(
                MeasureSpec(
                    number=m_number,
                    text=reader.text(m_item, "text", m_where),
                    units=units,
                    leads=leads,
                    each_lead_own_part=each_lead_own_part,
                    due_date=reader.date(m_item, "due_date", m_where, required=False),
                    leads_as_marked=leads_as_marked,
                )
            )
        tasks.append(
            TaskSpec(
                number=number,
                title=reader.text(item, "title", where, max_length=_length(Task, "title")),
                narrative=reader.text(item, "narrative", where, required=False),
                departments=_departments(reader, item, where),
                measures=measures,
            )
        )
    return tasks


def _check_names(reader, spec):
    """Every printed unit name must resolve, to the file's units or the database's."""
    kinds = {}
    resolved = {}
    for unit in spec.units:
        kinds[unit.name] = unit.kind
        for spelling in [unit.name, *unit.aliases]:
            resolved[spelling] = unit.name
    wanted = {n for u in spec.units for n in u.members}
    for task in spec.tasks:
        wanted.update(task.departments)
        for measure in task.measures:
            wanted.update(measure.units)
    wanted.update(n for i in spec.indicators for n in (i.unit, i.data_unit) if n)
    missing = (wanted | set(spec.name_map.values())) - resolved.keys()
    if missing:
        for name, unit in Unit.objects.resolve_names(missing).items():
            resolved[name] = unit.name
            kinds[unit.name] = unit.kind
    for printed, target in spec.name_map.items():
        if target in resolved:
            resolved.setdefault(printed, resolved[target])
    for alias in UnitAlias.objects.filter(name__in=resolved.keys()).select_related("unit"):
        if alias.unit.name != resolved[alias.name]:
            reader.fail(f"别名“{alias.name}”在数据库中属于“{alias.unit.name}”，文件却指向“{resolved[alias.name]}”")

    def resolve(name, where):
        if name not in resolved:
            reader.fail(f"{where}中的单位“{name}”无法识别（既不是单位名称，也不是已知别名）")
        return resolved[name]

    for unit in spec.units:
        seen = set()
        for member in unit.members:
            canonical = resolve(member, f"集合单位“{unit.name}”的成员")
            if kinds.get(canonical) == Unit.Kind.COLLECTIVE:
                reader.fail(f"集合单位“{unit.name}”的成员“{member}”本身也是集合单位")
            if kinds.get(canonical) in DISTRICT_KINDS:
                reader.fail(f"集合单位“{unit.name}”的成员“{member}”是区级部门，集合单位只包含街镇及同级单位")
            if canonical in seen:
                reader.fail(f"集合单位“{unit.name}”的成员“{canonical}”列出了不止一次")
            seen.add(canonical)
    for indicator in spec.indicators:
        for name in (indicator.unit, indicator.data_unit):
            if name and kinds.get(resolve(name, f"指标 {indicator.number}")) == Unit.Kind.COLLECTIVE:
                reader.fail(f"指标 {indicator.number}的责任单位不能是集合单位“{name}”")
    for task in spec.tasks:
        for name in task.departments:
            resolve(name, f"工作任务 {task.number} 的责任部门")
        for measure in task.measures:
            where = f"措施 {task.number}.({measure.number})"
            canonical = [resolve(name, where) for name in measure.units]
            duplicates = {c for c in canonical if canonical.count(c) > 1}
            if duplicates:
                reader.fail(f"{where}中单位“{'、'.join(sorted(duplicates))}”出现了不止一次")
            if measure.each_lead_own_part and not measure.leads_as_marked:
                ruled = leads_by_rule("each", measure.leads, lambda name: kinds[resolved[name]])
                if ruled != measure.leads:
                    name = measure.leads[len(ruled)]
                    reader.fail(f"{where}标明各街镇各自牵头，但区级部门“{name}”也被列为牵头单位")


def leads_by_rule(kind, names, kind_of):
    """The one rule of who leads a measure, for the task table, the plan file's
    check and the table written back. The leads a 备注 rule gives among `names`
    (in order): every unit for "all"; for "each" (各街镇各自牵头) the town-level
    units listed before the first district department, none if one comes first;
    else the first.
    `kind_of(name)` is the unit's kind."""
    if kind == "all":
        return list(names)
    if kind == "each":
        leads = []
        for name in names:
            if kind_of(name) in DISTRICT_KINDS:
                break
            leads.append(name)
        return leads
    return list(names[:1])


def load_plan(spec, *, sync_members=False, today=None, owed_from=None):
    """Write a checked spec to the database, atomically; returns a LoadResult.

    Members of a collective unit are set only when the load creates it. With
    `sync_members`, the file's default members missing from an existing
    collective are added (never removed), owing reports from the next period
    (obligations.default_owed_from); `result.members_added` lists them.
    `owed_from`: the 起报日期 of the assignments of measures this load creates
    (a plan loaded after it started owes from then: plantable.fair_start).
    """
    result = LoadResult()
    # One summary record (the caller's PLAN_LOADED) rather than one per row.
    with transaction.atomic(), tracking.untracked():
        units = _load_units(spec, result, sync_members=sync_members, today=today)
        plan = _sync(
            result,
            Plan,
            {"doc_number": spec.doc_number},
            title=spec.title,
            issuer=spec.issuer,
            start_date=spec.start_date,
            end_date=spec.end_date,
            goals=spec.goals,
            safeguards=spec.safeguards,
            lead_note=spec.lead_note,
            **({} if spec.headings is None else {"headings": spec.headings}),
            **spec.notice,
        )
        seen_measures = set()
        for task_spec in spec.tasks:
            task = _sync(
                result,
                Task,
                {"plan": plan, "number": task_spec.number},
                title=task_spec.title,
                narrative=task_spec.narrative,
                departments="、".join(task_spec.departments),
            )
            for m_spec in task_spec.measures:
                measure = _sync(
                    result,
                    Measure,
                    {"task": task, "number": m_spec.number},
                    text=m_spec.text,
                    due_date=m_spec.due_date or spec.end_date,
                    each_lead_own_part=m_spec.each_lead_own_part,
                )
                seen_measures.add(measure.pk)
                _sync_assignments(result, measure, m_spec, units, today, owed_from)
        _load_indicators(spec, plan, result)
        result.created += ensure_quarterly_periods(plan)
        stale = Measure.objects.filter(task__plan=plan).exclude(pk__in=seen_measures).select_related("task")
        for measure in stale:
            result.warnings.append(f"措施 {measure.code} 在数据库中存在而文件中没有，已保留未删除")
    return result


def _sync(result, model, lookup, **values):
    """get_or_create + update only the fields that differ; counts the outcome."""
    obj = model.objects.filter(**lookup).first()
    if obj is None:
        obj = model.objects.create(**lookup, **values)
        result.created += 1
        return obj
    changed = [name for name, value in values.items() if getattr(obj, name) != value]
    if changed:
        for name in changed:
            setattr(obj, name, values[name])
        obj.save(update_fields=changed)
        result.updated += 1
    else:
        result.unchanged += 1
    return obj


def _load_units(spec, result, *, sync_members=False, today=None):
    """Create missing units and aliases; existing units are left as admins set them."""
    new_collectives = []
    existing_collectives = []
    for order, u_spec in enumerate(spec.units, start=1):
        unit = Unit.objects.filter(name=u_spec.name).first()
        if unit is None:
            unit = Unit.objects.create(name=u_spec.name, kind=u_spec.kind, sort_order=order * 10)
            result.created += 1
            if u_spec.members:
                new_collectives.append((unit, u_spec.members))
        else:
            result.unchanged += 1
            if u_spec.members:
                existing_collectives.append((unit, u_spec.members))
        existing = set(unit.aliases.values_list("name", flat=True))
        for alias in u_spec.aliases:
            if alias not in existing:
                UnitAlias.objects.create(unit=unit, name=alias)
                result.created += 1
    # Members are set once every unit and alias exists, whatever the file's order.
    for unit, members in new_collectives:
        resolved = Unit.objects.resolve_names(members)
        unit.members.set([resolved[name] for name in members])
    _compare_members(existing_collectives, result, sync_members, today)
    names = {n for t in spec.tasks for m in t.measures for n in m.units}
    found = Unit.objects.resolve_names(names | set(spec.name_map.values()))
    for printed, target in spec.name_map.items():
        if target in found:
            found.setdefault(printed, found[target])
    return found


def _compare_members(collectives, result, sync, today):
    """Default members missing from existing collectives: added with `sync`, else a warning.

    Members an admin added stay; members the file lists are never removed.
    """
    owed_from = None
    for unit, members in collectives:
        resolved = Unit.objects.resolve_names(members)
        present = set(CollectiveMembership.objects.filter(collective=unit).values_list("member_id", flat=True))
        missing = [resolved[name] for name in members if resolved[name].pk not in present]
        if not missing:
            continue
        names = [m.name for m in missing]
        if not sync:
            result.warnings.append(
                f"集合单位“{unit.name}”缺少文件列出的默认成员：{'、'.join(names)}"
                "（未改动；如需补充，请运行 load_plan --sync-members）"
            )
            continue
        if owed_from is None:
            owed_from = default_owed_from(today)
        check_collective_members(unit, missing)  # bulk_create skips CollectiveMembership.save
        CollectiveMembership.objects.bulk_create(
            CollectiveMembership(collective=unit, member=member, owed_from=owed_from) for member in missing
        )
        result.created += len(missing)
        result.members_added.append((unit.name, names, owed_from))


def _sync_assignments(result, measure, m_spec, units, today=None, new_owed_from=None):
    wanted = [
        (
            units[name].pk,
            position,
            Assignment.Role.LEAD if name in m_spec.leads else Assignment.Role.SUPPORT,
            name,
        )
        for position, name in enumerate(m_spec.units, start=1)
    ]
    rows = measure.assignments.order_by("position").values_list(
        "unit_id", "position", "role", "printed_name", "owed_from"
    )
    current = [row[:4] for row in rows]
    if current == wanted:
        result.unchanged += 1
        return
    # Reports hang on measure and unit, and each unit's start date is carried
    # over, so replacing the rows is safe and sidesteps position swaps. A unit
    # new to a measure that already had units owes from the next period.
    owed_from = {row[0]: row[4] for row in rows}
    if current:
        start = default_owed_from(today)
        owed_from = {unit_id: owed_from.get(unit_id, start) for unit_id, *_ in wanted}
    elif new_owed_from is not None:
        owed_from = {unit_id: new_owed_from for unit_id, *_ in wanted}
    measure.assignments.all().delete()
    Assignment.objects.bulk_create(
        Assignment(
            measure=measure,
            unit_id=unit_id,
            position=position,
            role=role,
            printed_name=name,
            owed_from=owed_from.get(unit_id),
        )
        for unit_id, position, role, name in wanted
    )
    if current:
        result.updated += 1
    else:
        result.created += 1


def _load_indicators(spec, plan, result):
    """Indicators by number; a target or baseline value the file leaves out keeps what an admin set."""
    if not spec.indicators:
        return
    names = {n for i in spec.indicators for n in (i.unit, i.data_unit) if n}
    units = Unit.objects.resolve_names(names)
    for i_spec in spec.indicators:
        values = {
            "name": i_spec.name,
            "goal_text": i_spec.goal,
            "measure_unit": i_spec.measure_unit,
            "baseline_year": i_spec.baseline_year,
            "target_kind": i_spec.target_kind,
            "target_year": i_spec.target_year,
            "target_note": i_spec.target_note,
            "unit": units[i_spec.unit],
            "data_unit": units[i_spec.data_unit] if i_spec.data_unit else None,
        }
        for name in ("baseline_value", "target_value"):
            if getattr(i_spec, name) is not None:
                values[name] = getattr(i_spec, name)
        _sync(result, Indicator, {"plan": plan, "number": i_spec.number}, **values)

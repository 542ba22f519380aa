"""A plan's task table (任务分工) from Word or Excel, read into a plan file's data.

Three steps, shared by `load_plan TABLE.docx|.xlsx` and the 导入行动方案 page:

1. `tableread.read_table(file, name)` reads the table as printed into a `TableDraft`:
   tasks, measures and units with the place (table, row, cell) each came
   from, the 备注, and the problems found while reading. A file that cannot
   be read at all raises `TableError`. Nothing touches the database.
2. `build_plan(draft, meta, decisions)` resolves unit names (existing names
   and aliases, then the admin's decisions), applies the lead rule and turns
   the draft into the data a plan file holds; `planfile.read_plan_data` checks
   it, so planfile stays the one home of plan validation. The result lists
   every problem with its place; it can be loaded only when none blocks.
3. `load_table_plan(built, acting_user=)` writes it with `planfile.load_plan`: atomic,
   idempotent for the same document number, other plans untouched.

The draft is plain data (`as_data` / `TableDraft.from_data`), so the page
keeps it in the session between upload and confirm instead of trusting the
client with it.
"""

import datetime
import difflib
import hashlib
import json
import re
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from departments.models import Unit, UnitAlias
from security import audit
from tasks import periods
from tasks.followup import notifications
from tasks.models import Assignment, Plan
from tasks.plans import planfile
from tasks.plans.tableread import (
    DEFAULT_ISSUER,
    NOTE_PREFIX,
    NoteRule,
    Problem,
    Severity,
    clean_name,
    parse_note,
)

# --- From the draft to a plan ------------------------------------------------


@dataclass
class PlanMeta:
    """What the table does not say: the document number, title and dates."""

    doc_number: str
    title: str
    issuer: str = ""
    start_date: datetime.date | None = None
    end_date: datetime.date | None = None
    owed_from: datetime.date | None = None  # 起报日期 the admin chose; None: fair_start's

    DATES = ("start_date", "end_date", "owed_from")

    def as_data(self):
        return {
            "doc_number": self.doc_number,
            "title": self.title,
            "issuer": self.issuer,
            **{k: getattr(self, k).isoformat() if getattr(self, k) else None for k in self.DATES},
        }

    @classmethod
    def from_data(cls, data):
        dates = {k: datetime.date.fromisoformat(data[k]) if data.get(k) else None for k in cls.DATES}
        return cls(doc_number=data["doc_number"], title=data["title"], issuer=data["issuer"], **dates)


def fair_start(start, end, today):
    """When the obligations of a plan loaded `today` start (起报日期): the plan's start
    if it is still to come (None: owed from the start), else the first quarterly
    period that starts on or after today, else (the plan is over) tomorrow. Periods
    before it are not counted against anyone: nothing is red on the day of loading."""
    if start is None or end is None or start >= today:
        return None
    for _, first, _ in periods.quarters(start, end):
        if first >= today:
            return first
    return today + datetime.timedelta(days=1)


_YEARS = re.compile(r"(20\d{2})\s*年?\s*[—–\-~～至到]+\s*(20\d{2})")
_YEAR = re.compile(r"(20\d{2})\s*年")


def years_from_title(title):
    """(start, end) from "…（2026—2028年）" or "…2026年…"; (None, None) otherwise."""
    match = _YEARS.search(title or "")
    if match:
        first, last = int(match.group(1)), int(match.group(2))
    else:
        match = _YEAR.search(title or "")
        if not match:
            return None, None
        first = last = int(match.group(1))
    if last < first:
        return None, None
    return datetime.date(first, 1, 1), datetime.date(last, 12, 31)


class Action:
    MAP = "map"  # this printed name means that unit, in this plan
    ALIAS = "alias"  # …and everywhere from now on: kept as the unit's alias
    CREATE = "create"  # a new unit


ACTION_LABELS = {
    Action.MAP: "对应到已有单位（仅本方案）",
    Action.ALIAS: "对应到已有单位，并记为别名",
    Action.CREATE: "新建单位",
}
CREATABLE_KINDS = [(value, label) for value, label in Unit.Kind.choices if value != Unit.Kind.COLLECTIVE]


@dataclass
class Decision:
    action: str
    unit: str = ""  # the existing unit (map, alias), or the new unit's name (create; default: as printed)
    kind: str = ""  # the new unit's kind


HOW_LABELS = {
    "known": "已有单位",
    "alias": "已有别名",
    "mapped": "对应到已有单位",
    "previous": "沿用本方案已有对应",
    "new_alias": "新增别名",
    "new": "新建单位",
    "unknown": "无法识别",
}


@dataclass
class PreviewUnit:
    printed: str
    unit: str  # canonical name, "" while unknown
    lead: bool
    how: str

    @property
    def how_label(self):
        return HOW_LABELS[self.how]


@dataclass
class PreviewMeasure:
    code: str
    number: int
    text: str
    place: str
    units: list
    each_lead_own_part: bool


@dataclass
class UnknownName:
    """A printed name that no unit or alias has: the admin decides what it is."""

    name: str
    places: list
    suggestions: list = field(default_factory=list)
    decision: Decision | None = None


@dataclass
class BuiltPlan:
    meta: PlanMeta
    source: str
    problems: list
    tasks: list  # [(TaskRow, [PreviewMeasure])]
    unknown: list  # UnknownName still undecided, in order of first appearance
    choices: list  # UnknownName for every name the admin decides, decided or not
    note: str
    data: dict
    name_map: dict
    new_units: list  # names of units this load creates
    existing: Plan | None
    spec: planfile.PlanSpec | None = None
    digest: str = ""
    owed_from: datetime.date | None = None  # 起报日期 of the assignments this load creates; None: the plan's start

    @property
    def blocking(self):
        return [p for p in self.problems if p.severity != Severity.WARNING]

    @property
    def ok(self):
        return self.spec is not None and not self.blocking

    @property
    def measure_count(self):
        return sum(len(measures) for _, measures in self.tasks)

    @property
    def asks_about_note(self):
        return any(p.about_note for p in self.problems)


def suggest_units(name, known, limit=3):
    """The known names closest to `name`: canonical names, best first."""
    spellings = list(known)
    close = difflib.get_close_matches(name, spellings, n=limit * 3, cutoff=0.4)
    contained = [s for s in spellings if len(s) >= 2 and (s in name or name in s)]
    result = []
    for spelling in contained + close:
        canonical = known[spelling]
        if canonical not in result:
            result.append(canonical)
    return result[:limit]


class _Builder:
    def __init__(self, draft, meta, decisions, note_accepted, user):
        self.draft = draft
        self.meta = meta
        self.decisions = decisions or {}
        self.note_accepted = note_accepted
        self.user = user
        self.problems = list(draft.problems)

    def problem(self, severity, place, message, name=""):
        self.problems.append(Problem(severity, place, message, name))

    def note_problem(self, place, message):
        """A doubt about the 备注: to decide until the admin has checked it, then shown."""
        severity = Severity.WARNING if self.note_accepted else Severity.DECISION
        if self.note_accepted:
            message += "（已核对）"
        self.problems.append(Problem(severity, place, message, about_note=True))

    def build(self):
        self.existing = Plan.objects.filter(doc_number=self.meta.doc_number).first() if self.meta.doc_number else None
        plan_data = self._plan_data()
        self._resolve_names()
        tasks, preview = self._tasks()
        data = {
            "plan": plan_data,
            "units": self.unit_entries,
            "tasks": tasks,
            "totals": {"tasks": len(tasks), "measures": sum(len(t["measures"]) for t in tasks)},
        }
        built = BuiltPlan(
            meta=self.meta,
            source=self.draft.source,
            problems=self.problems,
            tasks=preview,
            unknown=self.unknown,
            choices=self.choices,
            note=self.draft.note,
            data=data,
            name_map=self.name_map,
            new_units=self.new_units,
            existing=self.existing,
            owed_from=self.owed_from,
        )
        if not any(p.severity == Severity.ERROR for p in self.problems) and not self.unknown:
            try:
                built.spec = planfile.read_plan_data(data, self.draft.source, self.name_map)
            except planfile.PlanFileError as exc:
                self.problem(Severity.ERROR, "", exc.problem)
        payload = json.dumps(
            {"data": data, "name_map": self.name_map, "owed_from": self.owed_from},
            sort_keys=True,
            ensure_ascii=False,
            default=str,
        )
        built.digest = hashlib.sha256(payload.encode("utf-8")).hexdigest()
        return built

    # The plan's own fields

    def _plan_data(self):
        meta, existing = self.meta, self.existing
        place = "方案信息"
        if not meta.doc_number:
            self.problem(Severity.ERROR, place, "请填写文号")
        if not meta.title:
            self.problem(Severity.ERROR, place, "请填写方案标题")
        start, end = meta.start_date, meta.end_date
        if start is None or end is None:
            guessed = years_from_title(meta.title)
            start, end = start or guessed[0], end or guessed[1]
            if start is None or end is None:
                self.problem(Severity.ERROR, place, "请填写开始和结束日期（标题中没有“2026—2028年”这样的年份可以推断）")
            else:
                self.problem(Severity.WARNING, place, f"起止日期按标题中的年份取为 {start:%Y-%m-%d} 至 {end:%Y-%m-%d}")
        if existing is not None:
            self.problem(
                Severity.WARNING,
                place,
                f"文号为 {meta.doc_number} 的方案已存在（《{existing.title}》）：将按本表更新该方案，"
                "表中没有的措施保留不删，填报记录不受影响",
            )
        self.owed_from = self._owed_from(start, end)
        issuer = meta.issuer or (existing.issuer if existing else DEFAULT_ISSUER)
        lead_note = (
            NOTE_PREFIX.sub("", self.draft.note) if self.draft.note else (existing.lead_note if existing else "")
        )
        return {
            "doc_number": meta.doc_number,
            "title": meta.title,
            "issuer": issuer,
            "start_date": start.isoformat() if start else "2000-01-01",
            "end_date": end.isoformat() if end else "2000-01-01",
            "goals": existing.goals if existing else "",
            "safeguards": existing.safeguards if existing else "",
            "lead_note": lead_note,
        }

    def _owed_from(self, start, end):
        """The 起报日期 of what this load creates: the admin's, else fair_start's; said in the preview."""
        place = "起报日期"
        today = timezone.localdate()
        default = fair_start(start, end, today)
        chosen = self.meta.owed_from
        if chosen is not None and start is not None and chosen <= start:
            chosen = None  # from the plan's start: no date needed
        owed_from = chosen if self.meta.owed_from is not None else default
        new = "新增的措施" if self.existing is not None else "各单位"
        if owed_from is None:
            if start is not None and start < today:
                self.problem(
                    Severity.WARNING,
                    place,
                    f"按所选起报日期，{new}自方案开始（{start:%Y-%m-%d}）起填报：此前已截止的周期会立即计为逾期未报",
                )
            return None
        self.problem(
            Severity.WARNING,
            place,
            f"方案开始于 {start:%Y-%m-%d}，导入日 {today:%Y-%m-%d} 时已经开始：{new}自 {owed_from:%Y-%m-%d} 起填报"
            f"（{'默认为导入日后开始的第一个填报周期' if self.meta.owed_from is None else '管理员选定'}），"
            "此前的周期不计入应报、逾期和预警；可在下方修改起报日期",
        )
        return owed_from

    # Unit names

    def _resolve_names(self):
        places = {}
        for _, measure in self.draft.measures():
            for entry in measure.units:
                places.setdefault(entry.name, []).append(entry.place)
            for name in measure.lead_names or []:
                places.setdefault(name, []).append(measure.units_place)
        self.resolution = {}  # printed → (canonical, kind, how)
        for name, unit in Unit.objects.resolve_names(places).items():
            self.resolution[name] = (unit.name, unit.kind, "known" if unit.name == name else "alias")
        missing = [n for n in places if n not in self.resolution]
        previous = {}
        if self.existing is not None and missing:
            for a in Assignment.objects.filter(
                measure__task__plan=self.existing, printed_name__in=missing
            ).select_related("unit"):
                previous[a.printed_name] = a.unit
        targets = Unit.objects.in_bulk(
            [d.unit for n, d in self.decisions.items() if n in missing and d.action != Action.CREATE], field_name="name"
        )
        self.name_map, self.new_units, self.unknown, self.choices = {}, [], [], []
        entries = {}  # canonical → units entry for the plan data
        taken = None
        for name in missing:
            decision = self.decisions.get(name)
            where = places[name][0]
            if decision is None and name in previous:
                unit = previous[name]
                self.name_map[name] = unit.name
                self.resolution[name] = (unit.name, unit.kind, "previous")
                continue
            choice = UnknownName(name, places[name], decision=decision)
            self.choices.append(choice)
            if decision is not None and decision.action in (Action.MAP, Action.ALIAS):
                unit = targets.get(decision.unit)
                if unit is None:
                    self.problem(Severity.DECISION, where, f"请为“{name}”选择一个已有单位", name)
                elif decision.action == Action.ALIAS and not self._may("departments.add_unitalias"):
                    self.problem(Severity.ERROR, where, "您没有新增单位别名的权限")
                else:
                    if decision.action == Action.MAP:
                        self.name_map[name] = unit.name
                        self.resolution[name] = (unit.name, unit.kind, "mapped")
                    else:
                        entry = entries.setdefault(unit.name, self._existing_entry(unit))
                        entry["aliases"].append(name)
                        self.resolution[name] = (unit.name, unit.kind, "new_alias")
                    continue
            elif decision is not None and decision.action == Action.CREATE:
                canonical = clean_name(decision.unit) or name
                if taken is None:
                    taken = set(Unit.objects.values_list("name", flat=True)) | set(
                        UnitAlias.objects.values_list("name", flat=True)
                    )
                if decision.kind not in dict(CREATABLE_KINDS):
                    self.problem(Severity.DECISION, where, f"请选择新单位“{canonical}”的类型", name)
                elif canonical in taken:
                    self.problem(Severity.DECISION, where, f"单位“{canonical}”已存在：请选择“对应到已有单位”", name)
                elif len(canonical) > planfile.NAME_LENGTH:
                    self.problem(Severity.DECISION, where, f"单位名称超过 {planfile.NAME_LENGTH} 个字符", name)
                elif not self._may("departments.add_unit"):
                    self.problem(Severity.ERROR, where, "您没有新建单位的权限")
                elif canonical in entries and entries[canonical]["kind"] != decision.kind:
                    self.problem(Severity.DECISION, where, f"新单位“{canonical}”被选了两种不同的类型", name)
                else:
                    entry = entries.setdefault(canonical, {"name": canonical, "kind": decision.kind, "aliases": []})
                    if canonical not in self.new_units:
                        self.new_units.append(canonical)
                    if name != canonical:
                        entry["aliases"].append(name)
                    self.resolution[name] = (canonical, decision.kind, "new")
                    continue
            else:
                self.problem(
                    Severity.DECISION,
                    where,
                    f"单位“{name}”无法识别（不是已有单位的名称或别名）：请对应到已有单位，或新建单位",
                    name,
                )
            self.unknown.append(choice)
        if self.choices:
            known = dict(UnitAlias.objects.values_list("name", "unit__name"))
            known.update({n: n for n in Unit.objects.values_list("name", flat=True)})
            for item in self.choices:
                item.suggestions = suggest_units(item.name, known)
        self.unit_entries = list(entries.values())

    def _existing_entry(self, unit):
        entry = {"name": unit.name, "kind": unit.kind, "aliases": []}
        if unit.is_collective:
            entry["members"] = list(unit.members.values_list("name", flat=True))
        return entry

    def _may(self, permission):
        return self.user is None or self.user.has_perm(permission)

    # Tasks, measures and leads

    def _note_rules(self):
        """The table's 备注, parsed; problems for what it does not say clearly."""
        self.rule = parse_note(self.draft.note) if self.draft.note else NoteRule()
        self.row_rules = {}
        notes = [(self.draft.note, self.draft.note_place, self.rule)] if self.draft.note else []
        seen = set()
        for task, measure in self.draft.measures():
            if not measure.note:
                continue
            rule = parse_note(measure.note)
            self.row_rules[(task.number, measure.number)] = rule
            self.rule.exceptions.update(rule.exceptions)
            if measure.note not in seen:
                seen.add(measure.note)
                notes.append((measure.note, measure.note_place, rule))
        for _text, place, rule in notes:
            if rule.unknown:
                self.note_problem(
                    place,
                    f"备注中“{'，'.join(rule.unknown)[:80]}”无法自动理解。请核对预览中的牵头单位"
                    "（默认责任单位中排名第一的牵头；标有“（牵头）”的以标注为准），确认无误后勾选“已核对备注”；"
                    "否则请修改文件后重新上传",
                )
        codes = {(t.number, m.number) for t, m in self.draft.measures()}
        for reference in sorted(set(self.rule.exceptions) - codes):
            self.problem(
                Severity.WARNING,
                self.draft.note_place,
                f"备注提到的措施 {reference[0]}.({reference[1]}) 不在表中",
            )
        marked = any(e.lead is not None for _, m in self.draft.measures() for e in m.units) or any(
            m.lead_names for _, m in self.draft.measures()
        )
        if not notes and not marked:
            self.problem(Severity.WARNING, "", "没有找到备注：按“责任单位中排名第一的为牵头单位”确定牵头单位")

    def _ruled_leads(self, task, measure, names):
        """Leads as the 备注 has them, and the rule's kind ("each", "all" or "")."""
        row_rule = self.row_rules.get((task.number, measure.number))
        kind = self.rule.exceptions.get((task.number, measure.number)) or (row_rule.unscoped if row_rule else "")
        leads = planfile.leads_by_rule(kind, names, lambda name: self.resolution.get(name, ("", "", ""))[1])
        if leads:
            return leads, kind
        self.note_problem(
            measure.units_place,
            f"备注说措施 {task.number}.({measure.number}) 各街镇各自牵头，但排在第一的“{names[0]}”是区级部门："
            "将由它牵头；确认无误请勾选“已核对备注”",
        )
        return names[:1], ""

    def _tasks(self):
        self._note_rules()
        existing_tasks, due_dates = {}, {}
        if self.existing is not None:
            existing_tasks = {t.number: t for t in self.existing.tasks.all()}
            for number, task_number, due in self.existing.tasks.values_list(
                "measures__number", "number", "measures__due_date"
            ):
                if number is not None and due != self.existing.end_date:
                    due_dates[(task_number, number)] = due.isoformat()
        tasks, preview = [], []
        for task in self.draft.tasks:
            measures, shown = [], []
            for measure in task.measures:
                item, units = self._measure(task, measure)
                if item is None:
                    continue
                item["due_date"] = due_dates.get((task.number, measure.number))
                measures.append(item)
                shown.append(
                    PreviewMeasure(
                        code=f"{task.number}.({measure.number})",
                        number=measure.number,
                        text=measure.text,
                        place=measure.place,
                        units=units,
                        each_lead_own_part=item["each_lead_own_part"],
                    )
                )
            previous = existing_tasks.get(task.number)
            tasks.append(
                {
                    "number": task.number,
                    "title": task.title,
                    "narrative": previous.narrative if previous else "",
                    "departments": [d for d in previous.departments.split("、") if d] if previous else [],
                    "measures": measures,
                }
            )
            preview.append((task, shown))
        return tasks, preview

    def _measure(self, task, measure):
        code = f"{task.number}.({measure.number})"
        names = [e.name for e in measure.units]
        if not names:
            self.problem(Severity.ERROR, measure.units_place, f"措施 {code} 没有责任单位")
            return None, []
        canonical = [self.resolution.get(n, (n, "", ""))[0] for n in names]
        repeated = sorted({c for c in canonical if canonical.count(c) > 1})
        if repeated:
            self.problem(
                Severity.ERROR, measure.units_place, f"措施 {code} 中单位“{'、'.join(repeated)}”出现了不止一次"
            )
        explicit = [e.name for e in measure.units if e.lead is True]
        if measure.lead_names:
            explicit = []
            for lead in measure.lead_names:
                target = self.resolution.get(lead, (lead, "", ""))[0]
                match = next((n for n, c in zip(names, canonical, strict=True) if n == lead or c == target), None)
                if match is None:
                    self.problem(Severity.ERROR, measure.units_place, f"牵头单位“{lead}”不在措施 {code} 的责任单位中")
                elif match not in explicit:
                    explicit.append(match)
        ruled, kind = self._ruled_leads(task, measure, names)
        if explicit:
            leads, as_marked = explicit, True
            if (self.draft.note or measure.note) and set(explicit) != set(ruled):
                self.problem(
                    Severity.WARNING,
                    measure.units_place,
                    f"措施 {code} 标注的牵头单位（{'、'.join(explicit)}）与备注的规则（{'、'.join(ruled)}）不一致，以标注为准",
                )
        else:
            leads, as_marked = ruled, kind == "all"
        units = [
            PreviewUnit(
                printed=name,
                unit=self.resolution.get(name, ("", "", "unknown"))[0] if name in self.resolution else "",
                lead=name in leads,
                how=self.resolution[name][2] if name in self.resolution else "unknown",
            )
            for name in names
        ]
        item = {
            "number": measure.number,
            "text": measure.text,
            "units": names,
            "leads": leads,
            "each_lead_own_part": len(leads) > 1,
        }
        if as_marked:
            item["leads_as_marked"] = True
        return item, units


def build_plan(draft, meta, decisions=None, note_accepted=False, user=None):
    """Turn a draft into a checked plan (or the problems that stop it).
    Reads units, aliases and the plan of the same document number; writes nothing."""
    return _Builder(draft, meta, decisions, note_accepted, user).build()


def load_table_plan(built, *, acting_user=None):
    """Write a built plan that has no blocking problem, with its audit record
    (`acting_user`: None for a command); returns (Plan, LoadResult). All or nothing."""
    if not built.ok:
        raise ValueError("the plan has blocking problems")
    with transaction.atomic():
        created = built.existing is None
        result = planfile.load_plan(built.spec, owed_from=built.owed_from)
        if built.new_units:
            # New units go after the existing ones in unit lists.
            top = Unit.objects.exclude(name__in=built.new_units).aggregate(top=Max("sort_order"))["top"] or 0
            for offset, name in enumerate(built.new_units, start=1):
                Unit.objects.filter(name=name).update(sort_order=top + 10 * offset)
        plan = Plan.objects.get(doc_number=built.spec.doc_number)
        if created:
            result.told = notifications.plan_loaded(plan)
        audit.record(audit.Kind.PLAN_LOADED, user=acting_user, obj=plan, detail=summary(built, result))
    return plan, result


def summary(built, result):
    """One line for the audit trail and the command's output."""
    return (
        f"{built.source}：{built.meta.doc_number}《{built.meta.title}》，{len(built.tasks)} 项工作任务、"
        f"{built.measure_count} 条具体措施；新建 {result.created} 条记录，更新 {result.updated} 条，未变 {result.unchanged} 条"
    )

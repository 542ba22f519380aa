import datetime
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from security import audit
from tasks.plans import plantable, tableread
from tasks.plans.planfile import DEFAULT_PLAN_FILE, PlanFileError, load_plan, read_plan_file

TABLE_SUFFIXES = {".docx", ".xlsx", ".xlsm", ".doc", ".xls", ".wps", ".et"}


def _date(value):
    try:
        return datetime.date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"日期“{value}”无效，应为 YYYY-MM-DD") from None


def _pairs(values, option):
    pairs = []
    for value in values or []:
        name, sep, target = value.partition("=")
        if not sep or not name.strip() or not target.strip():
            raise CommandError(f"{option} 的写法应为“表中名称=单位”，实为“{value}”")
        pairs.append((tableread.clean_name(name), target.strip()))
    return pairs


class Command(BaseCommand):
    help = (
        "载入行动方案：YAML 方案文件（默认为随附的嘉府发〔2023〕2号），"
        "或 Word/Excel 任务分工表（.docx/.xlsx，需 --doc-number 和 --title）；可重复运行，出错时不写入任何数据。"
    )

    def add_arguments(self, parser):
        parser.add_argument("path", nargs="?", default=str(DEFAULT_PLAN_FILE))
        parser.add_argument(
            "--sync-members",
            action="store_true",
            help="为已存在的集合单位（各街镇等）补充文件列出、数据库中缺少的默认成员（只增不删），"
            "新成员自下一填报周期起须填报",
        )
        table = parser.add_argument_group("任务分工表（.docx/.xlsx）")
        table.add_argument("--doc-number", help="文号，如 嘉府发〔2026〕1号")
        table.add_argument("--title", help="方案标题")
        table.add_argument("--issuer", default="", help=f"发文机关（默认：{tableread.DEFAULT_ISSUER}）")
        table.add_argument("--start", type=_date, help="开始日期 YYYY-MM-DD（默认取标题中的起始年份 1 月 1 日）")
        table.add_argument("--end", type=_date, help="结束日期 YYYY-MM-DD（默认取标题中的结束年份 12 月 31 日）")
        table.add_argument(
            "--map", action="append", metavar="表中名称=单位", help="无法识别的单位：本方案中对应到已有单位"
        )
        table.add_argument(
            "--alias", action="append", metavar="表中名称=单位", help="无法识别的单位：记为已有单位的别名"
        )
        table.add_argument(
            "--new-unit",
            action="append",
            metavar="表中名称=类型",
            help="无法识别的单位：新建，类型为 "
            + "、".join(f"{v}（{label}）" for v, label in plantable.CREATABLE_KINDS),
        )
        table.add_argument(
            "--owed-from",
            type=_date,
            help="起报日期 YYYY-MM-DD：各单位从这一天或之后开始的填报周期起填报（默认：方案已开始的，取导入日后的第一个周期）",
        )
        table.add_argument("--accept-note", action="store_true", help="已核对无法自动理解的备注，按预览的牵头单位载入")
        table.add_argument("--dry-run", action="store_true", help="只显示预览和问题，不写入")

    def handle(self, path, sync_members=False, **options):
        if Path(path).suffix.lower() in TABLE_SUFFIXES:
            if sync_members:
                raise CommandError("--sync-members 只用于 YAML 方案文件：任务分工表不列集合单位的默认成员。")
            return self.load_table(path, options)
        if options["doc_number"] or options["title"]:
            raise CommandError("--doc-number 和 --title 只用于 Word/Excel 任务分工表；YAML 方案文件自带文号和标题。")
        try:
            spec = read_plan_file(path)
        except PlanFileError as exc:
            audit.record(audit.Kind.PLAN_LOADED, result=audit.Result.FAILURE, detail=str(exc))
            raise CommandError(f"未载入：{exc}") from exc
        result = load_plan(spec, sync_members=sync_members)
        added = [
            f"集合单位“{collective}”新增成员：{'、'.join(names)}（自 {owed_from:%Y-%m-%d} 起开始的填报周期须填报）"
            for collective, names, owed_from in result.members_added
        ]
        audit.record(
            audit.Kind.PLAN_LOADED,
            detail=f"{path}：{spec.doc_number}，新建 {result.created}，更新 {result.updated}，未变 {result.unchanged}"
            + "".join(f"；{line}" for line in added),
        )
        for line in added:
            self.stdout.write(line)
        if sync_members and not added:
            self.stdout.write("集合单位的默认成员均已存在，未新增成员。")
        for warning in result.warnings:
            self.stderr.write(self.style.WARNING(warning))
        measures = sum(len(t.measures) for t in spec.tasks)
        self.stdout.write(
            self.style.SUCCESS(
                f"已载入《{spec.title}》（{spec.doc_number}）：{len(spec.tasks)} 项工作任务，"
                f"{measures} 条具体措施；新建 {result.created} 条记录，更新 {result.updated} 条，"
                f"未变 {result.unchanged} 条。"
            )
        )

    def load_table(self, path, options):
        name = Path(path).name
        if not options["doc_number"] or not options["title"]:
            raise CommandError("从任务分工表载入时必须给出 --doc-number（文号）和 --title（方案标题）。")

        def refuse(message):
            audit.record(audit.Kind.PLAN_LOADED, result=audit.Result.FAILURE, detail=f"{name}：{message}")
            raise CommandError(f"未载入 {name}：{message}")

        try:
            draft = tableread.read_table(path, name)
        except FileNotFoundError:
            refuse("文件不存在")
        except tableread.TableError as exc:
            refuse(str(exc))
        meta = plantable.PlanMeta(
            doc_number=options["doc_number"].strip(),
            title=options["title"].strip(),
            issuer=options["issuer"].strip(),
            start_date=options["start"],
            end_date=options["end"],
            owed_from=options["owed_from"],
        )
        built = plantable.build_plan(draft, meta, self.decisions(options), note_accepted=options["accept_note"])
        self.show(built)
        if not built.ok:
            refuse(f"有 {len(built.blocking)} 个问题需要处理（见上），未写入任何数据")
        if options["dry_run"]:
            self.stdout.write("预览无误（--dry-run，未写入）。")
            return
        plan, result = plantable.load_table_plan(built)
        line = plantable.summary(built, result)
        for warning in result.warnings:
            self.stderr.write(self.style.WARNING(warning))
        self.stdout.write(self.style.SUCCESS(f"已载入 {line}。"))
        if built.owed_from is not None:
            self.stdout.write(f"起报日期：{built.owed_from:%Y-%m-%d}（此前的周期不计入应报和逾期）。")
        if result.told:
            self.stdout.write(f"已通知 {len(result.told)} 位联络员：新方案已载入。")

    def decisions(self, options):
        decisions = {}
        for name, unit in _pairs(options["map"], "--map"):
            decisions[name] = plantable.Decision(plantable.Action.MAP, unit=unit)
        for name, unit in _pairs(options["alias"], "--alias"):
            decisions[name] = plantable.Decision(plantable.Action.ALIAS, unit=unit)
        labels = {str(label): value for value, label in plantable.CREATABLE_KINDS}
        for name, kind in _pairs(options["new_unit"], "--new-unit"):
            kind = labels.get(kind, kind)
            if kind not in dict(plantable.CREATABLE_KINDS):
                raise CommandError(
                    f"--new-unit 的类型“{kind}”无效，应为 {'、'.join(dict(plantable.CREATABLE_KINDS))} 之一"
                )
            decisions[name] = plantable.Decision(plantable.Action.CREATE, kind=kind)
        return decisions

    def show(self, built):
        """The preview, as the page shows it: tasks, measures, units, leads, problems."""
        for task, measures in built.tasks:
            self.stdout.write(f"{task.number}. {task.title}")
            for measure in measures:
                units = "、".join(u.printed + ("（牵头）" if u.lead else "") for u in measure.units)
                self.stdout.write(f"  ({measure.number}) {measure.text[:30]}… ｜ {units}")
        suggestions = {item.name: item.suggestions for item in built.unknown}
        for problem in built.problems:
            line = str(problem)
            if problem.name in suggestions:
                line += f"（相近的已有单位：{'、'.join(suggestions[problem.name]) or '无'}）"
            (self.stdout if problem.severity == tableread.Severity.WARNING else self.stderr).write(line)
        if built.unknown:
            kinds = "、".join(f"{v}（{label}）" for v, label in plantable.CREATABLE_KINDS)
            self.stderr.write(
                "无法识别的单位用 --map 或 --alias “表中名称=已有单位”，或 --new-unit “表中名称=类型”处理；"
                f"类型：{kinds}。"
            )

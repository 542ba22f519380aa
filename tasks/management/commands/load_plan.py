from django.core.management.base import BaseCommand, CommandError

from security import audit
from tasks.planfile import DEFAULT_PLAN_FILE, PlanFileError, load_plan, read_plan_file


class Command(BaseCommand):
    help = "载入行动方案文件（默认为随附的嘉府发〔2023〕2号）；可重复运行，出错时不写入任何数据。"

    def add_arguments(self, parser):
        parser.add_argument("path", nargs="?", default=str(DEFAULT_PLAN_FILE))
        parser.add_argument(
            "--sync-members",
            action="store_true",
            help="为已存在的集合单位（各街镇等）补充文件列出、数据库中缺少的默认成员（只增不删），"
            "新成员自下一填报周期起须填报",
        )

    def handle(self, path, sync_members=False, **options):
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

from django.core.management.base import BaseCommand, CommandError

from security import audit
from tasks.planfile import DEFAULT_PLAN_FILE, PlanFileError, load_plan, read_plan_file


class Command(BaseCommand):
    help = "载入行动方案文件（默认为随附的嘉府发〔2023〕2号）；可重复运行，出错时不写入任何数据。"

    def add_arguments(self, parser):
        parser.add_argument("path", nargs="?", default=str(DEFAULT_PLAN_FILE))

    def handle(self, path, **options):
        try:
            spec = read_plan_file(path)
        except PlanFileError as exc:
            audit.record(audit.Kind.PLAN_LOADED, result=audit.Result.FAILURE, detail=str(exc))
            raise CommandError(f"未载入：{exc}") from exc
        result = load_plan(spec)
        audit.record(
            audit.Kind.PLAN_LOADED,
            detail=f"{path}：{spec.doc_number}，新建 {result.created}，更新 {result.updated}，未变 {result.unchanged}",
        )
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

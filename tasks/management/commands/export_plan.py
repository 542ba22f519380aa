from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from security import audit
from tasks.management.plan_option import add_plan_argument, chosen_plan
from tasks.plans.planexport import write_plan_table


class Command(BaseCommand):
    help = "把行动方案导出为它的任务分工表（Word .docx 或 Excel .xlsx，通知附件的版式，A4 打印）；可用 load_plan 原样载入。"

    def add_arguments(self, parser):
        parser.add_argument("path", help="输出文件，如 任务分工.docx 或 任务分工.xlsx")
        add_plan_argument(parser)

    def handle(self, path, plan=None, **options):
        fmt = Path(path).suffix.lower().lstrip(".")
        if fmt not in ("docx", "xlsx"):
            raise CommandError("输出文件应以 .docx 或 .xlsx 结尾")
        found = chosen_plan(plan)
        try:
            write_plan_table(found, path, fmt)
        except OSError as exc:
            raise CommandError(f"无法写入 {path}：{exc}") from exc
        audit.record(audit.Kind.PLAN_EXPORTED, obj=found, detail=f"任务分工表 {path}")
        self.stdout.write(self.style.SUCCESS(f"已导出《{found.title}》的任务分工表：{path}"))

from django.core.management.base import BaseCommand, CommandError

from tasks.models import Plan
from tasks.statussheet import default_plan, write_status_sheet


class Command(BaseCommand):
    help = "导出台账（Excel 状态表）。数据库为空时只写表头。"

    def add_arguments(self, parser):
        parser.add_argument("path", help="输出文件，如 台账.xlsx")
        parser.add_argument("--plan", help="行动方案文号，默认为最新的方案")

    def handle(self, path, plan=None, **options):
        if plan:
            found = Plan.objects.filter(doc_number=plan).first()
            if found is None:
                raise CommandError(f"找不到文号为“{plan}”的行动方案")
        else:
            found = default_plan()
        try:
            write_status_sheet(found, path)
        except OSError as exc:
            raise CommandError(f"无法写入 {path}：{exc}") from exc
        self.stdout.write(self.style.SUCCESS(f"已导出台账：{path}"))

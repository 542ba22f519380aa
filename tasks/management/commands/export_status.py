from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from security import audit
from tasks.documents.statussheet import SheetScope, write_status_sheet
from tasks.management.plan_option import add_plan_argument, chosen_plan
from tasks.models import Period


class Command(BaseCommand):
    help = "导出台账（Excel 状态表）。数据库为空时只写表头。"

    def add_arguments(self, parser):
        parser.add_argument("path", help="输出文件，如 台账.xlsx")
        add_plan_argument(parser)
        parser.add_argument("--approved", action="store_true", help="只导出已审核的填报（默认为最新提交的填报）")
        parser.add_argument(
            "--period", help="填报周期名称（如“2024年第二季度”），默认为当前周期；可导出任一过去周期当时的状态"
        )

    def handle(self, path, plan=None, period=None, approved=False, **options):
        found = chosen_plan(plan, required=False)
        today = timezone.localdate()
        chosen = None
        if found is not None:
            if period:
                chosen = Period.objects.filter(plan=found, name=period).first()
                if chosen is None:
                    names = "、".join(found.periods.values_list("name", flat=True))
                    raise CommandError(f"找不到填报周期“{period}”。可选：{names}")
            else:
                chosen = Period.objects.current(found, today)
        scope = SheetScope(plan=found, period=chosen, today=today, approved_only=approved)
        try:
            write_status_sheet(scope, path)
        except OSError as exc:
            raise CommandError(f"无法写入 {path}：{exc}") from exc
        audit.record(audit.Kind.SHEET_EXPORTED, detail=f"{path}（{chosen.name if chosen else '无周期'}）")
        self.stdout.write(self.style.SUCCESS(f"已导出台账：{path}"))

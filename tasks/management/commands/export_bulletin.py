from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from security import audit
from tasks.documents import bulletin
from tasks.management.plan_option import add_plan_argument, chosen_plan
from tasks.models import Period


class Command(BaseCommand):
    help = "生成季度通报（Word 草稿）：总体情况、各任务进展、红黄灯措施、点名、下一步工作。"

    def add_arguments(self, parser):
        parser.add_argument("path", help="输出文件，如 通报.docx")
        add_plan_argument(parser)
        parser.add_argument("--period", help="填报周期名称（如“2025年第四季度”），默认为当前周期")

    def handle(self, path, plan=None, period=None, **options):
        found = chosen_plan(plan)
        today = timezone.localdate()
        if period:
            chosen = Period.objects.filter(plan=found, name=period).first()
            if chosen is None:
                names = "、".join(found.periods.values_list("name", flat=True))
                raise CommandError(f"找不到填报周期“{period}”。可选：{names}")
        else:
            chosen = Period.objects.current(found, today)
            if chosen is None:
                raise CommandError("没有可通报的填报周期")
        draft = bulletin.collect(found, chosen, today)
        try:
            bulletin.write(draft, path)
        except OSError as exc:
            raise CommandError(f"无法写入 {path}：{exc}") from exc
        audit.record(
            audit.Kind.BULLETIN_EXPORTED, obj=chosen, detail=f"{path}：{draft.title}（截至 {draft.today:%Y-%m-%d}）"
        )
        self.stdout.write(self.style.SUCCESS(f"已生成通报：{path}（{draft.title}，截至 {draft.today:%Y-%m-%d}）"))

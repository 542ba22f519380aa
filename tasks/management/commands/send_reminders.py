from django.core.management.base import BaseCommand
from django.utils import timezone

from tasks.reminders import pending_reminders, send
from tasks.statussheet import default_plan


class Command(BaseCommand):
    help = "向 7 天内到期或已逾期未提交的单位联络员发送催报邮件；同一天重复运行不会重复发送。"

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="只列出将要发送的邮件，不发送")

    def handle(self, dry_run=False, **options):
        plan = default_plan()
        if plan is None:
            self.stdout.write("尚未载入行动方案，没有需要催报的事项。")
            return
        today = timezone.localdate()
        period, reminders = pending_reminders(plan, today)
        if period is None:
            self.stdout.write("没有开放的填报周期，没有需要催报的事项。")
            return
        sent = 0
        for reminder in reminders:
            if dry_run:
                self.stdout.write(f"[预览] {reminder.unit.name} → {', '.join(reminder.recipients)}：{reminder.subject}")
            elif send(period, reminder, today):
                sent += 1
        if dry_run:
            self.stdout.write(f"预览完毕：将向 {len(reminders)} 个单位发送催报邮件（未发送）。")
        else:
            self.stdout.write(self.style.SUCCESS(f"已向 {sent} 个单位发送催报邮件（{period.name}）。"))

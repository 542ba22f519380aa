import smtplib

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from tasks.models import Plan
from tasks.reminders import pending_reminders, send


class Command(BaseCommand):
    help = "向 7 天内到期或已逾期未提交的单位联络员发送催报邮件；同一天重复运行不会重复发送。"

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="只列出将要发送的邮件，不发送")

    def handle(self, dry_run=False, **options):
        plan = Plan.objects.default()
        if plan is None:
            self.stdout.write("尚未载入行动方案，没有需要催报的事项。")
            return
        today = timezone.localdate()
        period, reminders = pending_reminders(plan, today)
        if period is None:
            self.stdout.write("没有开放的填报周期，没有需要催报的事项。")
            return
        sent, failed = 0, []
        for reminder in reminders:
            if dry_run:
                self.stdout.write(f"[预览] {reminder.unit.name} → {', '.join(reminder.recipients)}：{reminder.subject}")
                continue
            try:
                if send(period, reminder, today):
                    sent += 1
            except (OSError, smtplib.SMTPException) as exc:
                # One unit's bad address must not stop the others' reminders.
                failed.append(reminder.unit.name)
                self.stderr.write(self.style.ERROR(f"发给{reminder.unit.name}的催报邮件发送失败：{exc}"))
        if dry_run:
            self.stdout.write(f"预览完毕：将向 {len(reminders)} 个单位发送催报邮件（未发送）。")
        else:
            self.stdout.write(self.style.SUCCESS(f"已向 {sent} 个单位发送催报邮件（{period.name}）。"))
            if failed:
                raise CommandError(f"{len(failed)} 个单位的催报邮件未发出：{'、'.join(failed)}；下次运行会重试。")

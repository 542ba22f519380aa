import smtplib

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from tasks.reminders import pending_reminders, post_period_notices, reminded_plans, send


class Command(BaseCommand):
    help = (
        "每日运行：对每个当前填报周期仍在接受填报的行动方案，向 7 天内到期或已逾期未提交的单位联络员发送催报邮件和"
        "站内消息（同一天重复运行不会重复发送），并在填报周期开放时通知各单位联络员（每人每期一次）；每条消息写明所属方案。"
    )

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="只列出将要发送的邮件，不发送")

    def handle(self, dry_run=False, **options):
        today = timezone.localdate()
        plans = reminded_plans(today)
        if not plans:
            self.stdout.write("没有正在接受填报的周期，没有需要催报的事项。")
            return
        failed = []
        for plan, period in plans:
            failed += self._remind(plan, period, today, dry_run)
        if failed:
            raise CommandError(f"{len(failed)} 个单位的催报邮件未发出：{'、'.join(failed)}；下次运行会重试。")

    def _remind(self, plan, period, today, dry_run):
        """One plan's reminders; the names of the units whose mail failed."""
        name = f"{plan.doc_number} {period.name}"
        _, reminders = pending_reminders(plan, today)
        if dry_run:
            for reminder in reminders:
                to = ", ".join(reminder.recipients) or "（无人接收邮件，仅站内消息）"
                self.stdout.write(f"[预览] {name} {reminder.unit.name} → {to}：{reminder.subject}")
            emailed = sum(1 for reminder in reminders if reminder.recipients)
            self.stdout.write(f"预览完毕：{name}将向 {emailed} 个单位发送催报邮件（未发送）。")
            return []
        told = post_period_notices(plan, today)
        if told:
            self.stdout.write(f"已通知 {told} 位联络员：{name}进展填报已开放。")
        sent, failed = 0, []
        for reminder in reminders:
            try:
                if send(period, reminder, today):
                    sent += 1
            except (OSError, smtplib.SMTPException) as exc:
                # One unit's bad address must not stop the others' reminders.
                failed.append(reminder.unit.name)
                self.stderr.write(self.style.ERROR(f"发给{reminder.unit.name}的催报邮件发送失败：{exc}"))
        self.stdout.write(self.style.SUCCESS(f"已向 {sent} 个单位发送催报邮件（{name}）。"))
        return failed

from django.core.management.base import BaseCommand
from django.utils import timezone

from tasks.followup import schedule
from tasks.followup.reminders import pending_reminders, post_period_notices, reminded_plans, send
from tasks.models import DailyRun


class Command(BaseCommand):
    help = (
        "每日运行：对每个当前填报周期仍在接受填报的行动方案，向 7 天内到期或已逾期未提交的单位联络员发送催报邮件和"
        "站内消息（邮件由后台任务发出；每条消息写明所属方案），并在填报周期开放时通知各单位联络员（每人每期一次）。"
        "多台服务器同时运行时，每天只有一台执行。"
    )

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="只列出将要发送的邮件，不发送")

    def handle(self, dry_run=False, **options):
        today = timezone.localdate()
        if dry_run:
            return self.run_today(today, dry_run=True)
        with schedule.once_a_day(DailyRun.Job.SEND_REMINDERS, today) as run:
            if run is None:
                other = schedule.claimed_run(DailyRun.Job.SEND_REMINDERS, today)
                started = timezone.localtime(other.started_at) if other else None
                self.stdout.write(
                    f"今天（{today:%Y-%m-%d}）的催报已由 {other.claimed_by if other else '另一台服务器'}"
                    + (f" 于 {started:%H:%M:%S} 开始运行" if started else "")
                    + "，本次不再运行。"
                )
                return
            self.run_today(today)

    def run_today(self, today, dry_run=False):
        plans = reminded_plans(today)
        if not plans:
            self.stdout.write("没有正在接受填报的周期，没有需要催报的事项。")
            return
        for plan, period in plans:
            self.remind(plan, period, today, dry_run)

    def remind(self, plan, period, today, dry_run):
        """One plan's reminders, named by its 文号 and period."""
        name = f"{plan.doc_number} {period.name}"
        _, reminders = pending_reminders(plan, today)
        if dry_run:
            for reminder in reminders:
                to = ", ".join(reminder.recipients) or "（无人接收邮件，仅站内消息）"
                self.stdout.write(f"[预览] {name} {reminder.unit.name} → {to}：{reminder.subject}")
            emailed = sum(1 for reminder in reminders if reminder.recipients)
            self.stdout.write(f"预览完毕：{name}将向 {emailed} 个单位发送催报邮件（未发送）。")
            return
        told = post_period_notices(plan, today)
        if told:
            self.stdout.write(f"已通知 {told} 位联络员：{name}进展填报已开放。")
        sent = sum(1 for reminder in reminders if send(period, reminder, today))
        self.stdout.write(
            self.style.SUCCESS(f"已向 {sent} 个单位发送催报邮件（{name}），由后台任务投递，失败时自动重试。")
        )

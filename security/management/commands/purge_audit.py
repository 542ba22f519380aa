from django.core.management.base import BaseCommand, CommandError

from security import retention


class Command(BaseCommand):
    help = (
        f"删除早于指定天数的审计日志（至少保留 {retention.MINIMUM_DAYS} 天，等保要求不少于六个月）。"
        "本命令本身记入审计日志。"
    )

    def add_arguments(self, parser):
        parser.add_argument("--older-than-days", type=int, required=True, help="删除早于这么多天的记录")
        parser.add_argument("--yes", action="store_true", help="确认删除")

    def handle(self, older_than_days, yes, **options):
        try:
            count, cutoff = retention.purge(older_than_days, dry_run=not yes)
        except retention.RetentionError as exc:
            raise CommandError(str(exc)) from None
        if yes:
            self.stdout.write(self.style.SUCCESS(f"已删除 {cutoff:%Y-%m-%d %H:%M} 之前的审计日志 {count} 条。"))
        else:
            self.stdout.write(f"将删除 {cutoff:%Y-%m-%d %H:%M} 之前的审计日志 {count} 条；加 --yes 确认。")

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from security import audit
from tasks.documents import finalreport
from tasks.management.plan_option import add_plan_argument, chosen_plan


class Command(BaseCommand):
    help = "生成终期评估报告（Word 草稿）：主要目标及指标、各措施完成情况、各单位全程按时报送率、存在问题和后续安排。"

    def add_arguments(self, parser):
        parser.add_argument("path", help="输出文件，如 终期评估报告.docx")
        add_plan_argument(parser)

    def handle(self, path, plan=None, **options):
        found = chosen_plan(plan)
        draft = finalreport.collect(found, timezone.localdate())
        try:
            finalreport.write(draft, path)
        except OSError as exc:
            raise CommandError(f"无法写入 {path}：{exc}") from exc
        audit.record(
            audit.Kind.FINAL_REPORT_EXPORTED,
            obj=draft.period or found,
            detail=f"{path}：{draft.title}（截至 {draft.today:%Y-%m-%d}）",
        )
        evaluation = draft.evaluation
        state = f"已评估 {evaluation.evaluated}/{evaluation.measures} 条措施" if evaluation else "尚未开展终期评估"
        self.stdout.write(
            self.style.SUCCESS(f"已生成终期评估报告：{path}（{draft.title}，截至 {draft.today:%Y-%m-%d}，{state}）")
        )

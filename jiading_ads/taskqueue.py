"""The task queue in the database (django-tasks-db) under a Chinese name, and
its page in Django admin for the 管理员: what was queued, what ran, what
failed and why (a mail server's refusal, the attempt, whether another follows;
jiading_ads/mail.py).

In a module of its own, like security/axes_config.py: the library's app keeps
its label (django_tasks_database), so its migrations and permissions stay as
they are.
"""

from django.apps import apps
from django.contrib import admin
from django.utils.translation import gettext_lazy as _
from django_tasks_db.apps import TasksAppConfig

# The queue's task paths, as the admin names them.
TASK_NAMES = {
    "jiading_ads.mail.deliver": _("发送邮件"),
}


class TaskQueueConfig(TasksAppConfig):
    verbose_name = _("后台任务")

    def ready(self):
        super().ready()
        # django.contrib.admin comes first in INSTALLED_APPS: its autodiscovery
        # has registered the library's English admin by now.
        model = apps.get_model("django_tasks_database", "DBTaskResult")
        if admin.site.is_registered(model):
            admin.site.unregister(model)
        admin.site.register(model, TaskResultAdmin)


class TaskResultAdmin(admin.ModelAdmin):
    """Read-only: the worker writes these rows, nobody edits them."""

    list_display = ("task", "status", "attempt", "outcome", "what", "enqueued_at", "run_after_display")
    list_filter = ("status",)
    ordering = ["-enqueued_at"]
    fields = (
        "task",
        "status",
        "what",
        "attempt",
        "enqueued_at",
        "run_after_display",
        "started_at",
        "finished_at",
        "worker_ids",
        "return_value",
        "error",
    )
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False

    def change_view(self, request, object_id, form_url="", extra_context=None):
        obj = self.get_object(request, object_id)
        subtitle = f"{self.task(obj)}（{obj.get_status_display()}，第 {self.attempt(obj)} 次）" if obj else None
        return super().change_view(request, object_id, form_url, {**(extra_context or {}), "subtitle": subtitle})

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description=_("任务"), ordering="task_path")
    def task(self, obj):
        return TASK_NAMES.get(obj.task_path, obj.task_path)

    @admin.display(description=_("内容"))
    def what(self, obj):
        """For mail: each message's subject and recipients (the first three, and how many in all)."""
        args = obj.args_kwargs.get("args") or [[]]
        messages = args[0] if isinstance(args[0], list) else []
        lines = [f"{m.get('subject', '')} → {', '.join(m.get('to', []))}" for m in messages if isinstance(m, dict)]
        if len(lines) > 3:
            lines = [*lines[:3], f"……共 {len(lines)} 封"]
        return "；".join(lines) or "—"

    @admin.display(description=_("第几次"))
    def attempt(self, obj):
        args = obj.args_kwargs.get("args") or []
        return args[1] if len(args) > 1 else obj.args_kwargs.get("kwargs", {}).get("attempt", 1)

    @admin.display(description=_("最早执行时间"), ordering="run_after")
    def run_after_display(self, obj):
        from django_tasks_db.models import get_date_max

        return "立即" if obj.run_after == get_date_max() else obj.run_after

    @admin.display(description=_("结果"))
    def outcome(self, obj):
        """What was sent, or the error (its last line, without the exception's class)."""
        if obj.traceback:
            return obj.traceback.strip().splitlines()[-1].split(": ", 1)[-1][:200]
        return obj.return_value or "—"

    @admin.display(description=_("错误详情"))
    def error(self, obj):
        return obj.traceback or "—"

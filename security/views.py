import io

from axes.models import AccessAttempt
from axes.utils import reset as axes_reset
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout as auth_logout
from django.contrib.auth import views as auth_views
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django.utils import timezone
from django.views.decorators.http import require_POST
from openpyxl import Workbook
from openpyxl.styles import Font

from departments import roles
from jiading_ads import xlsx
from jiading_ads.params import configure_table

from . import audit, policy
from .clientip import client_ip
from .filters import AuditFilter
from .models import AuditEvent
from .tables import AuditTable


def permission_denied(request, exception=None):
    """handler403: every denial is an audit event, then a Chinese page."""
    audit.record(
        audit.Kind.PERMISSION_DENIED,
        result=audit.Result.DENIED,
        request=request,
        detail=f"{request.method} {request.get_full_path()[:300]}：{exception or ''}",
    )
    message = str(exception) if exception and str(exception) else "您的账号没有访问该页面的权限。"
    return render(request, "403.html", {"exception": message}, status=403)


def lockout_response(request, original_response=None, credentials=None):
    """django-axes' lockout page, in Chinese."""
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    return render(
        request,
        "security/locked_out.html",
        {"minutes": minutes, "limit": settings.AXES_FAILURE_LIMIT},
        status=429,
    )


@require_POST
def logout(request):
    """Log out here, or on every device when the user asks for it."""
    user = request.user
    everywhere = request.POST.get("everywhere") == "1"
    if user.is_authenticated and everywhere:
        policy.end_all_sessions(user)
    auth_logout(request)
    if everywhere:
        messages.success(request, "您已在所有设备上退出登录。")
    return redirect("login")


class LoginView(auth_views.LoginView):
    def get_context_data(self, **kwargs):
        from . import password_reset

        return {**super().get_context_data(**kwargs), "password_reset_enabled": password_reset.enabled()}


class PasswordChangeView(auth_views.PasswordChangeView):
    template_name = "registration/password_change_form.html"
    success_url = reverse_lazy("tasks:home")

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "history_count": settings.PASSWORD_HISTORY_COUNT}

    def form_valid(self, form):
        response = super().form_valid(form)
        messages.success(self.request, "密码已修改。")
        return response


EXPORT_COLUMNS = [
    ("时间", lambda e: timezone.localtime(e.at).strftime("%Y-%m-%d %H:%M:%S")),
    ("事件类型", lambda e: e.get_kind_display()),
    ("结果", lambda e: e.get_result_display()),
    ("用户", lambda e: e.username),
    ("操作者角色", lambda e: e.actor_role),
    ("来源地址", lambda e: e.ip_address or ""),
    ("对象类型", lambda e: e.object_type),
    ("对象 ID", lambda e: e.object_id),
    ("对象", lambda e: e.object_repr),
    ("详情", lambda e: e.detail),
]


def _audit_workbook(events):
    workbook = Workbook(write_only=True)
    sheet = xlsx.write_only_sheet(workbook, "审计日志")
    for letter, width in zip("ABCDEFGHIJ", [20, 16, 8, 14, 16, 16, 12, 10, 30, 50], strict=True):
        sheet.column_dimensions[letter].width = width
    # A write-only sheet writes its view with the first row: freeze before it.
    sheet.freeze_panes = "A2"
    header = []
    for title, _ in EXPORT_COLUMNS:
        cell = xlsx.guarded_cell(sheet, title)
        cell.font = Font(bold=True)
        header.append(cell)
    sheet.append(header)
    for event in events.iterator(chunk_size=2000):
        row = []
        for _, get in EXPORT_COLUMNS:
            row.append(xlsx.guarded_cell(sheet, get(event)))
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


@roles.check_required(roles.reads_audit_trail, "只有审计员可以查看审计日志。")
def audit_trail(request):
    audit_filter = AuditFilter(request.GET or None, queryset=AuditEvent.objects.all())
    events = audit_filter.qs
    if request.GET.get("export") == "xlsx":
        audit.record(audit.Kind.AUDIT_EXPORTED, detail=f"条件：{request.GET.urlencode()[:500]}")
        day = timezone.localdate()
        return xlsx.download(
            _audit_workbook(events.order_by("-at", "-pk")),
            f"审计日志_{day:%Y-%m-%d}.xlsx",
            f"audit_{day:%Y-%m-%d}.xlsx",
        )
    table = AuditTable(events)
    configure_table(request, table, per_page=50)
    export_query = request.GET.copy()
    export_query.pop("page", None)
    export_query["export"] = "xlsx"
    return render(
        request,
        "security/audit_trail.html",
        {"filter": audit_filter, "table": table, "export_query": export_query.urlencode()},
    )


@roles.check_required(roles.can_unlock, "只有安全管理员可以解除锁定。")
def lockouts(request):
    if request.method == "POST":
        username = request.POST.get("username", "").strip()
        ip_address = request.POST.get("ip_address", "").strip()
        if not username and not ip_address:
            # axes' reset() with neither would clear every account's failures.
            messages.error(request, "请指定要解除锁定的账号或来源地址。")
            return redirect("security:lockouts")
        if username == request.user.get_username() or (not username and ip_address == client_ip(request)):
            raise PermissionDenied("不能解除自己账号或自己所在地址的锁定：请由另一位安全管理员操作。")
        count = axes_reset(username=username or None, ip=ip_address or None)
        target = "、".join(filter(None, [username and f"账号 {username}", ip_address and f"地址 {ip_address}"]))
        audit.record(audit.Kind.UNLOCK, detail=f"解除锁定：{target}（清除 {count} 条失败记录）")
        messages.success(request, f"已解除锁定：{target}。")
        return redirect("security:lockouts")
    since = timezone.now() - settings.AXES_COOLOFF_TIME
    attempts = AccessAttempt.objects.filter(attempt_time__gte=since).order_by("-attempt_time")
    rows = [(a, a.failures_since_start >= settings.AXES_FAILURE_LIMIT) for a in attempts]
    return render(request, "security/lockouts.html", {"rows": rows, "limit": settings.AXES_FAILURE_LIMIT})

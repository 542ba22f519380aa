"""站内消息: the user's notifications, opening one (a POST: marks it read), 全部标为已读,
and the user's email setting. Who gets which notification is tasks/notifications.py."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from security import audit
from tasks import access
from tasks.followup.forms import NotificationSettingsForm
from tasks.models import Notification, NotificationSettings


def _get_notification_for_user(request, pk):
    """One of the user's own notifications; 404 for anyone else's."""
    return get_object_or_404(Notification, pk=pk, user=request.user)


@access.non_auditor_login_required
def notification_list(request):
    notices = Notification.objects.filter(user=request.user).order_by("-created_at", "-pk")
    page = Paginator(notices, 30).get_page(request.GET.get("page"))
    return render(request, "tasks/notifications.html", {"page": page, "notices": page.object_list})


@access.non_auditor_login_required
def notification_open(request, pk):
    """Opening a notification (the list's links submit a POST) marks it read and
    goes to what it is about. A GET (a bookmarked or prefetched address)
    changes nothing: it only goes there."""
    notice = _get_notification_for_user(request, pk)
    if request.method == "POST" and notice.read_at is None:
        Notification.objects.filter(pk=notice.pk, read_at__isnull=True).update(read_at=timezone.now())
    target = notice.url
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        target = "/"
    return redirect(target)


@access.non_auditor_login_required
@require_POST
def notification_read_all(request):
    count = Notification.objects.filter(user=request.user, read_at__isnull=True).update(read_at=timezone.now())
    messages.success(request, f"已将 {count} 条消息标为已读。" if count else "没有未读消息。")
    return redirect("tasks:notifications")


@access.non_auditor_login_required
def notification_settings(request):
    """Email on or off; each change is an audit record."""
    current = NotificationSettings.objects.filter(user=request.user).first() or NotificationSettings(user=request.user)
    was = current.email_enabled
    # An unticked box posts nothing: bind the form on any POST.
    form = NotificationSettingsForm(request.POST if request.method == "POST" else None, instance=current)
    if request.method == "POST" and form.is_valid():
        saved = form.save()
        if saved.email_enabled != was:
            shown = {True: "开", False: "关"}
            audit.record(
                audit.Kind.NOTIFICATION_SETTINGS,
                obj=request.user,
                detail=f"邮件通知：{shown[was]} → {shown[saved.email_enabled]}",
            )
        messages.success(request, "通知设置已保存。")
        return redirect("tasks:notifications")
    return render(request, "tasks/notification_settings.html", {"form": form})

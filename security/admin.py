from axes.admin import AccessAttemptAdmin, AccessFailureLogAdmin, AccessLogAdmin
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.contrib.auth.forms import AdminPasswordChangeForm
from django.contrib.auth.models import User

from . import audit, policy


class ResetPasswordForm(AdminPasswordChangeForm):
    """An admin who sets someone's password makes them change it at next login."""

    def save(self, commit=True):
        self.user._password_reset_by_admin = True
        user = super().save(commit=commit)
        if commit:
            policy.require_password_change(user)
            audit.record(audit.Kind.PASSWORD_RESET, obj=user, detail=f"管理员重置了 {user.username} 的密码")
        return user


class TrackerUserAdmin(UserAdmin):
    change_password_form = ResetPasswordForm

    def has_delete_permission(self, request, obj=None):
        # Accounts are deactivated (启用 off), never deleted: the audit trail
        # and the reports' history keep naming them.
        return False

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if not change:
            policy.require_password_change(obj)
            audit.record(audit.Kind.ACCOUNT_CHANGED, obj=obj, detail=f"管理员创建账号 {obj.username}")


admin.site.unregister(User)
admin.site.register(User, TrackerUserAdmin)
# AuditEvent is deliberately not registered: the trail is read at /audit/
# by the auditor and cannot be edited or deleted through the admin.


class ReadOnlyAxesMixin:
    """Login failures and lockouts are shown, never edited or deleted here:
    deleting a row would unlock an account without a trace. Unlocking is
    /security/lockouts/, which records who unlocked what."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


for _model, _admin_class in [
    (AccessAttempt, AccessAttemptAdmin),
    (AccessLog, AccessLogAdmin),
    (AccessFailureLog, AccessFailureLogAdmin),
]:
    if admin.site.is_registered(_model):
        admin.site.unregister(_model)
    admin.site.register(_model, type(_admin_class.__name__, (ReadOnlyAxesMixin, _admin_class), {}))

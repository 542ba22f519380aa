import ipaddress

from axes.admin import AccessAttemptAdmin, AccessFailureLogAdmin, AccessLogAdmin
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.contrib import admin
from django.contrib.auth.admin import GroupAdmin, UserAdmin
from django.contrib.auth.forms import AdminPasswordChangeForm, UserChangeForm
from django.contrib.auth.models import Group, User
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from departments import roles
from jiading_ads.errors import bad_request

from . import audit, duties, policy


class ResetPasswordForm(AdminPasswordChangeForm):
    """An admin who sets someone's password makes them change it at next login."""

    def save(self, commit=True):
        self.user._password_reset_by_admin = True
        user = super().save(commit=commit)
        if commit:
            policy.require_password_change(user)
            audit.record(audit.Kind.PASSWORD_RESET, obj=user, detail=f"管理员重置了 {user.username} 的密码")
        return user


class TrackerUserChangeForm(UserChangeForm):
    def clean(self):
        cleaned = super().clean()
        groups = cleaned.get("groups")
        if groups is not None:
            reason = duties.role_conflict({g.name for g in groups}, self.instance.is_superuser)
            if reason:
                self.add_error("groups", reason)
        return cleaned


class TrackerUserAdmin(UserAdmin):
    change_password_form = ResetPasswordForm
    form = TrackerUserChangeForm

    def get_readonly_fields(self, request, obj=None):
        # Superuser status comes only from create_breakglass; roles, rights and
        # the staff flag only from a 安全管理员, never for their own account
        # (security/duties.py refuses it on the models too).
        fields = ["is_superuser", "last_login", "date_joined"]
        if obj is not None and (obj.pk == request.user.pk or not roles.is_security_admin(request.user)):
            fields += ["is_staff", "groups", "user_permissions"]
        return fields

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


class RoleAdmin(GroupAdmin):
    """Roles are shown with their permissions, which come from
    departments/roles.PERMISSIONS and cannot be edited here."""

    readonly_fields = ["permissions"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


admin.site.unregister(Group)
admin.site.register(Group, RoleAdmin)
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

    def changelist_view(self, request, extra_context=None):
        # An address filter that is not an address would reach PostgreSQL's
        # inet type as an error (and abort the transaction): refuse it first.
        for key, value in request.GET.items():
            if key.startswith("ip_address") and not key.endswith("__isnull"):
                try:
                    ipaddress.ip_address(value.strip())
                except ValueError:
                    return bad_request(request)
        return super().changelist_view(request, extra_context)


for _model, _admin_class in [
    (AccessAttempt, AccessAttemptAdmin),
    (AccessLog, AccessLogAdmin),
    (AccessFailureLog, AccessFailureLogAdmin),
]:
    if admin.site.is_registered(_model):
        admin.site.unregister(_model)
    admin.site.register(_model, type(_admin_class.__name__, (ReadOnlyAxesMixin, _admin_class), {}))


# Devices are reset only on /security/two-factor/, by a 安全管理员, with an audit record.
for _model in (TOTPDevice, StaticDevice):
    if admin.site.is_registered(_model):
        admin.site.unregister(_model)

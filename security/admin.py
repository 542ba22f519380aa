import ipaddress

from axes.admin import AccessAttemptAdmin, AccessFailureLogAdmin, AccessLogAdmin
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django import forms
from django.contrib import admin, messages
from django.contrib.admin.widgets import FilteredSelectMultiple
from django.contrib.auth.admin import GroupAdmin, UserAdmin
from django.contrib.auth.forms import AdminPasswordChangeForm, AdminUserCreationForm, UserChangeForm
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group, User
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from departments import roles
from departments.models import Membership, Unit
from jiading_ads.errors import bad_request

from . import audit, duties, keys, policy


class ResetPasswordForm(AdminPasswordChangeForm):
    """An admin who sets someone's password makes them change it at next
    login; an account holding the keys waits for a second 安全管理员
    (security/keys.py). The form itself never saves: the admin view asks keys."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Every account logs in with a password; an account is stopped by 有效 off.
        self.fields.pop("usable_password", None)


class UnitChooser(FilteredSelectMultiple):
    """Django's two-box chooser, laid out beside its label as admin lays out a
    model's many-to-many field (which it wraps in the same element)."""

    def render(self, *args, **kwargs):
        return format_html('<div class="related-widget-wrapper">{}</div>', super().render(*args, **kwargs))


def _units_field():
    return forms.ModelMultipleChoiceField(
        label=_("所属单位（单位联络员）"),
        queryset=Unit.objects.exclude(kind=Unit.Kind.COLLECTIVE),
        required=False,
        widget=UnitChooser(_("单位"), is_stacked=False),
        help_text=_(
            "该账号作为哪些单位的联络员填报；选定后，其登录首页即为该单位的待办。"
            "管理员、安全管理员、审计员不能同时是单位联络员（三员分立）。联络员的电话在单位页面维护。"
        ),
    )


class AccountRulesMixin:
    """The 三员分立 check of the roles and units chosen in the form, as the models will check them."""

    def _name_the_roles(self):
        if "groups" in self.fields:
            self.fields["groups"].label = _("角色")
            self.fields["groups"].help_text = _(
                "管理员、安全管理员、审计员三者不能兼任，也不能兼任协调人、查看或单位联络员；审计员不兼任任何其他角色。"
                "单位联络员不是角色：在下方选择所属单位。"
            )

    def _check_roles_and_units(self, cleaned):
        groups = cleaned.get("groups")
        units = cleaned.get("units")
        if groups is None and units is None:
            return
        keys = duties.keys_of_groups([g.pk for g in groups]) if groups is not None else roles.keys_of(self.instance)
        has_units = bool(units) if units is not None else Membership.objects.filter(user=self.instance).exists()
        reason = duties.role_conflict(keys, bool(self.instance.is_superuser), has_units)
        if reason:
            self.add_error("groups" if groups is not None else None, reason)


class TrackerUserCreationForm(AccountRulesMixin, AdminUserCreationForm):
    """A new account in one form: name, email, role and units (the 安全管理员's)."""

    units = _units_field()

    class Meta(AdminUserCreationForm.Meta):
        fields = ("username", "first_name", "email", "groups")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Every account logs in with a password (and must change it at first login).
        self.fields.pop("usable_password", None)
        self._name_the_roles()

    def clean(self):
        cleaned = super().clean()
        self._check_roles_and_units(cleaned)
        return cleaned


class TrackerUserChangeForm(AccountRulesMixin, UserChangeForm):
    units = _units_field()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._name_the_roles()
        if "units" in self.fields and self.instance.pk:
            self.fields["units"].initial = list(
                Membership.objects.filter(user=self.instance).values_list("unit_id", flat=True)
            )

    def clean(self):
        cleaned = super().clean()
        self._check_roles_and_units(cleaned)
        return cleaned


class TrackerUserAdmin(UserAdmin):
    change_password_form = ResetPasswordForm
    form = TrackerUserChangeForm
    add_form = TrackerUserCreationForm
    filter_horizontal = ("groups",)
    list_display = ("username", "first_name", "email", "role_list", "is_active", "is_staff")

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("groups")

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if db_field.name == "groups":
            kwargs["widget"] = FilteredSelectMultiple(_("角色"), is_stacked=False)
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    @admin.display(description=_("角色"))
    def role_list(self, user):
        return "、".join(sorted(group.name for group in user.groups.all())) or "—"

    def _manages_accounts(self, request, obj):
        """A 安全管理员, for an account not their own: roles, units, staff flag."""
        return roles.is_security_admin(request.user) and (obj is None or obj.pk != request.user.pk)

    def get_fieldsets(self, request, obj=None):
        # Direct permissions are never offered: an account's permissions are
        # its roles' (三员分立, security/duties.py refuses them on the model too).
        manages = self._manages_accounts(request, obj)
        if obj is None:
            fields = ["username", "first_name", "email", "password1", "password2"]
            if manages:
                fields += ["groups", "units"]
            return [(None, {"classes": ["wide"], "fields": fields})]
        return [
            (None, {"fields": ["username", "password"]}),
            (_("个人信息"), {"fields": ["first_name", "last_name", "email"]}),
            (
                _("角色和单位"),
                {"fields": ["is_active", "is_staff", "is_superuser", "groups", "units" if manages else "unit_list"]},
            ),
            (_("重要日期"), {"fields": ["last_login", "date_joined"]}),
        ]

    def get_readonly_fields(self, request, obj=None):
        # Superuser status comes only from create_breakglass; roles, units and
        # the staff flag only from a 安全管理员, never for their own account
        # (security/duties.py refuses it on the models too).
        fields = ["is_superuser", "last_login", "date_joined", "unit_list"]
        if obj is not None and not self._manages_accounts(request, obj):
            fields += ["is_staff", "groups"]
        return fields

    @admin.display(description=_("所属单位（单位联络员）"))
    def unit_list(self, user):
        return "、".join(Unit.objects.filter(memberships__user=user).values_list("name", flat=True)) or "—"

    def has_delete_permission(self, request, obj=None):
        # Accounts are deactivated (启用 off), never deleted: the audit trail
        # and the reports' history keep naming them.
        return False

    def save_model(self, request, obj, form, change):
        groups = form.cleaned_data.get("groups")
        if (
            groups is not None
            and not obj.is_staff
            and duties.keys_of_groups([g.pk for g in groups])
            & {
                roles.ADMIN,
                roles.SECURITY_ADMIN,
            }
        ):
            obj.is_staff = True  # the administrators' roles work in Django admin
        super().save_model(request, obj, form, change)
        if not change:
            policy.require_password_change(obj)
            audit.record(audit.Kind.ACCOUNT_CHANGED, obj=obj, detail=f"创建账号 {obj.username}")

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        units = form.cleaned_data.get("units")
        if units is None or "units" not in form.fields:
            return
        user = form.instance
        current = set(Membership.objects.filter(user=user).values_list("unit_id", flat=True))
        wanted = {unit.pk for unit in units}
        for membership in Membership.objects.filter(user=user, unit_id__in=current - wanted):
            membership.delete()
        for unit in units:
            if unit.pk not in current:
                Membership.objects.create(user=user, unit=unit)

    def user_change_password(self, request, id, form_url=""):
        target = self.get_object(request, id)
        if target is not None and self.has_change_permission(request, target):
            try:
                keys.check_may_reset(target, request.user)
            except keys.ResetRefused as exc:
                raise PermissionDenied(str(exc)) from None
            if request.method == "POST":
                form = self.change_password_form(target, request.POST)
                if form.is_valid():
                    return self._reset_password(request, target, form.cleaned_data["password1"])
            elif keys.needs_two_people(target):
                messages.info(
                    request,
                    f"{target.username} 的密码须由另一位安全管理员批准后才会重置；提交后请通知另一位安全管理员在“动态口令”页面批准。",
                )
        return super().user_change_password(request, id, form_url)

    def _reset_password(self, request, target, password):
        reset = keys.set_password(target, make_password(password), request.user)
        if reset is None:
            messages.success(request, f"已重置 {target.username} 的密码；该账号下次登录时须修改密码。")
        else:
            messages.info(
                request,
                f"已提交重置 {target.username} 密码的申请：须由另一位安全管理员在“动态口令”页面批准后生效（{keys.REQUEST_HOURS} 小时内）。",
            )
        return redirect("admin:auth_user_change", target.pk)


admin.site.unregister(User)
admin.site.register(User, TrackerUserAdmin)


class RoleAdmin(GroupAdmin):
    """Roles are shown with their permissions, which come from
    departments/roles.PERMISSIONS and cannot be edited here. The name is a
    label: the rules read the role's key (departments.models.Role)."""

    fields = ["name", "role_key", "permission_list"]
    readonly_fields = ["role_key", "permission_list"]
    list_display = ["name", "role_key"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("role")

    @admin.display(description=_("角色标识（系统据此判断，不随名称改变）"))
    def role_key(self, group):
        role = getattr(group, "role", None)
        return str(role) if role is not None else "—（不是系统角色）"

    @admin.display(description=_("权限"))
    def permission_list(self, group):
        return "；".join(
            group.permissions.order_by("content_type__app_label", "codename").values_list("name", flat=True)
        )

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

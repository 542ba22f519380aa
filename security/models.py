from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class AppendOnlyError(Exception):
    pass


class AuditQuerySet(models.QuerySet):
    """Audit records are never changed or deleted through the application."""

    def update(self, **kwargs):
        raise AppendOnlyError("审计日志只能追加，不能修改。")

    def delete(self):
        raise AppendOnlyError("审计日志只能追加，不能删除。")

    def bulk_create(self, objs, *args, **kwargs):
        if kwargs.get("update_conflicts") or kwargs.get("ignore_conflicts"):
            raise AppendOnlyError("审计日志只能追加，不能覆盖已有记录。")
        return super().bulk_create(objs, *args, **kwargs)

    def bulk_update(self, objs, fields, batch_size=None):
        raise AppendOnlyError("审计日志只能追加，不能修改。")


class AuditEvent(models.Model):
    class Kind(models.TextChoices):
        LOGIN = "login", _("登录成功")
        LOGIN_FAILED = "login_failed", _("登录失败")
        LOGOUT = "logout", _("退出登录")
        LOCKOUT = "lockout", _("账号/地址锁定")
        UNLOCK = "unlock", _("解除锁定")
        SESSION_EXPIRED = "session_expired", _("会话超时")
        PASSWORD_CHANGED = "password_changed", _("修改密码")
        PASSWORD_RESET = "password_reset", _("重置密码")
        PASSWORD_RESET_REQUESTED = "reset_requested", _("申请邮件重置密码")
        PASSWORD_RESET_DONE = "reset_done", _("通过邮件重置密码")
        PERMISSION_DENIED = "permission_denied", _("拒绝访问（403）")
        ROLE_CHANGED = "role_changed", _("角色变更")
        MEMBERSHIP_CHANGED = "membership_changed", _("单位成员变更")
        ACCOUNT_CHANGED = "account_changed", _("账号变更")
        PLAN_LOADED = "plan_loaded", _("载入行动方案")
        REPORT_APPROVED = "report_approved", _("填报审核通过")
        REPORT_RETURNED = "report_returned", _("填报退回")
        REPORT_REOPENED = "report_reopened", _("填报重新打开")
        REPORT_DRAFT_SAVED = "report_draft_saved", _("填报保存草稿")
        REPORT_SUBMITTED = "report_submitted", _("填报提交")
        REPORT_RESUBMITTED = "report_resubmitted", _("填报重新提交")
        REPORT_EDITED = "report_edited", _("填报修改（已提交）")
        REPORT_WITHDRAWN = "report_withdrawn", _("填报撤回")
        REPORT_IMPORTED = "report_imported", _("填报从台账导入")
        EVIDENCE_UPLOADED = "evidence_uploaded", _("上传佐证材料")
        EVIDENCE_DOWNLOADED = "evidence_downloaded", _("下载佐证材料")
        EVIDENCE_DELETED = "evidence_deleted", _("删除佐证材料")
        PERIOD_REFUSED = "period_refused", _("填报周期被拒绝")
        PERIOD_CHANGED = "period_changed", _("填报周期变更")
        REMINDER_SENT = "reminder_sent", _("催报")
        NOTIFICATION_SETTINGS = "notification_settings", _("通知设置变更")
        PLAN_CHANGED = "plan_changed", _("方案数据变更")
        UNIT_CHANGED = "unit_changed", _("单位变更")
        SHEET_EXPORTED = "sheet_exported", _("导出台账")
        SHEET_IMPORTED = "sheet_imported", _("导入台账")
        AUDIT_EXPORTED = "audit_exported", _("导出审计日志")
        AUDIT_PURGED = "audit_purged", _("清理过期审计日志")
        SUPERUSER_ACTION = "superuser_action", _("应急超级用户操作")
        TWO_FACTOR_ENROLLED = "2fa_enrolled", _("绑定动态口令")
        TWO_FACTOR_VERIFIED = "2fa_verified", _("动态口令验证")
        TWO_FACTOR_FAILED = "2fa_failed", _("动态口令错误")
        TWO_FACTOR_RESET = "2fa_reset", _("重置动态口令")
        INDICATOR_CHANGED = "indicator_changed", _("指标变更")
        BULLETIN_EXPORTED = "bulletin_exported", _("导出通报")
        FINAL_REPORT_EXPORTED = "final_report_exported", _("导出终期评估报告")
        PLAN_EXPORTED = "plan_exported", _("导出任务分工")
        INDICATOR_EVIDENCE_UPLOADED = "ind_evidence_uploaded", _("上传指标佐证材料")
        INDICATOR_EVIDENCE_DOWNLOADED = "ind_evidence_downloaded", _("下载指标佐证材料")
        KEY_RESET_REQUESTED = "key_reset_requested", _("申请重置密码或动态口令（双人）")
        KEY_RESET_APPROVED = "key_reset_approved", _("批准重置密码或动态口令（双人）")
        KEY_RESET_REFUSED = "key_reset_refused", _("拒绝或撤销重置申请（双人）")

    class Result(models.TextChoices):
        SUCCESS = "success", _("成功")
        FAILURE = "failure", _("失败")
        DENIED = "denied", _("拒绝")

    at = models.DateTimeField(_("时间"), default=timezone.now, db_index=True)
    kind = models.CharField(_("事件类型"), max_length=30, choices=Kind.choices)
    result = models.CharField(_("结果"), max_length=10, choices=Result.choices, default=Result.SUCCESS)
    # Plain values, not foreign keys: a record outlives the user and object it names.
    user_id = models.IntegerField(_("用户 ID"), null=True, blank=True)
    username = models.CharField(_("用户"), max_length=150, blank=True)
    # What the acting account was at the time (its roles, 单位联络员, 应急超级用户,
    # 命令行): a record names the real actor's role, whatever its detail says.
    actor_role = models.CharField(_("操作者角色"), max_length=200, blank=True)
    ip_address = models.GenericIPAddressField(_("来源地址"), null=True, blank=True)
    object_type = models.CharField(_("对象类型"), max_length=100, blank=True)
    object_id = models.CharField(_("对象 ID"), max_length=64, blank=True)
    object_repr = models.CharField(_("对象"), max_length=300, blank=True)
    detail = models.TextField(_("详情"), blank=True)

    objects = AuditQuerySet.as_manager()

    class Meta:
        verbose_name = _("审计日志")
        verbose_name_plural = _("审计日志")
        ordering = ["-at", "-pk"]
        indexes = [
            models.Index(fields=["kind", "at"], name="audit_kind_at"),
            models.Index(fields=["username", "at"], name="audit_username_at"),
        ]
        permissions = [("view_audit_trail", _("可查看审计日志"))]

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M:%S} {self.get_kind_display()} {self.username}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise AppendOnlyError("审计日志只能追加，不能修改。")
        # An INSERT always: a row built with an existing pk must not replace it.
        kwargs["force_insert"] = True
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError("审计日志只能追加，不能删除。")


class AccountSecurity(models.Model):
    """Password age, forced change and the session epoch of one user."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, verbose_name=_("用户"), on_delete=models.CASCADE, related_name="security"
    )
    must_change_password = models.BooleanField(_("下次登录须修改密码"), default=False)
    password_changed_at = models.DateTimeField(_("密码修改时间"), default=timezone.now)
    session_epoch = models.PositiveIntegerField(
        _("会话代次"), default=0, help_text=_("“在所有设备上退出”时加一，旧会话随即失效。")
    )
    # Told at the next login (and by email): who reset this account's password
    # or second factor, so that its owner learns of a reset he did not ask for.
    notice = models.TextField(_("待告知本人的消息"), blank=True)
    two_factor_exempt = models.BooleanField(
        _("免动态口令（仅演示）"),
        default=False,
        help_text=_("只由 seed_demo 为演示账号设置，且只在 DEBUG 开启时生效。"),
    )

    class Meta:
        verbose_name = _("账号安全状态")
        verbose_name_plural = _("账号安全状态")
        permissions = [("unlock_account", _("可解除登录锁定"))]

    def __str__(self):
        return str(self.user)


class PasswordHistory(models.Model):
    """A password hash the user had before: a new password may not repeat it."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("用户"), on_delete=models.CASCADE, related_name="password_history"
    )
    password = models.CharField(_("密码摘要"), max_length=128)
    replaced_at = models.DateTimeField(_("停用时间"), default=timezone.now)

    class Meta:
        verbose_name = _("历史密码")
        verbose_name_plural = _("历史密码")
        ordering = ["-replaced_at", "-pk"]
        indexes = [models.Index(fields=["user", "replaced_at"], name="password_history_user_at")]

    def __str__(self):
        return f"{self.user} {self.replaced_at:%Y-%m-%d}"


class KeyReset(models.Model):
    """A 安全管理员's request to reset the password or second factor of an
    account that holds the keys (a 审计员, a 安全管理员, the break-glass
    superuser): it takes effect only when a second 安全管理员 approves it
    (security/keys.py), or the operator resets on the command line."""

    class Kind(models.TextChoices):
        PASSWORD = "password", _("密码")
        TWO_FACTOR = "two_factor", _("动态口令和恢复码")

    class State(models.TextChoices):
        PENDING = "pending", _("待批准")
        DONE = "done", _("已批准并执行")
        REFUSED = "refused", _("已拒绝")
        CANCELLED = "cancelled", _("已撤销")

    target = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("账号"), on_delete=models.PROTECT, related_name="+"
    )
    kind = models.CharField(_("重置内容"), max_length=20, choices=Kind.choices)
    # The new password's hash (never its text), set on the account when approved.
    password_hash = models.CharField(_("新密码摘要"), max_length=128, blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("申请人"), on_delete=models.PROTECT, related_name="+"
    )
    requested_at = models.DateTimeField(_("申请时间"), default=timezone.now)
    state = models.CharField(_("状态"), max_length=10, choices=State.choices, default=State.PENDING)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("批准或拒绝人"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    decided_at = models.DateTimeField(_("处理时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("双人重置申请")
        verbose_name_plural = _("双人重置申请")
        ordering = ["-requested_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["target", "kind"],
                condition=models.Q(state="pending"),
                name="key_reset_one_pending_per_account_and_kind",
            ),
            models.CheckConstraint(
                condition=~models.Q(decided_by=models.F("requested_by")),
                name="key_reset_decided_by_another",
            ),
        ]

    def __str__(self):
        return f"{self.target} 的{self.get_kind_display()}（{self.get_state_display()}）"

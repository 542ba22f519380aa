"""What every reviewed item has in common, as abstract models: the item (a
report, an indicator value) with its review state and version, the entries of
its timeline and its evidence files. The concrete models (tasks/models.py)
add their own fields and keep their tables; tasks/review/engine.py moves them
through the states."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class ReviewedItem(models.Model):
    """Drafted and submitted by a unit, approved or returned by the coordinator,
    reopened after approval. `version` grows with every change (the version
    check against two people editing at once)."""

    class State(models.TextChoices):
        DRAFT = "draft", _("草稿")
        SUBMITTED = "submitted", _("已提交")
        RETURNED = "returned", _("已退回")
        APPROVED = "approved", _("已通过")

    state = models.CharField(_("流程状态"), max_length=10, choices=State.choices, default=State.DRAFT)
    version = models.PositiveIntegerField(_("版本"), default=1)
    review_comment = models.TextField(_("审核意见"), blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)
    updated_by = models.ForeignKey(
        "auth.User", verbose_name=_("最后修改人"), on_delete=models.PROTECT, related_name="+", null=True
    )
    submitted_at = models.DateTimeField(_("提交时间"), null=True, blank=True)

    class Meta:
        abstract = True


class ReviewEvent(models.Model):
    """One entry of a reviewed item's timeline; never edited once written."""

    class Action(models.TextChoices):
        DRAFT_SAVED = "draft_saved", _("保存草稿")
        SUBMITTED = "submitted", _("提交")
        RESUBMITTED = "resubmitted", _("重新提交")
        EDITED = "edited", _("修改")
        RETURNED = "returned", _("退回")
        APPROVED = "approved", _("审核通过")
        REOPENED = "reopened", _("重新打开")
        IMPORTED = "imported", _("从台账导入")
        WITHDRAWN = "withdrawn", _("撤回")
        FILE_DELETED = "file_deleted", _("删除佐证材料")

    action = models.CharField(_("操作"), max_length=15, choices=Action.choices)
    actor = models.ForeignKey(
        "auth.User", verbose_name=_("操作人"), on_delete=models.PROTECT, related_name="+", null=True
    )
    at = models.DateTimeField(_("时间"))
    changes = models.JSONField(_("变更内容"), default=dict, blank=True)
    comment = models.TextField(_("意见"), blank=True)

    class Meta:
        abstract = True
        ordering = ["at", "pk"]

    def __str__(self):
        return f"{self.get_action_display()} {self.at:%Y-%m-%d %H:%M}"


class ReviewEvidence(models.Model):
    """An evidence file kept with a reviewed item (its `file` field, with its
    storage path, is the concrete model's)."""

    original_name = models.CharField(_("原文件名"), max_length=200)
    size = models.PositiveIntegerField(_("大小（字节）"))
    uploaded_by = models.ForeignKey("auth.User", verbose_name=_("上传人"), on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(_("上传时间"), auto_now_add=True)

    class Meta:
        abstract = True
        ordering = ["uploaded_at", "pk"]

    def __str__(self):
        return self.original_name

"""The report form (quarterly and final), review and period forms."""

from django import forms
from django.core import validators
from django.utils.translation import gettext_lazy as _

from tasks.fields import EvidenceField, TextWithoutControlCharacters, version_field
from tasks.models import Period, Report

REPORT_TEXT_MAX = 5000  # characters per text field; an xlsx cell holds 32,767


class ReportForm(TextWithoutControlCharacters, forms.ModelForm):
    """A report's fields and their rules, for the report page and the 台账 import alike.

    `submitting=False` (保存草稿) keeps whatever is filled in: nothing is required and
    nothing is asked for because of another answer (the reasons of a 基本完成); only
    what could never be stored is refused (a percent outside 0–100, text over the
    limits, 已完成 below 100%). The full checks apply when the report is submitted."""

    TEXT_FIELDS = ["progress", "problems", "next_steps"]

    version = version_field()
    percent = forms.IntegerField(
        label=_("完成进度（%）"),
        min_value=0,
        max_value=100,
        initial=0,
        widget=forms.NumberInput(attrs={"min": 0, "max": 100, "step": 1, "inputmode": "numeric"}),
        error_messages={
            "min_value": _("完成进度应在 0 到 100 之间。"),
            "max_value": _("完成进度应在 0 到 100 之间。"),
            "invalid": _("完成进度应为 0 到 100 之间的整数。"),
            "required": _("请填写完成进度。"),
        },
    )
    evidence_files = EvidenceField()

    class Meta:
        model = Report
        fields = ["status", "percent", "progress", "problems", "next_steps"]
        widgets = {
            "progress": forms.Textarea(attrs={"rows": 5}),
            "problems": forms.Textarea(attrs={"rows": 3}),
            "next_steps": forms.Textarea(attrs={"rows": 3}),
        }
        error_messages = {
            "status": {
                "required": _("请选择状态。"),
                "invalid_choice": _("状态无效，应为未启动、推进中、已完成或滞后之一。"),
            },
            "progress": {"required": _("请填写进展情况。")},
        }

    def __init__(self, *args, submitting=True, **kwargs):
        super().__init__(*args, **kwargs)
        self.submitting = submitting
        for name in self.TEXT_FIELDS:
            field = self.fields[name]
            field.max_length = REPORT_TEXT_MAX
            field.validators.append(validators.MaxLengthValidator(REPORT_TEXT_MAX))
            field.widget.attrs["maxlength"] = str(REPORT_TEXT_MAX)
        self.required_on_submit = {name for name, field in self.fields.items() if field.required}
        if not submitting:
            for name in self.required_on_submit - {"version"}:
                self.fields[name].required = False

    def clean(self):
        cleaned = super().clean()
        self._fill_draft_defaults(cleaned)
        if cleaned.get("status") == Report.Status.DONE and cleaned.get("percent") not in (None, 100):
            self.add_error("percent", _("状态为“已完成”时，完成进度应为 100%。"))
        return cleaned

    def _fill_draft_defaults(self, cleaned):
        """A draft's empty answers as the report stores them (no status yet: 未启动;
        no percent: 0, or 100 for 已完成; no text: empty)."""
        if self.submitting:
            return
        for name in self.TEXT_FIELDS:
            if cleaned.get(name) is None and name not in self.errors:
                cleaned[name] = ""
        if not cleaned.get("status") and "status" not in self.errors:
            cleaned["status"] = Report.Status.NOT_STARTED
        if cleaned.get("percent") is None and "percent" not in self.errors:
            cleaned["percent"] = 100 if cleaned.get("status") == Report.Status.DONE else 0

    def _post_clean(self):
        # The workflow saves the report; skip the model's own checks of the
        # not-yet-known measure, unit and period.
        pass


class EvaluationForm(ReportForm):
    """The report form of a final-evaluation period (终期评估), for leads: 完成情况,
    完成进度, and the texts under their final names (主要成效, 未完成原因, 后续安排,
    Report.EVALUATION_LABELS). The status follows the 完成情况 (Report.COMPLETION_STATUS)."""

    class Meta(ReportForm.Meta):
        fields = ["completion", "percent", "progress", "problems", "next_steps"]
        widgets = {
            "progress": forms.Textarea(attrs={"rows": 5}),
            "problems": forms.Textarea(attrs={"rows": 3}),
            "next_steps": forms.Textarea(attrs={"rows": 3}),
        }
        labels = Report.EVALUATION_LABELS
        help_texts = {
            "completion": _(
                "已完成：措施全部完成（完成进度 100%）；基本完成：主体工作完成、尚有少量收尾；未完成：未能在方案期内完成。"
            ),
            "progress": _("方案实施以来本措施取得的主要成效，尽量用数据说明。"),
            "problems": _("基本完成或未完成时必填：未完成的内容及原因。"),
            "next_steps": _("基本完成或未完成时必填：后续如何推进、何时完成。"),
        }
        error_messages = {
            "completion": {"required": _("请选择完成情况。"), "invalid_choice": _("完成情况无效。")},
            "progress": {"required": _("请填写主要成效。")},
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        completion = self.fields["completion"]
        completion.required = self.submitting
        self.required_on_submit.add("completion")
        completion.choices = [("", "请选择"), *Report.Completion.choices[::-1]]

    def clean(self):
        cleaned = forms.ModelForm.clean(self)
        completion, percent = cleaned.get("completion"), cleaned.get("percent")
        if completion:
            cleaned["status"] = Report.COMPLETION_STATUS[completion]
        if not self.submitting:
            # A draft keeps a half-done evaluation (基本完成 without its reasons yet).
            cleaned.setdefault("completion", "")
            if completion == Report.Completion.DONE and percent is None:
                cleaned["percent"] = 100
        if completion == Report.Completion.DONE and cleaned.get("percent") not in (None, 100):
            self.add_error("percent", _("完成情况为“已完成”时，完成进度应为 100%。"))
        if not self.submitting:
            self._fill_draft_defaults(cleaned)
            return cleaned
        if completion and completion != Report.Completion.DONE:
            if percent == 100:
                self.add_error("percent", _("完成进度为 100% 时，完成情况请选择“已完成”。"))
            for name, label in (("problems", "未完成原因"), ("next_steps", "后续安排")):
                if name not in self.errors and not (cleaned.get(name) or "").strip():
                    self.add_error(
                        name,
                        _("完成情况为“%(completion)s”时，请填写%(label)s。")
                        % {
                            "completion": Report.Completion(completion).label,
                            "label": label,
                        },
                    )
        return cleaned


def report_form_class(period):
    """The report form for `period`: the final evaluation's in a FINAL period."""
    return EvaluationForm if period.kind == Period.Kind.FINAL else ReportForm


class ReviewForm(TextWithoutControlCharacters, forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    comment = forms.CharField(
        label=_("审核意见"), required=False, widget=forms.Textarea(attrs={"rows": 3}), max_length=2000
    )


class EvaluationReviewForm(ReviewForm):
    """Reviewing a final evaluation: the coordinator's 评估意见 for approving, the
    comment for returning."""

    assessment = forms.CharField(
        label=_("评估意见（审核通过时必填）"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=REPORT_TEXT_MAX,
        help_text=_("对本措施完成情况的评估，写入终期评估报告。"),
    )


class PeriodForm(TextWithoutControlCharacters, forms.ModelForm):
    class Meta:
        model = Period
        fields = ["name", "kind", "start_date", "end_date", "due_date"]
        widgets = {
            "start_date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "end_date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "due_date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        }

    def clean(self):
        cleaned = super().clean()
        start, end, due = cleaned.get("start_date"), cleaned.get("end_date"), cleaned.get("due_date")
        if start and end and end < start:
            self.add_error("end_date", _("结束日期不能早于开始日期。"))
        if end and due and due < end:
            self.add_error("due_date", _("填报截止日期不能早于周期结束日期。"))
        name = cleaned.get("name")
        siblings = Period.objects.filter(plan_id=self.instance.plan_id, name=name).exclude(pk=self.instance.pk)
        if name and siblings.exists():
            self.add_error("name", _("本方案已有同名的填报周期。"))
        return cleaned


class DueDateForm(TextWithoutControlCharacters, forms.ModelForm):
    class Meta:
        model = Period
        fields = ["due_date"]
        widgets = {"due_date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")}


class LateReportingForm(TextWithoutControlCharacters, forms.ModelForm):
    """The coordinator opens a past period for late reporting until a date (empty: stop)."""

    class Meta:
        model = Period
        fields = ["late_until"]
        widgets = {"late_until": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")}

    def clean_late_until(self):
        day = self.cleaned_data["late_until"]
        if day and day < self.instance.start_date:
            raise forms.ValidationError(_("补报截止日期不能早于周期开始日期。"))
        return day

"""The upload of a plan's task table (导入行动方案)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from tasks.fields import TextWithoutControlCharacters


class PlanTableForm(TextWithoutControlCharacters, forms.Form):
    """The 导入行动方案 upload: the task table and what the table does not say."""

    file = forms.FileField(
        label=_("任务分工表（Word .docx 或 Excel .xlsx）"),
        help_text=_("表头应有“工作任务”“具体措施”“责任单位”三列；备注写在表下或“备注”列。"),
    )
    doc_number = forms.CharField(
        label=_("文号"), max_length=50, help_text=_("如 嘉府发〔2026〕1号；同一文号再次导入即更新该方案。")
    )
    title = forms.CharField(label=_("方案标题"), max_length=200)
    issuer = forms.CharField(label=_("发文机关"), max_length=100, required=False)
    start_date = forms.DateField(
        label=_("开始日期"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("空着则取标题中的年份。"),
    )
    end_date = forms.DateField(label=_("结束日期"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    owed_from = forms.DateField(
        label=_("起报日期"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_(
            "各单位从这一天或之后开始的填报周期起填报。空着：方案尚未开始的从头填报，已经开始的从导入日后的第一个周期起。"
        ),
    )

    def clean_doc_number(self):
        return self.cleaned_data["doc_number"].strip()

    def clean_title(self):
        return self.cleaned_data["title"].strip()

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("start_date"), cleaned.get("end_date")
        if start and end and end < start:
            raise forms.ValidationError(_("结束日期早于开始日期。"))
        return cleaned

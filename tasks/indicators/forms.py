"""The form of an indicator's yearly value."""

from django import forms
from django.utils.translation import gettext_lazy as _

from tasks.fields import EvidenceField, TextWithoutControlCharacters, version_field
from tasks.indicators.values import number
from tasks.models import IndicatorValue


class IndicatorValueForm(TextWithoutControlCharacters, forms.ModelForm):
    """One year's actual value of an indicator, with its source and evidence."""

    version = version_field()
    value = forms.DecimalField(
        label=_("实际值"),
        min_value=0,
        max_digits=16,
        decimal_places=2,
        widget=forms.NumberInput(attrs={"min": 0, "step": "0.01", "inputmode": "decimal"}),
        error_messages={
            "required": _("请填写实际值。"),
            "invalid": _("实际值应为数字。"),
            "min_value": _("实际值不能为负数。"),
            "max_digits": _("实际值位数过多。"),
            "max_decimal_places": _("实际值最多保留两位小数。"),
            "max_whole_digits": _("实际值位数过多。"),
        },
    )
    evidence_files = EvidenceField(examples=_("如统计报表、部门文件"))

    class Meta:
        model = IndicatorValue
        fields = ["value", "source", "note"]
        widgets = {"note": forms.Textarea(attrs={"rows": 3})}
        error_messages = {"source": {"required": _("请填写数据来源（如“区统计局年度统计报表”）。")}}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # A stored 8.00 is shown as people wrote it: 8.
        if self.initial.get("value") is not None:
            self.initial["value"] = number(self.initial["value"])

    def _post_clean(self):
        # The indicators module saves the value; the indicator and year are the view's.
        pass

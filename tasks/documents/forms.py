"""The upload of a filled-in 台账."""

from django import forms
from django.conf import settings
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _

from tasks.fields import TextWithoutControlCharacters


class ImportForm(TextWithoutControlCharacters, forms.Form):
    """The upload; statussheet.read_upload tells a wrong format apart and says how to save as .xlsx."""

    file = forms.FileField(
        label=_("填好的台账（.xlsx）"),
        help_text=_("请在本系统导出的台账的“按单位”工作表中修改本单位各行的黄色单元格，不要改动其他列和表头。"),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > settings.UPLOAD_MAX_FILE_BYTES:
            raise forms.ValidationError(
                _("文件超过大小上限 %(limit)s。")
                % {"limit": filesizeformat(settings.UPLOAD_MAX_FILE_BYTES).replace("\xa0", " ")}
            )
        return upload

"""The form fields and widgets every subdomain's forms share: text without
control characters, evidence files checked by content, the version a save is
based on, a fast select."""

from pathlib import PurePath

from django import forms
from django.conf import settings
from django.forms.utils import flatatt
from django.template.defaultfilters import filesizeformat
from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _

from jiading_ads import text, uploads


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class TextWithoutControlCharacters:
    """A form whose submitted text loses the control characters no document
    can hold (jiading_ads/text.py) before any field sees it, so "required"
    and the length limits judge the text as it will be stored and exported."""

    def __init__(self, data=None, *args, **kwargs):
        if data is not None and hasattr(data, "lists"):
            data = data.copy()
            for key, values in list(data.lists()):
                data.setlist(key, [text.remove_control_characters(v) if isinstance(v, str) else v for v in values])
        super().__init__(data, *args, **kwargs)


class EvidenceField(forms.FileField):
    """Zero or more files, each within the size and type limits, which its help
    text states (after `examples` of what to upload, if given)."""

    def __init__(self, examples="", **kwargs):
        kwargs.setdefault("required", False)
        kwargs.setdefault("label", _("佐证材料"))
        kwargs.setdefault(
            "widget", MultipleFileInput(attrs={"accept": ",".join(f".{e}" for e in settings.EVIDENCE_EXTENSIONS)})
        )
        kwargs.setdefault(
            "help_text",
            _("可选，可多选%(examples)s。单个文件不超过 %(limit)s；可上传 %(types)s，不接受压缩包。")
            % {
                "examples": f"，{examples}" if examples else "",
                "limit": filesizeformat(settings.EVIDENCE_MAX_BYTES).replace("\xa0", " "),
                "types": "、".join(settings.EVIDENCE_EXTENSIONS),
            },
        )
        super().__init__(**kwargs)

    def clean(self, data, initial=None):
        files = data if isinstance(data, (list, tuple)) else ([data] if data else [])
        cleaned = [super(EvidenceField, self).clean(f, initial) for f in files]
        allowed = settings.EVIDENCE_EXTENSIONS
        limit = settings.EVIDENCE_MAX_BYTES
        for upload in cleaned:
            extension = PurePath(upload.name).suffix.lower().lstrip(".")
            if extension in settings.EVIDENCE_ARCHIVE_EXTENSIONS:
                raise forms.ValidationError(
                    _("文件“%(name)s”是压缩包，不能作为佐证材料上传；请解压后上传其中的文件。"),
                    params={"name": upload.name},
                )
            if extension not in allowed:
                raise forms.ValidationError(
                    _("文件“%(name)s”的类型不允许上传。允许的类型：%(types)s。"),
                    params={"name": upload.name, "types": "、".join(allowed)},
                )
            if upload.size > limit:
                raise forms.ValidationError(
                    _("文件“%(name)s”超过大小上限 %(limit)s。"),
                    params={"name": upload.name, "limit": filesizeformat(limit).replace("\xa0", " ")},
                )
            # The content, read from the upload itself before it is stored anywhere.
            try:
                uploads.check_evidence(upload, extension)
            except uploads.UploadRefused as exc:
                raise forms.ValidationError(
                    _("文件“%(name)s”未通过检查：%(reason)s"), params={"name": upload.name, "reason": str(exc)}
                ) from None
        return cleaned


def version_field():
    """The hidden version a form was based on, for the optimistic version check."""
    stale = _("表单已过期，请刷新页面后重新填写。")
    return forms.IntegerField(
        widget=forms.HiddenInput,
        min_value=0,
        error_messages={"required": stale, "invalid": stale, "min_value": stale},
    )


class FastSelect(forms.Select):
    """A <select> rendered in Python: Django renders each option through a
    template, which costs more than the rest of a page with a thousand units."""

    def render(self, name, value, attrs=None, renderer=None):
        selected = {str(v) for v in self.format_value(value)}
        options = []
        for option_value, label in self.choices:
            option_value = "" if option_value is None else str(option_value)
            mark = " selected" if option_value in selected else ""
            options.append(f'<option value="{escape(option_value)}"{mark}>{escape(label)}</option>')
        attributes = flatatt(self.build_attrs(self.attrs, {**(attrs or {}), "name": name}))
        return mark_safe(f"<select{attributes}>{''.join(options)}</select>")


def with_refused_uploads(form, request, field):
    """`form`, with an error on `field` for each file the upload handler dropped
    from `request` (jiading_ads/uploads.LimitedUploadHandler: too large)."""
    for message in uploads.refused_uploads(request):
        form.add_error(field, message)
    return form


def disable(form):
    """Every field of `form` shown but not editable (a report or value that may not change now)."""
    for field in form.fields.values():
        field.disabled = True

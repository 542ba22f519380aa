"""Text as every document and page of the tracker can hold it.

The C0 control characters other than tab, line feed and carriage return
(and lone surrogates, U+FFFE/U+FFFF) cannot be written into XML: a Word
document or a workbook holding one is refused by python-docx and openpyxl
(a 500 for the whole 通报) or unreadable by Excel. They are removed where
text enters (the forms, the 台账 import, every model save of the plan's and
units' data: `clean_model_text`) and again where it leaves (the Word
documents, the 台账), so a text stored before this rule never breaks an export.
"""

import re

from django.db import models

_NOT_IN_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def clean_text(text):
    """Text without the characters XML cannot hold, line breaks as "\\n"
    (a browser sends "\\r\\n"; XML readers turn a raw "\\r" into "\\n" anyway)."""
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return _NOT_IN_XML.sub("", text)


def remove_control_characters(text):
    """The text without the characters XML cannot hold; line breaks as they were."""
    return _NOT_IN_XML.sub("", text)


def clean_model_text(sender, instance, raw=False, **kwargs):
    """pre_save: a model's text fields lose the characters no document can hold.
    Connected for the tracker's own models (tasks and departments apps)."""
    if raw:
        return
    for field in instance._meta.concrete_fields:
        if isinstance(field, (models.CharField, models.TextField)):
            value = getattr(instance, field.attname)
            if isinstance(value, str) and _NOT_IN_XML.search(value):
                setattr(instance, field.attname, remove_control_characters(value))

"""The status sheet (台账), out to Excel and back in.

- layout.py: the sheets, columns, fonts and printed page, and how a fill-in
  row records what it held when exported;
- export.py: the workbook (台账 for reading, 按单位 for filling in, 汇总);
- importing.py: the 按单位 sheet back in, checked, previewed, applied.
"""

from django.conf import settings

from ..models import Plan
from .export import SheetScope, ascii_filename, build_workbook, export_filename, write_status_sheet
from .importing import ImportPreview, RowChange, UploadError, apply_changes, read_upload

__all__ = [
    "ImportPreview",
    "RowChange",
    "SheetScope",
    "UploadError",
    "apply_changes",
    "ascii_filename",
    "build_workbook",
    "default_plan",
    "export_filename",
    "read_upload",
    "write_status_sheet",
]


def default_plan():
    """The plan to show when none is chosen: settings.DEFAULT_PLAN_DOC_NUMBER,
    else the most recent. One or two queries."""
    plan = Plan.objects.filter(doc_number=settings.DEFAULT_PLAN_DOC_NUMBER).first()
    return plan or Plan.objects.order_by("-start_date", "-pk").first()

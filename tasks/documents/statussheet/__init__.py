"""The status sheet (台账), out to Excel and back in.

- layout.py: the sheets, columns, fonts and printed page, and how a fill-in
  row records what it held when exported;
- export.py: the workbook (台账 for reading, 按单位 for filling in, 汇总);
- importing.py: the 按单位 sheet back in, checked, previewed, applied.
"""

from tasks.documents.statussheet.export import (
    SheetScope,
    ascii_filename,
    build_workbook,
    export_filename,
    write_status_sheet,
)
from tasks.documents.statussheet.importing import ImportPreview, RowChange, UploadError, apply_changes, read_upload

__all__ = [
    "ImportPreview",
    "RowChange",
    "SheetScope",
    "UploadError",
    "apply_changes",
    "ascii_filename",
    "build_workbook",
    "export_filename",
    "read_upload",
    "write_status_sheet",
]

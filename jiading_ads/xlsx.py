"""What every xlsx download of the tracker shares: the cell guard and the response.

Used by the status sheet (tasks.statussheet) and the audit-trail export
(security.views); it imports neither, so both may import it.
"""

import re
from copy import copy
from urllib.parse import quote

from django.http import HttpResponse
from openpyxl.cell import WriteOnlyCell

CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FORMULA_TRIGGERS = ("=", "+", "-", "@")

# Characters XML 1.0 cannot hold (C0 controls but tab, newline and carriage
# return; lone surrogates; U+FFFE/U+FFFF): written anyway they make the file
# unreadable, so they are dropped.
_NOT_IN_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def clean_text(text):
    """Text as an xlsx cell holds it and every reader gives it back.

    Line breaks become "\\n" (a browser sends "\\r\\n"; XML readers turn a raw
    "\\r" into "\\n" anyway) and characters XML cannot hold are dropped. The
    import compares cells with exported values through this same function.
    """
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return _NOT_IN_XML.sub("", text)


def guarded_cell(sheet, value, style_array=None):
    """A write-only cell whose text is cleaned and can never run as a formula.

    `style_array`: a cell style to copy (openpyxl's StyleArray), set before
    the quote prefix so that it cannot undo it.
    """
    if isinstance(value, str):
        value = clean_text(value)
    cell = WriteOnlyCell(sheet, value=value)
    if style_array is not None:
        cell._style = copy(style_array)
    if isinstance(value, str) and value.startswith(FORMULA_TRIGGERS):
        # Text a user typed is never a formula, whatever it starts with.
        cell.data_type = "s"
        cell.quotePrefix = True
    return cell


def download(content, filename, ascii_fallback):
    """An xlsx attachment named `filename`, with an ASCII name for old clients (RFC 6266/5987)."""
    response = HttpResponse(content, content_type=CONTENT_TYPE)
    response["Content-Disposition"] = f"attachment; filename=\"{ascii_fallback}\"; filename*=UTF-8''{quote(filename)}"
    return response

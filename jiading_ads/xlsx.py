"""What every xlsx download of the tracker shares: the cell guard and the response (the
Word downloads use the response too).

Used by the status sheet (tasks.statussheet) and the audit-trail export
(security.views); it imports neither, so both may import it.
"""

import functools
import re
import types
from urllib.parse import quote

from django.http import HttpResponse
from openpyxl.cell import Cell
from openpyxl.compat import safe_string
from openpyxl.styles.cell_style import StyleArray

CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FORMULA_TRIGGERS = ("=", "+", "-", "@")
MAX_CELL_TEXT = 32767  # characters an xlsx cell holds

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


class CellStyle:
    """A named style made ready for the many cells of one write-only workbook.

    openpyxl looks a cell's style up in the workbook (hashing its style
    array twice) for every cell it writes; a CellStyle does it once, for the
    style and for the same style with the quote prefix.
    """

    def __init__(self, sheet, name):
        probe = Cell(sheet)
        probe.style = name
        self.array = probe._style
        self._styles = sheet.parent._cell_styles
        self.id = self._styles.add(self.array)
        self._quoted = None

    def quoted(self):
        """(array, id) of the style with the quote prefix."""
        if self._quoted is None:
            array = StyleArray(self.array)
            array.quotePrefix = 1
            self._quoted = array, self._styles.add(array)
        return self._quoted


class _StyledCell(Cell):
    """A cell whose style id comes from its CellStyle, not from a lookup per cell."""

    __slots__ = ("style_id",)


def guarded_cell(sheet, value, style=None):
    """A cell for `write_only_sheet` whose text is cleaned and always stays text.

    Text a user typed is never a formula, an error code (#N/A) or a number,
    whatever it starts with: it is bound as text directly (openpyxl's value
    setter would check it again for what clean_text has removed), with the
    quote prefix when it starts like a formula. `style`: a CellStyle; its
    cells share its style array, so they are not restyled afterwards.
    """
    if style is None:
        cell = Cell(sheet)
    else:
        cell = _StyledCell(sheet)
        cell._style, cell.style_id = style.array, style.id
    if isinstance(value, str):
        value = clean_text(value)[:MAX_CELL_TEXT]
        cell._value, cell.data_type = value, "s"
        if value.startswith(FORMULA_TRIGGERS):  # and Excel keeps it text when the cell is edited
            if style is None:
                cell.quotePrefix = True
            else:
                cell._style, cell.style_id = style.quoted()
    elif value is not None:
        cell.value = value
    return cell


def _placed(cells, row):
    for column, cell in enumerate(cells, start=1):
        cell.row, cell.column = row, column
        yield cell


def write_only_sheet(workbook, title):
    """A new sheet of a write-only workbook whose `append` takes a row of cells (`guarded_cell`).

    openpyxl's write-only append first tries every item as a value and takes
    it as a cell only from the ValueError that raises, whose message formats
    the cell: a third of the time of writing styled rows. A sheet whose rows
    are all cells places them directly instead.
    """
    sheet = workbook.create_sheet(title)
    sheet._values_to_row = _placed
    return sheet


def set_row_height(sheet, row, height):
    """The height of a write-only sheet's row, set before the row is written.

    openpyxl writes a row's <row> element from what iterating its
    row_dimensions entry yields; a RowDimension made per row checks each of
    its fields through descriptors, which cost more than writing the row's
    cells. The attributes it would yield (ht, customHeight) are given as they
    are instead, one read-only mapping per height."""
    sheet.row_dimensions[row] = _height_attributes(round(height, 1))


@functools.lru_cache(maxsize=1024)
def _height_attributes(height):
    return types.MappingProxyType({"ht": safe_string(height), "customHeight": "1"})


def download(content, filename, ascii_fallback, content_type=CONTENT_TYPE):
    """An attachment (xlsx unless `content_type` says otherwise) named `filename`,
    with an ASCII name for old clients (RFC 6266/5987)."""
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f"attachment; filename=\"{ascii_fallback}\"; filename*=UTF-8''{quote(filename)}"
    return response

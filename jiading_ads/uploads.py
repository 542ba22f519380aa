"""Limits on uploaded files, checked before anything parses them: one set of
limits (settings `UPLOAD_MAX_*`) for every upload of the tracker.

- `check_office_file(file)`: an uploaded .xlsx or .docx (a zip of XML parts)
  is refused when its entries, unpacked size, any part's size, compression
  ratio, number of worksheets, rows, columns, cells, merged ranges, a Word
  table's rows, grid or spans, or a cell's length exceed the limits, or when
  any part declares a DOCTYPE or an entity. It reads the zip's directory, then
  streams EVERY part that is XML, wherever the package stores it (a worksheet
  named by the workbook's relationships outside xl/worksheets/ included),
  through zlib and expat in small chunks, keeping no tree and stopping at the
  first limit passed. Expat sees the DOCTYPE declaration itself, so no read
  boundary can split it. `check_xlsx` and `check_docx` also require the kind.
  Call it once, at the start of reading an upload (the 台账 import, the plan
  import), before openpyxl or python-docx opens the file.
- `check_evidence(upload, extension)`: an evidence file's content must match
  its type (PDF, Office, OFD, images, text); an executable, a script or an
  HTML page is refused whatever its name.
- `LimitedUploadHandler`: Django upload handler that counts bytes as they
  arrive and drops a file past UPLOAD_MAX_FILE_BYTES (or a request past
  UPLOAD_MAX_REQUEST_BYTES) before it is written out; `refused_uploads(request)`
  gives the forms the reason to show.

The limits are sized for the tracker's own files with a wide margin (a 台账 of
400 measures is about 2 MB unpacked, under 2,000 rows a sheet and 30,000
cells; a task table a few dozen rows) and keep what a parser builds small:
openpyxl makes an object per cell and per cell of a merged range, python-docx
repeats a cell for every grid column it spans.
"""

import re
import zipfile
import zlib
from xml.parsers import expat

from django.conf import settings
from django.core.files.uploadhandler import FileUploadHandler, SkipFile, StopUpload
from django.template.defaultfilters import filesizeformat

CHUNK = 64 * 1024
ZIP_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


class UploadRefused(Exception):
    """The file breaks a limit; str() is the Chinese message naming the limit."""


def _size(number):
    return filesizeformat(number).replace("\xa0", " ")


def check_xlsx(file):
    """Refuse an uploaded .xlsx that breaks a limit; raises UploadRefused."""
    if check_office_file(file) != "xlsx":
        raise UploadRefused("无法读取该文件：它不是有效的 .xlsx 工作簿（缺少 xl/workbook.xml）。")


def check_docx(file):
    """Refuse an uploaded .docx that breaks a limit; raises UploadRefused."""
    if check_office_file(file) != "docx":
        raise UploadRefused("无法读取该文件：它不是有效的 .docx 文档。")


def check_office_file(file):
    """Check an uploaded Office file against every limit; "xlsx", "docx" or
    None (a zip that is neither). Raises UploadRefused.

    `file` is a seekable binary file (Django's UploadedFile, BytesIO); it is
    rewound afterwards, so the caller reads it from the start."""
    file.seek(0)
    try:
        archive = zipfile.ZipFile(file)
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        raise UploadRefused(
            "无法读取该文件：文件已损坏，或不是有效的 .xlsx 工作簿或 .docx 文档（无法按 zip 格式读取）。"
        ) from None
    try:
        return _check_archive(archive)
    finally:
        archive.close()
        file.seek(0)


def _check_archive(archive):
    entries = archive.infolist()
    if len(entries) > settings.UPLOAD_MAX_ENTRIES:
        raise UploadRefused(f"文件包含 {len(entries)} 个部件，超过上限 {settings.UPLOAD_MAX_ENTRIES} 个。")
    declared = sum(info.file_size for info in entries)
    if declared > settings.UPLOAD_MAX_UNPACKED_BYTES:
        raise UploadRefused(f"文件解压后为 {_size(declared)}，超过上限 {_size(settings.UPLOAD_MAX_UNPACKED_BYTES)}。")
    for info in entries:
        if info.file_size > settings.UPLOAD_MAX_PART_BYTES:
            raise UploadRefused(
                f"文件中的“{info.filename[:60]}”解压后为 {_size(info.file_size)}，"
                f"超过单个部件的上限 {_size(settings.UPLOAD_MAX_PART_BYTES)}。"
            )
        ratio = info.file_size / max(info.compress_size, 1)
        if info.file_size > CHUNK and ratio > settings.UPLOAD_MAX_RATIO:
            raise UploadRefused(
                f"文件中的“{info.filename[:60]}”压缩比为 {ratio:.0f} 倍，超过上限 {settings.UPLOAD_MAX_RATIO} 倍。"
            )
    names = {info.filename for info in entries}
    kind = "xlsx" if "xl/workbook.xml" in names else "docx" if "word/document.xml" in names else None
    limits = _Limits()
    budget = [settings.UPLOAD_MAX_UNPACKED_BYTES]
    for info in entries:
        if not info.is_dir():
            _stream(archive, info, limits, budget)
    return kind


# --- What the parts may hold ------------------------------------------------------------

_REF = re.compile(r"^\$?([A-Za-z]{1,3})\$?(\d{1,7})$")


def _column_number(letters):
    number = 0
    for letter in letters.upper():
        number = number * 26 + ord(letter) - 64
    return number


def _cell_ref(ref):
    """(row, column) of "B12", or None for what is not a cell reference."""
    match = _REF.match(ref.strip())
    if not match:
        return None
    return int(match.group(2)), _column_number(match.group(1))


def _local(name):
    return name.rsplit(" ", 1)[-1]


def _attribute(attributes, local):
    for name, value in attributes.items():
        if _local(name) == local:
            return value
    return None


class _Limits:
    """Counts across every part of one file; each handler raises UploadRefused at the first limit passed."""

    def __init__(self):
        self.sheets = 0
        self.cells = 0
        self.merged = 0
        self.table_rows = 0
        self.tables = 0
        self.rows = 0  # rows of the part being read
        self.row_span = 0  # grid columns of the Word row being read
        self.grid = 0  # columns of the Word table grid being read
        self.text = None  # characters of the cell text being read, or None outside one
        self.part = ""

    def start_part(self, name):
        self.part, self.rows, self.text = name, 0, None

    def _where(self):
        return f"“{self.part.rsplit('/', 1)[-1][:60]}”"

    def _check_ref(self, ref, what):
        max_rows, max_columns = settings.UPLOAD_MAX_ROWS, settings.UPLOAD_MAX_COLUMNS
        for corner in ref.split(":"):
            found = _cell_ref(corner)
            if found is None:
                continue
            row, column = found
            if row > max_rows:
                raise UploadRefused(f"{self._where()}中的{what} {ref[:30]} 在第 {row} 行，超过上限 {max_rows} 行。")
            if column > max_columns:
                raise UploadRefused(
                    f"{self._where()}中的{what} {ref[:30]} 在第 {column} 列，超过上限 {max_columns} 列。"
                )

    def _count_cells(self, number):
        self.cells += number
        if self.cells > settings.UPLOAD_MAX_CELLS:
            raise UploadRefused(f"文件中的单元格超过上限 {settings.UPLOAD_MAX_CELLS} 个。")

    def _span(self, attributes, what):
        value = _attribute(attributes, "val")
        try:
            span = int(value)
        except (TypeError, ValueError):
            return 0
        if span > settings.UPLOAD_MAX_COLUMNS or span < 0:
            raise UploadRefused(f"Word 表格中有单元格{what} {span} 列，超过上限 {settings.UPLOAD_MAX_COLUMNS} 列。")
        return span

    def start(self, name, attributes):
        tag = _local(name)
        if tag == "sheet":  # the workbook's list of worksheets
            self.sheets += 1
            if self.sheets > settings.UPLOAD_MAX_SHEETS:
                raise UploadRefused(f"工作簿包含的工作表超过上限 {settings.UPLOAD_MAX_SHEETS} 个。")
        elif tag == "row":  # a worksheet's row
            self.rows += 1
            if self.rows > settings.UPLOAD_MAX_ROWS:
                raise UploadRefused(f"工作表{self._where()}的行数超过上限 {settings.UPLOAD_MAX_ROWS} 行。")
            number = _attribute(attributes, "r")
            if number and number.isdigit() and int(number) > settings.UPLOAD_MAX_ROWS:
                raise UploadRefused(
                    f"工作表{self._where()}中有第 {int(number)} 行，超过上限 {settings.UPLOAD_MAX_ROWS} 行。"
                )
        elif tag == "c":  # a worksheet's cell
            self._count_cells(1)
            ref = _attribute(attributes, "r")
            if ref:
                self._check_ref(ref, "单元格")
        elif tag == "dimension":
            self._check_ref(_attribute(attributes, "ref") or "", "数据范围")
        elif tag == "mergeCell":
            ref = _attribute(attributes, "ref") or ""
            self._check_ref(ref, "合并单元格")
            corners = [_cell_ref(corner) for corner in ref.split(":")]
            if len(corners) == 2 and None not in corners:
                (r1, c1), (r2, c2) = corners
                self.merged += (abs(r2 - r1) + 1) * (abs(c2 - c1) + 1)
                if self.merged > settings.UPLOAD_MAX_CELLS:
                    raise UploadRefused(f"合并单元格覆盖的单元格超过上限 {settings.UPLOAD_MAX_CELLS} 个。")
        elif tag == "tbl":  # a Word table
            self.tables += 1
            if self.tables > settings.UPLOAD_MAX_TABLES:
                raise UploadRefused(f"文档中的表格超过上限 {settings.UPLOAD_MAX_TABLES} 个。")
        elif tag == "tr":
            self.table_rows += 1
            self.row_span = 0
            if self.table_rows > settings.UPLOAD_MAX_ROWS:
                raise UploadRefused(f"文档中表格的行数合计超过上限 {settings.UPLOAD_MAX_ROWS} 行。")
        elif tag == "tc":
            self._count_cells(1)
            self._add_span(1)
        elif tag == "gridSpan":
            self._add_span(self._span(attributes, "横跨") - 1)
        elif tag in ("gridBefore", "gridAfter"):
            self._add_span(self._span(attributes, "前后空出"))
        elif tag == "tblGrid":
            self.grid = 0
        elif tag == "gridCol":
            self.grid += 1
            if self.grid > settings.UPLOAD_MAX_COLUMNS:
                raise UploadRefused(f"Word 表格的列数超过上限 {settings.UPLOAD_MAX_COLUMNS} 列。")
        if tag in ("t", "v", "f"):
            self.text = 0

    def _add_span(self, columns):
        self.row_span += columns
        if self.row_span > settings.UPLOAD_MAX_COLUMNS:
            raise UploadRefused(
                f"Word 表格中有一行横跨 {self.row_span} 列，超过上限 {settings.UPLOAD_MAX_COLUMNS} 列。"
            )

    def end(self, name):
        if _local(name) in ("t", "v", "f"):
            self.text = None

    def characters(self, data):
        if self.text is not None:
            self.text += len(data)
            if self.text > settings.UPLOAD_MAX_CELL_CHARS:
                raise UploadRefused(
                    f"{self._where()}中有单元格或文字长度超过上限 {settings.UPLOAD_MAX_CELL_CHARS} 个字符。"
                )


def _refuse_declaration(*args):
    raise UploadRefused("文件包含不允许的 XML 声明（DOCTYPE/ENTITY）。")


def _looks_like_xml(head):
    """Whether a part's first bytes start an XML document (UTF-8 or UTF-16, with or without BOM).
    Other parts (images, printer settings) are no parser's input."""
    for bom in (b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff"):
        if head.startswith(bom):
            return True
    stripped = head.lstrip(b" \t\r\n")
    return stripped.startswith((b"<", b"\x00<")) or head.startswith(b"<\x00")


def _stream(archive, info, limits, budget):
    """Decompress one part in chunks into expat, calling the limits' handlers;
    counts the bytes really produced, whatever the zip directory declared."""
    limits.start_part(info.filename)
    parser = expat.ParserCreate(namespace_separator=" ")
    parser.StartDoctypeDeclHandler = _refuse_declaration
    parser.EntityDeclHandler = _refuse_declaration
    parser.UnparsedEntityDeclHandler = _refuse_declaration
    parser.ExternalEntityRefHandler = _refuse_declaration
    parser.StartElementHandler = limits.start
    parser.EndElementHandler = limits.end
    parser.CharacterDataHandler = limits.characters
    produced = 0
    try:
        with archive.open(info) as part:
            first = True
            while True:
                chunk = part.read(CHUNK)
                if not chunk:
                    break
                if first:
                    first = False
                    if not _looks_like_xml(chunk[:64]):
                        return
                produced += len(chunk)
                budget[0] -= len(chunk)
                if budget[0] < 0:
                    raise UploadRefused(f"文件解压后超过上限 {_size(settings.UPLOAD_MAX_UNPACKED_BYTES)}。")
                if produced > settings.UPLOAD_MAX_PART_BYTES:
                    raise UploadRefused(
                        f"文件中的“{info.filename[:60]}”解压后超过单个部件的上限 {_size(settings.UPLOAD_MAX_PART_BYTES)}。"
                    )
                parser.Parse(chunk, False)
            if not first:
                parser.Parse(b"", True)
    except (
        zipfile.BadZipFile,
        zlib.error,
        EOFError,
        expat.ExpatError,
        OSError,
        ValueError,
        NotImplementedError,
        RuntimeError,
    ):
        # zlib errors, CRC mismatches, encrypted parts, malformed XML.
        raise UploadRefused(f"文件已损坏，无法读取其中的“{info.filename[:60]}”。") from None


# --- Evidence files: the content matches the type ------------------------------------------

# The first bytes of each kind of file the evidence types allow.
_PDF = (b"%PDF-",)
_OLE = (OLE_MAGIC,)  # .doc .xls .ppt and WPS Office's .wps .et .dps
_ZIP = (ZIP_MAGIC,)  # .docx .xlsx .pptx .ofd
EVIDENCE_SIGNATURES = {
    "pdf": _PDF,
    "doc": _OLE + (b"{\\rtf",),  # Word opens a .doc that is RTF
    "xls": _OLE,
    "ppt": _OLE,
    # WPS Office writes its own formats as OLE files, or as zips in later versions.
    "wps": _OLE + _ZIP,
    "et": _OLE + _ZIP,
    "dps": _OLE + _ZIP,
    "docx": _ZIP,
    "xlsx": _ZIP,
    "pptx": _ZIP,
    "ofd": _ZIP,
    "jpg": (b"\xff\xd8\xff",),
    "jpeg": (b"\xff\xd8\xff",),
    "png": (b"\x89PNG\r\n\x1a\n",),
}
# What a zip-based type must contain to be what its name says.
_ZIP_MEMBERS = {
    "docx": "word/",
    "xlsx": "xl/",
    "pptx": "ppt/",
    "ofd": "OFD.xml",
}
# Executables and scripts by their first bytes: Windows (MZ), ELF, Mach-O, Java
# classes, shell scripts.
_EXECUTABLE = (b"MZ", b"\x7fELF", b"\xfe\xed\xfa", b"\xce\xfa\xed\xfe", b"\xcf\xfa\xed\xfe", b"\xca\xfe\xba\xbe", b"#!")
# Markup a browser would run as a page, anywhere in the first kilobytes.
_HTML = re.compile(rb"<\s*(!doctype\s+html|html|head|body|script|iframe|svg|object|embed|meta|a\s)", re.IGNORECASE)
SNIFF_BYTES = 8 * 1024


def check_evidence(upload, extension):
    """Refuse an evidence file whose content is not what its extension says,
    and any executable, script or HTML page whatever its name. Reads the
    uploaded file itself (before it is stored anywhere), then rewinds it."""
    upload.seek(0)
    head = upload.read(SNIFF_BYTES)
    upload.seek(0)
    if head.startswith(_EXECUTABLE):
        raise UploadRefused("该文件是可执行程序或脚本，不能作为佐证材料上传。")
    signatures = EVIDENCE_SIGNATURES.get(extension)
    if signatures is not None:
        # A PDF reader accepts the header anywhere in the first kilobyte.
        matches = head.startswith(signatures) or (extension == "pdf" and b"%PDF-" in head[:1024])
        if not matches:
            raise UploadRefused(f"文件内容与扩展名 .{extension} 不符：请上传真正的 .{extension} 文件。")
        member = _ZIP_MEMBERS.get(extension)
        if member is not None:
            _check_zip_member(upload, member, extension)
        return
    # Text: readable text, not a page a browser would run.
    if b"\x00" in head or not _decodes(head):
        raise UploadRefused("文件内容不是文本：请上传真正的 .txt 文件。")
    if _HTML.search(head):
        raise UploadRefused("文件内容是网页（HTML），不能作为佐证材料上传：请另存为 PDF。")


def _decodes(head):
    for encoding in ("utf-8", "gb18030"):
        try:
            head.decode(encoding)
            return True
        except UnicodeDecodeError:
            # The sniffed bytes may end inside a character.
            try:
                head[:-4].decode(encoding)
                return True
            except UnicodeDecodeError:
                continue
    return False


def _check_zip_member(upload, member, extension):
    try:
        with zipfile.ZipFile(upload) as archive:
            names = archive.namelist()
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        raise UploadRefused(f"文件已损坏或不是 .{extension} 文件。") from None
    finally:
        upload.seek(0)
    if len(names) > settings.UPLOAD_MAX_ENTRIES:
        raise UploadRefused(f"文件包含 {len(names)} 个部件，超过上限 {settings.UPLOAD_MAX_ENTRIES} 个。")
    if not any(name == member or name.startswith(member) for name in names):
        raise UploadRefused(f"文件内容与扩展名 .{extension} 不符：请上传真正的 .{extension} 文件。")


# --- While a file arrives -----------------------------------------------------------------


def refused_uploads(request):
    """Messages for the files LimitedUploadHandler dropped from this request."""
    return list(getattr(request, "_refused_uploads", []))


class LimitedUploadHandler(FileUploadHandler):
    """First in FILE_UPLOAD_HANDLERS: counts each file's bytes as they arrive.

    A file past UPLOAD_MAX_FILE_BYTES is skipped (never stored in memory or a
    temporary file), a request past UPLOAD_MAX_REQUEST_BYTES stops; the
    reason is kept on the request for the form to show."""

    def new_file(self, field_name, file_name, *args, **kwargs):
        super().new_file(field_name, file_name, *args, **kwargs)
        self.received = 0
        if not hasattr(self, "request_total"):
            self.request_total = 0

    def _refuse(self, message):
        if not hasattr(self.request, "_refused_uploads"):
            self.request._refused_uploads = []
        self.request._refused_uploads.append(message)

    def receive_data_chunk(self, raw_data, start):
        self.received += len(raw_data)
        self.request_total = getattr(self, "request_total", 0) + len(raw_data)
        if self.request_total > settings.UPLOAD_MAX_REQUEST_BYTES:
            self._refuse(f"本次上传的文件合计超过上限 {_size(settings.UPLOAD_MAX_REQUEST_BYTES)}，未保存任何文件。")
            raise StopUpload(connection_reset=False)
        if self.received > settings.UPLOAD_MAX_FILE_BYTES:
            self._refuse(f"文件“{self.file_name}”超过大小上限 {_size(settings.UPLOAD_MAX_FILE_BYTES)}，未保存。")
            raise SkipFile()
        return raw_data

    def file_complete(self, file_size):
        return None

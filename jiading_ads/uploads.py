"""Limits on uploaded files, checked before anything parses them.

- `check_xlsx(file)`: an uploaded .xlsx (a zip of XML parts) is refused when
  its entries, uncompressed size, compression ratio, number of worksheets,
  rows per worksheet or length of a cell exceed the settings below. It reads
  the zip's directory, then streams each part through zlib and an incremental
  XML parser in small chunks, stopping at the first limit passed: a "zip
  bomb" of 1 MB that would unpack to 1 GB is refused after reading its
  directory, never unpacked into memory. Call it once, at the start of
  reading an uploaded workbook (the 台账 import; a Word/Excel plan import).
- `LimitedUploadHandler`: Django upload handler that counts bytes as they
  arrive and drops a file past UPLOAD_MAX_FILE_BYTES (or a request past
  UPLOAD_MAX_REQUEST_BYTES) before it is written out; `refused_uploads(request)`
  gives the forms the reason to show.

Settings (jiading_ads/settings.py, sized for a 台账 of a few thousand rows):
XLSX_MAX_ENTRIES, XLSX_MAX_UNCOMPRESSED_BYTES, XLSX_MAX_RATIO,
XLSX_MAX_SHEETS, XLSX_MAX_ROWS, XLSX_MAX_CELL_CHARS.
"""

import zipfile
import zlib
from xml.etree.ElementTree import ParseError, XMLPullParser

from django.conf import settings
from django.core.files.uploadhandler import FileUploadHandler, SkipFile, StopUpload
from django.template.defaultfilters import filesizeformat

CHUNK = 64 * 1024


class UploadRefused(Exception):
    """The file breaks a limit; str() is the Chinese message naming the limit."""


def _size(number):
    return filesizeformat(number).replace("\xa0", " ")


def _local(tag):
    return tag.rsplit("}", 1)[-1]


def check_xlsx(file):
    """Refuse an uploaded .xlsx that breaks a limit; raises UploadRefused.

    `file` is a seekable binary file (Django's UploadedFile); it is rewound
    afterwards, so the caller reads it from the start."""
    file.seek(0)
    try:
        archive = zipfile.ZipFile(file)
    except (zipfile.BadZipFile, OSError, ValueError):
        raise UploadRefused("无法读取该文件：它不是有效的 .xlsx 工作簿（无法按 zip 格式读取）。") from None
    try:
        _check_archive(archive)
    finally:
        archive.close()
        file.seek(0)


def _check_archive(archive):
    entries = archive.infolist()
    if len(entries) > settings.XLSX_MAX_ENTRIES:
        raise UploadRefused(f"工作簿包含 {len(entries)} 个部件，超过上限 {settings.XLSX_MAX_ENTRIES} 个。")
    declared = sum(info.file_size for info in entries)
    if declared > settings.XLSX_MAX_UNCOMPRESSED_BYTES:
        raise UploadRefused(
            f"工作簿解压后为 {_size(declared)}，超过上限 {_size(settings.XLSX_MAX_UNCOMPRESSED_BYTES)}。"
        )
    for info in entries:
        ratio = info.file_size / max(info.compress_size, 1)
        if info.file_size > CHUNK and ratio > settings.XLSX_MAX_RATIO:
            raise UploadRefused(
                f"工作簿中的“{info.filename[:60]}”压缩比为 {ratio:.0f} 倍，超过上限 {settings.XLSX_MAX_RATIO} 倍。"
            )
    names = {info.filename for info in entries}
    if "xl/workbook.xml" not in names:
        raise UploadRefused("无法读取该文件：它不是有效的 .xlsx 工作簿（缺少 xl/workbook.xml）。")
    budget = [settings.XLSX_MAX_UNCOMPRESSED_BYTES]
    sheets = [0]

    def on_workbook(event, element):
        if _local(element.tag) == "sheet":
            sheets[0] += 1
            if sheets[0] > settings.XLSX_MAX_SHEETS:
                raise UploadRefused(f"工作簿包含的工作表超过上限 {settings.XLSX_MAX_SHEETS} 个。")

    _stream(archive, "xl/workbook.xml", on_workbook, budget)
    for name in sorted(names):
        if name.startswith("xl/worksheets/") and name.endswith(".xml"):
            _stream(archive, name, _sheet_checker(name), budget)
        elif name == "xl/sharedStrings.xml":
            _stream(archive, name, _cell_checker("共享字符串"), budget)


def _cell_checker(where):
    limit = settings.XLSX_MAX_CELL_CHARS

    def check(event, element):
        if _local(element.tag) in ("t", "v", "f") and element.text and len(element.text) > limit:
            raise UploadRefused(f"{where}中有单元格长度为 {len(element.text)} 个字符，超过上限 {limit} 个字符。")

    return check


def _sheet_checker(name):
    cells = _cell_checker(f"工作表 {name.rsplit('/', 1)[-1]} ")
    rows = [0]
    limit = settings.XLSX_MAX_ROWS

    def check(event, element):
        tag = _local(element.tag)
        if tag == "row":
            rows[0] += 1
            if rows[0] > limit:
                raise UploadRefused(f"工作表的行数超过上限 {limit} 行。")
            element.clear()
        else:
            cells(event, element)

    return check


def _stream(archive, name, on_end, budget):
    """Decompress one part in chunks into an incremental parser, calling
    on_end(event, element) for each closed element; counts the bytes really
    produced, whatever the zip directory declared."""
    parser = XMLPullParser(events=("end",))
    try:
        with archive.open(name) as part:
            while True:
                chunk = part.read(CHUNK)
                if not chunk:
                    break
                budget[0] -= len(chunk)
                if budget[0] < 0:
                    raise UploadRefused(f"工作簿解压后超过上限 {_size(settings.XLSX_MAX_UNCOMPRESSED_BYTES)}。")
                if b"<!DOCTYPE" in chunk or b"<!ENTITY" in chunk:
                    raise UploadRefused("工作簿包含不允许的 XML 声明（DOCTYPE/ENTITY）。")
                parser.feed(chunk)
                for event, element in parser.read_events():
                    on_end(event, element)
            parser.close()
            for event, element in parser.read_events():
                on_end(event, element)
    except (
        zipfile.BadZipFile,
        zlib.error,
        EOFError,
        ParseError,
        OSError,
        ValueError,
        NotImplementedError,
        RuntimeError,
    ):
        # zlib errors, CRC mismatches, encrypted parts, malformed XML.
        raise UploadRefused(f"工作簿已损坏，无法读取其中的“{name[:60]}”。") from None


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

"""Bad files are refused with a clear Chinese message, and nothing is written."""

import copy
import io
import zipfile

import docx
import msoffcrypto.format.ooxml
import openpyxl
import pytest
from django.core.management import CommandError, call_command

from security.models import AuditEvent

from .conftest import NEW_DOC, resave, snapshot
from .tables import HEADER, bundled_rows, write_docx, write_xlsx


def docx_without_header(path):
    document = docx.Document()
    table = document.add_table(rows=2, cols=3)
    for cell, text in zip(table.rows[0].cells, ("任务", "内容", "单位"), strict=True):
        cell.text = text
    document.save(path)
    return path


def xlsx_without_header(path):
    workbook = openpyxl.Workbook()
    workbook.active.append(["序号", "事项", "部门"])
    workbook.active.append([1, "一件事", "区科委"])
    workbook.save(path)
    return path


def docx_without_tables(path):
    document = docx.Document()
    document.add_paragraph("附件：任务分工（见后）")
    document.save(path)
    return path


def empty_xlsx(path):
    openpyxl.Workbook().save(path)
    return path


def header_only_xlsx(path):
    workbook = openpyxl.Workbook()
    workbook.active.append(list(HEADER))
    workbook.save(path)
    return path


def zero_bytes(path):
    path.write_bytes(b"")
    return path


def encrypted(source, path):
    with open(source, "rb") as handle:
        office = msoffcrypto.format.ooxml.OOXMLFile(handle)
        with open(path, "wb") as out:
            office.encrypt("Jiading-2026", out)
    return path


def old_word_header(path):
    """The first bytes of every .doc/.xls (an OLE compound file), without an encryption stream."""
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 4096)
    return path


def huge_xlsx(path):
    workbook = openpyxl.Workbook(write_only=True)
    sheet = workbook.create_sheet("任务分工")
    sheet.append(list(HEADER))
    for number in range(1, 5100):
        sheet.append([f"{number}. 任务" if number % 50 == 1 else None, f"({number}) 措施", "区科委"])
    workbook.save(path)
    return path


def docx_with_copies(path, copies):
    """A Word table whose last row (a measure below a merged task cell) is repeated `copies` times."""
    path = write_docx(path, bundled_rows()[:2], split_after=())
    document = docx.Document(path)
    (table,) = document.tables
    row = table.rows[-1]._tr
    for _ in range(copies):
        row.addnext(copy.deepcopy(row))
    document.save(path)
    return path


def huge_docx(path):
    return docx_with_copies(path, 5100)


def zip_bomb(path):
    """Small on disk, 40 MB unpacked."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.xml", "<workbook/>")
        archive.writestr("xl/worksheets/sheet1.xml", b"\0" * (40 * 1024 * 1024))
    return path


def oversized_document_part(path):
    """Under the unpacked limit in all, but one XML part too big to parse safely."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<w:document>" + " " * (9 * 1024 * 1024) + "</w:document>")
    return path


def damaged(path):
    path.write_bytes(b"PK\x03\x04" + b"\x13" * 2000)
    return path


def text_file(path):
    path.write_text("工作任务,具体措施,责任单位\n", encoding="utf-8")
    return path


BAD_FILES = {
    "word without header": ("t.docx", docx_without_header, "找不到任务分工表"),
    "excel without header": ("t.xlsx", xlsx_without_header, "找不到任务分工表"),
    "word without tables": ("t.docx", docx_without_tables, "找不到任务分工表"),
    "empty workbook": ("t.xlsx", empty_xlsx, "找不到任务分工表"),
    "header and nothing under it": ("t.xlsx", header_only_xlsx, "任务分工表是空的"),
    "zero bytes": ("t.docx", zero_bytes, "文件是空的"),
    "password-protected word": (
        "t.docx",
        lambda p: encrypted(write_docx(p.with_name("plain.docx"), bundled_rows()), p),
        "打开密码",
    ),
    "password-protected excel": (
        "t.xlsx",
        lambda p: encrypted(write_xlsx(p.with_name("plain.xlsx"), bundled_rows()), p),
        "打开密码",
    ),
    "old .doc": ("t.doc", old_word_header, "另存为"),
    "huge excel table": ("t.xlsx", huge_xlsx, "行数超过上限 5000 行"),
    "huge word table": ("t.docx", huge_docx, "超过上限"),
    "zip bomb": ("t.xlsx", zip_bomb, "解压后为 40.0 MB，超过单个部件的上限"),
    "oversized document part": ("t.docx", oversized_document_part, "压缩比"),
    "damaged zip": ("t.docx", damaged, "已损坏"),
    "text renamed .docx": ("t.docx", text_file, "无法识别的文件格式"),
}


@pytest.mark.parametrize("case", BAD_FILES)
def test_bad_file_is_refused_with_a_clear_message_and_nothing_written(plan, tmp_path, case):
    name, make, message = BAD_FILES[case]
    path = make(tmp_path / name)
    before = snapshot()
    with pytest.raises(CommandError, match=message):
        call_command("load_plan", str(path), "--doc-number", NEW_DOC, "--title", "测试方案（2026—2027年）")
    assert snapshot() == before
    event = AuditEvent.objects.latest("pk")
    assert (event.kind, event.result) == ("plan_loaded", "failure")
    assert message in event.detail


def test_a_real_doc_saved_by_libreoffice_is_refused(plan, tmp_path):
    doc = resave(write_docx(tmp_path / "任务分工.docx", bundled_rows()), "doc", tmp_path)
    with pytest.raises(CommandError, match="旧版 Word"):
        call_command("load_plan", str(doc), "--doc-number", NEW_DOC, "--title", "测试方案（2026—2027年）")


def test_a_file_over_the_size_limit_is_refused_before_reading(plan, tmp_path, settings):
    from tasks.plans import tableread

    with pytest.raises(tableread.TableError, match="超过 10 MB"):
        tableread.read_table(io.BytesIO(b"PK\x03\x04" + b"\0" * (10 * 1024 * 1024 + 10)), "big.xlsx")


def test_a_task_merged_down_a_long_word_table_reads_in_linear_time(plan, tmp_path):
    """python-docx looks merged cells up row by row; the reader must not (it took 45 s and overflowed the stack)."""
    import time

    from tasks.plans import tableread

    path = docx_with_copies(tmp_path / "t.docx", 1900)
    started = time.monotonic()
    draft = tableread.read_table(path, "t.docx")
    assert time.monotonic() - started < 10
    assert draft.measure_count == 2
    assert len(draft.problems) == 1900 and "重复" in draft.problems[0].message

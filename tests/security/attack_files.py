"""The release probe's attack files, built small: each is a valid-looking
Office file that makes openpyxl or python-docx build something huge, or hides
an XML declaration. Built from a real small file whose XML is then patched,
so nothing big is ever made in the test process."""

import io
import random
import re
import string
import zipfile

import docx
import openpyxl

BOUNDARY = 64 * 1024  # the read size of the old streamed check


def _patched(data, changes):
    """`data` (a zip) with parts replaced: {name: new bytes or a function old -> new}."""
    source = zipfile.ZipFile(io.BytesIO(data))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            content = source.read(info.filename)
            change = changes.pop(info.filename, None)
            if change is not None:
                content = change(content) if callable(change) else change
            target.writestr(info.filename, content)
        for name, content in changes.items():
            with target.open(name, "w", force_zip64=True) as part:
                for chunk in content if not isinstance(content, bytes) else [content]:
                    part.write(chunk)
    return buffer.getvalue()


def small_workbook(sheet="按单位", merge=None):
    workbook = openpyxl.Workbook()
    worksheet = workbook.active
    worksheet.title = sheet
    worksheet.append(["工作任务", "具体措施", "责任单位"])
    worksheet.append(["1. 任务", "(1) 措施", "区科委"])
    if merge:
        worksheet.merge_cells(merge)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def row_numbered(number=1_048_576):
    """A 1.6 KB workbook whose one data row is numbered `number` (the probe: 7 s, +1.6 GB in the 台账 import).
    Its dimension still says A1:C2: the row number alone is the attack."""

    def renumber(xml):
        for column in "ABC":
            xml = xml.replace(f'r="{column}2"'.encode(), f'r="{column}{number}"'.encode())
        return xml.replace(b'<row r="2"', f'<row r="{number}"'.encode())

    return _patched(small_workbook(), {"xl/worksheets/sheet1.xml": renumber})


def _rows(count, start=1):
    for first in range(start, start + count, 5000):
        yield "".join(
            f'<row r="{n}"><c r="A{n}" t="inlineStr"><is><t>行{n}</t></is></c></row>'
            for n in range(first, min(first + 5000, start + count))
        ).encode()


def sheet_stored_elsewhere(rows=200_000, part="hidden/data.bin"):
    """A workbook whose only worksheet is stored outside xl/worksheets/ under a
    name that is not .xml, named by the workbook's relationships (the probe:
    200,000 rows parsed, +0.3 GB; 900,000 in 19 s, +1.5 GB)."""
    head = (
        b'<?xml version="1.0" encoding="UTF-8"?>'
        b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
    )
    tail = b"</sheetData></worksheet>"
    return _move_sheet(small_workbook(), part, [head, *_rows(rows), tail])


def _move_sheet(data, part, chunks):
    source = zipfile.ZipFile(io.BytesIO(data))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as out:
        for info in source.infolist():
            if info.filename == "xl/worksheets/sheet1.xml":
                continue
            content = source.read(info.filename)
            if info.filename == "xl/_rels/workbook.xml.rels":
                content = content.replace(b"/xl/worksheets/sheet1.xml", f"/{part}".encode())
            if info.filename == "[Content_Types].xml":
                content = content.replace(b"/xl/worksheets/sheet1.xml", f"/{part}".encode())
            out.writestr(info.filename, content)
        with out.open(part, "w", force_zip64=True) as sheet:
            for chunk in chunks:
                sheet.write(chunk)
    return buffer.getvalue()


def merged_range(ref="A1:AN100000"):
    """A task table whose one merged range covers 4 million cells (the probe: 30 s, +0.8 GB in the plan import)."""
    return _patched(
        small_workbook(sheet="任务分工", merge="A1:B2"),
        {"xl/worksheets/sheet1.xml": lambda xml: xml.replace(b'ref="A1:B2"', f'ref="{ref}"'.encode())},
    )


def dimension(ref="A1:XFD1048576"):
    return _patched(
        small_workbook(),
        {
            "xl/worksheets/sheet1.xml": lambda xml: re.sub(
                rb'<dimension ref="[^"]*"/>', f'<dimension ref="{ref}"/>'.encode(), xml
            )
        },
    )


def small_document():
    document = docx.Document()
    table = document.add_table(rows=2, cols=3)
    for cell, text in zip(table.rows[0].cells, ["工作任务", "具体措施", "责任单位"], strict=True):
        cell.text = text
    for cell, text in zip(table.rows[1].cells, ["1. 任务", "(1) 措施", "区科委"], strict=True):
        cell.text = text
    document.add_paragraph("备注：排名第一的为牵头单位。")
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def grid_span(value=2_000_000, element="gridSpan"):
    """A task table whose first cell spans `value` grid columns (the probe: 30 s, +0.8 GB in the plan import)."""
    tag = f'<w:tcPr><w:{element} w:val="{value}"/>'.encode()
    return _patched(
        small_document(),
        {"word/document.xml": lambda xml: xml.replace(b"<w:tcPr>", tag, 1)},
    )


def table_rows(rows=20_000):
    """A Word table of `rows` rows, patched in as text (python-docx itself would take long to build it)."""
    added = "".join(
        f"<w:tr><w:tc><w:p><w:r><w:t>({n}) 措施{n * 7919 % 100003}</w:t></w:r></w:p></w:tc>"
        f"<w:tc><w:p/></w:tc><w:tc><w:p><w:r><w:t>单位{n % 97}</w:t></w:r></w:p></w:tc></w:tr>"
        for n in range(rows)
    ).encode()
    return _patched(
        small_document(),
        {"word/document.xml": lambda xml: xml.replace(b"</w:tbl>", added + b"</w:tbl>", 1)},
    )


def doctype_across_the_boundary(part="xl/sharedStrings.xml", at=BOUNDARY - 4):
    """An XML part whose DOCTYPE (with a "billion laughs" entity) starts 4 bytes
    before the old check's 64 KiB read boundary, so neither read held all of "<!DOCTYPE"."""
    declaration = b'<?xml version="1.0" encoding="UTF-8"?>'
    # A comment of varied text (spaces would compress past the ratio limit first).
    filler = random.Random(2023).choices(string.ascii_letters + string.digits, k=at - len(declaration) - 7)
    padding = b"<!--" + "".join(filler).encode() + b"-->"
    laughs = (
        b'<!DOCTYPE sst [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">'
        b'<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">]>'
    )
    body = b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><si><t>&c;</t></si></sst>'
    content = declaration + padding + laughs + body
    assert content.index(b"<!DOCTYPE") == at
    return _patched(small_workbook(), {part: content})

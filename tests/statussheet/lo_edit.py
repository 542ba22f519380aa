"""Type into an exported 台账 in LibreOffice, as a person would, and save it as .xlsx again.

Run with the system Python that has LibreOffice's `uno` module (Debian's
python3-uno), not the project's virtualenv:

    /usr/bin/python3 lo_edit.py IN.xlsx OUT.xlsx PROFILE_DIR EDITS.json

EDITS: {"rows": [{"unit": "江桥镇", "code": "5.(2)", "cells": {"完成进度": "98%"}}],
        "delete_columns": ["下一步计划"]}
Each cell gets the text as typed input (so "98%" becomes 0.98 shown as a
percentage, "=…" a formula); columns are deleted after the typing. Prints
[[row, header, typed, value, shown], ...] as JSON.
"""

import json
import os
import subprocess
import sys
import time
import uuid

import uno
from com.sun.star.beans import PropertyValue

FILL_IN_SHEET = "按单位"
HEADER_ROW = 2  # 0-based: the sheet's third row


def _property(name, value):
    prop = PropertyValue()
    prop.Name, prop.Value = name, value
    return prop


def _headers(sheet):
    return {sheet.getCellByPosition(column, HEADER_ROW).getString(): column for column in range(30)}


def _row_of(sheet, headers, unit, code):
    for row in range(HEADER_ROW + 1, 5000):
        name = sheet.getCellByPosition(headers["单位"], row).getString()
        measure = sheet.getCellByPosition(headers["具体措施"], row).getString()
        if not name and not measure:
            break
        if name == unit and measure.startswith(f"{code} "):
            return row
    raise SystemExit(f"no {FILL_IN_SHEET} row for {unit} on {code}")


def edit(document, edits):
    sheet = document.Sheets.getByName(FILL_IN_SHEET)
    headers = _headers(sheet)
    typed = []
    for change in edits.get("rows", []):
        row = _row_of(sheet, headers, change["unit"], change["code"])
        for header, text in change["cells"].items():
            cell = sheet.getCellByPosition(headers[header], row)
            cell.setFormula(text)
            typed.append([row + 1, header, text, cell.getValue(), cell.getString()])
    for header in edits.get("delete_columns", []):
        sheet.Columns.removeByIndex(_headers(sheet)[header], 1)
    return typed


def main(source, target, profile, edits_path):
    with open(edits_path, encoding="utf-8") as file:
        edits = json.load(file)
    pipe = f"lo-edit-{uuid.uuid4().hex}"
    office = subprocess.Popen(
        [
            "soffice",
            f"-env:UserInstallation=file://{profile}",
            "--headless",
            "--invisible",
            "--norestore",
            f"--accept=pipe,name={pipe};urp;",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        local = uno.getComponentContext()
        resolver = local.ServiceManager.createInstanceWithContext("com.sun.star.bridge.UnoUrlResolver", local)
        for _ in range(120):
            try:
                context = resolver.resolve(f"uno:pipe,name={pipe};urp;StarOffice.ComponentContext")
                break
            except Exception:  # not listening yet
                time.sleep(0.5)
        else:
            raise SystemExit("LibreOffice did not start")
        desktop = context.ServiceManager.createInstanceWithContext("com.sun.star.frame.Desktop", context)
        url = uno.systemPathToFileUrl(os.path.abspath(source))
        document = desktop.loadComponentFromURL(url, "_blank", 0, (_property("Hidden", True),))
        typed = edit(document, edits)
        document.storeToURL(
            uno.systemPathToFileUrl(os.path.abspath(target)), (_property("FilterName", "Calc MS Excel 2007 XML"),)
        )
        document.close(True)
        print(json.dumps(typed, ensure_ascii=False))
    finally:
        try:
            desktop.terminate()
        except Exception:
            pass
        office.terminate()
        office.wait(30)


if __name__ == "__main__":
    main(*sys.argv[1:])

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
import sys

from lo_uno import document, save_as_xlsx

FILL_IN_SHEET = "按单位"
HEADER_ROW = 2  # 0-based: the sheet's third row


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
    with document(source, profile) as opened:
        typed = edit(opened, edits)
        save_as_xlsx(opened, target)
    print(json.dumps(typed, ensure_ascii=False))


if __name__ == "__main__":
    main(*sys.argv[1:])

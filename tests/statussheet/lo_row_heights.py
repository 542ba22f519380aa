"""Print, as JSON, each row's height in an xlsx file and the height LibreOffice needs for its text.

Run with the system Python that has LibreOffice's `uno` module (Debian's
python3-uno), not the project's virtualenv:

    /usr/bin/python3 lo_row_heights.py FILE.xlsx PROFILE_DIR

Output: {sheet name: [[row number, height in points, optimal height in points], ...]}
for every used row. LibreOffice's optimal height is what it needs to show
every line of the row's wrapped text in the fonts it actually has.
"""

import json
import os
import subprocess
import sys
import time
import uuid

import uno
from com.sun.star.beans import PropertyValue

HUNDREDTHS_MM_PER_POINT = 2540 / 72


def _property(name, value):
    prop = PropertyValue()
    prop.Name, prop.Value = name, value
    return prop


def main(path, profile):
    pipe = f"lo-rows-{uuid.uuid4().hex}"
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
        url = uno.systemPathToFileUrl(os.path.abspath(path))
        document = desktop.loadComponentFromURL(url, "_blank", 0, (_property("Hidden", True),))
        result = {}
        for sheet in document.Sheets:
            cursor = sheet.createCursor()
            cursor.gotoEndOfUsedArea(False)
            last = cursor.RangeAddress.EndRow
            rows = sheet.Rows
            heights = [rows.getByIndex(i).Height for i in range(last + 1)]
            rows.OptimalHeight = True
            optimal = [rows.getByIndex(i).Height for i in range(last + 1)]
            result[sheet.Name] = [
                [i + 1, round(h / HUNDREDTHS_MM_PER_POINT, 1), round(o / HUNDREDTHS_MM_PER_POINT, 1)]
                for i, (h, o) in enumerate(zip(heights, optimal, strict=True))
            ]
        document.close(True)
        print(json.dumps(result, ensure_ascii=False))
    finally:
        try:
            desktop.terminate()
        except Exception:
            pass
        office.terminate()
        office.wait(30)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])

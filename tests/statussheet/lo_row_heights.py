"""Print, as JSON, each row's height in an xlsx file and the height LibreOffice needs for its text.

Run with the system Python that has LibreOffice's `uno` module (Debian's
python3-uno), not the project's virtualenv:

    /usr/bin/python3 lo_row_heights.py FILE.xlsx PROFILE_DIR

Output: {sheet name: [[row number, height in points, optimal height in points], ...]}
for every used row. LibreOffice's optimal height is what it needs to show
every line of the row's wrapped text in the fonts it actually has.
"""

import json
import sys

from lo_uno import document

HUNDREDTHS_MM_PER_POINT = 2540 / 72


def main(path, profile):
    result = {}
    with document(path, profile) as opened:
        for sheet in opened.Sheets:
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
    print(json.dumps(result, ensure_ascii=False))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])

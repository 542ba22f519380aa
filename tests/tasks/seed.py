"""Reading the source notice (嘉府发〔2023〕2号) that the bundled plan was transcribed from.

The notice's text is kept in the repository (fixtures/source/), so the tests that
compare the plan against it always run. The text was extracted from a PDF: spaces
inside task titles and unit names are line-break artefacts and are removed here;
measure texts are kept verbatim (they contain real spaces, e.g. "5G 等").
"""

import re
from dataclasses import dataclass

from django.conf import settings

SEED_PATH = settings.BASE_DIR / "fixtures" / "source" / "jiafufa-2023-2.txt"

_TASK_CELL = re.compile(r"^(\d+)\.\s*(.+)$")
_MEASURE_CELL = re.compile(r"^\((\d+)\)\s*(.+)$")


@dataclass
class SeedRow:
    task_number: int
    task_title: str  # spaces removed
    task_cell: str  # the 工作任务 cell as printed on the task's first row, else ""
    measure_number: int
    measure_cell: str  # "(n) text", verbatim
    measure_text: str  # text without the "(n) " prefix, verbatim
    units: list  # printed names, document order, spaces removed


def seed_text():
    return SEED_PATH.read_text(encoding="utf-8")


def attachment_rows():
    """The rows of the attachment's task table (任务分工), in document order."""
    text = seed_text()
    table = text[text.index("任务分工", text.index("## 附件")) :]
    table = table[: table.index("备注：")]
    rows = []
    number = title = None
    for line in table.splitlines():
        cells = line.split("\t")
        if len(cells) != 3 or cells[0] == "工作任务":
            continue
        task_cell, measure_cell, units_cell = cells
        first_of_task = bool(task_cell.strip())
        if first_of_task:
            match = _TASK_CELL.match(task_cell.strip())
            number, title = int(match.group(1)), re.sub(r"\s+", "", match.group(2))
        measure = _MEASURE_CELL.match(measure_cell.strip())
        rows.append(
            SeedRow(
                task_number=number,
                task_title=title,
                task_cell=f"{number}. {title}" if first_of_task else "",
                measure_number=int(measure.group(1)),
                measure_cell=measure_cell.strip(),
                measure_text=measure.group(2),
                units=re.sub(r"\s+", "", units_cell).split("、"),
            )
        )
    return rows


def body_tasks():
    """Section 四、具体任务 of the body: {number: (narrative, [责任部门…])}.

    Paragraph breaks inside a task are PDF page breaks and are joined; bold
    markers are dropped.
    """
    text = seed_text()
    section = text[text.index("四、具体任务") : text.index("五、保障措施")]
    section = section.replace("**", "")
    section = re.sub(r"\n\s*\n", "", section.split("\n", 1)[1]).strip()
    found = {}
    for match in re.finditer(r"(\d+)\.\s*([^。]+)。(.*?)（责任部门：((?:[^（）]|（[^（）]*）)*)）", section, re.S):
        number = int(match.group(1))
        found[number] = (match.group(3).strip(), match.group(4).split("、"))
    return found

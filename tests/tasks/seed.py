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
    """The source notice as extracted text. The one place that knows where it lives."""
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


# The notice's own sections, repaired the way the fixture repairs them


_POINT = re.compile(r"^\d+\.\s")


def _plain(block):
    """Markdown markers of the extraction (#, **) dropped; inner whitespace kept."""
    return re.sub(r"^#+\s*", "", block.replace("**", "").strip()).strip()


def _paragraphs(text):
    return [_plain(p) for p in re.split(r"\n\s*\n", text) if _plain(p)]


def _points(text):
    """Numbered points ("1. …"), one line each: a paragraph that does not start with a
    number continues the point before it (a page break split it)."""
    points = []
    for paragraph in _paragraphs(text):
        if points and not _POINT.match(paragraph):
            points[-1] += paragraph
        else:
            points.append(paragraph)
    return "\n".join(points)


def _between(text, start, end):
    i = text.index(start)
    return text[i + len(start) : text.index(end, i)]


def notice_sections():
    """Every section of the notice outside 四 and the attachment's table, as the fixture stores it.

    Line-break artefacts are repaired as in the fixture: titles lose the spaces
    a line break left; a paragraph a page break split is joined; bold markers
    are dropped. Headings are returned as printed.
    """
    text = seed_text()
    body_start = text.index("# 嘉定区数字广告业高质量发展行动方案 (2023—2025年)")
    front = _paragraphs(text[:body_start])
    attachment_note = _between(text, "社会共治新格局。", "## 附件")
    return {
        "header": front[0],
        "doc_number": front[1],
        "notice_title": re.sub(r"\s+", "", front[2]),
        "addressees": front[3],
        "notice_text": front[4],
        "notice_attachment": front[5],
        "preamble": "\n".join(_paragraphs(_between(text, "(2023—2025年)\n", "## 一、指导思想"))),
        "guidance": "\n".join(_paragraphs(_between(text, "## 一、指导思想", "## **二、主要目标**"))),
        "goals": "\n".join(_paragraphs(_between(text, "## **二、主要目标**", "## **三、工作重点**"))),
        "key_points": _points(_between(text, "## **三、工作重点**", "#### 四、具体任务")),
        "safeguards": _points(_between(text, "## 五、保障措施", "附件:《")),
        "attachment_note": "".join(_paragraphs("附件:《" + attachment_note.split("附件:《", 1)[1])),
        "attachment_title": re.sub(r"\s+", "", _plain(_between(text, "## 附件\n", "\n工作任务"))),
        "headings": dict(
            zip(
                ["guidance", "goals", "key_points", "tasks", "safeguards"],
                [h for h in printed_headings() if re.match(r"^[一二三四五六七八九十]+、", h)],
                strict=True,
            )
        ),
    }


def printed_headings():
    """The section headings as the extraction marks them (##, ####), markers dropped."""
    return [_plain(line) for line in seed_text().splitlines() if line.startswith("#")]

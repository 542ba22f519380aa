"""Tables numbered only in a 序号 column (issue 18): the 具体措施 cell holds the text alone, and
each measure takes its number within its task from the 序号 column — as it stands when the
column starts again in each task, counted within the task when it runs over the whole table —
and the preview says so. Loaded, such a table gives the bundled plan again."""

import re
from dataclasses import replace

import openpyxl
import pytest

from tasks.plans.tableread import Severity, split_serial

from .conftest import build, load, signature
from .tables import bundled_rows, write_docx, write_xlsx

MEASURE_NUMBER = re.compile(r"^\((\d+)\) ")


def serial_rows(running):
    """The bundled table with the measures' numbers moved to a 序号 column: "1.(3)" is 3, or
    with `running` the row's count over the whole table (task 10's gap then shows as none)."""
    rows, serials, count = [], {}, 0
    for row in bundled_rows():
        number = int(MEASURE_NUMBER.match(row.measure).group(1))
        count += 1
        bare = replace(row, measure=MEASURE_NUMBER.sub("", row.measure))
        serials[id(bare)] = str(count) if running else str(number)
        rows.append(bare)
    return rows, (lambda row: serials[id(row)])


@pytest.mark.parametrize("fmt", ["docx", "xlsx"])
def test_a_serial_column_restarting_in_each_task_numbers_the_measures(plan, tmp_path, fmt):
    rows, serial = serial_rows(running=False)
    if fmt == "docx":
        path = write_docx(tmp_path / "序号.docx", rows, extra_columns=[("序号", serial)])
    else:
        path = _xlsx_with_serials(write_xlsx(tmp_path / "序号.xlsx", rows), rows, serial)
    built = build(path)

    assert built.ok, [str(p) for p in built.problems]
    said = [p.message for p in built.problems if p.place == "“序号”列"]
    assert said == ["42 条具体措施的单元格中没有编号：编号取自“序号”列，如（1）（2）……，请在预览中核对"]
    new, _ = load(path)
    assert signature(new) == signature(plan)  # task 10's (1) and (3) included


def test_a_serial_column_running_over_the_table_counts_within_each_task(plan, tmp_path):
    rows, serial = serial_rows(running=True)
    built = build(write_docx(tmp_path / "序号.docx", rows, extra_columns=[("序号", serial)]))

    assert built.ok
    assert [m.code for m in built.tasks[1][1]] == ["2.(1)", "2.(2)", "2.(3)", "2.(4)", "2.(5)"][
        : len(built.tasks[1][1])
    ]
    assert [m.code for m in built.tasks[9][1]] == ["10.(1)", "10.(2)"]  # a running count cannot know the gap
    said = [p for p in built.problems if p.place == "“序号”列"]
    assert said[0].severity == Severity.WARNING
    assert "“序号”列为全表连续编号，已按每项工作任务内的顺序编号" in said[0].message


def test_a_measure_without_a_number_anywhere_is_a_problem_at_its_place(plan, tmp_path):
    rows, serial = serial_rows(running=False)
    rows[1] = replace(rows[1])
    broken = {id(rows[1]): "说明"}
    path = write_docx(tmp_path / "序号.docx", rows, extra_columns=[("序号", lambda r: broken.get(id(r)) or serial(r))])
    built = build(path)

    assert not built.ok
    assert any("“序号”列也无法识别：“说明”" in p.message and "“序号”列" in p.place for p in built.problems)


@pytest.mark.parametrize(
    "cell, number", [("3", 3), ("3.", 3), ("（3）", 3), ("③", 3), ("1.3", 3), ("1-3", 3), ("", None), ("说明", None)]
)
def test_serial_cells(cell, number):
    assert split_serial(cell) == number


def _xlsx_with_serials(path, rows, serial):
    """The Excel table with a 序号 column after the others."""
    workbook = openpyxl.load_workbook(path)
    sheet = workbook.active
    header_row = next(r for r in range(1, sheet.max_row + 1) if sheet.cell(r, 1).value == "工作任务")
    column = 4
    sheet.cell(header_row, column).value = "序号"
    for offset, row in enumerate(rows, start=1):
        sheet.cell(header_row + offset, column).value = serial(row)
    workbook.save(path)
    return path

"""Reading task tables as offices write them: numbering, spaces, units, markers, the 备注, layouts."""

import openpyxl
import pytest

from tasks.plans import tableread
from tasks.plans.tableread import clean_text, parse_note, split_measure, split_task, split_units

from .tables import BUNDLED_NOTE, HEADER, Row, bundled_rows, write_docx, write_xlsx

# Text


@pytest.mark.parametrize(
    "printed,cleaned",
    [
        ("发展数字广告 新型业态", "发展数字广告新型业态"),
        ("加强数字广告 技术应用与数据 支撑", "加强数字广告技术应用与数据支撑"),
        ("推动人工智能、5G 等新技术", "推动人工智能、5G 等新技术"),
        ("积极参与“上海设计 100+”遴选", "积极参与“上海设计 100+”遴选"),
        ("其中 5. (2) 各街镇各自牵头。", "其中 5.(2) 各街镇各自牵头。"),
        ("鼓励有条件的\n创新创业载体", "鼓励有条件的创新创业载体"),
        ("推动直播电商平台、MCN机构", "推动直播电商平台、MCN机构"),
        ("\u3000 全角空格\u3000之后 ", "全角空格之后"),
    ],
)
def test_stray_spaces_and_line_breaks_go_as_the_fixture_removes_them(printed, cleaned):
    assert clean_text(printed) == cleaned


# Numbering


@pytest.mark.parametrize(
    "cell,expected",
    [
        ("1. 发展数字广告新型业态", (1, "发展数字广告新型业态")),
        ("1、发展", (1, "发展")),
        ("10．鼓励", (10, "鼓励")),
        ("一、优化营商环境", (1, "优化营商环境")),
        ("十一、公益广告", (11, "公益广告")),
        ("二十三、更多", (23, "更多")),
        ("（三）人才", (3, "人才")),
    ],
)
def test_task_numbering_variants(cell, expected):
    assert split_task(cell) == expected


@pytest.mark.parametrize("cell", ["发展数字广告新型业态", "一流营商环境", "1.5倍增长", ""])
def test_a_task_cell_without_a_number_is_not_a_task(cell):
    assert split_task(cell) is None


@pytest.mark.parametrize(
    "cell,expected",
    [
        ("(1) 鼓励", (1, "鼓励")),
        ("（2）推进", (2, "推进")),
        ("3) 加快", (3, "加快")),
        ("4）加快", (4, "加快")),
        ("⑤鼓励", (5, "鼓励")),
        ("⑳二十", (20, "二十")),
        ("㉑二十一", (21, "二十一")),
        ("6. 持续", (6, "持续")),
        ("(12) 十二", (12, "十二")),
    ],
)
def test_measure_numbering_variants(cell, expected):
    assert split_measure(cell) == expected


@pytest.mark.parametrize("cell", ["鼓励有条件的", "5G 应用", "(1)", "（a）文字"])
def test_a_measure_cell_without_a_number_is_not_a_measure(cell):
    assert split_measure(cell) is None


# Units


def test_units_split_on_every_separator_and_line_breaks_in_order():
    cell = "区科委、区委网信办，区经委,区财政局；区商务委;区教育局\n区体育局\r\n区统计局"
    assert [n for n, _ in split_units(cell)] == [
        "区科委",
        "区委网信办",
        "区经委",
        "区财政局",
        "区商务委",
        "区教育局",
        "区体育局",
        "区统计局",
    ]


def test_unit_names_lose_their_spaces_and_keep_their_brackets():
    assert split_units("区科委、 区行政服务中心 (大数据中心)、各 街镇") == [
        ("区科委", None),
        ("区行政服务中心(大数据中心)", None),
        ("各街镇", None),
    ]


def test_a_separator_inside_brackets_does_not_split_a_name():
    assert split_units("区委宣传部（区文明办、区网信办）、区科委") == [
        ("区委宣传部（区文明办、区网信办）", None),
        ("区科委", None),
    ]


@pytest.mark.parametrize(
    "cell,expected",
    [
        ("区教育局、区科委（牵头）", [("区教育局", None), ("区科委", True)]),
        ("区科委(牵头单位)、区教育局（配合）", [("区科委", True), ("区教育局", False)]),
        ("牵头：区科委\n配合：区教育局、区财政局", [("区科委", True), ("区教育局", False), ("区财政局", False)]),
        ("牵头单位：区科委；配合单位：区教育局", [("区科委", True), ("区教育局", False)]),
    ],
)
def test_explicit_lead_markers(cell, expected):
    assert split_units(cell) == expected


# The 备注


@pytest.mark.parametrize(
    "note",
    [
        "备注：责任单位中排名第一的是牵头单位，其中 5. (2) 各街镇各自牵头。",
        "注：排名第一的为牵头单位，其中5.(2)各街镇各自牵头",
        "备注：第一个为牵头单位；其中 5．（2）各街镇分别牵头。",
        "备注：责任单位中排在首位的为牵头单位，其余为配合单位。其中五、(2)，各街镇各自牵头。",
    ],
)
def test_usual_wordings_of_the_lead_rule_are_understood(note):
    rule = parse_note(note)
    assert rule.first_leads
    assert rule.exceptions == {(5, 2): "each"}
    assert rule.unknown == []


def test_several_measures_and_a_joint_lead_in_one_note():
    rule = parse_note("排名第一的为牵头单位。其中 2.(3)、4.(1) 各街镇各自牵头；6.(2) 共同牵头。")
    assert rule.exceptions == {(2, 3): "each", (4, 1): "each", (6, 2): "all"}


def test_what_the_note_says_beyond_the_lead_rule_is_kept_as_not_understood():
    rule = parse_note("备注：排名第一的为牵头单位，每季度末报送进展。")
    assert rule.first_leads
    assert rule.unknown == ["每季度末报送进展"]


# Word layouts


def measures_of(draft):
    return [(t.number, m.number, m.text, [u.name for u in m.units]) for t, m in draft.measures()]


@pytest.fixture
def bundled_docx(tmp_path):
    return write_docx(tmp_path / "任务分工.docx", bundled_rows())


def test_word_table_split_over_pages_reads_as_one_table(bundled_docx):
    draft = tableread.read_table(bundled_docx, "任务分工.docx")
    assert [t.number for t in draft.tasks] == list(range(1, 12))
    assert draft.measure_count == 42
    assert draft.problems == []
    assert draft.note == clean_text(BUNDLED_NOTE)
    assert draft.note_place.startswith("表格下方")


def test_word_vertically_merged_task_cells_keep_one_task(bundled_docx):
    draft = tableread.read_table(bundled_docx, "x.docx")
    assert [len(t.measures) for t in draft.tasks] == [5, 2, 5, 4, 3, 9, 3, 2, 4, 2, 3]
    assert draft.tasks[0].title == "发展数字广告新型业态"


def test_word_keeps_gaps_in_measure_numbering(bundled_docx):
    draft = tableread.read_table(bundled_docx, "x.docx")
    assert [m.number for m in draft.tasks[9].measures] == [1, 3]


def test_word_header_in_another_column_order_with_a_note_column(tmp_path):
    path = write_docx(tmp_path / "t.docx", bundled_rows(), order=(2, 0, 1), extra_columns=[("备注", lambda row: "")])
    ordered = tableread.read_table(write_docx(tmp_path / "o.docx", bundled_rows()), "o.docx")
    assert measures_of(tableread.read_table(path, "t.docx")) == measures_of(ordered)


def test_word_header_rows_repeated_inside_a_table_are_skipped(tmp_path):
    path = write_docx(tmp_path / "t.docx", bundled_rows(), split_after=(), repeat_header_rows_within=True)
    draft = tableread.read_table(path, "t.docx")
    assert draft.measure_count == 42
    assert draft.problems == []


def test_word_unmerged_blank_task_cells_continue_the_task(tmp_path):
    path = write_docx(tmp_path / "t.docx", bundled_rows(), merge_tasks=False)
    assert tableread.read_table(path, "t.docx").measure_count == 42


def test_word_places_name_table_row_and_column(bundled_docx):
    draft = tableread.read_table(bundled_docx, "x.docx")
    first = draft.tasks[3].measures[0]  # 4.(1): first row of the second table
    assert first.place == "表 2 第 2 行“具体措施”列"
    assert first.units_place == "表 2 第 2 行“责任单位”列"


def test_word_tables_before_the_task_table_are_ignored(tmp_path):
    import docx

    path = write_docx(tmp_path / "t.docx", bundled_rows())
    document = docx.Document(path)
    other = document.add_table(rows=2, cols=2)
    other.cell(0, 0).text = "联系人"
    other.cell(0, 1).text = "电话"
    document.element.body.insert(0, other._tbl)
    document.save(path)
    assert tableread.read_table(path, "t.docx").measure_count == 42


# Excel layouts


def test_excel_title_rows_merged_task_cells_and_note_row_below(tmp_path):
    path = write_xlsx(tmp_path / "t.xlsx", bundled_rows())
    draft = tableread.read_table(path, "t.xlsx")
    assert draft.measure_count == 42
    assert draft.problems == []
    assert draft.note == clean_text(BUNDLED_NOTE)
    assert draft.tasks[0].place == "工作表“任务分工” 第 4 行 A4 单元格"


def test_excel_note_in_a_merged_note_column_and_columns_in_any_order(tmp_path):
    path = write_xlsx(tmp_path / "t.xlsx", bundled_rows(), note_in_column=True, order=(1, 2, 0))
    draft = tableread.read_table(path, "t.xlsx")
    reference = tableread.read_table(write_xlsx(tmp_path / "r.xlsx", bundled_rows()), "r.xlsx")
    assert measures_of(draft) == measures_of(reference)
    assert {m.note for _, m in draft.measures()} == {tableread.clean_text(BUNDLED_NOTE)}


def test_excel_table_on_any_sheet(tmp_path):
    path = write_xlsx(tmp_path / "t.xlsx", bundled_rows(), first_sheet="说明")
    assert tableread.read_table(path, "t.xlsx").measure_count == 42


def test_excel_task_merged_across_the_row_is_a_task_heading(tmp_path):
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(list(HEADER))
    sheet.append(["一、优化营商环境"])
    sheet.merge_cells("A2:C2")
    sheet.append([None, "（1）完善扶持政策。", "区财政局"])
    sheet.append([None, "（2）推进一网通办。", "区市场局"])
    workbook.save(tmp_path / "t.xlsx")
    draft = tableread.read_table(tmp_path / "t.xlsx", "t.xlsx")
    assert measures_of(draft) == [
        (1, 1, "完善扶持政策。", ["区财政局"]),
        (1, 2, "推进一网通办。", ["区市场局"]),
    ]


def test_excel_lead_and_co_organizer_columns_instead_of_responsible_units(tmp_path):
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["工作任务", "具体措施", "牵头单位", "配合单位"])
    sheet.append(["1. 任务", "(1) 措施", "区科委", "区教育局、区财政局"])
    workbook.save(tmp_path / "t.xlsx")
    ((task, measure),) = tableread.read_table(tmp_path / "t.xlsx", "t.xlsx").measures()
    assert [(u.name, u.lead) for u in measure.units] == [("区科委", True), ("区教育局", False), ("区财政局", False)]


# Problems with their places


def rows_table(tmp_path, rows, note=""):
    return tableread.read_table(write_xlsx(tmp_path / "t.xlsx", rows, note=note, title_rows=()), "t.xlsx")


def test_duplicate_measure_number_is_an_error_at_its_cell(tmp_path):
    draft = rows_table(tmp_path, [Row("1. 任务", "(1) 甲", "区科委"), Row("", "(1) 乙", "区经委")])
    assert [(p.severity, p.place, p.message) for p in draft.problems] == [
        ("error", "工作表“任务分工” 第 3 行 B3 单元格", "工作任务 1 中措施编号 (1) 重复")
    ]


def test_duplicate_task_number_is_an_error(tmp_path):
    draft = rows_table(tmp_path, [Row("1. 甲", "(1) 甲", "区科委"), Row("1. 乙", "(1) 乙", "区经委")])
    assert [p.message for p in draft.problems] == ["工作任务编号 1 重复"]


def test_unnumbered_cells_are_errors_with_their_place(tmp_path):
    draft = rows_table(tmp_path, [Row("任务", "(1) 甲", "区科委"), Row("1. 任务", "措施", "区经委")])
    assert [(p.place, p.message[:11]) for p in draft.problems] == [
        ("工作表“任务分工” 第 2 行 A2 单元格", "无法识别工作任务的编号"),
        ("工作表“任务分工” 第 3 行 B3 单元格", "无法识别具体措施的编号"),
        ("工作表“任务分工” 第 3 行 A3 单元格", "工作任务 1 下没有具"),
    ]


def test_units_without_a_measure_are_an_error(tmp_path):
    draft = rows_table(tmp_path, [Row("1. 任务", "(1) 甲", "区科委"), Row("", "", "区经委")])
    assert [p.message for p in draft.problems] == ["这一行有责任单位，却没有具体措施"]

"""`load_plan TABLE.docx|TABLE.xlsx --doc-number --title`: the same read, preview
and load as the page, on the command line; YAML and no argument as before."""

import io

import pytest
from django.core.management import CommandError, call_command

from departments.models import Unit, UnitAlias
from security.models import AuditEvent
from tasks.models import Plan

from .conftest import NEW_DOC, NEW_TITLE, signature, snapshot
from .tables import SECOND_NOTE, SECOND_ROWS, bundled_rows, write_docx, write_xlsx

SECOND_TITLE = "嘉定区广告产业营商环境提升行动方案（2026—2027年）"


def run(*args):
    out, err = io.StringIO(), io.StringIO()
    call_command("load_plan", *[str(a) for a in args], stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


@pytest.fixture
def second_docx(tmp_path):
    return write_docx(tmp_path / "营商环境.docx", SECOND_ROWS, note=SECOND_NOTE, split_after=())


def test_a_word_table_loads_as_a_new_plan_equal_to_the_fixture(plan, tmp_path):
    path = write_docx(tmp_path / "任务分工.docx", bundled_rows())
    out, _ = run(path, "--doc-number", NEW_DOC, "--title", NEW_TITLE)
    new = Plan.objects.get(doc_number=NEW_DOC)
    assert signature(new) == signature(plan)
    assert "已载入 任务分工.docx：嘉府发〔2026〕7号" in out
    assert "11 项工作任务、42 条具体措施" in out
    assert "(2) 相关街镇根据街镇特点打造广告产业孵化平台" in out and "北虹办（牵头）" in out
    event = AuditEvent.objects.latest("pk")
    assert (event.kind, event.result, event.object_id) == ("plan_loaded", "success", str(new.pk))


def test_explicit_dates_and_issuer(plan, tmp_path):
    path = write_xlsx(tmp_path / "任务分工.xlsx", bundled_rows())
    run(
        path,
        "--doc-number",
        NEW_DOC,
        "--title",
        "无年份的方案",
        "--start",
        "2026-04-01",
        "--end",
        "2027-03-31",
        "--issuer",
        "嘉定区商务委",
    )
    new = Plan.objects.get(doc_number=NEW_DOC)
    assert (str(new.start_date), str(new.end_date), new.issuer) == ("2026-04-01", "2027-03-31", "嘉定区商务委")
    assert new.periods.first().name


def test_unknown_units_are_listed_with_suggestions_and_nothing_is_written(plan, second_docx):
    before = snapshot()
    with pytest.raises(CommandError, match="有 2 个问题需要处理"):
        run(second_docx, "--doc-number", NEW_DOC, "--title", SECOND_TITLE)
    assert snapshot() == before
    event = AuditEvent.objects.latest("pk")
    assert (event.kind, event.result) == ("plan_loaded", "failure")


def test_the_refusal_names_places_and_closest_units(plan, second_docx):
    err = io.StringIO()
    with pytest.raises(CommandError):
        call_command(
            "load_plan",
            str(second_docx),
            "--doc-number",
            NEW_DOC,
            "--title",
            SECOND_TITLE,
            stdout=io.StringIO(),
            stderr=err,
        )
    text = err.getvalue()
    assert "表 1 第 5 行“责任单位”列：单位“区经济委员会”无法识别" in text
    assert "相近的已有单位：区经委" in text
    assert "--new-unit" in text


def test_decisions_on_the_command_line(plan, second_docx):
    run(
        second_docx,
        "--doc-number",
        NEW_DOC,
        "--title",
        SECOND_TITLE,
        "--alias",
        "区经济委员会=区经委",
        "--new-unit",
        "区规划资源局=区政府部门",
    )
    assert UnitAlias.objects.get(name="区经济委员会").unit.name == "区经委"
    assert Unit.objects.get(name="区规划资源局").kind == "government"


def test_map_keeps_no_alias(plan, second_docx):
    run(
        second_docx,
        "--doc-number",
        NEW_DOC,
        "--title",
        SECOND_TITLE,
        "--map",
        "区经济委员会=区经委",
        "--new-unit",
        "区规划资源局=government",
    )
    assert not UnitAlias.objects.filter(name="区经济委员会").exists()


def test_dry_run_shows_the_preview_and_writes_nothing(plan, tmp_path):
    path = write_docx(tmp_path / "任务分工.docx", bundled_rows())
    before = snapshot()
    out, _ = run(path, "--doc-number", NEW_DOC, "--title", NEW_TITLE, "--dry-run")
    assert "预览无误" in out
    assert snapshot() == before


def test_a_note_not_understood_needs_accept_note(plan, tmp_path):
    path = write_xlsx(tmp_path / "t.xlsx", bundled_rows(), note="备注：排名第一的为牵头单位，请于每季度末报送。")
    with pytest.raises(CommandError):
        run(path, "--doc-number", NEW_DOC, "--title", NEW_TITLE)
    run(path, "--doc-number", NEW_DOC, "--title", NEW_TITLE, "--accept-note")
    assert Plan.objects.filter(doc_number=NEW_DOC).exists()


@pytest.mark.parametrize(
    "args,message",
    [
        (["--title", NEW_TITLE], "必须给出 --doc-number"),
        (["--doc-number", NEW_DOC], "必须给出 --doc-number"),
        (["--doc-number", NEW_DOC, "--title", NEW_TITLE, "--new-unit", "甲=乙"], "--new-unit 的类型“乙”无效"),
        (["--doc-number", NEW_DOC, "--title", NEW_TITLE, "--map", "甲"], "--map 的写法"),
    ],
)
def test_wrong_arguments_are_refused(plan, tmp_path, args, message):
    path = write_docx(tmp_path / "任务分工.docx", bundled_rows())
    with pytest.raises(CommandError, match=message):
        run(path, *args)


def test_a_yaml_file_takes_no_table_options(plan):
    with pytest.raises(CommandError, match="只用于 Word/Excel"):
        run("fixtures/jiading_ads_2023.yaml", "--doc-number", NEW_DOC)


def test_sync_members_is_for_plan_files_only(plan, tmp_path):
    path = write_docx(tmp_path / "任务分工.docx", bundled_rows())
    before = snapshot()
    with pytest.raises(CommandError, match="--sync-members 只用于 YAML 方案文件"):
        run(path, "--doc-number", NEW_DOC, "--title", NEW_TITLE, "--sync-members")
    assert snapshot() == before


def test_sync_members_on_the_bundled_plan_file_adds_nothing_here(plan):
    out, _ = run("--sync-members")
    assert "集合单位的默认成员均已存在，未新增成员。" in out
    assert "新建 0 条记录，更新 0 条" in out


def test_without_arguments_the_bundled_plan_loads_as_before(plan):
    out, _ = run()
    assert "已载入《嘉定区数字广告业高质量发展行动方案（2023—2025年）》" in out
    assert "新建 0 条记录，更新 0 条" in out


def test_a_missing_table_file_is_refused(plan, tmp_path):
    with pytest.raises(CommandError, match="文件不存在"):
        run(tmp_path / "没有.docx", "--doc-number", NEW_DOC, "--title", NEW_TITLE)

"""The `load_plan` command and the planfile module behind it.

A load is idempotent, never deletes, keeps what admins maintain, and refuses a bad
file with a CommandError that names the file and the problem, writing nothing.
"""

import copy
import functools
import io

import pytest
import yaml
from django.core.management import CommandError, call_command

from departments.models import CollectiveMembership, Unit, UnitAlias
from tasks.models import Assignment, Measure, Period, Plan, Task
from tasks.plans import planfile
from tasks.plans.planfile import DEFAULT_PLAN_FILE, PlanFileError, load_plan, read_plan_file

SNAPSHOT_MODELS = [Plan, Task, Measure, Assignment, Period, Unit, UnitAlias, CollectiveMembership]


def snapshot():
    """Every row of every table a load writes, field by field."""
    return {
        model._meta.label: list(
            model.objects.order_by("pk").values_list(*[f.attname for f in model._meta.concrete_fields])
        )
        for model in SNAPSHOT_MODELS
    }


def bundled_text():
    return DEFAULT_PLAN_FILE.read_text(encoding="utf-8")


@functools.cache
def _parsed_bundled_file():
    return yaml.safe_load(bundled_text())


def bundled_data():
    """The bundled file parsed, as a fresh copy to mutate."""
    return copy.deepcopy(_parsed_bundled_file())


def write_yaml(tmp_path, data, name="plan.yaml"):
    """yaml.safe_dump, with libyaml when present for speed."""
    dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
    path = tmp_path / name
    path.write_text(yaml.dump(data, Dumper=dumper, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def write_text(tmp_path, text, name="plan.yaml"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def find_task(data, number):
    return next(t for t in data["tasks"] if t["number"] == number)


def find_measure(data, task_number, measure_number):
    return next(m for m in find_task(data, task_number)["measures"] if m["number"] == measure_number)


def find_unit(data, name):
    return next(u for u in data["units"] if u["name"] == name)


def run_load_plan(*args):
    out, err = io.StringIO(), io.StringIO()
    call_command("load_plan", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


# First load


def test_load_plan_without_argument_loads_the_bundled_plan(db):
    out, err = run_load_plan()
    assert "已载入《嘉定区数字广告业高质量发展行动方案（2023—2025年）》（嘉府发〔2023〕2号）" in out
    assert "11 项工作任务，42 条具体措施" in out
    assert err == ""
    assert Plan.objects.get().doc_number == "嘉府发〔2023〕2号"
    assert Task.objects.count() == 11
    assert Measure.objects.count() == 42


def test_first_load_creates_units_aliases_and_one_assignment_per_printed_unit(db):
    run_load_plan(str(DEFAULT_PLAN_FILE))
    data = bundled_data()
    printed = sum(len(m["units"]) for t in data["tasks"] for m in t["measures"])
    assert Assignment.objects.count() == printed
    assert Unit.objects.count() == len(data["units"])
    assert set(UnitAlias.objects.values_list("name", flat=True)) == {
        "区市场局",
        "区市场监管部门",
        "区行政服务中心(大数据中心)",
        "嘉定工业区管委会",
    }


# Reloading


def test_second_run_changes_nothing_and_says_so(db):
    run_load_plan(str(DEFAULT_PLAN_FILE))
    before = snapshot()
    out, err = run_load_plan(str(DEFAULT_PLAN_FILE))
    assert "新建 0 条记录，更新 0 条" in out
    assert err == ""
    assert snapshot() == before


class TestReloadingALoadedPlan:
    """The bundled plan is already loaded (once for the class); each test reloads."""

    @pytest.fixture(autouse=True)
    def loaded(self, plan_from_class):
        assert Measure.objects.count() == 42

    def test_second_load_through_planfile_reports_no_change(self):
        before = snapshot()
        result = load_plan(read_plan_file(DEFAULT_PLAN_FILE))
        assert (result.created, result.updated, result.changed) == (0, 0, 0)
        assert result.unchanged > 0
        assert result.warnings == []
        assert snapshot() == before

    def test_reload_updates_a_changed_measure_text_in_place(self, tmp_path):
        measure = Measure.objects.get(task__number=1, number=1)
        data = bundled_data()
        find_measure(data, 1, 1)["text"] = "修订后的措施文本。"
        out, _ = run_load_plan(str(write_yaml(tmp_path, data)))
        assert "新建 0 条记录，更新 1 条" in out
        measure.refresh_from_db()
        assert measure.text == "修订后的措施文本。"
        assert Measure.objects.count() == 42

    def test_reload_never_deletes_a_measure_missing_from_the_file(self, tmp_path):
        kept = Measure.objects.get(task__number=10, number=3)
        assignments = list(kept.assignments.order_by("position").values_list("printed_name", flat=True))
        data = bundled_data()
        task = find_task(data, 10)
        task["measures"] = [m for m in task["measures"] if m["number"] != 3]
        data["totals"]["measures"] = 41

        out, err = run_load_plan(str(write_yaml(tmp_path, data)))

        assert "措施 10.(3) 在数据库中存在而文件中没有，已保留未删除" in err
        assert "41 条具体措施" in out
        assert Measure.objects.count() == 42
        kept.refresh_from_db()
        assert list(kept.assignments.order_by("position").values_list("printed_name", flat=True)) == assignments

    def test_reload_keeps_an_admins_edit_of_collective_members(self):
        collective = Unit.objects.get(name="各相关街镇")
        collective.members.set(Unit.objects.filter(name__in=["江桥镇", "南翔镇", "菊园新区管委会"]))

        out, _ = run_load_plan(str(DEFAULT_PLAN_FILE))

        assert "新建 0 条记录，更新 0 条" in out
        assert set(collective.members.values_list("name", flat=True)) == {
            "江桥镇",
            "南翔镇",
            "菊园新区管委会",
        }
        assert Unit.objects.get(name="各街镇").members.count() == 12


def test_collective_listed_before_its_members_still_gets_them(db, tmp_path):
    data = bundled_data()
    collectives = [u for u in data["units"] if u["kind"] == "collective"]
    data["units"] = collectives + [u for u in data["units"] if u["kind"] != "collective"]
    run_load_plan(str(write_yaml(tmp_path, data)))
    assert Unit.objects.get(name="各街镇").members.count() == 12


def test_collective_member_given_by_alias_is_added(db, tmp_path):
    data = bundled_data()
    members = find_unit(data, "各相关街镇")["members"]
    members[members.index("工业区管委会")] = "嘉定工业区管委会"
    run_load_plan(str(write_yaml(tmp_path, data)))
    members = Unit.objects.get(name="各相关街镇").members.values_list("name", flat=True)
    assert "工业区管委会" in members


# A failure midway writes nothing


class LoadInterrupted(Exception):
    pass


def interrupt_after(monkeypatch, calls):
    """Make the load fail after `calls` measures have had their assignments written."""
    original = planfile._sync_assignments
    count = {"n": 0}

    def failing(*args, **kwargs):
        count["n"] += 1
        if count["n"] > calls:
            raise LoadInterrupted
        return original(*args, **kwargs)

    monkeypatch.setattr(planfile, "_sync_assignments", failing)


def test_first_load_failing_midway_leaves_no_rows(db, monkeypatch):
    interrupt_after(monkeypatch, 20)
    with pytest.raises(LoadInterrupted):
        run_load_plan(str(DEFAULT_PLAN_FILE))
    assert all(rows == [] for rows in snapshot().values())


def test_reload_failing_midway_keeps_the_previous_rows(db, tmp_path, monkeypatch):
    load_plan(read_plan_file(DEFAULT_PLAN_FILE))
    before = snapshot()
    data = bundled_data()
    find_measure(data, 1, 1)["text"] = "修订后的措施文本。"
    find_measure(data, 11, 3)["units"] = ["区市场监管局", "区委宣传部"]
    path = write_yaml(tmp_path, data)
    interrupt_after(monkeypatch, 41)
    with pytest.raises(LoadInterrupted):
        load_plan(read_plan_file(path))
    assert snapshot() == before


# Bad files: each refused with a CommandError naming the file and the problem


def mutate(change):
    def build(tmp_path):
        data = bundled_data()
        change(data)
        return write_yaml(tmp_path, data)

    return build


def text_file(make_text):
    def build(tmp_path):
        return write_text(tmp_path, make_text(bundled_text()))

    return build


def _set(mapping, key, value):
    mapping[key] = value


def _unknown_unit(data):
    find_measure(data, 1, 3)["units"][2] = "区科技局"


def _duplicate_task(data):
    find_task(data, 3)["number"] = 2


def _duplicate_measure(data):
    find_task(data, 6)["measures"][3]["number"] = 3


def _empty_units(data):
    find_measure(data, 1, 1)["units"] = []


def _no_units_key(data):
    del find_measure(data, 1, 1)["units"]


def _lead_not_first_unit(data):
    find_measure(data, 1, 3)["leads"] = ["区文化旅游局"]


def _5_2_leads_reordered(data):
    find_measure(data, 5, 2)["leads"] = ["南翔镇", "江桥镇", "安亭镇", "北虹办"]


def _multiple_leads_without_own_part(data):
    del find_measure(data, 5, 2)["each_lead_own_part"]


def _own_part_with_government_lead(data):
    find_measure(data, 5, 2)["leads"].append("区商务委")


def _own_part_with_party_lead(data):
    measure = find_measure(data, 5, 2)
    measure["units"].insert(4, "区委宣传部")
    measure["leads"].append("区委宣传部")


def _same_unit_twice_via_alias(data):
    find_measure(data, 4, 2)["units"].append("区市场局")


def _same_unit_twice_via_bracket_alias(data):
    find_measure(data, 2, 1)["units"].append("区行政服务中心（大数据中心）")


def _declared_measures_wrong(data):
    data["totals"]["measures"] = 43


def _declared_tasks_wrong(data):
    data["totals"]["tasks"] = 12


def _measure_dropped_without_totals(data):
    find_task(data, 6)["measures"].pop()


BAD_FILES = {
    "unknown unit": (mutate(_unknown_unit), ["措施 1.(3)", "区科技局", "无法识别"]),
    "duplicate task number": (mutate(_duplicate_task), ["工作任务编号 2 重复"]),
    "duplicate measure number": (mutate(_duplicate_measure), ["工作任务 6", "措施编号 (3) 重复"]),
    "empty units list": (mutate(_empty_units), ["措施 1.(1)", "没有列出任何单位"]),
    "no units key": (mutate(_no_units_key), ["措施 1.(1)", "没有列出任何单位"]),
    "lead is not the first unit": (
        mutate(_lead_not_first_unit),
        ["措施 1.(3)", "牵头单位应为责任单位中排在最前"],
    ),
    "5.(2) leads out of order": (
        mutate(_5_2_leads_reordered),
        ["措施 5.(2)", "牵头单位应为责任单位中排在最前"],
    ),
    "several leads without each_lead_own_part": (
        mutate(_multiple_leads_without_own_part),
        ["措施 5.(2)", "多个牵头单位", "each_lead_own_part"],
    ),
    "government department leads its own part": (
        mutate(_own_part_with_government_lead),
        ["措施 5.(2)", "区级部门“区商务委”"],
    ),
    "party department leads its own part": (
        mutate(_own_part_with_party_lead),
        ["措施 5.(2)", "区级部门“区委宣传部”"],
    ),
    "same unit twice via alias": (
        mutate(_same_unit_twice_via_alias),
        ["措施 4.(2)", "区市场监管局", "不止一次"],
    ),
    "same unit twice via bracket spelling": (
        mutate(_same_unit_twice_via_bracket_alias),
        ["措施 2.(1)", "区行政服务中心（大数据中心）", "不止一次"],
    ),
    "declared measure total wrong": (mutate(_declared_measures_wrong), ["43 条措施", "42 条"]),
    "declared task total wrong": (mutate(_declared_tasks_wrong), ["12 项工作任务", "11 项"]),
    "measure missing but totals kept": (mutate(_measure_dropped_without_totals), ["42 条措施", "41 条"]),
    "invalid YAML": (
        text_file(lambda text: text.replace("- number: 3\n  title:", "- number: 3\n  title: [未闭合", 1)),
        ["YAML 格式错误"],
    ),
    "empty file": (text_file(lambda text: ""), ["文件内容应为键值对"]),
    "cut at a line boundary mid-file": (
        text_file(lambda text: "".join(text.splitlines(keepends=True)[: len(text.splitlines()) // 2])),
        ["“totals”", "截断"],
    ),
    "cut mid-line": (
        text_file(lambda text: text[: text.index("培育一批有潜力的") + 4]),
        ["“totals”", "截断"],
    ),
    "cut just before totals": (text_file(lambda text: text[: text.index("totals:")]), ["“totals”", "截断"]),
    "cut before the totals comment": (
        text_file(lambda text: text[: text.index("# load_plan checks")]),
        ["“totals”", "截断"],
    ),
    "cut inside totals": (
        text_file(lambda text: text[: text.rindex("measures: 42")]),
        ["不完整"],
    ),
    "cut inside the measure total": (
        text_file(lambda text: text.rstrip()[:-1]),
        ["声明 11 项工作任务、4 条措施"],
    ),
}


def missing_file(tmp_path):
    return tmp_path / "没有这个文件.yaml"


def assert_refused(path, fragments):
    before = snapshot()
    with pytest.raises(CommandError) as excinfo:
        run_load_plan(str(path))
    message = str(excinfo.value)
    assert str(path) in message
    for fragment in fragments:
        assert fragment in message
    assert snapshot() == before


@pytest.mark.parametrize("build,fragments", BAD_FILES.values(), ids=BAD_FILES.keys())
def test_bad_file_is_refused_on_an_empty_database(db, tmp_path, build, fragments):
    assert_refused(build(tmp_path), fragments)
    assert Plan.objects.count() == 0


def test_missing_file_is_refused_on_an_empty_database(db, tmp_path):
    assert_refused(missing_file(tmp_path), ["文件不存在"])


def test_bad_file_error_from_planfile_names_path_and_problem(db, tmp_path):
    path = mutate(_unknown_unit)(tmp_path)
    with pytest.raises(PlanFileError) as excinfo:
        read_plan_file(path)
    assert excinfo.value.path == path
    assert "区科技局" in excinfo.value.problem
    assert str(excinfo.value).startswith(str(path))


class TestBadFileOnALoadedDatabase:
    """The same refusals when the plan is already loaded: nothing changes."""

    @pytest.fixture(autouse=True)
    def loaded(self, plan_from_class):
        assert Measure.objects.count() == 42

    @pytest.mark.parametrize("build,fragments", BAD_FILES.values(), ids=BAD_FILES.keys())
    def test_bad_file_is_refused(self, tmp_path, build, fragments):
        assert_refused(build(tmp_path), fragments)

    def test_missing_file_is_refused(self, tmp_path):
        assert_refused(missing_file(tmp_path), ["文件不存在"])

    def test_file_that_moves_a_known_alias_to_another_unit_is_refused(self, tmp_path):
        data = bundled_data()
        find_unit(data, "区市场监管局")["aliases"] = ["区市场监管部门"]
        data["units"].append({"name": "区市场局", "kind": "government"})
        assert_refused(write_yaml(tmp_path, data), ["别名“区市场局”在数据库中属于“区市场监管局”"])


# Limits of the database columns


def test_task_title_longer_than_its_column_is_refused(db, tmp_path):
    data = bundled_data()
    find_task(data, 1)["title"] = "长" * 300
    assert_refused(write_yaml(tmp_path, data), ["工作任务 1", "title"])

"""The whole notice in the bundled plan, section by section, against the source document.

Section 四's narratives and the attachment's table are compared in test_plan_fixture.py;
this module covers everything else: the front matter, the preamble, 一、二、三、五 and
the attachment's title and note.
"""

import pytest

from tasks.models import Plan
from tasks.plans.planfile import PlanFileError, load_plan, read_plan_file

from .seed import notice_sections, printed_headings
from .test_load_plan import bundled_data, write_yaml

FIELDS = [
    "header",
    "doc_number",
    "notice_title",
    "addressees",
    "notice_text",
    "notice_attachment",
    "preamble",
    "guidance",
    "goals",
    "key_points",
    "safeguards",
    "attachment_note",
    "attachment_title",
]


@pytest.mark.parametrize("name", FIELDS)
def test_section_is_the_source_verbatim(plan, name):
    assert getattr(plan, name) == notice_sections()[name]


def test_section_headings_are_the_printed_ones_in_order(plan):
    headings = [heading for _, heading, _ in plan.body_sections()]
    assert [plan.heading(key) for key in Plan.SECTION_KEYS] == headings
    assert plan.headings == notice_sections()["headings"]
    printed = printed_headings()
    assert [printed.index(h) for h in headings] == sorted(printed.index(h) for h in headings)


def test_front_matter_reads_as_printed(plan):
    assert plan.header == "上海市嘉定区人民政府文件"
    assert plan.notice_title == (
        "上海市嘉定区人民政府关于印发《嘉定区数字广告业高质量发展行动方案（2023—2025年）》的通知"
    )
    assert plan.addressees.startswith("各镇人民政府，区政府各委、办、局、街道办事处，")
    assert plan.notice_text.endswith("印发给你们，请认真按照执行。")


def test_preamble_runs_from_the_first_words_to_the_last(plan):
    assert plan.preamble.startswith("为贯彻落实新发展理念，")
    assert plan.preamble.endswith("特制定本行动方案。")


def test_key_points_are_four_points_one_per_line(plan):
    points = plan.key_points.splitlines()
    assert [p[:2] for p in points] == ["1.", "2.", "3.", "4."]
    # Point 3 was split by a page break after its first sentence: joined again.
    assert points[2] == points[2].replace("\n", "")
    assert "支持数字广告业规模化、集约化发展。通过园区建设" in points[2]


def test_bold_markers_of_the_extraction_are_gone(plan):
    for name in FIELDS:
        assert "**" not in getattr(plan, name)
        assert "#" not in getattr(plan, name)


def test_guidance_keeps_its_two_paragraphs(plan):
    assert len(plan.guidance.splitlines()) == 2


# Validation of the new parts of the plan file


def test_unknown_section_heading_key_is_refused(tmp_path, db):
    data = bundled_data()
    data["plan"]["headings"]["appendix"] = "六、其他"
    with pytest.raises(PlanFileError, match="“headings”中有未知的部分“appendix”"):
        read_plan_file(write_yaml(tmp_path, data))


def test_section_heading_that_is_not_text_is_refused(tmp_path, db):
    data = bundled_data()
    data["plan"]["headings"]["goals"] = ["二、主要目标"]
    with pytest.raises(PlanFileError, match="“goals”应为文本"):
        read_plan_file(write_yaml(tmp_path, data))


def test_overlong_notice_title_is_refused(tmp_path, db):
    data = bundled_data()
    data["plan"]["notice_title"] = "关于" * 200
    with pytest.raises(PlanFileError, match="“notice_title”超过 300 个字符"):
        read_plan_file(write_yaml(tmp_path, data))


OPTIONAL = ["header", "notice_title", "preamble", "guidance", "key_points", "headings"]


def test_notice_sections_are_optional_and_a_new_plan_without_them_has_them_blank(tmp_path, db):
    data = bundled_data()
    data["plan"]["doc_number"] = "嘉府发〔2099〕1号"
    for name in OPTIONAL:
        del data["plan"][name]
    spec = read_plan_file(write_yaml(tmp_path, data))
    assert "preamble" not in spec.notice and spec.headings is None

    load_plan(spec)

    plan = Plan.objects.get(doc_number="嘉府发〔2099〕1号")
    assert (plan.header, plan.preamble, plan.key_points, plan.headings) == ("", "", "", {})
    assert plan.heading("guidance") == "一、指导思想"


def test_a_file_that_leaves_sections_out_keeps_those_the_plan_has(plan, tmp_path):
    data = bundled_data()
    for name in OPTIONAL:
        del data["plan"][name]

    result = load_plan(read_plan_file(write_yaml(tmp_path, data)))

    reloaded = Plan.objects.get(pk=plan.pk)
    assert [getattr(reloaded, name) for name in OPTIONAL] == [getattr(plan, name) for name in OPTIONAL]
    assert reloaded.preamble and reloaded.headings
    assert result.changed == 0


def test_reload_updates_a_corrected_section_in_place(plan, tmp_path):
    data = bundled_data()
    data["plan"]["guidance"] = "修订后的指导思想。"
    result = load_plan(read_plan_file(write_yaml(tmp_path, data)))
    plan.refresh_from_db()
    assert plan.guidance == "修订后的指导思想。"
    assert result.updated == 1

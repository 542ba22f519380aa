"""How the documents turn the leads' reports into prose (tasks/drafting.py): whole sentences
split at their own punctuation, the most concrete first, identical ones said once, a
measure led by 各街镇 counted town by town."""

import datetime

from tasks.documents import bulletin, drafting
from tasks.models import Period
from tasks.reporting import workflow
from tests.conftest import make_user, measure_by_code
from tests.helpers import obligation

from .helpers import all_text, written

MEASURE = "推动人工智能、大数据、云计算、区块链、5G 等新技术在数字广告行业开展深度应用。"


def test_sentences_split_at_their_own_punctuation_and_are_never_cut():
    text = "建成众创空间两家；引进企业3家。\n下一步：继续推进！"

    assert drafting.sentences(text) == ["建成众创空间两家", "引进企业3家", "下一步：继续推进"]


def test_what_the_document_says_itself_is_left_out_of_a_sentence():
    text = (
        "【演示数据】2025年第四季度：围绕“推动人工智能、大数据、云计算、区块链等”，走访调研重点企业27家，"
        "梳理企业诉求4条；方案实施以来，推动6家企业签约落地。累计完成约90%。"
    )

    assert drafting.labels(text) == ["演示数据"]
    assert drafting.sentences(text, MEASURE) == ["走访调研重点企业27家，梳理企业诉求4条", "推动6家企业签约落地"]


def test_a_quotation_that_is_not_the_measures_wording_stays():
    assert drafting.sentences("围绕“长三角一体化”，召开座谈会2次。", MEASURE) == ["围绕“长三角一体化”，召开座谈会2次"]


def test_a_sentence_saying_only_that_it_is_done_is_left_out_the_status_says_so():
    assert drafting.sentences("各项工作已完成。", MEASURE) == []
    assert drafting.sentences("各项工作已完成，转入常态化推进。", MEASURE) == ["各项工作已完成，转入常态化推进"]


def test_concrete_sentences_are_those_with_quantities():
    assert drafting.concreteness("走访调研重点企业27家，梳理企业诉求4条") == 2
    assert drafting.concreteness("建成众创空间两家") == 1
    assert drafting.concreteness("会同相关部门研究制定配套政策措施") == 0
    assert drafting.concreteness("围绕“推动人工智能…”，走访企业3家") < 0  # a phrase cut short: last


def test_identical_sentences_are_said_once_with_their_units_in_order():
    said = [
        drafting.Said("加强与企业对接", "区商务委", rank=(5, "")),
        drafting.Said("加快资金拨付", "区财政局", rank=(8, "")),
        drafting.Said("加强与企业对接", "区委宣传部", rank=(1, "")),
    ]

    assert drafting.attributed(said) == "加强与企业对接（区委宣传部、区商务委）；加快资金拨付（区财政局）"


def test_many_units_after_a_sentence_are_named_three_and_counted():
    said = [drafting.Said("细化时间节点", f"街镇{i}", rank=(i, "")) for i in range(8)]

    assert drafting.attributed(said) == "细化时间节点（街镇0、街镇1、街镇2等8个单位）"


def town_report(plan, code, town, percent, status, **texts):
    user = make_user(f"u{abs(hash((code, town))) % 10**8}", units=[town])
    period = Period.objects.get(plan=plan, name="2024年第一季度")
    fields = {"status": status, "percent": percent, "progress": f"{town}开展工作", "problems": "", "next_steps": ""}
    fields.update(texts)
    workflow.save_report(obligation(measure_by_code(plan, *code), town), period, fields, user, submit=True, version=0)


def test_a_measure_led_by_every_town_is_one_sentence_counting_the_towns(plan):
    town_report(plan, (6, 1), "新成路街道", 100, "done")
    town_report(plan, (6, 1), "真新街道", 60, "in_progress")
    town_report(plan, (6, 1), "马陆镇", 30, "late", problems="场地载体尚未落实。")
    period = Period.objects.get(plan=plan, name="2024年第一季度")
    draft = bulletin.collect(plan, period, datetime.date(2024, 4, 12))

    text = all_text(written(bulletin.write, draft))

    assert (
        "措施（1）由各街镇牵头，12个街镇中，1个已完成、1个推进中、1个滞后、9个未填报，滞后的为马陆镇（30.0%），"
        "未填报的为嘉定镇街道、南翔镇、安亭镇、徐行镇、华亭镇、外冈镇、江桥镇、工业区管委会、菊园新区管委会。" in text
    )
    body = text.split("附件：")[0]
    # The towns are counted, not pasted: one town's sentence at most, among the task's achievements.
    assert sum(f"{town}开展工作" in body for town in ("新成路街道", "真新街道", "马陆镇")) == 1
    assert "场地载体尚未落实（马陆镇）" in text  # 存在问题 in 三's table, with the town named

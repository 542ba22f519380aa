"""The demo's 通报 (the current period and 2024年第二季度) and 终期评估报告 as the office reads
them: read back with python-docx (whole sentences, no sentence said over and over, one
style of dates and percentages, every measure led by 各街镇 counted by town) and printed
through LibreOffice with the repository's font aliases (no page holding only the signature,
no title line ending inside a word, a bounded number of pages).

Page bounds for the demo's data: the text before the attachment at most 15 pages, the
whole document at most 40 (today about 13 + 20, 11 + 21 and 11 + 16: the attachment
gives every lead's report whole, a row each, for about 100 leads)."""

import re

import pytest

from tasks import periods
from tasks.documents import bulletin, finalreport
from tasks.documents import house as documents
from tasks.models import Period
from tests.documents.helpers import (
    DATE,
    PADDED_DATE,
    PERCENT,
    all_text,
    body_paragraphs,
    page_lines,
    pdf_pages,
    repeated_sentences,
    row_properties,
    to_pdf,
    written,
)

from .conftest import DAY

BODY_PAGES, ALL_PAGES = 15, 40
TOWN_MEASURES = ["6.(1)", "6.(2)", "6.(4)", "6.(6)", "7.(2)"]


def bulletin_of(plan, name=None):
    period = Period.objects.get(plan=plan, name=name) if name else Period.objects.current(plan, DAY)
    return bulletin.collect(plan, period, periods.as_of(period, DAY))


@pytest.fixture(params=["current", "2024年第二季度", "final"])
def draft(request, plan):
    """(title, keep, document) of each document the office sends."""
    if request.param == "final":
        report = finalreport.collect(plan, DAY)
        return report.title, ("终期评估报告",), written(finalreport.write, report)
    found = bulletin_of(plan, None if request.param == "current" else request.param)
    return found.title, (found.period.name, "推进情况的通报"), written(bulletin.write, found)


def test_the_text_reads_as_whole_sentences_said_once(draft):
    _, _, document = draft
    body = body_paragraphs(document)
    text = "\n".join(body)

    assert "。；" not in text and "……" not in text and "…" not in text
    assert repeated_sentences(body) == {}
    assert "【演示数据】" not in text  # said once, in the subtitle
    assert "含【演示数据】" not in document.paragraphs[1].text and "演示数据" in document.paragraphs[1].text


def test_one_style_of_dates_and_percentages(draft):
    _, _, document = draft
    text = all_text(document)

    assert DATE.search(text) and not PADDED_DATE.search(text)
    assert not re.search(r"\d{4}-\d{2}-\d{2}", text.split("附件：")[0])
    # Every percentage the document states has one decimal (the reports' own texts, quoted
    # whole in the attachment, keep theirs).
    stated = PERCENT.findall("\n".join(body_paragraphs(document)))
    tables = [c.text for t in document.tables[:-1] for row in t.rows for c in row.cells]
    stated += PERCENT.findall("\n".join(tables))
    assert stated and all(re.fullmatch(r"\d+\.\d%", p) for p in stated)


def test_every_measure_led_by_the_towns_is_counted_by_town(draft, plan):
    _, _, document = draft
    body = body_paragraphs(document)

    for code in TOWN_MEASURES:
        task, number = code.split(".")
        paragraph = next(p for p in body if p.startswith(f"（{bulletin.chinese_number(int(task))}）"))
        sentence = re.search(rf"措施（{number[1:-1]}）由各街镇牵头，12个街镇(?:中|均)[^。]*。", paragraph)
        assert sentence, code
        counts = [int(n) for n in re.findall(r"(\d+)个(?!街镇)", sentence.group())]
        assert sum(counts) == 12 or "均" in sentence.group(), sentence.group()


def test_the_attachment_has_every_leads_report_whole(draft):
    _, _, document = draft
    appendix = document.tables[-1]
    codes = {row.cells[0].text.split(" ")[0] for row in appendix.rows[1:]}
    assert len(codes) == 42
    assert all("<w:cantSplit/>" in row for row in row_properties(appendix))
    assert not any("……" in cell.text for row in appendix.rows for cell in row.cells)


def test_printed_the_pages_keep_the_signature_with_the_text_and_the_title_whole(draft, tmp_path):
    title, keep, document = draft
    source = tmp_path / "document.docx"
    document.save(source)

    pages = pdf_pages(to_pdf(source, tmp_path))

    if pages is None:
        pytest.skip("pdftotext is not installed")
    lines = page_lines(pages[0])
    expected = [re.sub(r"\s", "", line) for line in documents.title_lines(title, keep)]
    assert lines[: len(expected)] == expected  # printed as broken, no line wrapped again
    signed = [i for i, page in enumerate(pages) if bulletin.ISSUER in page_lines(page)]
    assert len(signed) == 1
    signature = {p.text for p in document.paragraphs if p.style.name == "落款"}
    page = page_lines(pages[signed[0]])
    text = [line for line in page if line not in signature and not re.match(r"附件：|—\d+—$", line)]
    assert text, "a page holds only the signature"
    annex = next(i for i, page in enumerate(pages) if page_lines(page)[:1] == ["附件"])
    assert annex == signed[0] + 1
    assert annex <= BODY_PAGES and len(pages) <= ALL_PAGES, (annex, len(pages))

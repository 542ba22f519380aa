"""What the document tests share: a draft written and read back, its whole text, LibreOffice and its PDF."""

import io
import os
import re
import shutil
import subprocess
from pathlib import Path

import docx
import pytest
from docx.oxml.ns import qn

REPOSITORY = Path(__file__).resolve().parents[2]


def written(write, draft):
    """`write(draft, stream)` read back with python-docx."""
    buffer = io.BytesIO()
    write(draft, buffer)
    buffer.seek(0)
    return docx.Document(buffer)


def all_text(document):
    """The paragraphs' and then every table cell's text, one per line."""
    parts = [p.text for p in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            parts.extend(cell.text for cell in row.cells)
    return "\n".join(parts)


def soffice():
    """LibreOffice's program; skips without it, except under CI=true."""
    found = shutil.which("soffice") or shutil.which("libreoffice")
    if found is None:
        reason = "LibreOffice (soffice) is not installed (apt-get install libreoffice-writer-nogui)"
        if os.environ.get("CI") == "true":
            pytest.fail(reason + " — required under CI=true")
        pytest.skip(reason)
    return found


def font_aliases(workdir):
    """The environment of a LibreOffice run that finds the documents' fonts through the
    repository's aliases (fontconfig/99-jiading-cjk.conf), as the README says to install them."""
    fonts = workdir / "fonts.conf"
    fonts.write_text(
        '<?xml version="1.0"?><!DOCTYPE fontconfig SYSTEM "urn:fontconfig:fonts.dtd"><fontconfig>'
        '<include ignore_missing="yes">/etc/fonts/fonts.conf</include>'
        f"<include>{REPOSITORY / 'fontconfig' / '99-jiading-cjk.conf'}</include></fontconfig>"
    )
    return {**os.environ, "FONTCONFIG_FILE": str(fonts)}


def to_pdf(source, workdir):
    """`source` (.docx) converted by LibreOffice with the repository's font aliases;
    returns the PDF's path, asserting a clean run."""
    program = soffice()
    result = subprocess.run(
        [
            program,
            f"-env:UserInstallation=file://{workdir}/lo-profile",
            "--headless",
            "--convert-to",
            "pdf",
            "--outdir",
            str(workdir),
            str(source),
        ],
        capture_output=True,
        text=True,
        timeout=180,
        env=font_aliases(workdir),
    )
    pdf = workdir / (source.stem + ".pdf")
    assert result.returncode == 0, result.stderr
    assert pdf.exists(), result.stdout + result.stderr
    assert pdf.read_bytes().startswith(b"%PDF")
    return pdf


def pdf_text(pdf):
    """The PDF's text by poppler's pdftotext, or None without it."""
    if not shutil.which("pdftotext"):
        return None
    return subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, timeout=60).stdout


def pdf_pages(pdf):
    """Each page's text by poppler's pdftotext (-layout), or None without it."""
    if not shutil.which("pdftotext"):
        if os.environ.get("CI") == "true":
            pytest.fail("poppler-utils (pdftotext) is not installed — required under CI=true")
        return None
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, timeout=60).stdout
    return text.split("\f")[:-1]


def page_lines(page):
    """A page's lines without spaces (pdftotext spaces digits from CJK), blank ones left out."""
    return [re.sub(r"\s+", "", line) for line in page.splitlines() if line.strip()]


# --- Reading a document as its reader does -------------------------------------------------------

SENTENCE_END = re.compile(r"(?<=[。！？])")
DATE = re.compile(r"\d{4}年\d{1,2}月\d{1,2}日")
PADDED_DATE = re.compile(r"\d{4}年0\d月|\d{4}年\d{1,2}月0\d日")
PERCENT = re.compile(r"\d+(?:\.\d+)?%")


def body_paragraphs(document):
    """The text of the body before the attachment (附件) page."""
    texts = []
    for p in document.paragraphs:
        if p.style.name == "附件标识":
            break
        texts.append(p.text)
    return texts


def repeated_sentences(texts, times=2):
    """{sentence: count} of sentences said more than `times` times."""
    counts = {}
    for text in texts:
        for sentence in SENTENCE_END.split(text):
            sentence = sentence.strip()
            if len(sentence) > 6:
                counts[sentence] = counts.get(sentence, 0) + 1
    return {s: n for s, n in counts.items() if n > times}


def row_properties(table):
    """Each row's trPr XML, to check cantSplit and tblHeader."""
    return [row._tr.trPr.xml if row._tr.trPr is not None else "" for row in table.rows]


def keeps_with_next(paragraph):
    """keepNext set on the paragraph or its style (or the style's base)."""
    p_pr = paragraph._p.pPr
    if p_pr is not None and p_pr.find(qn("w:keepNext")) is not None:
        return p_pr.find(qn("w:keepNext")).get(qn("w:val")) in (None, "1", "true", "on")
    style = paragraph.style
    while style is not None:
        if style.paragraph_format.keep_with_next is not None:
            return style.paragraph_format.keep_with_next
        style = style.base_style
    return False

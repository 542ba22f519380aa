"""What the document tests share: a draft written and read back, its whole text, LibreOffice and its PDF."""

import io
import os
import shutil
import subprocess

import docx
import pytest


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


def to_pdf(source, workdir):
    """`source` (.docx) converted by LibreOffice; returns the PDF's path, asserting a clean run."""
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

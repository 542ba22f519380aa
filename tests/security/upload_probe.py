"""Run as a script by test_parser_bounds.py: read one uploaded file the way
the server does (the 台账 import or the plan import) in a fresh process and
print one JSON line: seconds taken, how much the process grew at its peak
(ru_maxrss), and the message it was refused with."""

import json
import resource
import sys
import time

import django

django.setup()

from tasks.documents.statussheet import importing  # noqa: E402
from tasks.plans import tableread  # noqa: E402


def peak_mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


path, entry = sys.argv[1], sys.argv[2]
before = peak_mb()
started = time.perf_counter()
message = None
try:
    if entry == "plan":
        tableread.read_table(path, path.rsplit("/", 1)[-1])
    else:
        with open(path, "rb") as upload:
            # A plan and a period that the check never reaches: the file is refused first.
            importing.read_upload(upload, object(), object())
except (tableread.TableError, importing.UploadError) as exc:
    message = str(exc)
except Exception as exc:  # what a parser raised past the checks: the test shows it
    message = f"未被拒绝，解析出错：{exc!r}"[:300]
print(json.dumps({"seconds": time.perf_counter() - started, "grown_mb": peak_mb() - before, "message": message}))

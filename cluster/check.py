"""What `make cluster-test` checks, through nginx in front of two app servers
(cluster/run.sh starts everything and sets the environment this reads).

Every request goes through nginx: PROXY spreads over both app servers, VIA_A
and VIA_B reach one each, so that "saved through one, read through the other"
means exactly that. Each check prints ✔ or ✘; the exit status is 1 if any failed.
"""

import os
import re
import subprocess
import sys
import time
from email import message_from_bytes, policy
from pathlib import Path

import boto3
import requests
from requests.adapters import HTTPAdapter

PROXY = f"http://127.0.0.1:{os.environ['PROXY_PORT']}"
VIA_A = f"http://127.0.0.1:{os.environ['PROXY_A_PORT']}"
VIA_B = f"http://127.0.0.1:{os.environ['PROXY_B_PORT']}"
APPS = {f"127.0.0.1:{os.environ['APP_A_PORT']}": "A", f"127.0.0.1:{os.environ['APP_B_PORT']}": "B"}
CLUSTER_DIR = Path(os.environ["CLUSTER_DIR"])
MAILDIR = CLUSTER_DIR / "mail"
SMTP_DELAY = float(os.environ.get("SMTP_DELAY", "5"))
PASSWORD = "Jiading-2023"
PDF = b"%PDF-1.4\n% cluster-test evidence\n" + bytes(range(256)) * 40
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')

results = []


def check(what, ok, detail=""):
    print(("✔ " if ok else "✘ ") + what + (f"（{detail}）" if detail else ""), flush=True)
    results.append(bool(ok))
    return ok


class FromAddress(HTTPAdapter):
    """Connect from a loopback address of our choosing: nginx sees it as the client's."""

    def __init__(self, address):
        self.address = address
        super().__init__()

    def init_poolmanager(self, *args, **kwargs):
        kwargs["source_address"] = (self.address, 0)
        super().init_poolmanager(*args, **kwargs)


def browser(address="127.0.0.1"):
    session = requests.Session()
    session.mount("http://", FromAddress(address))
    return session


def token(session, url):
    return CSRF.search(session.get(url).text).group(1)


def login(session, base, username, password=PASSWORD):
    data = {
        "username": username,
        "password": password,
        "csrfmiddlewaretoken": token(session, f"{base}/accounts/login/"),
    }
    return session.post(f"{base}/accounts/login/", data=data)


def logged_in(response):
    return response.status_code == 200 and "/accounts/login/" not in response.url


def manage(*args):
    return subprocess.run(
        [sys.executable, "manage.py", *args], capture_output=True, text=True, timeout=300, cwd=os.environ["ROOT"]
    )


def django_says(code):
    """The last line `manage.py shell -c code` prints (run as a third server would)."""
    result = manage("shell", "-c", code)
    if result.returncode:
        raise RuntimeError(result.stderr)
    return result.stdout.strip().splitlines()[-1]


def mails():
    if not MAILDIR.exists():
        return []
    return [message_from_bytes(p.read_bytes(), policy=policy.default) for p in sorted(MAILDIR.glob("*.eml"))]


def both_servers_answer():
    seen = [APPS.get(requests.get(f"{PROXY}/accounts/login/").headers.get("X-Upstream")) for _ in range(8)]
    check("nginx spreads requests over both app servers", set(seen) == {"A", "B"}, " ".join(map(str, seen)))


def session_holds_across_servers():
    kewei = browser()
    check("kewei logs in through A", logged_in(login(kewei, VIA_A, "kewei")))
    page = kewei.get(f"{VIA_B}/my/")
    check("the session from A is good on B", logged_in(page) and "我的填报" in page.text)
    kewei.post(f"{VIA_B}/accounts/logout/", data={"csrfmiddlewaretoken": token(kewei, f"{VIA_B}/my/")})
    check("logging out on B ends the session on A", "/accounts/login/" in kewei.get(f"{VIA_A}/my/").url)


def report_through_one_reviewed_through_the_other():
    kewei = browser()
    login(kewei, VIA_A, "kewei")
    link, form = None, ""
    for candidate in re.findall(r'href="(/measures/\d+/report/\?unit=\d+[^"]*)"', kewei.get(f"{VIA_A}/my/").text):
        form = kewei.get(f"{VIA_A}{candidate.replace('&amp;', '&')}").text
        if 'name="submit"' in form and 'name="status"' in form:
            link = candidate.replace("&amp;", "&")
            break
    if not check("kewei has a quarterly report to submit", link is not None):
        return
    data = dict(re.findall(r'<input type="hidden" name="(unit|period|version)" value="([^"]*)"', form))
    text = f"集群测试：经 A 提交，{time.strftime('%H:%M:%S')}"
    data.update(
        csrfmiddlewaretoken=CSRF.search(form).group(1),
        status="in_progress",
        percent="55",
        progress=text,
        next_steps="继续推进。",
        submit="1",
    )
    response = kewei.post(f"{VIA_A}{link}", data=data, files={"evidence_files": ("集群测试纪要.pdf", PDF)})
    check("a report with evidence is submitted through A", "已提交，等待协调人审核" in response.text)

    s3 = boto3.client(
        "s3",
        endpoint_url=os.environ["DJANGO_S3_ENDPOINT_URL"],
        aws_access_key_id=os.environ["DJANGO_S3_ACCESS_KEY"],
        aws_secret_access_key=os.environ["DJANGO_S3_SECRET_KEY"],
        region_name="us-east-1",
    )
    keys = [o["Key"] for o in s3.list_objects_v2(Bucket=os.environ["DJANGO_S3_BUCKET"]).get("Contents", [])]
    local = [p for server in ("a", "b") for p in (CLUSTER_DIR / f"{server}-media").rglob("*") if p.is_file()]
    check("the file is in the object store, on neither server's disk", len(keys) == 1 and not local, keys[0])

    coordinator = browser()
    check("the coordinator logs in through B", logged_in(login(coordinator, VIA_B, "coordinator")))
    queue = coordinator.get(f"{VIA_B}/review/").text
    review = re.search(r'href="(/review/\d+/)"', queue)  # the only report waiting
    if not check("B's review queue lists the report", review and "区科委" in queue):
        return
    page = coordinator.get(f"{VIA_B}{review.group(1)}").text
    check("B shows what was written on A", text in page)
    evidence = re.search(r'href="(/evidence/\d+/)"', page)
    download = coordinator.get(f"{VIA_B}{evidence.group(1)}") if evidence else None
    check(
        "the evidence downloads through B, byte for byte, as an attachment",
        download is not None
        and download.content == PDF
        and download.headers["Content-Type"] == "application/pdf"
        and download.headers["Content-Disposition"].startswith("attachment; filename*=utf-8''"),
    )
    approve = {
        "csrfmiddlewaretoken": CSRF.search(page).group(1),
        "version": re.search(r'name="version" value="(\d+)"', page).group(1),
        "action": "approve",
        "comment": "经 B 审核通过。",
    }
    coordinator.post(f"{VIA_B}{review.group(1)}", data=approve)
    check("approved through B, A shows it approved", "已审核通过" in kewei.get(f"{VIA_A}{link}").text)


def lockout_holds_across_servers():
    attacker = browser("127.0.0.5")
    for i in range(5):
        login(attacker, VIA_A if i % 2 else VIA_B, "tiyuju", "wrong-password-1")
    on_a = login(attacker, VIA_A, "tiyuju")
    on_b = login(attacker, VIA_B, "tiyuju")
    check(
        "5 failures split over A and B lock the account on both",
        on_a.status_code == 429 and on_b.status_code == 429 and "锁定" in on_b.text,
    )
    check(
        "the account stays locked for another client", login(browser("127.0.0.6"), PROXY, "tiyuju").status_code == 429
    )
    check("another client's login still works", logged_in(login(browser("127.0.0.6"), PROXY, "caizhengju")))
    addresses = django_says(
        "from security.models import AuditEvent as E; "
        "print(sorted(set(E.objects.filter(username='tiyuju').values_list('ip_address', flat=True))))"
    )
    check(
        "the audit trail names the client behind nginx, not nginx",
        "127.0.0.5" in addresses and "127.0.0.1" not in addresses,
        addresses,
    )


def rate_limit_holds_across_servers():
    client = browser("127.0.0.7")
    statuses, slowest = [], 0.0
    for i in range(6):
        base = VIA_A if i % 2 else VIA_B
        data = {
            "email": "kewei@example.gov.cn",
            "csrfmiddlewaretoken": token(client, f"{base}/accounts/password_reset/"),
        }
        started = time.monotonic()
        statuses.append(client.post(f"{base}/accounts/password_reset/", data=data, allow_redirects=False).status_code)
        slowest = max(slowest, time.monotonic() - started)
    check("5 password-reset requests split over A and B, the 6th refused", statuses == [302] * 5 + [429], statuses)
    check(f"no reset request waited for the mail server ({SMTP_DELAY:.0f} s)", slowest < SMTP_DELAY, f"{slowest:.2f} s")


def chase_answers_at_once():
    coordinator = browser()
    login(coordinator, PROXY, "coordinator")
    units = coordinator.get(f"{PROXY}/units/").text
    tiyu = re.search(r'href="/units/(\d+)/">区体育局', units)
    csrf = token(coordinator, f"{PROXY}/chase/")
    started = time.monotonic()
    one = coordinator.post(f"{PROXY}/units/{tiyu.group(1)}/chase/", data={"csrfmiddlewaretoken": csrf})
    one_took = time.monotonic() - started
    started = time.monotonic()
    every = coordinator.post(f"{PROXY}/chase/", data={"csrfmiddlewaretoken": csrf})
    all_took = time.monotonic() - started
    chased = int(
        django_says("from tasks.models import ReminderLog as R; print(R.objects.filter(source='manual').count())")
    )
    check(
        f"a 催报 answers at once though the mail server waits {SMTP_DELAY:.0f} s",
        one.status_code == every.status_code == 200 and one_took < 1.5 and all_took < 1.5,
        f"1 unit {one_took * 1000:.0f} ms, {chased - 1} units {all_took * 1000:.0f} ms",
    )
    return chased - 1


def worker_sends_the_mail(units_chased):
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        subjects = [m["Subject"].strip() for m in mails()]
        chases = [s for s in subjects if "催报：" in s]
        resets = [s for s in subjects if "重置密码" in s]
        if len(chases) > units_chased and len(resets) >= 5:
            break
        time.sleep(2)
    check(
        "the workers sent the mail: both chases (every unit's staff) and the five reset links",
        len(chases) > units_chased and len(resets) >= 5,
        f"{len(chases)} chase emails, {len(resets)} reset emails",
    )
    statuses = django_says(
        "from django_tasks_db.models import DBTaskResult as T; from collections import Counter; "
        "print(dict(Counter(T.objects.values_list('status', flat=True))))"
    )
    check("every queued task succeeded", "FAILED" not in statuses and "READY" not in statuses, statuses)


def daily_run_once():
    both = [
        subprocess.Popen(
            [sys.executable, "manage.py", "send_reminders"],
            cwd=os.environ["ROOT"],
            env={**os.environ, "DJANGO_MEDIA_ROOT": str(CLUSTER_DIR / f"{server}-media")},
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        for server in ("a", "b")
    ]
    outputs = [p.communicate(timeout=300)[0] for p in both]
    ran = [o for o in outputs if "已向" in o or "没有" in o]
    skipped = [o for o in outputs if "本次不再运行" in o]
    check(
        "send_reminders started on both servers at once runs once",
        len(ran) == 1 and len(skipped) == 1,
        " / ".join(o.strip().splitlines()[-1] for o in outputs if o.strip()),
    )


def main():
    both_servers_answer()
    session_holds_across_servers()
    report_through_one_reviewed_through_the_other()
    rate_limit_holds_across_servers()
    units = chase_answers_at_once()
    worker_sends_the_mail(units)
    daily_run_once()
    # Last: it locks 127.0.0.5 and tiyuju out for 15 minutes.
    lockout_holds_across_servers()
    failed = results.count(False)
    print(
        f"\ncluster test: {len(results) - failed} of {len(results)} checks hold"
        + (f", {failed} FAILED" if failed else "")
    )
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()

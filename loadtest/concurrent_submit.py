"""Concurrent submissions to one report lose nothing.

N clients of one unit load the same report form (same version) and submit
at the same moment. Exactly one save may win; every other one must be
refused with the conflict message, and the report's history must hold one
event per accepted save.
"""

import re
import sys
import threading

import requests

BASE = sys.argv[1]
USERS = int(sys.argv[2]) if len(sys.argv) > 2 else 8
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
VERSION = re.compile(r'name="version" value="(\d+)"')


def session():
    s = requests.Session()
    page = s.get(f"{BASE}/accounts/login/")
    token = CSRF.search(page.text).group(1)
    s.post(
        f"{BASE}/accounts/login/", data={"username": "kewei", "password": "Jiading-2023", "csrfmiddlewaretoken": token}
    )
    return s


def writable_link(client):
    """A report form of the unit that still takes a submission (not approved)."""
    for link in re.findall(r'href="(/measures/\d+/report/\?unit=\d+)"', client.get(f"{BASE}/my/").text):
        if 'name="submit"' in client.get(f"{BASE}{link}").text:
            return link
    raise SystemExit("no report form of kewei takes a submission")


def fields(form, i):
    """What client i types: the form of the period the page shows, quarterly or 终期评估."""
    if 'name="completion"' in form:
        return {
            "completion": "mostly",
            "percent": str(60 + i),
            "progress": f"并发提交 {i}",
            "problems": "收尾中",
            "next_steps": "下季度完成",
        }
    return {"status": "in_progress", "percent": str(10 + i), "progress": f"并发提交 {i}"}


def main():
    clients = [session() for _ in range(USERS)]
    link = writable_link(clients[0])
    forms = [c.get(f"{BASE}{link}").text for c in clients]
    before = int(VERSION.search(forms[0]).group(1))
    barrier = threading.Barrier(USERS)
    outcomes = [None] * USERS

    def submit(i):
        data = {
            "csrfmiddlewaretoken": CSRF.search(forms[i]).group(1),
            "unit": link.rsplit("=", 1)[1],
            "period": re.search(r'name="period" value="(\d+)"', forms[i]).group(1),
            "version": str(before),
            "submit": "1",
            **fields(forms[i], i),
        }
        barrier.wait()
        text = clients[i].post(f"{BASE}{link}", data=data).text
        if "他人已修改" in text:
            outcomes[i] = "conflict"
        elif "已提交，等待协调人审核" in text:
            outcomes[i] = "saved"
        else:
            outcomes[i] = "other"

    threads = [threading.Thread(target=submit, args=(i,)) for i in range(USERS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    after = int(VERSION.search(clients[0].get(f"{BASE}{link}").text).group(1))
    saved = outcomes.count("saved")
    print(
        f"concurrent submissions: {USERS} sent, {saved} saved, {outcomes.count('conflict')} refused as conflicts, "
        f"{outcomes.count('other')} other; version {before} → {after}"
    )
    ok = saved == 1 and outcomes.count("other") == 0 and after == before + 1
    print("lost updates: none" if ok else "LOST OR UNEXPECTED RESULTS")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()

"""While PostgreSQL is down, pages answer 503 with a Chinese message; when it
is back, the same gunicorn workers answer 200 again without a restart.

Usage: outage.py BASE_URL, with PG_BIN and PG_DIR from .ci/postgres.sh.
"""

import os
import re
import shlex
import subprocess
import sys
import time

import requests

BASE = sys.argv[1]
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def pg_ctl(*args):
    run = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
    command = [*run, f"{os.environ['PG_BIN']}/pg_ctl", "-D", f"{os.environ['PG_DIR']}/data", *args]
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL)


def main():
    session = requests.Session()
    token = CSRF.search(session.get(f"{BASE}/accounts/login/").text).group(1)
    session.post(
        f"{BASE}/accounts/login/",
        data={"username": "kewei", "password": "Jiading-2023", "csrfmiddlewaretoken": token},
    )
    before = session.get(f"{BASE}/my/")
    # Start it again later with the same options (port, socket folder) it runs with now.
    opts = shlex.split(open(f"{os.environ['PG_DIR']}/data/postmaster.opts").read())
    opts = [o for o in opts[1:] if o not in ("-D", f"{os.environ['PG_DIR']}/data")]
    pg_ctl("-m", "fast", "-w", "stop")
    during = [session.get(f"{BASE}/my/") for _ in range(3)]
    pg_ctl("-w", "-l", f"{os.environ['PG_DIR']}/log", "-o", shlex.join(opts), "start")
    time.sleep(1)
    after = [session.get(f"{BASE}/my/") for _ in range(4)]
    codes = [before.status_code, [r.status_code for r in during], [r.status_code for r in after]]
    print(f"database outage: before {codes[0]}, while down {codes[1]}, after restart {codes[2]}")
    ok = (
        before.status_code == 200
        and all(r.status_code == 503 and "数据库暂时无法连接" in r.text for r in during)
        and all(r.status_code == 200 for r in after)
    )
    print("outage handled: 503 while down, recovered by itself" if ok else "OUTAGE NOT HANDLED AS EXPECTED")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()

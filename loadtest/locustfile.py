"""50 simulated unit staff browse the tracker and submit reports.

Each user logs in with a demo account of a unit, opens 我的填报, a measure
and its report form, and saves a draft or submits. The form is filled in as
the page asks: a quarterly period's form (状态, 完成进度, 进展情况…) or a
终期评估's (完成情况, 主要成效, 未完成原因, 后续安排), whichever periods the
demo has open (its 终期评估, and the last quarter opened for late reporting
by loadtest/prepare.py); the user finds them on 待办 (`/?period=`) as staff
do. Only the buttons the page offers are pressed (a submitted report has no
"save as draft"; an approved one none at all).

A save refused because someone else saved first (two simulated users share a
unit) is an expected answer, not an error: the page says so with status 200.
"""

import html
import json
import os
import random
import re
import time

from locust import HttpUser, between, events, task

UNIT_ACCOUNTS = [
    "xuanchuanbu",
    "wangxinban",
    "fagaiwei",
    "jingwei",
    "shangwuwei",
    "kewei",
    "jiaoyuju",
    "caizhengju",
    "renshe",
    "wenlvju",
    "tiyuju",
    "lvhuashirong",
    "shichangjianguan",
    "tongjiju",
    "shuiwuju",
    "dashuju",
    "xinchenglu",
    "zhenxin",
    "jiadingzhen",
    "nanxiang",
    "anting",
    "malu",
    "xuxing",
    "huating",
    "waigang",
    "jiangqiao",
    "gongyequ",
    "juyuan",
    "beihongban",
]
PASSWORD = "Jiading-2023"
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
REPORT_LINK = re.compile(r'href="(/measures/\d+/report/\?unit=\d+(?:&amp;period=\d+)?)"')
OTHER_PERIOD = re.compile(r'href="\?period=(\d+)"')
HIDDEN = re.compile(r'<input type="hidden" name="(unit|period|version)" value="([^"]*)"')
# What the page says after a save: submitted, saved as a draft, or refused
# because another user of the unit saved first (the expected conflict).
CONFIRMATIONS = ("已提交，等待协调人审核", "草稿已保存", "他人已修改")


def quarterly_fields(username):
    return {
        "status": "in_progress",
        "percent": str(random.randrange(0, 100)),
        "progress": f"负载测试：{username} 的进展说明。",
        "problems": "",
        "next_steps": "继续推进。",
    }


def final_fields(username):
    """A lead's 终期评估: 已完成 at 100 %, or 基本完成 below it with the reasons it requires."""
    if random.random() < 0.5:
        return {"completion": "done", "percent": "100", "progress": f"负载测试：{username} 的主要成效。"}
    return {
        "completion": "mostly",
        "percent": str(random.randrange(60, 100)),
        "progress": f"负载测试：{username} 的主要成效。",
        "problems": "尚有少量收尾工作。",
        "next_steps": "下季度完成收尾。",
    }


# The steady state: requests made once every simulated user has logged in, so
# that the targets are judged at the full number of users, not during the
# opening burst of logins (each one a deliberate 0.5 s of password hashing).
steady = {"since": None, "logged_in": 0, "times": {}, "failures": {}}


@events.request.add_listener
def _record(name, response_time, exception, **kwargs):
    if steady["since"] is None:
        return
    steady["times"].setdefault(name, []).append(response_time)
    if exception is not None:
        steady["failures"][name] = steady["failures"].get(name, 0) + 1


@events.test_stop.add_listener
def _write_steady(environment, **kwargs):
    path = os.environ.get("LOADTEST_STEADY_JSON")
    if not path:
        return
    duration = time.monotonic() - steady["since"] if steady["since"] else 0
    rows = {}
    for name, times in sorted(steady["times"].items()):
        ordered = sorted(times)
        rows[name] = {
            "count": len(ordered),
            "failures": steady["failures"].get(name, 0),
            "median": ordered[len(ordered) // 2],
            # Nearest rank, as locust reports it.
            "p95": ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))],
        }
    with open(path, "w", encoding="utf-8") as out:
        json.dump({"seconds": round(duration, 1), "users": steady["logged_in"], "requests": rows}, out, indent=1)


class UnitStaff(HttpUser):
    wait_time = between(0.5, 2)

    def on_start(self):
        self.username = random.choice(UNIT_ACCOUNTS)
        page = self.client.get("/accounts/login/", name="/accounts/login/")
        token = CSRF.search(page.text).group(1)
        response = self.client.post(
            "/accounts/login/",
            {"username": self.username, "password": PASSWORD, "csrfmiddlewaretoken": token},
            name="/accounts/login/ POST",
        )
        if "/accounts/login/" in response.url:
            response.failure(f"login failed for {self.username}")
        # Every period the unit may report in: the current one, and those 待办
        # offers besides it (a period opened for late reporting).
        todo = self.client.get("/", name="/").text
        links = REPORT_LINK.findall(todo)
        for period in sorted(set(OTHER_PERIOD.findall(todo))):
            links += REPORT_LINK.findall(self.client.get(f"/?period={period}", name="/?period=").text)
        self.links = sorted({html.unescape(link) for link in links})
        steady["logged_in"] += 1
        if steady["logged_in"] == self.environment.runner.target_user_count and steady["since"] is None:
            steady["since"] = time.monotonic()

    @task(4)
    def my_obligations(self):
        self.client.get("/my/", name="/my/")

    @task(3)
    def plan(self):
        self.client.get("/tasks/", name="/tasks/")

    @task(2)
    def dashboard(self):
        self.client.get("/", name="/")

    @task(2)
    def measures(self):
        self.client.get("/measures/?page=2", name="/measures/")

    @task(3)
    def report(self):
        if not self.links:
            return
        link = random.choice(self.links)
        page = self.client.get(link, name="/measures/<pk>/report/").text
        actions = [name for name in ("draft", "submit") if f'name="{name}"' in page]
        if not actions:
            return  # approved, or no longer taking reports: nothing to press
        data = dict(HIDDEN.findall(page))
        data["csrfmiddlewaretoken"] = CSRF.search(page).group(1)
        data.update(final_fields(self.username) if 'name="completion"' in page else quarterly_fields(self.username))
        data[random.choice(actions)] = "1"
        with self.client.post(link, data, name="/measures/<pk>/report/ POST", catch_response=True) as response:
            if response.status_code != 200:
                response.failure(f"status {response.status_code}")
            elif not any(text in response.text for text in CONFIRMATIONS):
                response.failure("no confirmation on the page")

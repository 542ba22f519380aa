"""50 simulated unit staff browse the tracker and submit reports.

Each user logs in with a demo account of a unit, opens 我的填报, a measure
and its report form, and saves a draft or submits. A save refused because
someone else saved first (two simulated users share a unit) is an expected
answer, not an error: the page says so with status 200.
"""

import random
import re

from locust import HttpUser, between, task

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
REPORT_LINK = re.compile(r'href="(/measures/\d+/report/\?unit=\d+)"')
VERSION = re.compile(r'name="version" value="(\d+)"')


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
        self.links = REPORT_LINK.findall(self.client.get("/my/", name="/my/").text)

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
        page = self.client.get(link, name="/measures/<pk>/report/")
        if "该填报已审核通过" in page.text or "已关闭" in page.text:
            return
        token = CSRF.search(page.text).group(1)
        version = VERSION.search(page.text).group(1)
        action = random.choice(["draft", "submit"])
        with self.client.post(
            link,
            {
                "csrfmiddlewaretoken": token,
                "unit": link.rsplit("=", 1)[1],
                "version": version,
                "status": "in_progress",
                "percent": str(random.randrange(0, 100)),
                "progress": f"负载测试：{self.username} 的进展说明。",
                "problems": "",
                "next_steps": "继续推进。",
                action: "1",
            },
            name="/measures/<pk>/report/ POST",
            catch_response=True,
        ) as response:
            if response.status_code != 200:
                response.failure(f"status {response.status_code}")
            elif (
                "已提交" not in response.text
                and "草稿已保存" not in response.text
                and "他人已修改" not in response.text
            ):
                response.failure("no confirmation on the page")

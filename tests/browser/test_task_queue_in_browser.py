"""The 管理员 finds what the background worker did in Django admin (后台任务):
a mail the server refused, the attempt, when the next one runs, the error."""

import pytest

from jiading_ads import mail
from tests.browser.conftest import log_in, screenshot
from tests.conftest import PASSWORD
from tests.reporting.test_task_queue import run_worker

pytestmark = pytest.mark.browser


def test_the_admin_role_reads_a_refused_mail_in_admin(page, live_server, plan, system_admin, settings, violations):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    settings.EMAIL_BACKEND = "tests.reporting.test_task_queue.RefusingBackend"
    mail.send(
        [
            mail.EmailMultiAlternatives(
                "催报：区科委2024年第一季度尚有 7 项措施未提交", "正文", None, ["kewei@example.gov.cn"]
            )
        ]
    )
    run_worker()

    log_in(page, live_server, system_admin.username, PASSWORD)
    page.goto(f"{live_server.url}/admin/")
    assert page.locator("text=后台任务").count() >= 1
    page.click("a:text('后台任务') >> nth=-1")
    page.wait_for_load_state()
    listing = page.content()
    screenshot(page, "task-queue-admin-list")
    page.click("text=失败 >> nth=-1")  # the status filter
    page.wait_for_load_state()
    page.click("#result_list tbody tr a >> nth=0")
    page.wait_for_load_state()
    screenshot(page, "task-queue-admin-detail")

    assert "发送邮件" in listing and "等待执行" in listing and "失败" in listing
    assert "60 秒后第 2 次发送" in listing
    assert "Connection unexpectedly closed" in page.content()
    assert violations == []

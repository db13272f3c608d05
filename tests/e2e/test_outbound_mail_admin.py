"""The admin's outbox (外发邮件) in Chromium at 1366 px (issue 8 point 6: a failed mail is visible and retried).

The index warns that mail failed and links to the failed ones; the list shows status, attempts and the mail
server's answer; 「重新发送」 queues them again (the task runs inline here, with the test mail backend).
"""

from __future__ import annotations

import pytest
from django.core import mail as django_mail
from playwright.sync_api import expect

from tests.e2e.conftest import PASSWORD, screenshot
from tests.e2e.test_project_admin import OVERFLOW, WIDTH, admin_login

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

TIMED_OUT = "TimeoutError: timed out"
DISCONNECTED = "SMTPServerDisconnected: Connection unexpectedly closed"


@pytest.fixture
def outbox(transactional_db):
    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from procurement.models import OutboundMail
    from tests.factories import BudgetUnitFactory

    unit = BudgetUnitFactory(name="长春市第一中学")
    Status = OutboundMail.Status
    rows = [
        ("wang@example.gov.cn", "合同公告即将到期", Status.SENT, 1, ""),
        ("li@example.gov.cn", "分计划填报提醒", Status.PENDING, 2, DISCONNECTED),
        ("zhao@example.gov.cn", "合同备案已逾期", Status.FAILED, 5, TIMED_OUT),
        ("qian@example.gov.cn", "任务通知单已下达，请签收", Status.FAILED, 5, TIMED_OUT),
    ]
    mails = [
        OutboundMail.objects.create(organization=unit, recipient=to, subject=f"【吉林省政府集中采购平台】{title}",
                                    body=f"您好：\n\n{title}，请及时办理。", status=status, attempts=attempts,
                                    last_error=error, sent_at=timezone.now() if status == Status.SENT else None)
        for to, title, status, attempts, error in rows
    ]
    get_user_model().objects.create_superuser("admin", "admin@example.gov.cn", PASSWORD)
    return mails


def fits(page, name: str) -> None:
    screenshot(page, name)
    assert page.evaluate("window.innerWidth") == WIDTH
    assert page.evaluate(OVERFLOW) == [], name


def test_the_admin_sees_failed_mail_and_sends_it_again(browser_page, live_server, outbox):
    from procurement.models import OutboundMail

    page = browser_page
    admin_login(page, live_server)
    expect(page.locator(".messagelist")).to_contain_text("有2封邮件多次发送失败")
    fits(page, "outbox_admin_index_warning")

    page.get_by_test_id("failed-mails").click()
    results = page.locator("#result_list")
    expect(results).to_contain_text("合同备案已逾期")
    expect(results).not_to_contain_text("合同公告即将到期")  # filtered to 发送失败
    expect(results).to_contain_text(TIMED_OUT)
    fits(page, "outbox_admin_failed_list")

    page.locator("input[name=_selected_action]").first.check()
    page.locator("input[name=_selected_action]").nth(1).check()
    page.locator("select[name=action]").select_option(label="重新发送")
    page.locator("button[name=index]").click()
    expect(page.locator(".messagelist")).to_contain_text("已将2封发送失败的邮件重新加入发送队列")
    fits(page, "outbox_admin_after_resend")

    assert OutboundMail.objects.filter(status=OutboundMail.Status.FAILED).count() == 0
    assert sorted(m.to[0] for m in django_mail.outbox) == ["qian@example.gov.cn", "zhao@example.gov.cn"]

    page.goto(f"{live_server.url}/admin/procurement/outboundmail/")
    expect(page.locator("#changelist-filter")).to_contain_text("待发送")
    fits(page, "outbox_admin_list_all")
    page.locator("#result_list tbody a").first.click()
    expect(page.locator("h1")).to_contain_text("外发邮件")
    expect(page.locator("input[name=_save]")).to_have_count(0)
    fits(page, "outbox_admin_mail")

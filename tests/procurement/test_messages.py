"""站内消息: each user reads only their own messages; opening one marks it read and follows its link."""

from __future__ import annotations

import pytest
from django.urls import reverse

from procurement.models import Notification
from tests.factories import BudgetUnitFactory, FinanceFactory, member_of

pytestmark = pytest.mark.django_db


def message(user, title: str, *, url: str = "", level: str = Notification.Level.INFO) -> Notification:
    return Notification.objects.create(recipient=user, title=title, body=f"{title}的详细内容", url=url, level=level)


@pytest.fixture
def clerk():
    return member_of(BudgetUnitFactory(name="长春市第一中学"))


def test_the_list_shows_only_ones_own_messages_newest_first(client, clerk):
    other = member_of(BudgetUnitFactory(name="长春市人民医院"))
    message(clerk, "分计划填报即将截止")
    message(clerk, "合同公告即将到期", level=Notification.Level.WARNING)
    message(other, "别人的消息")
    client.force_login(clerk)
    body = client.get(reverse("message-list")).content.decode()
    assert body.index("合同公告即将到期") < body.index("分计划填报即将截止")
    assert "别人的消息" not in body and "全部标为已读（2）" in body


def test_opening_a_message_marks_it_read_and_follows_its_link(client, clerk):
    item = message(clerk, "分计划填报即将截止", url="/unit/")
    client.force_login(clerk)
    response = client.get(reverse("message-open", args=[item.pk]))
    assert response.status_code == 302 and response["Location"] == "/unit/"
    item.refresh_from_db()
    first_read = item.read_at
    assert first_read is not None
    client.get(reverse("message-open", args=[item.pk]))
    item.refresh_from_db()
    assert item.read_at == first_read  # reading again keeps the first reading time


def test_a_link_off_the_site_is_not_followed(client, clerk):
    item = message(clerk, "可疑链接", url="https://example.com/phish")
    client.force_login(clerk)
    response = client.get(reverse("message-open", args=[item.pk]))
    assert response["Location"] == reverse("message-list")


def test_another_users_message_is_not_found_and_stays_unread(client, clerk):
    other = member_of(BudgetUnitFactory(name="长春市人民医院"))
    theirs = message(other, "别人的消息", url="/unit/")
    client.force_login(clerk)
    assert client.get(reverse("message-open", args=[theirs.pk])).status_code == 404
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_mark_all_read_touches_only_ones_own_unread_messages(client, clerk):
    other = member_of(BudgetUnitFactory(name="长春市人民医院"))
    mine = [message(clerk, f"提醒{i}") for i in range(3)]
    theirs = message(other, "别人的消息")
    client.force_login(clerk)
    assert client.get(reverse("message-read-all")).status_code == 405  # a change is a POST
    response = client.post(reverse("message-read-all"), follow=True)
    assert "已将3条消息标为已读" in response.content.decode()
    assert all(Notification.objects.get(pk=m.pk).read_at for m in mine)
    assert Notification.objects.get(pk=theirs.pk).read_at is None
    unread = client.get(reverse("message-list"), {"unread": "1"}).content.decode()
    assert "没有未读消息" in unread


def test_the_top_bar_counts_unread_messages_and_a_home_lists_them(client):
    finance_user = member_of(FinanceFactory(name="吉林省财政厅"))
    message(finance_user, "吉林省政府采购中心报送了批量集中采购品目建议，待论证", url="/batch/proposals/")
    client.force_login(finance_user)
    home = client.get(reverse("finance-home")).content.decode()
    assert 'data-testid="unread-count">1<' in home
    assert "待阅消息" in home and "报送了批量集中采购品目建议" in home
    Notification.objects.update(read_at="2026-11-30T10:00:00+08:00")
    home = client.get(reverse("finance-home")).content.decode()
    assert 'data-testid="unread-count"' not in home and "待阅消息" not in home


def test_messages_need_a_login(client):
    response = client.get(reverse("message-list"))
    assert response.status_code == 302 and reverse("login") in response["Location"]

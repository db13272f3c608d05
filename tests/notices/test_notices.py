"""The public notices pages (公告公示) and the notice_publish service they show."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from notices.models import Notice
from notices.services import notice_publish
from procurement.services.errors import ServiceError
from tests.factories import ProjectFactory, county, prefecture, province

pytestmark = pytest.mark.django_db


def publish(title: str, *, type: str = Notice.Type.PROCUREMENT, region=None, body: str = "公告正文。", **kwargs):
    return notice_publish(type=type, title=title, body=body, region=region or province(), **kwargs)


def listed_titles(response) -> list[str]:
    return [notice.title for notice in response.context["page"]]


def test_a_published_notice_appears_in_the_list_and_its_detail(client):
    project = ProjectFactory(code="JL-2026-000123")
    notice = publish("吉林省2026年台式计算机批量集中采购公告", project=project,
                     body="一、项目名称：台式计算机批量集中采购\n二、采购需求：详见采购文件")
    listing = client.get(reverse("notices:list"))
    assert listing.status_code == 200
    assert notice.title in listing.content.decode()
    detail = client.get(reverse("notices:detail", args=[notice.pk]))
    body = detail.content.decode()
    assert detail.status_code == 200
    assert notice.title in body and "JL-2026-000123" in body
    assert "<p>一、项目名称：台式计算机批量集中采购<br>二、采购需求：详见采购文件</p>" in body


def test_the_pages_need_no_login(client):
    notice = publish("无需登录即可查看的公告")
    assert client.get(reverse("notices:list")).status_code == 200
    assert client.get(reverse("notices:detail", args=[notice.pk])).status_code == 200


def test_the_body_is_escaped(client):
    notice = publish("含有脚本的公告", body="<script>alert('x')</script>正文")
    body = client.get(reverse("notices:detail", args=[notice.pk])).content.decode()
    assert "<script>alert" not in body and "&lt;script&gt;" in body


def test_a_withdrawn_notice_is_404_and_not_listed(client):
    notice = publish("已撤回的更正公告")
    Notice.objects.filter(pk=notice.pk).update(is_withdrawn=True)
    response = client.get(reverse("notices:detail", args=[notice.pk]))
    assert response.status_code == 404
    assert "已撤回的更正公告" not in response.content.decode()
    assert "已撤回的更正公告" not in listed_titles(client.get(reverse("notices:list")))


def test_the_list_is_newest_first(client):
    now = timezone.now()
    publish("较早的公告", published_at=now - timedelta(days=2))
    publish("最新的公告", published_at=now)
    publish("中间的公告", published_at=now - timedelta(days=1))
    assert listed_titles(client.get(reverse("notices:list"))) == ["最新的公告", "中间的公告", "较早的公告"]


def test_filter_by_type(client):
    publish("某项目中标结果公告", type=Notice.Type.AWARD)
    publish("某项目采购公告", type=Notice.Type.PROCUREMENT)
    response = client.get(reverse("notices:list"), {"type": Notice.Type.AWARD})
    assert listed_titles(response) == ["某项目中标结果公告"]


def test_filter_by_region_includes_the_regions_below(client):
    changchun = prefecture("220100", "长春市")
    nanguan = county("220102", "南关区", parent=changchun)
    jilin_city = prefecture("220200", "吉林市")
    publish("长春市本级公告", region=changchun)
    publish("南关区公告", region=nanguan)
    publish("吉林市公告", region=jilin_city)
    response = client.get(reverse("notices:list"), {"region": changchun.pk})
    assert sorted(listed_titles(response)) == sorted(["长春市本级公告", "南关区公告"])


def test_keyword_search_looks_in_title_and_body(client):
    publish("办公家具采购公告", body="采购书柜、办公桌。")
    publish("其他公告", body="本次采购包含办公桌椅。")
    publish("无关公告", body="车辆维修服务。")
    response = client.get(reverse("notices:list"), {"q": "办公桌"})
    assert sorted(listed_titles(response)) == sorted(["办公家具采购公告", "其他公告"])
    assert listed_titles(client.get(reverse("notices:list"), {"q": "家具"})) == ["办公家具采购公告"]


def test_a_search_with_no_result_shows_a_chinese_empty_state(client):
    publish("某公告")
    response = client.get(reverse("notices:list"), {"q": "不存在的关键词"})
    assert "没有找到符合条件的公告" in response.content.decode()


def test_the_list_paginates_20_per_page(client):
    for n in range(23):
        publish(f"批量公告{n:02d}")
    first = client.get(reverse("notices:list"))
    second = client.get(reverse("notices:list"), {"page": 2})
    assert len(first.context["page"]) == 20
    assert len(second.context["page"]) == 3


def test_notice_publish_refuses_an_empty_title_in_chinese():
    with pytest.raises(ServiceError) as refused:
        notice_publish(type=Notice.Type.PROCUREMENT, title="   ", body="正文", region=province())
    assert refused.value.message == "公告标题不能为空"
    assert refused.value.field == "title"
    assert not Notice.objects.exists()


def test_notice_publish_refuses_an_unknown_type_in_chinese():
    with pytest.raises(ServiceError) as refused:
        notice_publish(type="nonsense", title="标题", body="正文", region=province())
    assert "未知的公告类型" in refused.value.message
    assert not Notice.objects.exists()


def test_the_landing_page_shows_the_latest_public_notices(client):
    publish("首页显示的最新公告")
    withdrawn = publish("首页不应显示的撤回公告")
    Notice.objects.filter(pk=withdrawn.pk).update(is_withdrawn=True)
    body = client.get(reverse("portal-home")).content.decode()
    assert "首页显示的最新公告" in body and "首页不应显示的撤回公告" not in body

"""Pages of open agreements and of the summary notice (MoF Order No. 110, open agreements)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from framework.models import JoinRequest
from framework.services.open_agreements import agreement_leave, join_request_approve
from tests.framework.open_data import join, joined, lot_of, open_project, supplier_with_user
from tests.framework.solicitation_data import pdf

pytestmark = pytest.mark.django_db


def test_order110_open_supplier_joins_from_its_page_and_the_center_approves(client, world):
    project = open_project(world)
    lot = lot_of(project)
    supplier, user = supplier_with_user()
    client.force_login(user)
    page = client.get(reverse("framework:open-list"))
    assert page.status_code == 200 and f'data-lot="{lot.pk}"'.encode() in page.content
    client.post(reverse("framework:open-join", args=[lot.pk]), {"accepts_terms": "on", "qualification_file": pdf()})
    request = JoinRequest.objects.get(supplier=supplier)
    client.force_login(world.user(world.center))
    queue = client.get(reverse("framework:open-request-list"))
    assert queue.status_code == 200 and f'data-request="{request.pk}"'.encode() in queue.content
    client.post(reverse("framework:open-request-approve", args=[request.pk]))
    request.refresh_from_db()
    assert request.status == JoinRequest.Status.APPROVED
    client.force_login(user)
    assert "退出".encode() in client.get(reverse("framework:open-list")).content


def test_order110_open_another_suppliers_agreement_cannot_be_left(client, world):
    project = open_project(world)
    supplier, user = supplier_with_user()
    request = join(world, lot_of(project), supplier, user)
    agreement = join_request_approve(join=request, actor=world.user(world.center)).agreement
    _, other = supplier_with_user("他人")
    client.force_login(other)
    assert client.post(reverse("framework:open-leave", args=[agreement.pk])).status_code == 404
    client.force_login(user)
    assert client.post(reverse("framework:open-request-approve", args=[request.pk])).status_code == 403


def test_order110_summary_pages_for_the_center(client, world):
    project = open_project(world)
    client.force_login(world.user(world.center))
    listing = client.get(reverse("framework:summary-list"))
    assert listing.status_code == 200 and f'data-project="{project.pk}"'.encode() in listing.content
    page = client.get(reverse("framework:summary", args=[project.pk]))
    assert page.status_code == 200 and "尚未到期".encode() in page.content


def test_order110_open_supplier_that_left_is_offered_the_lot_again_and_sees_both_agreements(client, world):
    """Order 110, open agreements (issue 11 point 8: join at any time during the validity, leave at any time): once
    it has left, the lot is offered to the supplier again — even while another supplier's request waits — and not
    while its own request waits; after joining again its pages (开放式框架协议, 我的框架协议, each agreement) and the
    center's list show both agreements, the one it left and the new one."""
    project = open_project(world)
    lot = lot_of(project)
    supplier, user = supplier_with_user()
    first = joined(world, lot, supplier, user)
    client.force_login(user)
    offered = f'data-lot="{lot.pk}"'.encode()
    assert offered not in client.get(reverse("framework:open-list")).content
    agreement_leave(agreement=first, actor=user)
    other, other_user = supplier_with_user("另一供应商")
    join(world, lot, other, other_user)
    assert offered in client.get(reverse("framework:open-list")).content
    client.post(reverse("framework:open-join", args=[lot.pk]), {"accepts_terms": "on", "qualification_file": pdf()})
    request = JoinRequest.objects.get(supplier=supplier, status=JoinRequest.Status.PENDING)
    assert offered not in client.get(reverse("framework:open-list")).content
    second = join_request_approve(join=request, actor=world.user(world.center)).agreement
    for url, who in ((reverse("framework:open-list"), user), (reverse("framework:my-agreements"), user),
                     (reverse("framework:agreement-list"), world.user(world.center))):
        client.force_login(who)
        content = client.get(url).content.decode()
        for agreement in (first, second):
            assert f'data-agreement="{agreement.pk}"' in content and agreement.code in content, url
    client.force_login(user)
    first.refresh_from_db()
    assert (first.status, second.status) == ("left", "signed")
    for agreement in (first, second):
        page = client.get(reverse("framework:agreement-detail", args=[agreement.pk]))
        assert page.status_code == 200 and agreement.get_status_display() in page.content.decode()


def test_order110_open_notice_page_asks_no_response_deadline_and_the_api_needs_none(client, world):
    """Order 110, open agreements; annex 8 note 1: the center's publish form of an open plan has no response
    deadline field and publishes without one; the page then states that suppliers join during the validity, the
    list shows no deadline; the respond page does not take the open lot (404); the API publishes without one too."""
    project = open_project(world, notice=False)
    client.force_login(world.user(world.center))
    url = reverse("framework:solicitation-detail", args=[project.pk])
    form = client.get(url).content.decode()
    assert 'name="response_deadline"' not in form and "公告不设截止时间" in form
    assert client.post(url, {"action": "publish", "body": "欢迎供应商申请加入"}).status_code == 302
    project.refresh_from_db()
    assert project.framework.solicitation_notice_id and project.response_deadline is None
    page = client.get(url).content.decode()
    assert "开放式框架协议不设提交响应文件截止时间" in page and 'data-testid="open-joining"' in page
    assert "开放式：有效期内随时申请加入" in client.get(reverse("framework:solicitation-center-list")).content.decode()
    _, user = supplier_with_user()
    client.force_login(user)
    assert client.get(reverse("framework:solicitation-respond", args=[lot_of(project).pk])).status_code == 404
    assert f'data-lot="{lot_of(project).pk}"'.encode() in client.get(reverse("framework:open-list")).content
    other = open_project(world, notice=False)
    answer = world.api_for(world.center).post(f"/api/v1/framework/solicitations/{other.pk}/publish/",
                                              {"body": "欢迎供应商申请加入"}, format="json")
    assert answer.status_code == 200 and answer.json()["response_deadline"] is None


def test_a_join_without_its_pdf_says_which_field_is_missing_and_saves_nothing(client, world):
    """A clear error says what and where: the missing qualification file is named, and no request is made."""
    lot = lot_of(open_project(world))
    _, user = supplier_with_user()
    client.force_login(user)
    page = client.post(reverse("framework:open-join", args=[lot.pk]), {"accepts_terms": "on"}, follow=True)
    assert "资格证明文件（PDF）：该字段是必填项。" in page.content.decode()
    assert not JoinRequest.objects.exists()

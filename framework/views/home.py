"""The framework home of each role (框架协议采购): the one link the top navigation carries to framework agreements,
listing the role's framework pages in the order of the stages (``FrameworkPlugin.framework_links``)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import render
from django.urls import path, reverse

from procurement import access

# What each page is for, in a line (by URL name).
PURPOSES = {
    "framework:task-list": "起草、下达框架协议采购任务通知单（附件7），查看中心签收情况",
    "framework:received-list": "签收财政部门下达的框架协议采购任务通知单",
    "framework:plan-list": "依据任务通知单编制框架协议采购方案（附件8，共十三部分），报财政审核后备案",
    "framework:plan-review-list": "审核集中采购机构报送的框架协议采购方案：审核通过，或退回修改并说明意见",
    "framework:solicitation-center-list": "发布征集公告，截止后资格审查、确定每个采购包的入围供应商并发出入围通知书",
    "framework:solicitation-supplier-list": "对正在征集的框架协议采购包提交响应（截止前密封）",
    "framework:agreement-list": "签订框架协议、公开入围信息、报财政备案，清退入围供应商，发布执行通知",
    "framework:listing-review-list": "审核入围供应商的上架商品",
    "framework:my-agreements": "查看本单位入围和签订的框架协议，签订后上架商品",
    "framework:listing-list": "本单位上架的商品及审核情况，可下架",
    "framework:catalog": "浏览对本单位开放的框架协议上架商品，直接选定或按协议约定方式下单",
    "framework:order-list": "本单位第二阶段订单：成交供应商、合同与执行情况",
    "framework:supplier-bids": "参加二次竞价：截止前报价，报价不得高于协议单价",
    "framework:supplier-orders": "本单位成交的第二阶段订单及合同",
    "framework:open-list": "申请加入开放式框架协议（接受公布的协议条件和价格），查看审核结果，可随时退出",
    "framework:open-request-list": "在采购方案声明的期限内审核供应商加入开放式框架协议的申请",
    "framework:summary-list": "框架协议到期终止后，发布成交结果汇总公告",
    "framework:order-admin-list": "第二阶段订单：中心查看本中心项目的订单，财政部门查看本地区采购人的订单",
    "framework:supplement-center-list": "剩余入围供应商不足70%且影响执行时，在有效期内补充征集并确定补充入围供应商",
    "framework:supplement-supplier-list": "对正在补充征集的框架协议采购包提交响应（条件与初次征集相同，截止前密封）",
}


@login_required
def framework_home(request):
    from framework.plugin import FrameworkPlugin

    me = {"kind": access.primary_kind(request.user)}
    links = [
        {"label": entry.label, "url": reverse(entry.url_name_for(me)),
         "purpose": PURPOSES.get(entry.url_name_for(me), "")}
        for entry in FrameworkPlugin.framework_links if entry.shown_to(me, request.user)
    ]
    if not links:
        raise PermissionDenied("框架协议采购没有本单位可办理的事项")
    return render(request, "framework/home.html", {"links": links})


urlpatterns = [path("", framework_home, name="home")]

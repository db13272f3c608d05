"""The public portal (公告公示): the landing page, the notice list with search, and notice detail.

No login needed; only ``Notice.objects.public()`` is ever shown, so a withdrawn notice answers 404.
"""

from __future__ import annotations

from django import forms
from django.db.models import Q, QuerySet
from django.shortcuts import get_object_or_404, render

from notices.models import Notice, NoticeAttachment
from procurement.models import Region
from procurement.views.common import file_download, paginate

LATEST_ON_LANDING = 8
# 需求确定 → 采购执行 → 结果管理, as the seed's flow charts name the steps.
FLOW = ["任务下达", "需求征集", "汇总总计划", "实施采购", "结果公告", "合同签订", "备案", "履约验收", "资金支付"]


class NoticeFilterForm(forms.Form):
    q = forms.CharField(label="关键词", required=False, max_length=100,
                        widget=forms.TextInput(attrs={"placeholder": "搜索公告标题或正文", "type": "search",
                                                      "class": "form-control"}))
    type = forms.ChoiceField(label="公告类型", required=False, choices=[("", "全部类型"), *Notice.Type.choices],
                             widget=forms.Select(attrs={"class": "form-select"}))
    region = forms.TypedChoiceField(label="区划", required=False, coerce=int, empty_value=None,
                                    widget=forms.Select(attrs={"class": "form-select"}))

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        regions = Region.objects.exclude(level=Region.Level.COUNTY).order_by("path").only("pk", "name", "level")
        self.fields["region"].choices = [("", "全部区划")] + [
            (r.pk, r.name if r.level == Region.Level.PROVINCE else f"　{r.name}") for r in regions
        ]


def public_notices() -> QuerySet[Notice]:
    return Notice.objects.public().select_related("region", "project", "publisher")


def search_notices(*, type: str = "", region_id: int | None = None, q: str = "") -> QuerySet[Notice]:
    qs = public_notices()
    if type:
        qs = qs.filter(type=type)
    if region_id:
        region = Region.objects.filter(pk=region_id).only("path").first()
        # A region's notices include those of the regions below it.
        qs = qs.filter(region__path__startswith=region.path) if region else qs.none()
    if q:
        qs = qs.filter(Q(title__icontains=q) | Q(body__icontains=q))
    return qs.order_by("-published_at", "-pk")


def portal_home(request):
    notices = public_notices().order_by("-published_at", "-pk")
    return render(request, "portal/landing.html", {
        "latest": notices[:LATEST_ON_LANDING],
        "types": Notice.Type.choices,
        "flow": FLOW,
    })


def notice_list(request):
    form = NoticeFilterForm(request.GET)
    filters = form.cleaned_data if form.is_valid() else {}
    notices = search_notices(type=filters.get("type") or "", region_id=filters.get("region"),
                             q=(filters.get("q") or "").strip())
    return render(request, "notices/notice_list.html", {
        "form": form,
        "page": paginate(request, notices),
        "filtered": any(filters.values()),
        "types": Notice.Type.choices,
        "current_type": filters.get("type") or "",
    })


def notice_detail(request, pk: int):
    notice = get_object_or_404(public_notices(), pk=pk)
    return render(request, "notices/notice_detail.html", {
        "notice": notice,
        "attachments": notice.attachments.order_by("pk"),
    })


def notice_attachment(request, pk: int, attachment_pk: int):
    """A file published with a public notice (the procurement documents, a contract's public version)."""
    attachment = get_object_or_404(
        NoticeAttachment.objects.filter(notice__in=public_notices().values("pk")), pk=attachment_pk, notice_id=pk,
    )
    return file_download(attachment.file, name=attachment.title)

"""Volume endpoints: an invited unit's response (753号 三、2), under /api/v1/volume/responses/.

The same document as the page ``volume:response-edit`` (contact, items from the lead's list with quantity and
budget, each item's funding lines; or a decline with its reason), for the budget system: read it, replace it
(``PUT``, a draft, or a revision of a submitted response), submit it, decline. The projects are those the caller's
budget unit is invited to (another project, or another unit's response, is 404); the services of
``volume.services.responses`` refuse what the page refuses, with the same Chinese ``detail``.
"""

from __future__ import annotations

from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.response import Response as ApiResponse

from procurement import access
from procurement.api.permissions import SeatRequired, Seats
from procurement.api.views import (
    CONFLICT,
    FORBIDDEN,
    LIST_ERRORS,
    NOT_FOUND,
    REFUSED,
    UNAUTHENTICATED,
    ReadOnlyViewSet,
    id_parameter,
)
from procurement.models import EligibleUnit, FundingLine, Mode, Organization, Project
from volume.models import Response
from volume.services import responses as services

PROJECT_ID = id_parameter("集中带量采购项目")
BUYERS = (Organization.Kind.BUDGET_UNIT,)
WRITE_ERRORS = {400: REFUSED, 401: UNAUTHENTICATED, 403: FORBIDDEN, 404: NOT_FOUND, 409: CONFLICT}


# --- representations ------------------------------------------------------------------------------------------

class FundingSerializer(serializers.Serializer):
    """资金构成：一条资金来源。"""

    source = serializers.ChoiceField(choices=FundingLine.Source.choices, label="资金来源")
    amount_yuan = serializers.CharField(label="金额（元）", help_text="大于0，最多两位小数")
    budget_index_code = serializers.CharField(label="预算指标编号", max_length=64, allow_blank=True)


class ItemSerializer(serializers.Serializer):
    """一项采购内容：牵头单位清单中的一项，本单位的采购数量、预算金额及资金构成。"""

    lot = serializers.IntegerField(label="采购内容（清单项）内部编号", min_value=1)
    lot_number = serializers.IntegerField(label="清单序号", read_only=True)
    lot_name = serializers.CharField(label="采购内容名称", read_only=True)
    quantity = serializers.CharField(label="采购数量", help_text="大于0")
    budget_yuan = serializers.CharField(label="预算金额（元）", help_text="大于0，等于资金构成合计（精确到分）")
    funding = FundingSerializer(many=True, label="资金构成")


class ProjectBriefSerializer(serializers.Serializer):
    id = serializers.IntegerField(label="项目内部编号")
    code = serializers.CharField(label="项目编号")
    title = serializers.CharField(label="项目名称")
    lead = serializers.CharField(label="牵头单位")
    response_deadline = serializers.DateTimeField(label="需求响应截止时间", allow_null=True)
    window_open = serializers.BooleanField(label="是否在需求响应时间内")


class ResponseDocumentSerializer(serializers.Serializer):
    """本单位对集中带量采购项目的响应：联系人、采购内容及资金构成，或不参与及理由。"""

    project = ProjectBriefSerializer(label="项目")
    unit = serializers.CharField(label="响应单位")
    status = serializers.CharField(label="响应状态", help_text="none 未响应；" + "；".join(
        f"{value} {label}" for value, label in Response.Status.choices))
    revision = serializers.IntegerField(label="提交版本")
    contact_name = serializers.CharField(label="联系人")
    contact_phone = serializers.CharField(label="联系电话")
    note = serializers.CharField(label="备注")
    decline_reason = serializers.CharField(label="不参与理由")
    submitted_at = serializers.DateTimeField(label="提交时间", allow_null=True)
    items = ItemSerializer(many=True, label="采购内容")

    def to_representation(self, project: Project) -> dict:
        unit = project.invited_unit
        response = Response.objects.filter(project=project, unit=unit).first()
        return {
            "project": {"id": project.pk, "code": project.code, "title": project.title,
                        "lead": project.organizer.name,
                        "response_deadline": serializers.DateTimeField().to_representation(project.response_deadline)
                        if project.response_deadline else None,
                        "window_open": project.window_open()},
            "unit": unit.name,
            "status": response.status if response else "none",
            "revision": response.revision if response else 0,
            "contact_name": response.contact_name if response else "",
            "contact_phone": response.contact_phone if response else "",
            "note": response.note if response else "",
            "decline_reason": response.decline_reason if response else "",
            "submitted_at": serializers.DateTimeField().to_representation(response.submitted_at)
            if response and response.submitted_at else None,
            "items": [{"lot": plan.lot_id, "lot_number": plan.lot.number, "lot_name": plan.lot.name,
                       "quantity": f"{plan.quantity:f}", "budget_yuan": f"{plan.budget_yuan:f}",
                       "funding": [{"source": line.source, "amount_yuan": f"{line.amount_yuan:f}",
                                    "budget_index_code": line.budget_index_code}
                                   for line in plan.funding_lines.all()]}
                      for plan in services.response_items(project, unit)],
        }


class ResponseWriteSerializer(serializers.Serializer):
    """本单位的响应（整份替换）：联系人、采购内容及各项的资金构成。"""

    contact_name = serializers.CharField(label="联系人", max_length=32, required=False, allow_blank=True, default="")
    contact_phone = serializers.CharField(label="联系电话", max_length=32, required=False, allow_blank=True,
                                          default="")
    note = serializers.CharField(label="备注", required=False, allow_blank=True, default="")
    items = ItemSerializer(many=True, label="采购内容", help_text="牵头单位清单中的一项或多项，每项一次")


class SubmitSerializer(ResponseWriteSerializer):
    """提交响应：不带请求体时提交已保存的响应；带请求体时以其替换后提交。"""

    items = ItemSerializer(many=True, label="采购内容", required=False)


class DeclineSerializer(serializers.Serializer):
    """不参与本项目，须说明理由。"""

    reason = serializers.CharField(label="不参与理由", max_length=services.REASON_MAX_LENGTH, allow_blank=True)


def _items(data: list[dict]) -> list[dict]:
    return [{"lot_id": item["lot"], "quantity": item["quantity"], "budget_yuan": item["budget_yuan"],
             "funding": [dict(line) for line in item["funding"]]} for item in data]


# --- the viewset ---------------------------------------------------------------------------------------------

@extend_schema_view(
    list=extend_schema(summary="集中带量采购需求响应列表", tags=["集中带量采购需求响应"],
                       responses={200: ResponseDocumentSerializer(many=True), **LIST_ERRORS, 403: FORBIDDEN}),
    retrieve=extend_schema(summary="集中带量采购需求响应详情", tags=["集中带量采购需求响应"], parameters=[PROJECT_ID],
                           responses={200: ResponseDocumentSerializer, 401: UNAUTHENTICATED, 403: FORBIDDEN,
                                      404: NOT_FOUND}),
)
class VolumeResponseViewSet(ReadOnlyViewSet):
    """集中带量采购需求响应：预算单位查看牵头单位勾选本单位参与的项目及本单位的响应，截止前保存、提交响应或说明理由
    不参与（753号 三、2）；截止后不能修改、提交或撤回（753号 四(三)）。"""

    noun = "集中带量采购需求响应"
    serializer_class = ResponseDocumentSerializer
    search_fields = ["code", "title"]
    ordering_fields = ["response_deadline", "created_at"]
    ordering = ["-response_deadline", "-pk"]
    permission_classes = [SeatRequired]
    default_seats_required = Seats(BUYERS, "只有预算单位可以响应集中带量采购项目")

    def get_queryset(self):
        units = access.org_ids(self.request.user, kind=Organization.Kind.BUDGET_UNIT)
        invited = EligibleUnit.objects.filter(unit_id__in=units).values("project_id")
        return (Project.objects.filter(mode=Mode.VOLUME, pk__in=invited).exclude(status=Project.Status.DRAFT)
                .select_related("organizer"))

    def paginate_queryset(self, queryset):
        page = super().paginate_queryset(queryset)
        for project in page if page is not None else []:
            self._with_unit(project)
        return page

    def _with_unit(self, project: Project) -> Project:
        units = access.org_ids(self.request.user, kind=Organization.Kind.BUDGET_UNIT)
        project.invited_unit = (EligibleUnit.objects.select_related("unit").filter(project=project, unit_id__in=units)
                                .order_by("unit__unit_code").first().unit)
        return project

    def get_object(self):
        return self._with_unit(super().get_object())

    def _document(self, project: Project) -> ApiResponse:
        return ApiResponse(ResponseDocumentSerializer(self._with_unit(project)).data)

    @extend_schema(summary="保存本单位的响应", tags=["集中带量采购需求响应"], parameters=[PROJECT_ID],
                   request=ResponseWriteSerializer,
                   description="以请求体整份替换本单位的响应（采购内容及资金构成）：未提交的保存为草稿；已提交的修改后"
                               "仍为已提交，立即计入汇总（须符合提交的全部规则）。截止后拒绝（753号 四(三)）。",
                   responses={200: OpenApiResponse(ResponseDocumentSerializer, description="保存后的响应"),
                              **WRITE_ERRORS})
    def update(self, request, *args, **kwargs):
        project = self.get_object()
        serializer = ResponseWriteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        services.response_save(project=project, unit=project.invited_unit, contact_name=data["contact_name"],
                               contact_phone=data["contact_phone"], note=data["note"], items=_items(data["items"]),
                               actor=request.user)
        return self._document(project)

    @extend_schema(summary="提交响应", tags=["集中带量采购需求响应"], parameters=[PROJECT_ID], request=SubmitSerializer,
                   description="提交本单位的响应，计入牵头单位的汇总：至少一项采购内容，每项资金构成合计等于预算金额"
                               "（精确到分）且填写预算指标编号，须填写联系人。截止前可修改后再次提交。",
                   responses={200: OpenApiResponse(ResponseDocumentSerializer, description="提交后的响应"),
                              **WRITE_ERRORS})
    @action(detail=True, methods=["post"])
    def submit(self, request, *args, **kwargs):
        project = self.get_object()
        serializer = SubmitSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        document = {}
        if "items" in request.data:
            document = {"contact_name": data["contact_name"], "contact_phone": data["contact_phone"],
                        "note": data["note"], "items": _items(data.get("items", []))}
        services.response_submit(project=project, unit=project.invited_unit, actor=request.user, **document)
        return self._document(project)

    @extend_schema(summary="不参与", tags=["集中带量采购需求响应"], parameters=[PROJECT_ID], request=DeclineSerializer,
                   description="说明理由，不参与本项目：已填写的采购内容不再计入汇总，理由告知牵头单位。"
                               "截止后拒绝（753号 四(三)：禁止中途退出）。",
                   responses={200: OpenApiResponse(ResponseDocumentSerializer, description="不参与后的响应"),
                              **WRITE_ERRORS})
    @action(detail=True, methods=["post"])
    def decline(self, request, *args, **kwargs):
        project = self.get_object()
        serializer = DeclineSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.response_decline(project=project, unit=project.invited_unit,
                                  reason=serializer.validated_data["reason"], actor=request.user)
        return self._document(project)


routes = [("responses", VolumeResponseViewSet, "volume-response")]

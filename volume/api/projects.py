"""Volume projects under ``/api/v1/volume/projects/``: the lead unit creates one (753号 step 1) and reads its own.

The budget system knows units by their unit code (单位代码), so the participants, the lead and the unit answering
supplier questions are given by code. Creating is a budget unit's, as on the lead's pages
(``kind_required(BUDGET_UNIT)``): another kind hears 403; the list and the object are the caller's own led projects
(``led_projects``: another unit's project → 404, another kind an empty page).
The service ``volume_project_open`` checks every rule, as for the page (400 with a Chinese ``detail``).
"""

from __future__ import annotations

from django_filters import rest_framework as filters
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from procurement.api.filters import IntegerFilter
from procurement.api.permissions import SeatRequired, Seats
from procurement.api.serializers import CategoryRefSerializer, OrganizationRefSerializer, ReadSerializer
from procurement.api.views import (
    NOT_FOUND,
    UNAUTHENTICATED,
    ErrorSerializer,
    ReadOnlyViewSet,
    ValidationErrorSerializer,
    id_parameter,
    read_schema,
)
from procurement.models import Lot, Organization, Project
from volume.models import DepartmentCatalog, VolumeDetails, VolumeProject
from volume.services import projects as services

BUDGET_UNIT = Organization.Kind.BUDGET_UNIT
PROJECT_ID = id_parameter("集中带量采购项目")
WRITE_ERRORS = {
    400: OpenApiResponse(ValidationErrorSerializer,
                         description="请求不符合业务规则：detail 说明原因；字段错误以字段名为键"),
    401: UNAUTHENTICATED,
    403: OpenApiResponse(ErrorSerializer, description="无权执行该操作（只有预算单位可以作为牵头单位发起）"),
    404: NOT_FOUND,
}


# --- representations ------------------------------------------------------------------------------

class VolumeItemSerializer(ReadSerializer):
    """采购内容清单的一项。"""

    category = CategoryRefSerializer(read_only=True, allow_null=True, label="采购品目")
    quantity_guidance = serializers.SerializerMethodField(label="预估数量")

    class Meta:
        model = Lot
        fields = ["id", "number", "name", "category", "specification", "unit_of_measure", "quantity_guidance",
                  "reference_price_yuan"]
        read_only_fields = fields

    @extend_schema_field(serializers.DecimalField(max_digits=14, decimal_places=2, allow_null=True))
    def get_quantity_guidance(self, lot: Lot) -> str | None:
        item = getattr(lot, "volume_item", None)
        return None if item is None or item.quantity_guidance is None else f"{item.quantity_guidance:.2f}"


class VolumeDetailsSerializer(ReadSerializer):
    """集中带量采购项目的组织形式、依据目录、答复单位和采购意向公告。"""

    question_handler = OrganizationRefSerializer(read_only=True, label="答复询问、质疑的单位")

    class Meta:
        model = VolumeDetails
        fields = ["kind", "catalog", "question_handler", "intention_notice"]
        read_only_fields = fields


class VolumeProjectSerializer(ReadSerializer):
    """集中带量采购项目：采购内容清单、参与单位数、已响应单位数。"""

    organizer = OrganizationRefSerializer(read_only=True, label="牵头单位")
    eligible_count = serializers.IntegerField(read_only=True, label="参与单位数")
    answered_count = serializers.IntegerField(read_only=True, label="已响应单位数")
    volume = serializers.SerializerMethodField(label="集中带量采购信息")
    lots = VolumeItemSerializer(many=True, read_only=True, label="采购内容清单")

    class Meta:
        model = Project
        fields = ["id", "code", "title", "year", "status", "organizer", "description", "response_opens_at",
                  "response_deadline", "eligible_count", "answered_count", "volume", "lots", "created_at"]
        read_only_fields = fields

    @extend_schema_field(VolumeDetailsSerializer(allow_null=True))
    def get_volume(self, project: Project) -> dict | None:
        details = getattr(project, "volume", None)
        return VolumeDetailsSerializer(details).data if details is not None else None


class ItemInputSerializer(serializers.Serializer):
    name = serializers.CharField(label="采购内容名称", max_length=200)
    category_code = serializers.CharField(label="品目编码", max_length=16, help_text="政府采购品目分类目录的最末级品目")
    specification = serializers.CharField(label="规格要求", required=False, allow_blank=True, default="")
    unit_of_measure = serializers.CharField(label="计量单位", max_length=16)
    quantity_guidance = serializers.DecimalField(label="预估数量", max_digits=14, decimal_places=2, required=False,
                                                 allow_null=True, default=None, min_value=0)
    reference_price_yuan = serializers.DecimalField(label="参考单价（元）", max_digits=14, decimal_places=2,
                                                    required=False, allow_null=True, default=None, min_value=0)


class VolumeProjectCreateSerializer(serializers.Serializer):
    """牵头单位发起集中带量采购项目：采购内容清单、参与单位（单位代码）、响应时间、答复质疑的单位。"""

    lead = serializers.CharField(label="牵头单位代码", required=False, allow_blank=True, default="",
                                 help_text="调用者只代表一家预算单位时可不填")
    title = serializers.CharField(label="项目名称", max_length=200)
    year = serializers.IntegerField(label="预算年度", min_value=2000, max_value=2100)
    kind = serializers.ChoiceField(choices=VolumeDetails.Kind.choices, label="组织形式")
    catalog = serializers.IntegerField(label="部门集中采购目录内部编号", required=False, allow_null=True, default=None,
                                       help_text="部门集中采购必填")
    items = ItemInputSerializer(many=True, label="采购内容清单")
    units = serializers.ListField(child=serializers.CharField(max_length=32), label="参与单位代码",
                                  help_text="参与单位的单位代码（预算管理一体化系统）")
    response_opens_at = serializers.DateTimeField(label="需求响应开始时间", required=False, allow_null=True,
                                                  default=None, help_text="不填则立即开始")
    response_deadline = serializers.DateTimeField(label="需求响应截止时间")
    question_handler = serializers.CharField(label="答复询问、质疑的单位代码", required=False, allow_blank=True,
                                             default="", help_text="不填则由牵头单位答复（753号 四(二)）")
    description = serializers.CharField(label="项目说明", required=False, allow_blank=True, default="")


# --- the viewset ---------------------------------------------------------------------------------------

class VolumeProjectFilter(filters.FilterSet):
    status = filters.ChoiceFilter(choices=Project.Status.choices, label="状态")
    year = IntegerFilter(label="年度")

    class Meta:
        model = VolumeProject
        fields: list[str] = []


def _lead(user, code: str) -> Organization:
    leads = services.lead_units(user)
    if code:
        found = leads.filter(unit_code=code).first()
        if found is None:
            raise ValidationError({"lead": [f"单位代码「{code}」不是您可以代表的预算单位"]})
        return found
    found = list(leads[:2])
    if len(found) != 1:
        raise ValidationError({"lead": ["您代表多家预算单位，请填写牵头单位代码"]})
    return found[0]


def _unit_ids(codes: list[str]) -> list[int]:
    codes = list(dict.fromkeys(code.strip() for code in codes if code.strip()))
    found = dict(Organization.objects.budget_units().filter(unit_code__in=codes).values_list("unit_code", "pk"))
    unknown = [code for code in codes if code not in found]
    if unknown:
        shown = "、".join(unknown[:10]) + (f"等{len(unknown)}个" if len(unknown) > 10 else "")
        raise ValidationError({"units": [f"以下单位代码不存在或不是预算单位：{shown}"]})
    return [found[code] for code in codes]


def _handler(code: str) -> Organization | None:
    if not code.strip():
        return None
    found = Organization.objects.budget_units().filter(unit_code=code.strip()).first()
    if found is None:
        raise ValidationError({"question_handler": [f"单位代码「{code}」不存在或不是预算单位"]})
    return found


def _catalog(pk: int | None) -> DepartmentCatalog | None:
    if pk is None:
        return None
    found = DepartmentCatalog.objects.filter(pk=pk).first()
    if found is None:
        raise ValidationError({"catalog": ["部门集中采购目录不存在"]})
    return found


@read_schema(lookup=PROJECT_ID)
class VolumeProjectViewSet(ReadOnlyViewSet):
    """集中带量采购项目（牵头单位）：本单位牵头的项目；发起项目并公开采购意向（吉财采购〔2024〕753号 三 1）。"""

    noun = "集中带量采购项目"
    serializer_class = VolumeProjectSerializer
    filterset_class = VolumeProjectFilter
    search_fields = ["code", "title"]
    ordering_fields = ["code", "year", "created_at", "response_deadline"]
    ordering = ["-created_at", "-pk"]
    permission_classes = [SeatRequired]
    # Reads are the caller's own led projects (none for another kind: an empty page, a 404); creating is a unit's.
    seats_required = {"create": Seats((BUDGET_UNIT,), "只有预算单位可以牵头集中带量采购项目")}

    def get_queryset(self):
        return services.led_projects(self.request.user).prefetch_related("lots__category", "lots__volume_item")

    @extend_schema(summary="发起集中带量采购项目", tags=["集中带量采购项目"], request=VolumeProjectCreateSerializer,
                   description="牵头单位确定采购内容清单（最末级品目、规格、计量单位、预估数量、参考单价）、参与单位"
                               "（单位代码）、响应时间和答复询问质疑的单位；系统公开采购意向，并在响应开始时通知各参与单位。"
                               "跨层级项目须由上级单位牵头；有框架协议在有效期内的集中采购目录品目不能纳入；"
                               "部门集中采购须依据已印发的部门集中采购目录。",
                   responses={201: OpenApiResponse(VolumeProjectSerializer, description="已发起的项目"),
                              **WRITE_ERRORS})
    def create(self, request, *args, **kwargs):
        serializer = VolumeProjectCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        project = services.volume_project_open(
            lead=_lead(request.user, data["lead"]), title=data["title"], year=data["year"], kind=data["kind"],
            catalog=_catalog(data["catalog"]),
            items=[services.ItemSpec(**item) for item in data["items"]],
            unit_ids=_unit_ids(data["units"]), response_deadline=data["response_deadline"],
            response_opens_at=data["response_opens_at"], question_handler=_handler(data["question_handler"]),
            description=data["description"], actor=request.user,
        )
        fresh = self.get_queryset().get(pk=project.pk)
        return Response(VolumeProjectSerializer(fresh, context=self.get_serializer_context()).data,
                        status=status.HTTP_201_CREATED)


routes = [("projects", VolumeProjectViewSet, "volume-project")]

"""Department centralized catalogs (部门集中采购目录, seed 000 三(三)(1)) under ``/api/v1/volume/catalogs/``.

Reads start from ``volume.selectors.catalog.catalogs_readable`` (another department's catalog → 404). Writes are
explicit POSTs with the right of the pages (``volume.views.catalog``): drafting, items, submitting and issuing for
a department's members (budget units; the catalog looked up among their departments' own, else 404), the review for
the provincial finance bureau. The services of ``volume.services.catalog`` check the right again (403), the state
(409) and the rules (400), with a Chinese ``detail``.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django_filters import rest_framework as filters
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from procurement import access
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
from procurement.models import Category, Organization
from volume.models import CatalogReview, DepartmentCatalog, DepartmentCatalogItem
from volume.selectors import catalog as selectors
from volume.services import catalog as services

BUDGET_UNIT = Organization.Kind.BUDGET_UNIT
FINANCE = Organization.Kind.FINANCE
CATALOG_ID = id_parameter("部门集中采购目录")
REFUSED = OpenApiResponse(ValidationErrorSerializer,
                          description="请求不符合业务规则：detail 说明原因；字段错误以字段名为键")
FORBIDDEN = OpenApiResponse(ErrorSerializer, description="无权执行该操作")
CONFLICT = OpenApiResponse(ErrorSerializer, description="目录当前状态不允许该操作")
WRITE_ERRORS = {400: REFUSED, 401: UNAUTHENTICATED, 403: FORBIDDEN, 404: NOT_FOUND, 409: CONFLICT}
DEPARTMENT_ONLY = "只有省级主管部门（预算单位）的经办人员可以办理部门集中采购目录"


# --- representations ------------------------------------------------------------------------------

class CatalogItemSerializer(ReadSerializer):
    """目录品目：政府集中采购目录外的最末级品目及部门特殊需求。"""

    category = CategoryRefSerializer(read_only=True, label="采购品目")

    class Meta:
        model = DepartmentCatalogItem
        fields = ["id", "category", "special_need", "note"]
        read_only_fields = fields


class SnapshotItemSerializer(serializers.Serializer):
    category_code = serializers.CharField(label="品目编码")
    category_name = serializers.CharField(label="品目名称")
    special_need = serializers.CharField(label="部门特殊需求")
    note = serializers.CharField(label="备注", allow_blank=True)


class CatalogReviewSerializer(ReadSerializer):
    """省级财政部门对某一版本的论证意见，及该版本的品目。"""

    finance_bureau = OrganizationRefSerializer(read_only=True, label="审核财政部门")
    items_snapshot = SnapshotItemSerializer(many=True, read_only=True, label="该版本的品目")

    class Meta:
        model = CatalogReview
        fields = ["id", "version", "decision", "opinion", "finance_bureau", "reviewed_at", "items_snapshot"]
        read_only_fields = fields


class DepartmentCatalogSerializer(ReadSerializer):
    """部门集中采购目录：品目、审核记录和授权牵头单位。"""

    department = OrganizationRefSerializer(read_only=True, label="主管部门")
    items = CatalogItemSerializer(many=True, read_only=True, label="目录品目")
    reviews = CatalogReviewSerializer(many=True, read_only=True, label="审核记录")
    authorized_leads = OrganizationRefSerializer(many=True, read_only=True, label="授权牵头单位")

    class Meta:
        model = DepartmentCatalog
        fields = ["id", "department", "year", "title", "status", "version", "document_number", "submitted_at",
                  "issued_at", "items", "reviews", "authorized_leads", "created_at", "updated_at"]
        read_only_fields = fields


class CatalogCreateSerializer(serializers.Serializer):
    """拟定部门集中采购目录（草稿）：每个部门每年一个目录。"""

    department = serializers.IntegerField(label="主管部门内部编号", min_value=1, required=False,
                                          help_text="经办人只任职一个省级主管部门时可不填")
    year = serializers.IntegerField(label="年度", min_value=services.YEAR_MIN, max_value=services.YEAR_MAX)
    title = serializers.CharField(label="目录名称", max_length=services.TITLE_MAX)


class CatalogItemAddSerializer(serializers.Serializer):
    """列入品目：政府集中采购目录外的最末级品目，及部门特殊需求。"""

    category = serializers.CharField(label="品目编码", max_length=16)
    special_need = serializers.CharField(label="部门特殊需求", max_length=services.TEXT_MAX)
    note = serializers.CharField(label="备注", max_length=services.NOTE_MAX, required=False, allow_blank=True,
                                 default="")


class CatalogReviewRequestSerializer(serializers.Serializer):
    """论证意见：审核通过或退回修改（退回时必须填写意见）。"""

    decision = serializers.ChoiceField(choices=CatalogReview.Decision.choices, label="审核结论")
    opinion = serializers.CharField(label="论证意见", max_length=services.TEXT_MAX, required=False, allow_blank=True,
                                    default="")


class CatalogIssueSerializer(serializers.Serializer):
    """印发：审核通过的目录，以印发文号印发。"""

    document_number = serializers.CharField(label="印发文号", max_length=services.DOCUMENT_NUMBER_MAX)


# --- the viewset ---------------------------------------------------------------------------------------

class CatalogFilter(filters.FilterSet):
    status = filters.ChoiceFilter(choices=DepartmentCatalog.Status.choices, label="状态")
    year = IntegerFilter(label="年度")
    department = IntegerFilter(field_name="department_id", label="主管部门内部编号")

    class Meta:
        model = DepartmentCatalog
        fields: list[str] = []


DEPARTMENT_STEPS = ("items", "submit", "issue")


@read_schema(lookup=CATALOG_ID)
class DepartmentCatalogViewSet(ReadOnlyViewSet):
    """部门集中采购目录：省级主管部门看本部门的目录，所属单位看已印发的目录，省级财政部门看已提交审核的目录。

    省级主管部门拟定目录、列入品目、提交审核、印发；省级财政部门审核（通过或退回修改）。
    """

    noun = "部门集中采购目录"
    serializer_class = DepartmentCatalogSerializer
    filterset_class = CatalogFilter
    search_fields = ["title", "department__name"]
    ordering_fields = ["year", "created_at", "submitted_at"]
    ordering = ["-year", "-pk"]
    permission_classes = [SeatRequired]
    seats_required = {
        "create": Seats((BUDGET_UNIT,), DEPARTMENT_ONLY),
        **dict.fromkeys(DEPARTMENT_STEPS, Seats((BUDGET_UNIT,), DEPARTMENT_ONLY)),
        "review": Seats((FINANCE,), "只有省级财政部门可以审核部门集中采购目录"),
    }

    def get_queryset(self):
        if self.action in DEPARTMENT_STEPS:  # another department's catalog is a 404 to these steps
            return selectors.catalogs_of_departments(self.request.user)
        if self.action == "review":
            return selectors.catalogs_for_review(self.request.user)
        return selectors.catalogs_readable(self.request.user)

    def _catalog(self, catalog: DepartmentCatalog) -> dict:
        fresh = selectors.catalogs_readable(self.request.user).get(pk=catalog.pk)
        return DepartmentCatalogSerializer(fresh, context=self.get_serializer_context()).data

    @extend_schema(summary="拟定部门集中采购目录", tags=["部门集中采购目录"], request=CatalogCreateSerializer,
                   description="省级主管部门建立某年度的目录草稿（每个部门每年一个）。",
                   responses={201: OpenApiResponse(DepartmentCatalogSerializer, description="目录草稿"),
                              **WRITE_ERRORS})
    def create(self, request, *args, **kwargs):
        departments = selectors.departments_acted_for(request.user)
        if not (access.is_superuser(request.user) or departments.exists()):  # the page's door, before the body
            raise PermissionDenied(DEPARTMENT_ONLY)
        serializer = CatalogCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        if "department" in data:
            department = departments.filter(pk=data["department"]).first()
            if department is None:
                raise ValidationError({"department": ["主管部门不存在，或您不是其经办人员"]})
        else:
            found = list(departments[:2])
            if len(found) != 1:
                raise ValidationError({"department": ["请指定主管部门" if found else DEPARTMENT_ONLY]})
            department = found[0]
        catalog = services.catalog_create(department=department, year=data["year"], title=data["title"],
                                          actor=request.user)
        return Response(self._catalog(catalog), status=status.HTTP_201_CREATED)

    @extend_schema(summary="列入品目", tags=["部门集中采购目录"], parameters=[CATALOG_ID],
                   request=CatalogItemAddSerializer,
                   description="草稿或退回修改的目录列入品目：须为政府集中采购目录外的最末级品目，不能重复，须填写部门特殊需求。",
                   responses={201: OpenApiResponse(CatalogItemSerializer, description="列入的品目"), **WRITE_ERRORS})
    @action(detail=True, methods=["post"], url_path="items")
    def items(self, request, *args, **kwargs):
        catalog = self.get_object()
        serializer = CatalogItemAddSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        category = Category.objects.filter(code=data["category"].strip()).first()
        if category is None:
            raise ValidationError({"category": [f"品目编码「{data['category']}」不存在"]})
        item = services.catalog_item_add(catalog=catalog, category=category, special_need=data["special_need"],
                                         note=data["note"], actor=request.user)
        return Response(CatalogItemSerializer(item).data, status=status.HTTP_201_CREATED)

    @extend_schema(summary="提交财政部门审核", tags=["部门集中采购目录"], parameters=[CATALOG_ID], request=None,
                   description="至少一个品目；退回修改后再次提交为新版本。省级财政部门收到通知。",
                   responses={200: OpenApiResponse(DepartmentCatalogSerializer, description="提交后的目录"),
                              **WRITE_ERRORS})
    @action(detail=True, methods=["post"])
    def submit(self, request, *args, **kwargs):
        catalog = services.catalog_submit(catalog=self.get_object(), actor=request.user)
        return Response(self._catalog(catalog))

    @extend_schema(summary="审核（论证意见）", tags=["部门集中采购目录"], parameters=[CATALOG_ID],
                   request=CatalogReviewRequestSerializer,
                   description="省级财政部门对目录的合法性、合规性和合理性提出论证意见：审核通过，或退回修改（须填写意见）。"
                               "每次审核保留所审版本的品目。",
                   responses={201: OpenApiResponse(CatalogReviewSerializer, description="审核记录"), **WRITE_ERRORS})
    @action(detail=True, methods=["post"])
    def review(self, request, *args, **kwargs):
        catalog = self.get_object()
        serializer = CatalogReviewRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        review = services.catalog_review(catalog=catalog, decision=serializer.validated_data["decision"],
                                         opinion=serializer.validated_data["opinion"], actor=request.user)
        return Response(CatalogReviewSerializer(review).data, status=status.HTTP_201_CREATED)

    @extend_schema(summary="印发", tags=["部门集中采购目录"], parameters=[CATALOG_ID], request=CatalogIssueSerializer,
                   description="主管部门以印发文号印发审核通过的目录，在本部门、本系统内执行；所属单位收到通知。",
                   responses={200: OpenApiResponse(DepartmentCatalogSerializer, description="印发后的目录"),
                              **WRITE_ERRORS})
    @action(detail=True, methods=["post"])
    def issue(self, request, *args, **kwargs):
        catalog = self.get_object()
        serializer = CatalogIssueSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        catalog = services.catalog_issue(catalog=catalog, document_number=serializer.validated_data["document_number"],
                                         actor=request.user)
        return Response(self._catalog(catalog))


routes = [("catalogs", DepartmentCatalogViewSet, "volume-catalog")]

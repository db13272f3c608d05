"""Inquiries, challenges and complaints under ``/api/v1/volume/`` (753号 四(二); 《政府采购法》第五十二条至第五十六条).

The pages' doors and selectors (``volume.views.questions``, ``volume.services.questions``): reads start from
``visible_questions`` / ``visible_complaints`` (anything else → 404); a supplier submits and complains, the handler
answers, the finance bureau decides. The services check every right again (403), the state (409) and the rules
(400, with the article in ``detail``).
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from procurement import access
from procurement.api.permissions import SeatRequired, Seats
from procurement.api.serializers import OrganizationRefSerializer, ProjectRefSerializer, ReadSerializer
from procurement.api.views import (
    NOT_FOUND,
    UNAUTHENTICATED,
    ErrorSerializer,
    ReadOnlyViewSet,
    ValidationErrorSerializer,
    id_parameter,
    read_schema,
)
from procurement.models import Organization
from volume.models import Complaint, SupplierQuestion
from volume.services import questions as services
from volume.views.questions import AGENCY, BUDGET_UNIT, FINANCE, SUPPLIER

QUESTION_ID = id_parameter("询问、质疑")
COMPLAINT_ID = id_parameter("投诉")
REFUSED = OpenApiResponse(ValidationErrorSerializer,
                          description="请求不符合规定（如超过质疑或投诉期限）：detail 说明原因并注明依据条款")
FORBIDDEN = OpenApiResponse(ErrorSerializer, description="无权执行该操作")
CONFLICT = OpenApiResponse(ErrorSerializer, description="当前状态不允许该操作（如已答复、已作出处理决定）")
WRITE_ERRORS = {400: REFUSED, 401: UNAUTHENTICATED, 403: FORBIDDEN, 404: NOT_FOUND, 409: CONFLICT}
TAG_QUESTIONS = "集中带量采购询问与质疑"
TAG_COMPLAINTS = "集中带量采购投诉"


# --- representations ------------------------------------------------------------------------------

class QuestionSerializer(ReadSerializer):
    """询问或质疑：答复截止日、答复及是否逾期答复。"""

    project = ProjectRefSerializer(read_only=True, label="采购项目")
    supplier = OrganizationRefSerializer(read_only=True, label="提出供应商")
    handler = OrganizationRefSerializer(read_only=True, label="答复单位")
    answered_late = serializers.BooleanField(read_only=True, label="逾期答复")

    class Meta:
        model = SupplierQuestion
        fields = ["id", "project", "kind", "subject", "supplier", "handler", "content", "knew_on", "submitted_at",
                  "reply_due_on", "status", "answer", "changes_result", "answered_at", "answered_late"]
        read_only_fields = fields


class ComplaintSerializer(ReadSerializer):
    """投诉：受理财政部门、处理截止日和处理决定。"""

    challenge = serializers.IntegerField(source="challenge_id", read_only=True, label="所涉质疑的内部编号")
    project = ProjectRefSerializer(source="challenge.project", read_only=True, label="采购项目")
    supplier = OrganizationRefSerializer(read_only=True, label="投诉人")
    finance_bureau = OrganizationRefSerializer(read_only=True, label="受理财政部门")
    decided_late = serializers.BooleanField(read_only=True, label="逾期处理")

    class Meta:
        model = Complaint
        fields = ["id", "challenge", "project", "supplier", "finance_bureau", "content", "submitted_at",
                  "decision_due_on", "status", "outcome", "decision", "decided_at", "decided_late"]
        read_only_fields = fields


class QuestionSubmitSerializer(serializers.Serializer):
    """提出询问或质疑：质疑须在知道或应当知道权益受损之日起7个工作日内提出（《政府采购法》第五十二条）。"""

    project = serializers.IntegerField(label="采购项目内部编号", min_value=1)
    kind = serializers.ChoiceField(choices=SupplierQuestion.Kind.choices, label="类型")
    subject = serializers.ChoiceField(choices=SupplierQuestion.Subject.choices, label="事项")
    content = serializers.CharField(label="询问、质疑事项及理由", max_length=services.MAX_TEXT)
    knew_on = serializers.DateField(label="知道或应当知道权益受损之日")


class AnswerSerializer(serializers.Serializer):
    """书面答复：超过答复期限仍可答复，记为逾期答复。"""

    answer = serializers.CharField(label="答复内容", max_length=services.MAX_TEXT)
    changes_result = serializers.BooleanField(label="答复影响采购结果", required=False, default=False)


class ComplaintSubmitSerializer(serializers.Serializer):
    """投诉事项及理由。"""

    content = serializers.CharField(label="投诉事项及理由", max_length=services.MAX_TEXT)


class DecisionSerializer(serializers.Serializer):
    """处理结果和处理决定。"""

    outcome = serializers.ChoiceField(choices=Complaint.Outcome.choices, label="处理结果")
    decision = serializers.CharField(label="处理决定", max_length=services.MAX_TEXT)


def _supplier_of(user) -> Organization:
    ids = access.org_ids(user, kind=SUPPLIER, write=True)
    if not ids:
        raise PermissionDenied("只有供应商可以提出询问或质疑")
    return Organization.objects.get(pk=ids[0])


# --- viewsets ---------------------------------------------------------------------------------------

@read_schema(lookup=QUESTION_ID)
class QuestionViewSet(ReadOnlyViewSet):
    """集中带量采购项目的询问与质疑：供应商看本单位提出的，答复单位、牵头单位、代理机构和参与单位看项目的，
    财政部门看投诉所涉的。供应商提出询问或质疑、对质疑答复投诉；答复单位（默认为牵头单位）书面答复。"""

    noun = "集中带量采购询问与质疑"
    serializer_class = QuestionSerializer
    search_fields = ["project__code", "project__title", "supplier__name"]
    ordering_fields = ["submitted_at", "reply_due_on"]
    ordering = ["-submitted_at", "-pk"]
    # Reads answer from the pages' selector (nothing outside it: an empty page, 404); writes from the page's door.
    permission_classes = [SeatRequired]
    seats_required = {
        "create": Seats((SUPPLIER,), "只有供应商可以提出询问或质疑"),
        "complaint": Seats((SUPPLIER,), "只有提出质疑的供应商可以投诉"),
        "answer": Seats((BUDGET_UNIT, AGENCY), "只有答复单位可以答复询问或质疑"),
    }

    def get_queryset(self):
        return services.visible_questions(self.request.user)

    @extend_schema(summary="提出询问或质疑", tags=[TAG_QUESTIONS], request=QuestionSubmitSerializer,
                   description="供应商对已公开的集中带量采购项目提出询问或质疑；质疑超过期限的，拒绝并注明依据"
                               "（《政府采购法》第五十二条）。答复截止日：询问3个工作日，质疑7个工作日。",
                   responses={201: OpenApiResponse(QuestionSerializer, description="已提出的询问或质疑"),
                              **WRITE_ERRORS})
    def create(self, request, *args, **kwargs):
        serializer = QuestionSubmitSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        supplier = _supplier_of(request.user)
        project = services.askable_projects().filter(pk=data["project"]).first()
        if project is None:
            raise ValidationError({"project": ["项目不存在或尚未公开"]})
        question = services.question_submit(project=project, supplier=supplier, kind=data["kind"],
                                            subject=data["subject"], content=data["content"],
                                            knew_on=data["knew_on"], actor=request.user)
        return Response(QuestionSerializer(question).data, status=status.HTTP_201_CREATED)

    @extend_schema(summary="答复询问或质疑", tags=[TAG_QUESTIONS], parameters=[QUESTION_ID], request=AnswerSerializer,
                   description="答复单位书面答复；超过答复期限的记为逾期答复。答复影响采购结果的，通知全部参与单位、"
                               "代理机构和有关供应商（《政府采购法》第五十三条）。",
                   responses={200: OpenApiResponse(QuestionSerializer, description="已答复"), **WRITE_ERRORS})
    @action(detail=True, methods=["post"])
    def answer(self, request, *args, **kwargs):
        question = self.get_object()
        if not services.is_handler(request.user, question):  # the right first, before the body is read
            raise PermissionDenied(
                f"只有答复单位（{question.handler.name}）可以答复供应商询问或质疑（吉财采购〔2024〕753号 四(二)）")
        serializer = AnswerSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        question = services.question_answer(question=question, answer=serializer.validated_data["answer"],
                                            changes_result=serializer.validated_data["changes_result"],
                                            actor=request.user)
        return Response(QuestionSerializer(question).data)

    @extend_schema(summary="就质疑投诉", tags=[TAG_COMPLAINTS], parameters=[QUESTION_ID],
                   request=ComplaintSubmitSerializer,
                   description="提出质疑的供应商对答复不满意或未按期答复的，在答复（或答复期满）后15个工作日内向牵头单位"
                               "同级财政部门投诉（《政府采购法》第五十五条）。",
                   responses={201: OpenApiResponse(ComplaintSerializer, description="已受理的投诉"), **WRITE_ERRORS})
    @action(detail=True, methods=["post"])
    def complaint(self, request, *args, **kwargs):
        question = self.get_object()
        if not (access.is_superuser(request.user) or access.acts_for(request.user, question.supplier_id)):
            raise PermissionDenied("只有提出质疑的供应商可以就该质疑投诉（《政府采购法》第五十五条）")
        serializer = ComplaintSubmitSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        complaint = services.complaint_submit(challenge=question, content=serializer.validated_data["content"],
                                              actor=request.user)
        return Response(ComplaintSerializer(complaint).data, status=status.HTTP_201_CREATED)


@read_schema(lookup=COMPLAINT_ID)
class ComplaintViewSet(ReadOnlyViewSet):
    """集中带量采购项目的投诉：财政部门看向本部门提起的，供应商看本单位提起的。财政部门在30个工作日内作出处理决定
    （《政府采购法》第五十六条）。"""

    noun = "集中带量采购投诉"
    serializer_class = ComplaintSerializer
    search_fields = ["challenge__project__code", "challenge__project__title", "supplier__name"]
    ordering_fields = ["submitted_at", "decision_due_on"]
    ordering = ["-submitted_at", "-pk"]
    permission_classes = [SeatRequired]
    seats_required = {"decide": Seats((FINANCE,), "只有受理投诉的财政部门可以作出处理决定")}

    def get_queryset(self):
        return services.visible_complaints(self.request.user)

    @extend_schema(summary="作出投诉处理决定", tags=[TAG_COMPLAINTS], parameters=[COMPLAINT_ID],
                   request=DecisionSerializer,
                   description="受理投诉的财政部门作出处理决定，书面通知投诉人和有关当事人（《政府采购法》第五十六条）。",
                   responses={200: OpenApiResponse(ComplaintSerializer, description="已处理"), **WRITE_ERRORS})
    @action(detail=True, methods=["post"])
    def decide(self, request, *args, **kwargs):
        complaint = self.get_object()
        if not (access.is_superuser(request.user) or access.acts_for(request.user, complaint.finance_bureau_id)):
            raise PermissionDenied("只有受理投诉的财政部门可以作出处理决定（《政府采购法》第五十六条）")
        serializer = DecisionSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        complaint = services.complaint_decide(complaint=complaint, outcome=serializer.validated_data["outcome"],
                                              decision=serializer.validated_data["decision"], actor=request.user)
        return Response(ComplaintSerializer(complaint).data)


routes = [("questions", QuestionViewSet, "volume-question"), ("complaints", ComplaintViewSet, "volume-complaint")]

"""集中带量采购 (统采分签; seed 000 二(三), 三(三); annex 9, 吉财采购〔2024〕753号) on the shared core.

Volume's own data only. The project, its items (the core's ``Lot``: 采购内容清单), the invited units (the core's
``EligibleUnit``), each item of a response (the core's ``SubPlan`` with its ``FundingLine`` rows: 资金构成), the
award, the contracts with their lines and the filings are the core's tables. Here:

- ``DepartmentCatalog`` with its items and reviews: a provincial department's own catalog (部门集中采购目录,
  seed 三(三)(1)), reviewed by finance, issued by the department, binding its own units;
- ``VolumeDetails``: what a volume project adds (department-internal or cross-department, the catalog it
  follows, who answers suppliers, the intention notice, the lead's confirmation of the result);
- ``Response``: one invited unit's answer as one document (contact, items, funding; or a decline with reason);
- ``ImplementationPlan``: the 采购实施计划 the lead files, naming the entrusted agency (753 step 4);
- ``SupplierQuestion`` with contributions, and ``Complaint``: 询问、质疑 to the lead and 投诉 to finance
  (753 四(二); 《政府采购法》第五十二条至第五十六条).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django_fsm import FSMField, FSMModelMixin, transition

from procurement.models import Category, Filing, Mode, ModeManager, Organization, ProcurementMethod, Project

# --- the volume project ------------------------------------------------------------------------------

class VolumeProject(Project):
    """A joint volume project: the core Project with volume's rules (proxy, same table)."""

    objects = ModeManager(Mode.VOLUME)

    class Meta:
        proxy = True
        verbose_name = "集中带量采购项目"
        verbose_name_plural = "集中带量采购项目"


# --- 部门集中采购目录 (seed 000 三(三)(1)) ------------------------------------------------------------

class DepartmentCatalog(FSMModelMixin, models.Model):
    """A provincial department's centralized catalog for a year: drafted by the department, reviewed by finance
    for legality, compliance and reasonableness (合法性、合规性和合理性), issued by the department; it binds the
    department's own units (those whose 主管预算单位 is the department)."""

    class Status(models.TextChoices):
        DRAFT = "draft", "草稿"
        SUBMITTED = "submitted", "待财政审核"
        RETURNED = "returned", "退回修改"
        APPROVED = "approved", "审核通过"
        ISSUED = "issued", "已印发"

    department = models.ForeignKey(Organization, verbose_name="主管部门", on_delete=models.PROTECT,
                                   related_name="department_catalogs",
                                   limit_choices_to={"kind": Organization.Kind.BUDGET_UNIT})
    year = models.PositiveSmallIntegerField("年度", db_index=True)
    title = models.CharField("目录名称", max_length=200)
    document_number = models.CharField("印发文号", max_length=64, blank=True)
    status = FSMField("状态", max_length=16, choices=Status.choices, default=Status.DRAFT, protected=True,
                      db_index=True)
    # Each submission is a new version; every review names the version it read.
    version = models.PositiveIntegerField("版本", default=1)
    # 部门集中采购目录内品目的采购，一般由省级部门或其授权单位作为牵头单位 (seed 三(三)(1)).
    authorized_leads = models.ManyToManyField(Organization, verbose_name="授权牵头单位", blank=True,
                                              related_name="catalogs_authorized_to_lead")
    submitted_at = models.DateTimeField("提交审核时间", null=True, blank=True)
    issued_at = models.DateTimeField("印发时间", null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="创建人", null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        verbose_name = "部门集中采购目录"
        verbose_name_plural = "部门集中采购目录"
        ordering = ["-year", "department__name"]
        constraints = [
            models.UniqueConstraint(fields=["department", "year"], name="department_catalog_one_per_year"),
        ]

    def __str__(self) -> str:
        return self.title

    @transition(field=status, source=[Status.DRAFT, Status.RETURNED], target=Status.SUBMITTED,
                custom={"label": "提交财政审核"})
    def submit(self) -> None:
        """提交财政部门审核（退回修改后再次提交为新版本）."""

    @transition(field=status, source=Status.SUBMITTED, target=Status.RETURNED, custom={"label": "退回修改"})
    def return_for_revision(self) -> None:
        """财政部门退回修改."""

    @transition(field=status, source=Status.SUBMITTED, target=Status.APPROVED, custom={"label": "审核通过"})
    def approve(self) -> None:
        """财政部门审核通过."""

    @transition(field=status, source=Status.APPROVED, target=Status.ISSUED, custom={"label": "印发"})
    def issue(self) -> None:
        """主管部门印发，在本部门、本系统内执行."""


class DepartmentCatalogItem(models.Model):
    """One category of a department catalog, outside the government centralized catalog, with the department's
    special need (特殊需求) that makes it the department's own."""

    catalog = models.ForeignKey(DepartmentCatalog, verbose_name="部门集中采购目录", on_delete=models.CASCADE,
                                related_name="items")
    category = models.ForeignKey(Category, verbose_name="采购品目", on_delete=models.PROTECT, related_name="+")
    special_need = models.TextField("部门特殊需求")
    note = models.CharField("备注", max_length=255, blank=True)

    class Meta:
        verbose_name = "部门集中采购目录品目"
        verbose_name_plural = "部门集中采购目录品目"
        ordering = ["catalog", "category__code"]
        constraints = [
            models.UniqueConstraint(fields=["catalog", "category"], name="department_catalog_item_once"),
        ]

    def __str__(self) -> str:
        return f"{self.category.code} {self.category.name}"


class CatalogReview(models.Model):
    """Finance's opinion on one submitted version of a department catalog (论证意见), with that version's items
    as they were read (kept, whatever the department changes later)."""

    class Decision(models.TextChoices):
        APPROVE = "approve", "审核通过"
        RETURN = "return", "退回修改"

    catalog = models.ForeignKey(DepartmentCatalog, verbose_name="部门集中采购目录", on_delete=models.CASCADE,
                                related_name="reviews")
    version = models.PositiveIntegerField("审核版本")
    decision = models.CharField("审核结论", max_length=8, choices=Decision.choices)
    opinion = models.TextField("论证意见")
    items_snapshot = models.JSONField("该版本的品目", default=list)
    finance_bureau = models.ForeignKey(Organization, verbose_name="审核财政部门", on_delete=models.PROTECT,
                                       related_name="+")
    reviewer = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="审核人", null=True, blank=True,
                                 on_delete=models.SET_NULL, related_name="+")
    reviewed_at = models.DateTimeField("审核时间", auto_now_add=True)

    class Meta:
        verbose_name = "目录审核意见"
        verbose_name_plural = "目录审核意见"
        ordering = ["catalog", "version", "reviewed_at"]

    def __str__(self) -> str:
        return f"{self.catalog} 第{self.version}版 {self.get_decision_display()}"


# --- what a volume project adds to the core project ---------------------------------------------------

class VolumeDetails(models.Model):
    """Volume's facts about a project (753 step 1, 四(二)) and the lead's confirmation of the result (step 5)."""

    class Kind(models.TextChoices):
        DEPARTMENT = "department", "部门集中采购"
        CROSS_DEPARTMENT = "cross_department", "跨部门联合采购"

    project = models.OneToOneField(Project, verbose_name="采购项目", on_delete=models.CASCADE,
                                   related_name="volume")
    kind = models.CharField("组织形式", max_length=20, choices=Kind.choices)
    catalog = models.ForeignKey(DepartmentCatalog, verbose_name="依据的部门集中采购目录", null=True, blank=True,
                                on_delete=models.PROTECT, related_name="projects")
    # 一般由牵头单位负责答复供应商询问或质疑 (753 四(二)): the lead by default.
    question_handler = models.ForeignKey(Organization, verbose_name="答复询问、质疑的单位", on_delete=models.PROTECT,
                                         related_name="+")
    intention_notice = models.ForeignKey("notices.Notice", verbose_name="采购意向公告", null=True, blank=True,
                                         on_delete=models.SET_NULL, related_name="+")
    result_confirmed_at = models.DateTimeField("牵头单位确认结果时间", null=True, blank=True)
    result_confirmed_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="确认人", null=True, blank=True,
                                            on_delete=models.SET_NULL, related_name="+")

    class Meta:
        verbose_name = "集中带量采购项目信息"
        verbose_name_plural = "集中带量采购项目信息"
        constraints = [
            models.CheckConstraint(condition=~Q(kind="department") | Q(catalog__isnull=False),
                                   name="volume_department_project_has_catalog",
                                   violation_error_message="部门集中采购项目须依据已印发的部门集中采购目录"),
        ]

    def __str__(self) -> str:
        return f"{self.project.code} 集中带量采购信息"


class VolumeItem(models.Model):
    """What an item of the 采购内容清单 (the core's ``Lot``) adds in volume: the lead's quantity guidance
    (预估数量, 753 step 1), which the units' responses may differ from."""

    lot = models.OneToOneField("procurement.Lot", verbose_name="采购内容", on_delete=models.CASCADE,
                               related_name="volume_item")
    quantity_guidance = models.DecimalField("预估数量", max_digits=14, decimal_places=2, null=True, blank=True)

    class Meta:
        verbose_name = "采购内容数量指引"
        verbose_name_plural = "采购内容数量指引"

    def __str__(self) -> str:
        return f"{self.lot} 预估数量"


# --- 753 step 2: one invited unit's response --------------------------------------------------------

class Response(FSMModelMixin, models.Model):
    """One invited unit's answer to a volume project, as one document: its contact, its items (the core's
    sub-plans of this project and unit, each with its funding lines) or its decline with a reason."""

    class Status(models.TextChoices):
        DRAFT = "draft", "草稿"
        SUBMITTED = "submitted", "已响应"
        DECLINED = "declined", "不参与"

    # The statuses that answer the invitation (a draft does not).
    ANSWERED = [Status.SUBMITTED, Status.DECLINED]

    project = models.ForeignKey(Project, verbose_name="采购项目", on_delete=models.CASCADE,
                                related_name="volume_responses")
    unit = models.ForeignKey(Organization, verbose_name="参与单位", on_delete=models.PROTECT,
                             related_name="volume_responses")
    status = FSMField("状态", max_length=16, choices=Status.choices, default=Status.DRAFT, protected=True,
                      db_index=True)
    contact_name = models.CharField("联系人", max_length=32, blank=True)
    contact_phone = models.CharField("联系电话", max_length=32, blank=True)
    decline_reason = models.TextField("不参与理由", blank=True)
    note = models.TextField("备注", blank=True)
    revision = models.PositiveIntegerField("修改次数", default=0)
    submitted_at = models.DateTimeField("提交时间", null=True, blank=True)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        verbose_name = "需求响应"
        verbose_name_plural = "需求响应"
        ordering = ["project", "unit__unit_code"]
        constraints = [
            models.UniqueConstraint(fields=["project", "unit"], name="volume_response_one_per_unit"),
            models.CheckConstraint(condition=~Q(status="declined") | ~Q(decline_reason=""),
                                   name="volume_decline_has_reason",
                                   violation_error_message="不参与须说明理由"),
        ]
        indexes = [models.Index(fields=["project", "status"])]

    def __str__(self) -> str:
        return f"{self.unit} · {self.project}"

    @transition(field=status, source=[Status.DRAFT, Status.SUBMITTED, Status.DECLINED], target=Status.SUBMITTED,
                custom={"label": "提交响应"})
    def submit(self) -> None:
        """提交响应（截止前可修改后再次提交）."""

    @transition(field=status, source=[Status.DRAFT, Status.SUBMITTED, Status.DECLINED], target=Status.DECLINED,
                custom={"label": "不参与"})
    def decline(self) -> None:
        """说明理由，不参与本项目."""

    @transition(field=status, source=Status.DECLINED, target=Status.DRAFT, custom={"label": "重新参与"})
    def reopen(self) -> None:
        """截止前改变主意：撤销不参与，重新填写响应（草稿）."""


# --- 753 step 4: 采购实施计划 ---------------------------------------------------------------------

class ImplementationPlan(models.Model):
    """The implementation plan the lead files after aggregation (items, quantities, budget and funding are the
    aggregate, kept as filed in ``snapshot``), with the method, the timetable and the entrusted agency."""

    project = models.OneToOneField(Project, verbose_name="采购项目", on_delete=models.CASCADE,
                                   related_name="implementation_plan")
    method = models.CharField("采购方式", max_length=32, choices=ProcurementMethod.choices)
    agency = models.ForeignKey(Organization, verbose_name="受托采购代理机构", on_delete=models.PROTECT,
                               related_name="+", limit_choices_to={"kind": Organization.Kind.AGENCY})
    documents_planned_on = models.DateField("计划发布采购文件日期")
    opening_planned_on = models.DateField("计划开标（响应截止）日期")
    award_planned_on = models.DateField("计划确定结果日期")
    contracts_planned_on = models.DateField("计划签订合同日期")
    budget_yuan = models.DecimalField("预算总额（元）", max_digits=18, decimal_places=2)
    snapshot = models.JSONField("备案时的汇总（品目、数量、预算、资金构成）", default=dict)
    note = models.TextField("说明", blank=True)
    filing = models.OneToOneField(Filing, verbose_name="备案记录", null=True, blank=True,
                                  on_delete=models.PROTECT, related_name="+")
    filed_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="备案人", null=True, blank=True,
                                 on_delete=models.SET_NULL, related_name="+")
    filed_at = models.DateTimeField("备案时间", null=True, blank=True)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)

    class Meta:
        verbose_name = "采购实施计划"
        verbose_name_plural = "采购实施计划"

    def __str__(self) -> str:
        return f"{self.project.code} 采购实施计划"


# --- 753 四(二): inquiries, challenges, complaints -----------------------------------------------------

class SupplierQuestion(FSMModelMixin, models.Model):
    """A supplier's 询问 or 质疑 to the unit that answers for the project (the lead by default)."""

    class Kind(models.TextChoices):
        INQUIRY = "inquiry", "询问"
        CHALLENGE = "challenge", "质疑"

    class Subject(models.TextChoices):
        DOCUMENTS = "documents", "采购文件"
        PROCESS = "process", "采购过程"
        RESULT = "result", "中标（成交）结果"

    class Status(models.TextChoices):
        OPEN = "open", "待答复"
        ANSWERED = "answered", "已答复"

    project = models.ForeignKey(Project, verbose_name="采购项目", on_delete=models.PROTECT,
                                related_name="supplier_questions")
    kind = models.CharField("类型", max_length=12, choices=Kind.choices)
    subject = models.CharField("事项", max_length=12, choices=Subject.choices)
    supplier = models.ForeignKey(Organization, verbose_name="提出供应商", on_delete=models.PROTECT,
                                 related_name="+", limit_choices_to={"kind": Organization.Kind.SUPPLIER})
    handler = models.ForeignKey(Organization, verbose_name="答复单位", on_delete=models.PROTECT, related_name="+")
    content = models.TextField("询问、质疑事项及理由")
    # 《政府采购法》第五十二条: 知道或者应知其权益受到损害之日起七个工作日内.
    knew_on = models.DateField("知道或应当知道权益受损之日")
    submitted_at = models.DateTimeField("提出时间")
    reply_due_on = models.DateField("答复截止日")
    status = FSMField("状态", max_length=12, choices=Status.choices, default=Status.OPEN, protected=True,
                      db_index=True)
    answer = models.TextField("答复内容", blank=True)
    changes_result = models.BooleanField("答复影响采购结果", default=False)
    answered_at = models.DateTimeField("答复时间", null=True, blank=True)
    answered_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="答复人", null=True, blank=True,
                                    on_delete=models.SET_NULL, related_name="+")
    next_check = models.DateTimeField("下次检查时间", null=True, blank=True, db_index=True, editable=False)
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="提出人", null=True, blank=True,
                                     on_delete=models.SET_NULL, related_name="+")

    class Meta:
        verbose_name = "询问与质疑"
        verbose_name_plural = "询问与质疑"
        ordering = ["-submitted_at"]
        indexes = [models.Index(fields=["project", "status"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.supplier} · {self.project.code}"

    @property
    def answered_late(self) -> bool:
        """Answered after its due date (《政府采购法》第五十三条), flagged on every page that shows it."""
        from django.utils import timezone

        return self.answered_at is not None and timezone.localdate(self.answered_at) > self.reply_due_on

    @transition(field=status, source=Status.OPEN, target=Status.ANSWERED, custom={"label": "答复"})
    def answer_send(self) -> None:
        """答复供应商."""


class QuestionContribution(models.Model):
    """A participant's (or the lead's) draft text toward the answer: participants see the question and add to it
    (753 四(二): 参与单位要协助牵头单位)."""

    question = models.ForeignKey(SupplierQuestion, verbose_name="询问、质疑", on_delete=models.CASCADE,
                                 related_name="contributions")
    organization = models.ForeignKey(Organization, verbose_name="单位", on_delete=models.PROTECT, related_name="+")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="填写人", null=True, blank=True,
                               on_delete=models.SET_NULL, related_name="+")
    text = models.TextField("意见")
    created_at = models.DateTimeField("填写时间", auto_now_add=True)

    class Meta:
        verbose_name = "答复意见"
        verbose_name_plural = "答复意见"
        ordering = ["question", "created_at"]

    def __str__(self) -> str:
        return f"{self.organization} · {self.question}"


class Complaint(FSMModelMixin, models.Model):
    """A supplier's 投诉 to the finance bureau of the lead's level, after a challenge (《政府采购法》第五十五条)."""

    class Status(models.TextChoices):
        RECEIVED = "received", "已受理"
        DECIDED = "decided", "已处理"

    class Outcome(models.TextChoices):
        UPHELD = "upheld", "投诉成立"
        DISMISSED = "dismissed", "驳回投诉"

    challenge = models.ForeignKey(SupplierQuestion, verbose_name="所涉质疑", on_delete=models.PROTECT,
                                  related_name="complaints", limit_choices_to={"kind": SupplierQuestion.Kind.CHALLENGE})
    supplier = models.ForeignKey(Organization, verbose_name="投诉人", on_delete=models.PROTECT, related_name="+")
    finance_bureau = models.ForeignKey(Organization, verbose_name="受理财政部门", on_delete=models.PROTECT,
                                       related_name="+", limit_choices_to={"kind": Organization.Kind.FINANCE})
    content = models.TextField("投诉事项及理由")
    submitted_at = models.DateTimeField("投诉时间")
    # 《政府采购法》第五十六条: 收到投诉后三十个工作日内作出处理决定 (procurement.deadlines.COMPLAINT_DECISION).
    decision_due_on = models.DateField("处理决定截止日")
    next_check = models.DateTimeField("下次检查时间", null=True, blank=True, db_index=True, editable=False)
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="投诉提出人", null=True, blank=True,
                                     on_delete=models.SET_NULL, related_name="+")
    status = FSMField("状态", max_length=12, choices=Status.choices, default=Status.RECEIVED, protected=True,
                      db_index=True)
    outcome = models.CharField("处理结果", max_length=12, choices=Outcome.choices, blank=True)
    decision = models.TextField("处理决定", blank=True)
    decided_at = models.DateTimeField("处理时间", null=True, blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="处理人", null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")

    class Meta:
        verbose_name = "投诉"
        verbose_name_plural = "投诉"
        ordering = ["-submitted_at"]

    def __str__(self) -> str:
        return f"投诉 · {self.supplier} · {self.challenge.project.code}"

    @property
    def project(self) -> Project:
        """The project the complaint is about (its audit events are the project's)."""
        return self.challenge.project

    @property
    def decided_late(self) -> bool:
        """Decided after its due date (《政府采购法》第五十六条)."""
        from django.utils import timezone

        return self.decided_at is not None and timezone.localdate(self.decided_at) > self.decision_due_on

    @transition(field=status, source=Status.RECEIVED, target=Status.DECIDED, custom={"label": "作出处理决定"})
    def decide(self) -> None:
        """财政部门作出处理决定."""

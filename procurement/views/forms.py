"""Forms of the portal pages. They only validate input; every write goes through a service."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.contrib.auth.forms import AuthenticationForm, PasswordChangeForm
from django.utils import timezone

from procurement.models import Contract, FundingLine, Lot, Organization, SubPlan
from procurement.units import is_countable, whole_number_refusal


def _style(form: forms.BaseForm) -> None:
    """Bootstrap classes on every widget, so templates can render fields in one loop."""
    for field in form.fields.values():
        widget = field.widget
        if isinstance(widget, forms.Select):
            css = "form-select"
        elif isinstance(widget, (forms.CheckboxInput, forms.RadioSelect, forms.CheckboxSelectMultiple)):
            css = "form-check-input"
        else:
            css = "form-control"
        classes = widget.attrs.get("class", "").split()
        if css not in classes:
            widget.attrs["class"] = " ".join([*classes, css])


class PortalForm(forms.Form):
    """A form whose widgets carry the portal's Bootstrap classes (``_style``), for pages that render its fields in
    one loop (``includes/field.html``)."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        _style(self)


class PortalLoginForm(AuthenticationForm):
    error_messages = {
        "invalid_login": "用户名或密码不正确，请重新输入（区分大小写）。",
        "inactive": "该账号已停用，请联系系统管理员。",
    }

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["username"].label = "用户名"
        self.fields["password"].label = "密码"
        self.fields["username"].widget.attrs.update({"placeholder": "请输入用户名", "autocomplete": "username"})
        self.fields["password"].widget.attrs.update({"placeholder": "请输入密码"})
        _style(self)


class PortalPasswordChangeForm(PasswordChangeForm):
    """Django's form for changing one's own password (its validators' messages are Django's Chinese);
    the page saves through ``procurement.services.accounts.password_change``, not ``save()``."""

    error_messages = {
        "password_incorrect": "原密码不正确，请重新输入。",
        "password_mismatch": "两次输入的新密码不一致，请重新输入。",
    }

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["old_password"].label = "原密码"
        self.fields["new_password1"].label = "新密码"
        self.fields["new_password2"].label = "确认新密码"
        self.fields["new_password2"].help_text = "请再次输入新密码，以免输错。"
        _style(self)


class SearchForm(forms.Form):
    q = forms.CharField(label="关键词", required=False, max_length=100,
                        widget=forms.TextInput(attrs={"placeholder": "项目编号或名称", "type": "search"}))

    def __init__(self, *args, placeholder: str = "", **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if placeholder:
            self.fields["q"].widget.attrs["placeholder"] = placeholder
        _style(self)

    @property
    def term(self) -> str:
        return self.cleaned_data.get("q", "").strip() if self.is_valid() else ""


class SubPlanFilterForm(forms.Form):
    q = forms.CharField(label="关键词", required=False, max_length=100,
                        widget=forms.TextInput(attrs={"placeholder": "项目编号、名称或采购包", "type": "search"}))
    status = forms.ChoiceField(label="状态", required=False, choices=[("", "全部状态"), *SubPlan.Status.choices])
    project = forms.TypedChoiceField(label="采购项目", required=False, coerce=int, empty_value=None)

    def __init__(self, *args, projects=(), **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["project"].choices = [("", "全部项目")] + [(p.pk, f"{p.code} {p.title}") for p in projects]
        _style(self)


class ContractFilterForm(forms.Form):
    q = forms.CharField(label="关键词", required=False, max_length=100,
                        widget=forms.TextInput(attrs={"placeholder": "合同编号、名称或供应商", "type": "search"}))
    status = forms.ChoiceField(label="状态", required=False, choices=[("", "全部状态"), *Contract.Status.choices])

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        _style(self)


class SubPlanForm(forms.Form):
    quantity = forms.DecimalField(label="采购数量", max_digits=14, decimal_places=2, min_value=Decimal("0.01"))
    budget_yuan = forms.DecimalField(label="预算金额（元）", max_digits=16, decimal_places=2, min_value=Decimal("0"))
    contact_name = forms.CharField(label="联系人", max_length=32, required=False)
    contact_phone = forms.CharField(label="联系电话", max_length=32, required=False)
    note = forms.CharField(label="备注", required=False, widget=forms.Textarea(attrs={"rows": 3}))
    # Values that look wrong (procurement.plan_checks) are shown first; submitting them takes this tick.
    confirm_flags = forms.BooleanField(label="我已核对以上核查提示，确认按此填报", required=False)

    # The fields the services take (the tick is the page's own).
    SERVICE_FIELDS = ("quantity", "budget_yuan", "contact_name", "contact_phone", "note")

    def __init__(self, *args, unit_of_measure: str = "", **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.unit_of_measure = unit_of_measure
        # A countable unit (台, 套 …) takes whole numbers: the browser steps by one; the service enforces it.
        self.fields["quantity"].widget.attrs["step"] = "1" if is_countable(unit_of_measure) else "0.01"
        self.fields["budget_yuan"].widget.attrs["step"] = "0.01"
        _style(self)

    def measure(self) -> str:
        """The unit of measure the quantity is in."""
        return self.unit_of_measure

    def clean(self):
        data = super().clean()
        # Refused before anything is flagged: the service says the same, this puts it on the field first.
        quantity = data.get("quantity")
        refusal = whole_number_refusal(quantity, self.measure()) if quantity is not None else None
        if refusal:
            self.add_error("quantity", refusal)
        return data

    def service_values(self) -> dict:
        return {name: self.cleaned_data[name] for name in self.SERVICE_FIELDS}


class FileSubPlanForm(SubPlanForm):
    """A new sub-plan: the lot (and, for a user acting for several units, which unit files it)."""

    lot = forms.ModelChoiceField(label="采购包", queryset=Lot.objects.none(), empty_label="请选择采购包")
    unit = forms.ModelChoiceField(label="填报单位", queryset=Organization.objects.none(), empty_label=None)

    field_order = ["unit", "lot", "quantity", "budget_yuan", "contact_name", "contact_phone", "note", "confirm_flags"]

    def __init__(self, *args, lots, units, **kwargs) -> None:
        measures = {lot.unit_of_measure for lot in lots}
        super().__init__(*args, unit_of_measure=measures.pop() if len(measures) == 1 else "", **kwargs)
        self.fields["lot"].queryset = lots
        self.fields["unit"].queryset = units
        self.order_fields(self.field_order)
        _style(self)

    def measure(self) -> str:
        lot = self.cleaned_data.get("lot")
        return lot.unit_of_measure if lot else ""


class FundingLineForm(forms.Form):
    """资金构成: one funding source. A row left blank is ignored."""

    source = forms.ChoiceField(label="资金来源", required=False, choices=[("", "请选择"), *FundingLine.Source.choices])
    amount_yuan = forms.DecimalField(label="金额（元）", required=False, max_digits=16, decimal_places=2,
                                     min_value=Decimal("0"))
    budget_index_code = forms.CharField(label="预算指标编号", required=False, max_length=64)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["amount_yuan"].widget.attrs["step"] = "0.01"
        _style(self)

    def clean(self):
        data = super().clean()
        filled = data.get("source") or data.get("amount_yuan") is not None or data.get("budget_index_code")
        if filled:
            if not data.get("source"):
                self.add_error("source", "请选择资金来源")
            if data.get("amount_yuan") is None:
                self.add_error("amount_yuan", "请填写金额")
        return data

    def line(self) -> dict | None:
        data = self.cleaned_data
        if not data or not data.get("source"):
            return None
        return {
            "source": data["source"],
            "amount_yuan": data["amount_yuan"],
            "budget_index_code": data.get("budget_index_code", ""),
        }


class BaseFundingLineFormSet(forms.BaseFormSet):
    def lines(self) -> list[dict]:
        return [line for form in self.forms if (line := form.line()) is not None]


def funding_line_formset(*, data=None, initial=None, extra: int = 2):
    FormSet = forms.formset_factory(FundingLineForm, formset=BaseFundingLineFormSet, extra=extra)
    return FormSet(data=data, initial=initial, prefix="funding")


# --- contract steps (统采分签: each unit signs, publishes, files, accepts and pays its own) -----

class ContractStepForm(forms.Form):
    on = forms.DateField(label="日期", widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))

    def __init__(self, *args, date_label: str = "日期", **kwargs) -> None:
        kwargs.setdefault("initial", {}).setdefault("on", timezone.localdate())
        super().__init__(*args, **kwargs)
        self.fields["on"].label = date_label
        _style(self)


class ContractSignForm(ContractStepForm):
    """签订合同: the date and the signed contract (PDF); a public version when parts are withheld."""

    signed_file = forms.FileField(label="签订的合同文本（PDF）",
                                  help_text="双方签字盖章后的扫描件或电子签章文件，不超过20MB。")
    public_file = forms.FileField(label="合同公开版本（PDF，可选）", required=False,
                                  help_text="合同含国家秘密、商业秘密时，上传已隐去该部分内容的版本；合同公告发布此版本。")
    withheld_note = forms.CharField(label="不予公开的内容及理由", required=False, max_length=1000,
                                    widget=forms.Textarea(attrs={"rows": 2}),
                                    help_text="上传公开版本时必填，将在合同公告中说明。")

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        for name in ("signed_file", "public_file"):
            self.fields[name].widget.attrs["accept"] = "application/pdf,.pdf"
        _style(self)


class ContractPublishForm(forms.Form):
    """合同公告: published on the portal now, the contract attached; nothing to fill in."""

    def __init__(self, *args, date_label: str = "", **kwargs) -> None:
        kwargs.pop("initial", None)
        super().__init__(*args, **kwargs)


class ContractAcceptForm(ContractStepForm):
    note = forms.CharField(label="验收意见", required=False, widget=forms.Textarea(attrs={"rows": 2}))


class ContractPayForm(ContractStepForm):
    amount_yuan = forms.DecimalField(label="支付金额（元）", max_digits=16, decimal_places=2, min_value=Decimal("0"))

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["amount_yuan"].widget.attrs["step"] = "0.01"

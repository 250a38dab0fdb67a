"""Column headers: the fields each import kind accepts, their synonyms, and layouts.

A header matches a field when its normalised form (NFKC, case-folded, without
spaces, brackets, underscores and "*" markers) equals a normalised synonym. For a
combined two-row header such as "金额/预计金额" the part after the last "/" is
tried as well. ``layout_signature`` hashes the normalised header row, so a mapping
saved for one file applies to the next file with the same columns.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

IGNORED_IN_HEADERS = re.compile(r"[\s()\[\]{}<>（）【】「」《》_*＊:：]")


class Parser:
    TEXT = "text"
    AMOUNT = "amount"
    DATE = "date"
    DATETIME = "datetime"
    PHONE = "phone"
    EMAIL = "email"
    CHOICE = "choice"


@dataclass(frozen=True)
class FieldSpec:
    name: str
    label: object
    parser: str = Parser.TEXT
    synonyms: tuple[str, ...] = ()
    required: bool = False


def normalize_header(text: str) -> str:
    return IGNORED_IN_HEADERS.sub("", unicodedata.normalize("NFKC", str(text or ""))).casefold()


def layout_signature(headers: list[str]) -> str:
    joined = "\x1f".join(normalize_header(header) for header in headers)
    return hashlib.sha256(joined.encode("utf-8")).hexdigest()


OWNER = (
    "负责销售",
    "负责人",
    "销售",
    "销售代表",
    "销售人员",
    "业务员",
    "客户经理",
    "所属销售",
    "owner",
    "sales rep",
    "rep",
    "sales agent",
    "salesperson",
)
CUSTOMER = (
    "客户名称",
    "客户",
    "客户全称",
    "单位名称",
    "医院名称",
    "医院",
    "机构名称",
    "account",
    "customer",
    "customer name",
    "account name",
    "company",
)
EXTERNAL_ID = ("external id", "外部编号", "编号", "id")

CUSTOMER_FIELDS = [
    FieldSpec(
        "external_id",
        _("external id"),
        synonyms=(
            "客户编号",
            "客户代码",
            "客户id",
            "customer id",
            "customer code",
            "account id",
            *EXTERNAL_ID,
        ),
    ),
    FieldSpec("name", _("customer name"), synonyms=CUSTOMER, required=True),
    FieldSpec("short_name", _("short name"), synonyms=("简称", "客户简称", "short name")),
    FieldSpec(
        "channel",
        _("channel"),
        Parser.CHOICE,
        ("客户类型", "渠道类型", "渠道", "客户类别", "channel", "customer type", "type"),
    ),
    FieldSpec(
        "tier",
        _("customer tier"),
        Parser.CHOICE,
        ("客户等级", "等级", "客户分级", "分级", "tier", "grade", "level"),
    ),
    FieldSpec(
        "region",
        _("region"),
        Parser.CHOICE,
        ("区域", "大区", "所属区域", "销售区域", "region", "office location"),
    ),
    FieldSpec("owner", _("owner"), Parser.CHOICE, OWNER),
    FieldSpec("sector", _("sector"), synonyms=("行业", "科室", "sector", "industry")),
    FieldSpec("city", _("city"), synonyms=("城市", "市", "所在城市", "city")),
    FieldSpec("address", _("address"), synonyms=("地址", "详细地址", "address")),
    FieldSpec(
        "first_purchase_date",
        _("first purchase date"),
        Parser.DATE,
        ("首次合作日期", "首次采购日期", "首单日期", "first purchase date", "first purchase"),
    ),
    FieldSpec(
        "notes", _("notes"), synonyms=("备注", "说明", "notes", "note", "remarks", "comment")
    ),
    FieldSpec(
        "contact_name",
        _("contact name"),
        synonyms=("联系人", "联系人姓名", "contact", "contact name"),
    ),
    FieldSpec("contact_title", _("contact title"), synonyms=("职务", "职位", "title", "job title")),
    FieldSpec(
        "contact_phone",
        _("contact phone"),
        Parser.PHONE,
        ("联系电话", "电话", "手机", "手机号", "手机号码", "phone", "mobile", "telephone"),
    ),
    FieldSpec(
        "contact_email", _("contact e-mail"), Parser.EMAIL, ("邮箱", "电子邮箱", "email", "e-mail")
    ),
]

OPPORTUNITY_FIELDS = [
    FieldSpec(
        "external_id",
        _("external id"),
        synonyms=("商机编号", "商机id", "项目编号", "opportunity id", "deal id", *EXTERNAL_ID),
    ),
    FieldSpec(
        "name",
        _("opportunity name"),
        synonyms=("商机名称", "项目名称", "商机", "opportunity", "opportunity name", "deal name"),
    ),
    FieldSpec("customer", _("customer"), Parser.CHOICE, CUSTOMER),
    FieldSpec(
        "stage",
        _("stage"),
        Parser.CHOICE,
        ("阶段", "商机阶段", "销售阶段", "当前阶段", "stage", "deal stage"),
    ),
    FieldSpec(
        "expected_amount",
        _("expected amount"),
        Parser.AMOUNT,
        (
            "预计金额",
            "预计成交额",
            "预计成交金额",
            "金额",
            "预算",
            "商机金额",
            "amount",
            "expected amount",
            "deal value",
        ),
    ),
    FieldSpec(
        "won_amount",
        _("won amount"),
        Parser.AMOUNT,
        ("赢单金额", "成交金额", "签约金额", "合同金额", "won amount", "close value"),
    ),
    FieldSpec(
        "signed_date",
        _("signing date"),
        Parser.DATE,
        ("签约日期", "签订日期", "合同签订日期", "signing date", "signed date"),
    ),
    FieldSpec(
        "expected_close_date",
        _("expected close date"),
        Parser.DATE,
        ("预计成交日期", "预计签约日期", "预计成交时间", "expected close date"),
    ),
    FieldSpec(
        "created_at",
        _("created at"),
        Parser.DATETIME,
        ("创建日期", "创建时间", "立项日期", "created at", "created", "engage date"),
    ),
    FieldSpec(
        "closed_at",
        _("closed at"),
        Parser.DATETIME,
        ("成交日期", "关闭日期", "closed at", "close date"),
    ),
    FieldSpec("owner", _("owner"), Parser.CHOICE, OWNER),
    FieldSpec(
        "product_line", _("product line"), Parser.CHOICE, ("产品线", "产品类别", "product line")
    ),
    FieldSpec(
        "product",
        _("product"),
        Parser.CHOICE,
        ("产品", "产品名称", "型号", "product", "product name"),
    ),
]

CONTACT_FIELDS = [
    FieldSpec("customer", _("customer"), Parser.CHOICE, CUSTOMER, required=True),
    FieldSpec(
        "name",
        _("contact name"),
        synonyms=("联系人", "姓名", "联系人姓名", "name", "contact", "contact name"),
        required=True,
    ),
    FieldSpec("title", _("title"), synonyms=("职务", "职位", "title", "job title")),
    FieldSpec(
        "phone",
        _("phone"),
        Parser.PHONE,
        ("联系电话", "电话", "手机", "手机号", "手机号码", "phone", "mobile"),
    ),
    FieldSpec("email", _("e-mail"), Parser.EMAIL, ("邮箱", "电子邮箱", "email", "e-mail")),
    FieldSpec("wechat_id", _("WeChat id"), synonyms=("微信", "微信号", "wechat", "wechat id")),
]

LEAD_FIELDS = [
    FieldSpec("external_id", _("external id"), synonyms=("线索编号", "lead id", *EXTERNAL_ID)),
    FieldSpec(
        "name",
        _("lead name"),
        synonyms=("线索名称", "姓名", "联系人", "name", "lead", "lead name"),
        required=True,
    ),
    FieldSpec("company", _("company"), synonyms=("公司", "单位", "单位名称", "医院", "company")),
    FieldSpec(
        "phone", _("phone"), Parser.PHONE, ("联系电话", "电话", "手机", "手机号", "phone", "mobile")
    ),
    FieldSpec("email", _("e-mail"), Parser.EMAIL, ("邮箱", "email", "e-mail")),
    FieldSpec("source", _("source"), synonyms=("来源", "线索来源", "source", "lead source")),
    FieldSpec("owner", _("owner"), Parser.CHOICE, OWNER),
    FieldSpec(
        "created_at",
        _("created at"),
        Parser.DATETIME,
        ("创建时间", "创建日期", "登记日期", "created at"),
    ),
]

PRODUCT_FIELDS = [
    FieldSpec(
        "code",
        _("product code"),
        synonyms=("产品编号", "产品编码", "编码", "货号", "code", "product code", "sku"),
    ),
    FieldSpec(
        "name",
        _("product name"),
        synonyms=("产品名称", "产品", "名称", "product", "product name", "name"),
        required=True,
    ),
    FieldSpec("series", _("series"), synonyms=("系列", "产品系列", "series")),
    FieldSpec(
        "list_price",
        _("list price"),
        Parser.AMOUNT,
        ("单价", "价格", "标准价", "指导价", "list price", "price", "sales price"),
    ),
    FieldSpec(
        "product_line", _("product line"), Parser.CHOICE, ("产品线", "产品类别", "product line")
    ),
]

INTERACTION_FIELDS = [
    FieldSpec(
        "external_id", _("external id"), synonyms=("记录编号", "消息id", "message id", *EXTERNAL_ID)
    ),
    FieldSpec("customer", _("customer"), Parser.CHOICE, CUSTOMER, required=True),
    FieldSpec(
        "occurred_at",
        _("time"),
        Parser.DATETIME,
        ("时间", "日期", "沟通时间", "拜访日期", "跟进时间", "date", "time"),
        required=True,
    ),
    FieldSpec(
        "channel", _("channel"), Parser.CHOICE, ("方式", "拜访方式", "沟通方式", "渠道", "channel")
    ),
    FieldSpec(
        "text",
        _("text"),
        synonyms=("内容", "沟通要点", "沟通内容", "跟进内容", "纪要", "text", "content", "summary"),
        required=True,
    ),
    FieldSpec("owner", _("owner"), Parser.CHOICE, OWNER),
]

FIELDS_BY_KIND: dict[str, list[FieldSpec]] = {
    "customers": CUSTOMER_FIELDS,
    "opportunities": OPPORTUNITY_FIELDS,
    "contacts": CONTACT_FIELDS,
    "leads": LEAD_FIELDS,
    "products": PRODUCT_FIELDS,
    "interactions": INTERACTION_FIELDS,
}

# Fixed layouts of public datasets, recognised by their exact header row.
FIXED_LAYOUTS: dict[frozenset[str], tuple[str, str]] = {
    frozenset(
        {
            "account",
            "sector",
            "year_established",
            "revenue",
            "employees",
            "office_location",
            "subsidiary_of",
        }
    ): ("crm_maven", "accounts"),
    frozenset({"product", "series", "sales_price"}): ("crm_maven", "products"),
    frozenset({"sales_agent", "manager", "regional_office"}): ("crm_maven", "sales_teams"),
    frozenset(
        {
            "opportunity_id",
            "sales_agent",
            "product",
            "account",
            "deal_stage",
            "engage_date",
            "close_date",
            "close_value",
        }
    ): ("crm_maven", "sales_pipeline"),
    frozenset({"table", "field", "description"}): ("crm_maven", "data_dictionary"),
    frozenset(
        {
            "case_id",
            "amount_req",
            "reg_date",
            "event_seq",
            "activity",
            "lifecycle",
            "timestamp",
            "resource",
        }
    ): ("bpic_history", "events"),
}


def fixed_layout(headers: list[str]) -> tuple[str, str] | None:
    return FIXED_LAYOUTS.get(frozenset(header.strip().casefold() for header in headers))


def auto_map(headers: list[str], fields: list[FieldSpec]) -> dict[str, str]:
    """Return {header: field name} for the headers that match a synonym; each field once."""
    synonyms: dict[str, str] = {}
    for spec in fields:
        for synonym in (spec.name, *spec.synonyms):
            synonyms.setdefault(normalize_header(synonym), spec.name)
    mapping: dict[str, str] = {}
    taken: set[str] = set()
    for header in headers:
        normalised = normalize_header(header)
        candidates = [normalised, normalised.rsplit("/", 1)[-1]]
        for candidate in candidates:
            name = synonyms.get(candidate)
            if name and name not in taken:
                mapping[header] = name
                taken.add(name)
                break
    return mapping


def detect_kind(headers: list[str]) -> str | None:
    """Return the import kind whose synonyms cover at least half of the named columns."""
    named = [header for header in headers if not re.fullmatch(r"[A-Z]{1,3}", header)]
    best: tuple[int, str] | None = None
    for kind, fields in FIELDS_BY_KIND.items():
        mapping = auto_map(named, fields)
        required = {spec.name for spec in fields if spec.required}
        if not required <= set(mapping.values()):
            continue
        if len(mapping) * 2 >= len(named) and (best is None or len(mapping) > best[0]):
            best = (len(mapping), kind)
    return best[1] if best else None

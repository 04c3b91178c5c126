"""What product-service takes in and gives out (also the source of its OpenAPI document, and of the
data its product.* events carry)."""

from decimal import Decimal

import marshmallow as ma
from marshmallow import validate

from xyd_common.labels import REPAYMENT_METHODS
from xyd_common.pagination import PageArgsSchema, page_schema
from xyd_common.schemas import ExactNumber, StrictSchema
from xyd_common.validators import RegionCode

from .models import CATEGORIES, GUARANTEE_METHODS, POLICY_LINK_TYPES, POLICY_STATUSES, PRODUCT_STATUSES

AMOUNT_LIMIT = Decimal("100000000")  # 万元: 1 万亿元, far above any product, well inside NUMERIC(14, 4)
TERM_RANGE = validate.Range(min=1, max=360, error="期限应在 1 到 360 个月之间")
RATE_RANGE = validate.Range(min=0, max=36, error="利率应在 0% 到 36% 之间")
AMOUNT_RANGE = validate.Range(min=0, min_inclusive=False, max=AMOUNT_LIMIT,
                              error=f"金额应大于 0 且不超过 {AMOUNT_LIMIT} 万元")
SORTS = ("newest", "rate_asc", "amount_desc", "popular")


def Amount(**kwargs) -> ExactNumber:  # noqa: N802 - a field factory, read like a field class
    return ExactNumber(4, validate=AMOUNT_RANGE, **kwargs)


def RateField(**kwargs) -> ExactNumber:  # noqa: N802
    return ExactNumber(2, validate=RATE_RANGE, **kwargs)


def _choices(choices, **kwargs) -> ma.fields.List:
    """A non-empty list of distinct values from `choices`."""
    return ma.fields.List(ma.fields.String(validate=validate.OneOf(choices)),
                          validate=validate.Length(min=1, max=len(choices), error="至少选择一项"), **kwargs)


class ProductCreateSchema(StrictSchema):
    """Every writable field with its own rules. The ranges (min ≤ max) are checked by the use case,
    which also sees the stored values when a PATCH changes one end only."""

    name = ma.fields.String(required=True, validate=validate.Length(min=2, max=100))
    category = ma.fields.String(required=True, validate=validate.OneOf(CATEGORIES))
    guarantee_methods = _choices(GUARANTEE_METHODS, required=True)
    repayment_methods = _choices(REPAYMENT_METHODS, required=True)
    amount_min = Amount(required=True)
    amount_max = Amount(required=True)
    term_min_months = ma.fields.Integer(required=True, strict=True, validate=TERM_RANGE)
    term_max_months = ma.fields.Integer(required=True, strict=True, validate=TERM_RANGE)
    rate_min = RateField(required=True)
    rate_max = RateField(required=True)
    target_customers = ma.fields.String(load_default="", validate=validate.Length(max=500))
    requirements = ma.fields.String(load_default="", validate=validate.Length(max=5000))
    features = ma.fields.String(load_default="", validate=validate.Length(max=1000))
    description = ma.fields.String(load_default="", validate=validate.Length(max=10000))
    # JSON true/false, not "yes" (query strings keep marshmallow's lenient truthy values).
    featured = ma.fields.Boolean(load_default=False, truthy={True}, falsy={False})
    whitelist_only = ma.fields.Boolean(load_default=False, truthy={True}, falsy={False},
                                       metadata={"description": "白名单专属：仅信易贷白名单企业可申请"})
    region_codes = ma.fields.List(RegionCode(), required=True,
                                  validate=validate.Length(min=1, max=200, error="至少选择一个服务区域"))

    @ma.post_load
    def distinct_lists(self, data, **kwargs):
        # ["credit", "credit"] means "credit": keep the first of each, in the order given.
        for key in ("guarantee_methods", "repayment_methods", "region_codes"):
            if key in data:
                data[key] = list(dict.fromkeys(data[key]))
        return data


class ProductUpdateSchema(ProductCreateSchema):
    """PATCH: any subset of the fields, with the same rules (a partial load sets no defaults)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, partial=True, **kwargs)


class ProductSchema(ma.Schema):
    id = ma.fields.Integer()
    institution_id = ma.fields.Integer()
    institution_name = ma.fields.String()
    name = ma.fields.String()
    category = ma.fields.String(metadata={"enum": list(CATEGORIES)})
    guarantee_methods = ma.fields.List(ma.fields.String(metadata={"enum": list(GUARANTEE_METHODS)}))
    repayment_methods = ma.fields.List(ma.fields.String(metadata={"enum": list(REPAYMENT_METHODS)}))
    amount_min = ExactNumber(4, metadata={"description": "最低金额（万元）"})
    amount_max = ExactNumber(4, metadata={"description": "最高金额（万元）"})
    term_min_months = ma.fields.Integer()
    term_max_months = ma.fields.Integer()
    rate_min = ExactNumber(2, metadata={"description": "最低年利率（%）"})
    rate_max = ExactNumber(2, metadata={"description": "最高年利率（%）"})
    target_customers = ma.fields.String(metadata={"description": "适用对象"})
    requirements = ma.fields.String(metadata={"description": "申请条件"})
    features = ma.fields.String(metadata={"description": "产品特色"})
    description = ma.fields.String()
    featured = ma.fields.Boolean()
    whitelist_only = ma.fields.Boolean(metadata={"description": "白名单专属"})
    region_codes = ma.fields.List(ma.fields.String(), metadata={"description": "服务区域（含其下级区域）"})
    status = ma.fields.String(metadata={"enum": list(PRODUCT_STATUSES)})
    orders_count = ma.fields.Integer(metadata={"description": "申请次数（热度）"})
    created_at = ma.fields.DateTime()
    updated_at = ma.fields.DateTime()


class MineListArgs(PageArgsSchema):
    status = ma.fields.String(validate=validate.OneOf(PRODUCT_STATUSES))
    category = ma.fields.String(validate=validate.OneOf(CATEGORIES))
    q = ma.fields.String(validate=validate.Length(max=50))


class MarketListArgs(PageArgsSchema):
    region_code = RegionCode(metadata={"description": "服务该区域或其任一上级区域的产品"})
    featured = ma.fields.Boolean()
    whitelist_only = ma.fields.Boolean(metadata={"description": "只看（或不看）白名单专属产品"})
    category = ma.fields.String(validate=validate.OneOf(CATEGORIES))
    guarantee_method = ma.fields.String(validate=validate.OneOf(GUARANTEE_METHODS))
    amount = Amount(metadata={"description": "万元，须在产品金额范围内"})
    term_months = ma.fields.Integer(validate=TERM_RANGE)
    institution_id = ma.fields.Integer(validate=validate.Range(min=1))
    q = ma.fields.String(validate=validate.Length(max=50), metadata={"description": "按名称、特色、适用对象搜索"})
    sort = ma.fields.String(load_default="newest", validate=validate.OneOf(SORTS))


ProductPageSchema = page_schema(ProductSchema, "ProductPage")


class RecommendationArgs(ma.Schema):
    class Meta:
        unknown = ma.EXCLUDE

    amount = Amount(metadata={"description": "需要的金额（万元）"})
    term_months = ma.fields.Integer(validate=TERM_RANGE, metadata={"description": "需要的期限（月）"})
    guarantee_method = ma.fields.String(validate=validate.OneOf(GUARANTEE_METHODS))
    page = ma.fields.Integer(load_default=1, validate=validate.Range(min=1, max=25))
    per_page = ma.fields.Integer(load_default=20, validate=validate.Range(min=1, max=100))


class InternalPageArgs(ma.Schema):
    class Meta:
        unknown = ma.EXCLUDE

    after = ma.fields.String(validate=validate.Regexp(r"^\d{1,18}$"), metadata={"description": "上一页的 next_cursor"})


class InternalProductPageSchema(ma.Schema):
    items = ma.fields.List(ma.fields.Nested(ProductSchema))
    next_cursor = ma.fields.String(allow_none=True)


class InternalRecommendationArgs(RecommendationArgs):
    region_code = RegionCode()
    uscc = ma.fields.String(validate=validate.Length(equal=18))


class RecommendationSchema(ma.Schema):
    product = ma.fields.Nested(ProductSchema)
    score = ma.fields.Float(metadata={"description": "匹配得分（排序依据见接口说明）"})
    reasons = ma.fields.List(ma.fields.String(), metadata={"description": "推荐理由"})


class RecommendationPageSchema(ma.Schema):
    items = ma.fields.List(ma.fields.Nested(RecommendationSchema))
    total = ma.fields.Integer()
    page = ma.fields.Integer()
    per_page = ma.fields.Integer()


# --- policies (政策资讯) ------------------------------------------------------------------------------

class PolicyTagsSchema(StrictSchema):
    industries = ma.fields.List(ma.fields.String(validate=validate.Length(min=1, max=100)), load_default=list,
                                validate=validate.Length(max=50),
                                metadata={"description": "适用行业（信用档案的行业名称）；空：不限行业"})
    whitelisted_only = ma.fields.Boolean(load_default=False, truthy={True}, falsy={False},
                                         metadata={"description": "仅白名单企业"})
    first_loan_only = ma.fields.Boolean(load_default=False, truthy={True}, falsy={False},
                                        metadata={"description": "仅首贷企业（尚无放款记录）"})

    @ma.post_load
    def distinct_industries(self, data, **kwargs):
        if "industries" in data:
            data["industries"] = list(dict.fromkeys(i.strip() for i in data["industries"] if i.strip()))
        return data


class PolicyLinkSchema(StrictSchema):
    type = ma.fields.String(required=True, validate=validate.OneOf(POLICY_LINK_TYPES))
    id = ma.fields.Integer(required=True, strict=True, validate=validate.Range(min=1))


class PolicyCreateSchema(StrictSchema):
    title = ma.fields.String(required=True, validate=validate.Length(min=2, max=200))
    body = ma.fields.String(required=True, validate=validate.Length(min=1, max=20000),
                            metadata={"description": "正文（纯文本，空行分段）"})
    issuer = ma.fields.String(required=True, validate=validate.Length(min=2, max=100),
                              metadata={"description": "发布单位"})
    region_code = RegionCode(required=True)
    published_on = ma.fields.Date(required=True, metadata={"description": "发布日期；晚于今天则定时发布"})
    valid_until = ma.fields.Date(load_default=None, allow_none=True, metadata={"description": "有效期至；空：长期有效"})
    tags = ma.fields.Nested(PolicyTagsSchema, load_default=lambda: {"industries": [], "whitelisted_only": False,
                                                                    "first_loan_only": False})
    links = ma.fields.List(ma.fields.Nested(PolicyLinkSchema), load_default=list, validate=validate.Length(max=20),
                           metadata={"description": "关联的风险补偿资金池、贴息项目或金融产品"})


class PolicyUpdateSchema(PolicyCreateSchema):
    """PATCH: any subset of the fields (of `tags` too), with the same rules. Each link stays whole: a
    blanket `partial=True` would reach into the links too and let one through without its type."""

    def __init__(self, *args, **kwargs):
        top = tuple(PolicyCreateSchema._declared_fields)
        tags = tuple(f"tags.{name}" for name in PolicyTagsSchema._declared_fields)
        super().__init__(*args, partial=top + tags, **kwargs)


class PolicyLinkOutSchema(ma.Schema):
    type = ma.fields.String(metadata={"enum": list(POLICY_LINK_TYPES)})
    id = ma.fields.Integer()
    name = ma.fields.String(allow_none=True, metadata={
        "description": "所链接产品、资金池或贴息项目的名称（资金池、项目在其创建事件到达前为 null）"})


class PolicyTagsOutSchema(ma.Schema):
    industries = ma.fields.List(ma.fields.String())
    whitelisted_only = ma.fields.Boolean()
    first_loan_only = ma.fields.Boolean()


class PolicySchema(ma.Schema):
    id = ma.fields.Integer()
    title = ma.fields.String()
    body = ma.fields.String()
    issuer = ma.fields.String()
    region_code = ma.fields.String()
    region_name = ma.fields.String(allow_none=True)
    published_on = ma.fields.Date()
    valid_until = ma.fields.Date(allow_none=True)
    status = ma.fields.String(metadata={"enum": list(POLICY_STATUSES)})
    tags = ma.fields.Nested(PolicyTagsOutSchema)
    links = ma.fields.List(ma.fields.Nested(PolicyLinkOutSchema))
    withdrawn_at = ma.fields.DateTime(allow_none=True)
    created_at = ma.fields.DateTime()
    updated_at = ma.fields.DateTime()


class PolicyListArgs(PageArgsSchema):
    region_code = RegionCode(metadata={"description": "适用于该区域的政策（该区域及其上级区域发布的）"})
    q = ma.fields.String(validate=validate.Length(max=50), metadata={"description": "按标题、正文、发布单位搜索"})
    industry = ma.fields.String(validate=validate.Length(max=100),
                                metadata={"description": "适用于该行业的政策（含不限行业的）"})


class PolicyManageArgs(PolicyListArgs):
    status = ma.fields.String(validate=validate.OneOf(POLICY_STATUSES))


PolicyPageSchema = page_schema(PolicySchema, "PolicyPage")


class PolicyRecommendationArgs(PageArgsSchema):
    pass


class PolicyRecommendationSchema(ma.Schema):
    policy = ma.fields.Nested(PolicySchema)
    reasons = ma.fields.List(ma.fields.String(), metadata={"description": "推荐理由"})


PolicyRecommendationPageSchema = page_schema(PolicyRecommendationSchema, "PolicyRecommendationPage")

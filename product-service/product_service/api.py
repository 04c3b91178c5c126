"""product-service HTTP endpoints: parse, call a use case, serialize.

The token check sits right under the route, before argument parsing, so a caller without the right
role learns nothing from validation errors."""

from flask_smorest import Blueprint

from xyd_common.api_docs import errors
from xyd_common.tokens import current_identity, optional_auth, require_auth, require_service

from . import examples, services
from . import policies as policies_service
from . import recommendations as recommendations_service
from .schemas import (
    InternalPageArgs,
    InternalProductPageSchema,
    InternalRecommendationArgs,
    MarketListArgs,
    MineListArgs,
    PolicyCreateSchema,
    PolicyListArgs,
    PolicyManageArgs,
    PolicyPageSchema,
    PolicyRecommendationArgs,
    PolicyRecommendationPageSchema,
    PolicySchema,
    PolicyUpdateSchema,
    ProductCreateSchema,
    ProductPageSchema,
    ProductSchema,
    ProductUpdateSchema,
    RecommendationArgs,
    RecommendationPageSchema,
)

products = Blueprint("products", __name__, url_prefix="/api/v1/products", description="金融产品（机构发布与管理）")
market = Blueprint("market", __name__, url_prefix="/api/v1/market", description="金融超市")
policies = Blueprint("policies", __name__, url_prefix="/api/v1/policies", description="政策资讯")
internal = Blueprint("internal", __name__, url_prefix="/internal/products", description="服务间接口（需服务令牌）")


@products.post("")
@errors("duplicate_product", "institution_disabled", "unknown_institution")
@require_auth("institution")
@products.arguments(ProductCreateSchema, example=examples.PRODUCT_CREATE)
@products.response(201, ProductSchema)
def create_product(body):
    """发布产品（本机构）"""
    return services.create_product(current_identity(), body)


@products.get("/mine")
@require_auth("institution")
@products.arguments(MineListArgs, location="query")
@products.response(200, ProductPageSchema)
def my_products(args):
    """产品管理：本机构的全部产品（含已下架），按发布时间倒序"""
    return services.list_own_products(current_identity(), args)


@products.get("/<int:product_id>")
@optional_auth
@products.response(200, ProductSchema)
def get_product(product_id):
    """产品详情：公开可见在架产品；本机构用户也可见已下架的"""
    return services.get_product(current_identity(), product_id)


@products.patch("/<int:product_id>")
@errors("duplicate_product")
@require_auth("institution")
@products.arguments(ProductUpdateSchema, example=examples.PRODUCT_UPDATE)
@products.response(200, ProductSchema)
def update_product(body, product_id):
    """编辑产品（部分字段）"""
    return services.update_product(current_identity(), product_id, body)


@products.post("/<int:product_id>/disable")
@require_auth("institution")
@products.response(200, ProductSchema)
def disable_product(product_id):
    """下架产品：从金融超市消失，不再受理申请"""
    return services.set_product_status(current_identity(), product_id, "disabled")


@products.post("/<int:product_id>/enable")
@errors("institution_disabled")
@require_auth("institution")
@products.response(200, ProductSchema)
def enable_product(product_id):
    """重新上架产品"""
    return services.set_product_status(current_identity(), product_id, "active")


@market.get("/products")
@market.arguments(MarketListArgs, location="query")
@market.response(200, ProductPageSchema)
def market_products(args):
    """金融超市：在架产品（机构未停用），可按区域、推荐、类别、担保方式、金额、期限、机构、关键词筛选"""
    return services.market_products(args)


@market.get("/recommendations")
@errors("enterprise_unverified")
@require_auth("enterprise")
@market.arguments(RecommendationArgs, location="query")
@market.response(200, RecommendationPageSchema)
def recommendations(args):
    """智能匹配：服务本企业所在地区、符合金额与期限的产品，按匹配度排序并给出推荐理由。
    白名单企业的白名单专属产品排在最前；其余按得分：金额相符 30、期限相符 20、特色产品 10、
    利率越低越高（至多 20）、申请热度（至多 15）、机构受理率（至多 15）。"""
    identity = current_identity()
    return recommendations_service.recommend(identity.region_code, identity.verified_uscc, args)


@internal.get("")
@require_service
@internal.arguments(InternalPageArgs, location="query")
@internal.response(200, InternalProductPageSchema)
def internal_products(args):
    """全部产品，任意状态（服务间：订单服务初次部署或恢复后载入产品副本；与 product.* 事件同形；按 id 翻页）"""
    return services.products_after(args.get("after"))


@internal.get("/recommendations")
@require_service
@internal.arguments(InternalRecommendationArgs, location="query")
@internal.response(200, RecommendationPageSchema)
def internal_recommendations(args):
    """智能匹配（供订单服务在企业发布融资需求时给出最匹配的产品）"""
    return recommendations_service.recommend(args.get("region_code"), args.get("uscc"), args)


@policies.get("")
@optional_auth
@policies.arguments(PolicyListArgs, location="query")
@policies.response(200, PolicyPageSchema)
def public_policies(args):
    """政策资讯：已发布且在有效期内的政策，按发布日期倒序；可按适用区域、行业、关键词筛选"""
    return policies_service.public_policies(args)


@policies.get("/managed")
@require_auth("government", "admin")
@policies.arguments(PolicyManageArgs, location="query")
@policies.response(200, PolicyPageSchema)
def managed_policies(args):
    """政策发布：本辖区及下级区域的全部政策（含定时、已撤回、已过期），按发布日期倒序"""
    return policies_service.managed_policies(current_identity(), args)


@policies.get("/recommended")
@errors("enterprise_unverified")
@require_auth("enterprise")
@policies.arguments(PolicyRecommendationArgs, location="query")
@policies.response(200, PolicyRecommendationPageSchema)
def recommended_policies(args):
    """为我推荐·政策：与本企业所在地区、行业、白名单与首贷情况相符的已发布政策，附推荐理由"""
    return policies_service.recommended(current_identity(), args)


@policies.post("")
@require_auth("government", "admin")
@policies.arguments(PolicyCreateSchema, example=examples.POLICY_CREATE)
@policies.response(201, PolicySchema)
def create_policy(body):
    """发布政策（本辖区或下级区域）；发布日期晚于今天则定时发布"""
    return policies_service.policy_view(policies_service.create_policy(current_identity(), body))


@policies.get("/<int:policy_id>")
@optional_auth
@policies.response(200, PolicySchema)
def get_policy(policy_id):
    """政策详情：公开可见已发布的政策；管理者可见任何状态"""
    return policies_service.get_policy(current_identity(), policy_id)


@policies.patch("/<int:policy_id>")
@errors("invalid_transition")
@require_auth("government", "admin")
@policies.arguments(PolicyUpdateSchema, example=examples.POLICY_UPDATE)
@policies.response(200, PolicySchema)
def update_policy(body, policy_id):
    """编辑政策（部分字段）；已撤回的不能再改"""
    return policies_service.policy_view(policies_service.update_policy(current_identity(), policy_id, body))


@policies.post("/<int:policy_id>/withdraw")
@errors("invalid_transition")
@require_auth("government", "admin")
@policies.response(200, PolicySchema)
def withdraw_policy(policy_id):
    """撤回政策：从政策资讯与推荐中消失"""
    return policies_service.policy_view(policies_service.withdraw_policy(current_identity(), policy_id))

"""product-service HTTP endpoints: parse, call a use case, serialize.

The token check sits right under the route, before argument parsing, so a caller without the right
role learns nothing from validation errors."""

from flask_smorest import Blueprint

from xyd_common.tokens import current_identity, optional_auth, require_auth, require_service

from . import recommendations as recommendations_service
from . import services
from .schemas import (
    InternalPageArgs,
    InternalProductPageSchema,
    InternalRecommendationArgs,
    MarketListArgs,
    MineListArgs,
    ProductCreateSchema,
    ProductPageSchema,
    ProductSchema,
    ProductUpdateSchema,
    RecommendationArgs,
    RecommendationPageSchema,
)

products = Blueprint("products", __name__, url_prefix="/api/v1/products", description="金融产品（机构发布与管理）")
market = Blueprint("market", __name__, url_prefix="/api/v1/market", description="金融超市")
internal = Blueprint("internal", __name__, url_prefix="/internal/products", description="服务间接口（需服务令牌）")


@products.post("")
@require_auth("institution")
@products.arguments(ProductCreateSchema)
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
@require_auth("institution")
@products.arguments(ProductUpdateSchema)
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

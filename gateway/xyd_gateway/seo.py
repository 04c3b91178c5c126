"""Search engines and link previews read `/market`, `/products/<id>`, `/policies` and `/policies/<id>`
without running the app.

For those pages the gateway fills the served `index.html` with the page's own title, a description,
Open Graph tags and a plain-HTML summary inside `<div id="app">` (the product's key figures, the newest
products of the market, a policy's issuer, dates and text, or the newest policies), which the app
replaces when it mounts. The figures come from product-service's public endpoints over the gateway's own
connection pool, with a short timeout: when product-service is slow or down, or the product or policy
is not on offer, the page is the plain app, never an error. Prerendering at build time cannot do this:
products and policies change all day.
"""

import json
import logging
import re
from html import escape

from flask import current_app
from urllib3.exceptions import HTTPError

log = logging.getLogger(__name__)

SITE = "许昌市中小企业融资综合信用服务平台"
MARKET_TITLE = f"金融超市 - {SITE}"
MARKET_DESCRIPTION = ("许昌信易贷金融超市：银行、担保、融资租赁等金融机构面向中小企业和个体工商户的融资产品，"
                      "按区域、担保方式、金额、期限筛选，在线申请。")
PRODUCT_PAGE = re.compile(r"products/([0-9]{1,18})")
POLICIES_TITLE = f"政策资讯 - {SITE}"
POLICIES_DESCRIPTION = ("许昌市及各县（市、区）面向中小微企业的融资支持政策：风险补偿、贷款贴息、首贷支持等，"
                        "按适用区域和行业查看。")
POLICY_PAGE = re.compile(r"policies/([0-9]{1,18})")
# Seconds the gateway waits for product-service while answering a page.
FETCH_TIMEOUT = 1.5
CATEGORY = {"loan": "贷款", "guarantee": "担保", "leasing": "融资租赁", "factoring": "保理", "insurance": "保险",
            "other": "其他"}
GUARANTEE = {"credit": "信用", "guarantee": "保证", "mortgage": "抵押", "pledge": "质押"}


def _fetch(path: str) -> dict | None:
    upstreams = current_app.extensions.get("xyd_gateway_upstreams") or {}
    if "product-service" not in upstreams:
        return None
    pool, prefix = upstreams["product-service"]
    try:
        response = pool.request("GET", prefix + path, timeout=FETCH_TIMEOUT, retries=False,
                                headers={"Accept": "application/json"})
    except HTTPError as exc:
        log.info("page metadata unavailable (%s): %s", path, exc.__class__.__name__)
        return None
    if response.status != 200:
        return None
    try:
        return json.loads(response.data)
    except ValueError:
        return None


def _range(low, high, unit: str) -> str:
    return f"{low}{unit}" if low == high else f"{low}–{high}{unit}"


def product_facts(product: dict) -> list[tuple[str, str]]:
    methods = "、".join(GUARANTEE.get(m, m) for m in product.get("guarantee_methods") or [])
    return [
        ("金融机构", str(product.get("institution_name") or "")),
        ("产品类别", CATEGORY.get(product.get("category"), str(product.get("category") or ""))),
        ("贷款额度", _range(product.get("amount_min"), product.get("amount_max"), " 万元")),
        ("贷款期限", _range(product.get("term_min_months"), product.get("term_max_months"), " 个月")),
        ("年利率", _range(product.get("rate_min"), product.get("rate_max"), "%")),
        ("担保方式", methods or "—"),
    ]


def _product_page(product_id: str) -> tuple[str, str, str] | None:
    product = _fetch(f"/api/v1/products/{product_id}")
    if not product or product.get("status") != "active":
        return None
    facts = product_facts(product)
    summary = "，".join(f"{k}{v}" for k, v in facts[1:5])
    description = (f"{product.get('name')}（{product.get('institution_name')}）：{summary}。"
                   f"{product.get('features') or ''}")
    rows = "".join(f"<dt>{escape(k)}</dt><dd>{escape(v)}</dd>" for k, v in facts)
    body = (f"<article><h1>{escape(str(product.get('name')))}</h1><dl>{rows}</dl>"
            f"<p>{escape(str(product.get('description') or product.get('features') or ''))}</p>"
            f'<p><a href="/market">返回金融超市</a></p></article>')
    return f"{product.get('name')} - 金融超市 - {SITE}", description.strip()[:300], body


def _market_page() -> tuple[str, str, str]:
    page = _fetch("/api/v1/market/products?per_page=20&sort=newest") or {}
    items = "".join(
        f'<li><a href="/products/{int(p["id"])}">{escape(str(p.get("name")))}</a>'
        f'（{escape(str(p.get("institution_name")))}，'
        f'{escape(_range(p.get("amount_min"), p.get("amount_max"), " 万元"))}，'
        f'年利率{escape(_range(p.get("rate_min"), p.get("rate_max"), "%"))}）</li>'
        for p in page.get("items") or [] if isinstance(p, dict) and "id" in p)
    body = f"<main><h1>金融超市</h1><p>{escape(MARKET_DESCRIPTION)}</p><ul>{items}</ul></main>"
    return MARKET_TITLE, MARKET_DESCRIPTION, body


def _paragraphs(text: str) -> list[str]:
    return [p.strip() for p in re.split(r"\n\s*\n", text) if p.strip()]


def _policy_page(policy_id: str) -> tuple[str, str, str] | None:
    policy = _fetch(f"/api/v1/policies/{policy_id}")
    if not policy or policy.get("status") != "published":
        return None
    title, issuer = str(policy.get("title")), str(policy.get("issuer") or "")
    until = policy.get("valid_until") or "长期有效"
    facts = [("发布单位", issuer), ("适用区域", str(policy.get("region_name") or "")),
             ("发布日期", str(policy.get("published_on") or "")), ("有效期至", str(until))]
    paragraphs = _paragraphs(str(policy.get("body") or ""))
    description = f"{issuer}：{title}。{paragraphs[0] if paragraphs else ''}"
    rows = "".join(f"<dt>{escape(k)}</dt><dd>{escape(v)}</dd>" for k, v in facts)
    text = "".join(f"<p>{escape(p)}</p>" for p in paragraphs)
    body = (f"<article><h1>{escape(title)}</h1><dl>{rows}</dl>{text}"
            f'<p><a href="/policies">返回政策资讯</a></p></article>')
    return f"{title} - 政策资讯 - {SITE}", description.strip()[:300], body


def _policies_page() -> tuple[str, str, str]:
    page = _fetch("/api/v1/policies?per_page=20") or {}
    items = "".join(
        f'<li><a href="/policies/{int(p["id"])}">{escape(str(p.get("title")))}</a>'
        f'（{escape(str(p.get("issuer")))}，{escape(str(p.get("published_on")))}）</li>'
        for p in page.get("items") or [] if isinstance(p, dict) and "id" in p)
    body = f"<main><h1>政策资讯</h1><p>{escape(POLICIES_DESCRIPTION)}</p><ul>{items}</ul></main>"
    return POLICIES_TITLE, POLICIES_DESCRIPTION, body


def page_metadata(path: str) -> tuple[str, str, str] | None:
    """(title, description, summary HTML) for a page search engines should read, or None."""
    if path in ("market", "market/"):
        return _market_page()
    if match := PRODUCT_PAGE.fullmatch(path):
        return _product_page(match.group(1))
    if path in ("policies", "policies/"):
        return _policies_page()
    if match := POLICY_PAGE.fullmatch(path):
        return _policy_page(match.group(1))
    return None


def render(index_html: str, title: str, description: str, body: str, url: str | None) -> str:
    """index.html with the page's title, description, Open Graph tags and summary put in; `og:url` only
    with an absolute `url` (built from PUBLIC_BASE_URL, never from the request's Host header)."""
    head = (f"<title>{escape(title)}</title>"
            f'<meta name="description" content="{escape(description)}" />'
            f'<meta property="og:type" content="website" />'
            f'<meta property="og:site_name" content="{escape(SITE)}" />'
            f'<meta property="og:title" content="{escape(title)}" />'
            f'<meta property="og:description" content="{escape(description)}" />'
            + (f'<meta property="og:url" content="{escape(url)}" />' if url else ""))
    html, replaced = re.subn(r"<title>.*?</title>", lambda _: head, index_html, count=1, flags=re.S)
    if not replaced:
        html = html.replace("</head>", head + "</head>", 1)
    return html.replace('<div id="app"></div>', f'<div id="app">{body}</div>', 1)

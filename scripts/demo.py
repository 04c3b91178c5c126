"""`make demo`: fill a running platform with demo data for 许昌市, through the public API only.

Against the gateway at http://127.0.0.1:${GATEWAY_PORT:-8080} (the platform started by `make run`,
whose SMS provider is `console`, so codes are read from GET /api/v1/dev/sms), it:

- logs in as the platform admin (BOOTSTRAP_ADMIN_PHONE, default 13800000000, and
  BOOTSTRAP_ADMIN_PASSWORD, by default the one `make run` keeps in var/dev-secrets.env);
- creates 河南省, 许昌市 and its six districts and counties;
- creates five institutions (three banks, a guarantee company, a microloan company) with one
  administrator each, whose initial password (INITIAL_PASSWORD, default 111111) it changes to
  DEMO_PASSWORD (default Xuchang2026);
- logs in as each administrator and publishes that institution's products (21 in all);
- as the admin, imports credit-service's sample credit data (credit-service/sample_data/*.csv: 24
  enterprises of 许昌 with credit records, whitelist entries and risk flags) through
  POST /api/v1/credit/imports, one CSV file per kind;
- registers an enterprise of that data (on the whitelist, with credit records) and has the admin
  approve its verification (企业认证);
- creates a government user for 许昌市 and one for 魏都区 (their initial password changed to
  DEMO_PASSWORD too);
- has the enterprise apply for one product of each institution, and the institutions take those
  orders to different states (submitted, accepted, credit granted, disbursed, terminated);
- on a demo platform (first started with DEMO_DATA=true), writes what the public API cannot through
  each service's own command, which refuses on any other database: a year of orders in the past from
  a few hundred enterprises of every district (`flask --app order_service seed-demo-history`) and the
  loans of its disbursed orders, repaid month by month, a few overdue and one or two non-performing
  (`flask --app loan_service seed-demo-history`), so the dashboards' charts have a shape;
- prints every demo login in one table.

Run it again and it only reports what exists already (409s are expected and ignored; the credit
import is an upsert, so a second run changes nothing). Products need
product-service to have heard of the regions and institutions (events through RabbitMQ, handled by
`product-worker`); the script waits for that.

    make demo          (or: BOOTSTRAP_ADMIN_PASSWORD=... .venv/bin/python scripts/demo.py)
"""

import datetime
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import requests

from xyd_common.validators import uscc_check_char

GATEWAY = f"http://127.0.0.1:{os.environ.get('GATEWAY_PORT', '8080')}"
API = f"{GATEWAY}/api/v1"
ADMIN_PHONE = os.environ.get("BOOTSTRAP_ADMIN_PHONE") or "13800000000"
CREDIT_SAMPLE_DATA = Path(__file__).resolve().parent.parent / "credit-service" / "sample_data"
# One CSV file per kind, named after it; the kind's label for the summary.
CREDIT_KINDS = {"enterprises": "企业", "records": "信用记录", "whitelist": "白名单", "risk_flags": "风险标记"}


def _local_secrets() -> dict[str, str]:
    """What `make run` keeps in var/dev-secrets.env (the local admin password, the service token secret)."""
    secrets_file = Path(__file__).resolve().parent.parent / "var" / "dev-secrets.env"
    if not secrets_file.exists():
        return {}
    return dict(line.partition("=")[::2] for line in secrets_file.read_text().splitlines() if "=" in line)


def _local_admin_password() -> str | None:
    return _local_secrets().get("BOOTSTRAP_ADMIN_PASSWORD")


ADMIN_PASSWORD = os.environ.get("BOOTSTRAP_ADMIN_PASSWORD") or _local_admin_password()
INITIAL_PASSWORD = os.environ.get("INITIAL_PASSWORD") or "111111"
DEMO_PASSWORD = os.environ.get("DEMO_PASSWORD") or "Xuchang2026"
WAIT_SECONDS = 90  # for throttles to pass and events to reach product-service

REGIONS = [
    ("410000", "河南省", None), ("411000", "许昌市", "410000"), ("411002", "魏都区", "411000"),
    ("411003", "建安区", "411000"), ("411024", "鄢陵县", "411000"), ("411025", "襄城县", "411000"),
    ("411081", "禹州市", "411000"), ("411082", "长葛市", "411000"),
]
ALL_XUCHANG = ["411000"]


def uscc(body17: str) -> str:
    return body17 + uscc_check_char(body17)


def product(name, category, guarantees, repayments, amount, term, rate, target, requirements, features,
            regions=ALL_XUCHANG, featured=False, description=None) -> dict:
    return {"name": name, "category": category, "guarantee_methods": guarantees, "repayment_methods": repayments,
            "amount_min": amount[0], "amount_max": amount[1], "term_min_months": term[0], "term_max_months": term[1],
            "rate_min": rate[0], "rate_max": rate[1], "target_customers": target, "requirements": requirements,
            "features": features, "description": description or f"{name}：{features}。", "featured": featured,
            "region_codes": regions}


# Each institution: its record, its administrator, its products. Amounts in 万元, terms in months, rates
# in % a year (for the guarantee company, its guarantee fee rate).
INSTITUTIONS = [
    {
        "institution": {"name": "中国农业银行许昌分行", "type": "bank", "region_code": "411000",
                        "uscc": uscc("91411000MA40B0011"), "contact_name": "王磊", "contact_phone": "13937400001"},
        "admin": {"phone": "13937400001", "name": "王磊"},
        "products": [
            product("税易贷", "loan", ["credit"], ["interest_first", "equal_installment", "flexible"],
                    (1, 300), (1, 12), (3.45, 4.5), "依法纳税的小微企业及个体工商户",
                    "纳税信用等级 B 级及以上；连续纳税满两年；企业及实际控制人征信良好",
                    "凭纳税信用申请、纯信用免抵押、线上申请当天审批、随借随还", featured=True),
            product("惠农e贷", "loan", ["credit", "guarantee"], ["equal_installment", "interest_first"],
                    (1, 100), (6, 36), (3.85, 5.5), "家庭农场、农民专业合作社、涉农小微企业",
                    "在许昌市内从事种养殖或农产品加工满一年；无不良信用记录",
                    "支农支小、利率优惠、可循环使用"),
            product("科技贷", "loan", ["credit", "pledge"], ["interest_first", "equal_principal"],
                    (10, 1000), (6, 36), (3.3, 4.8), "科技型中小企业、高新技术企业",
                    "取得科技型中小企业评价入库编号或高新技术企业证书；研发投入占比不低于 3%",
                    "知识产权可质押、科技贷款风险补偿资金分担风险", featured=True),
            product("抵押e贷", "loan", ["mortgage"], ["equal_installment", "equal_principal", "interest_first"],
                    (10, 1000), (12, 120), (3.6, 4.9), "有房产可抵押的小微企业",
                    "抵押物权属清晰、位于许昌市区；企业正常经营满一年",
                    "抵押率最高 70%、期限最长十年、额度可循环"),
            product("链捷贷", "loan", ["credit"], ["bullet", "flexible"],
                    (5, 500), (1, 12), (3.5, 4.6), "核心企业的上游供应商",
                    "与核心企业合作满一年且有真实贸易背景；应收账款经核心企业确权",
                    "依托核心企业信用、线上放款、按需支用"),
        ],
    },
    {
        "institution": {"name": "许昌农商银行", "type": "bank", "region_code": "411000",
                        "uscc": uscc("91411000MA40B0022"), "contact_name": "李娜", "contact_phone": "13937400002"},
        "admin": {"phone": "13937400002", "name": "李娜"},
        "products": [
            product("创业担保贷", "loan", ["guarantee"], ["equal_installment", "interest_first"],
                    (10, 300), (12, 36), (3.45, 3.95), "创业者、吸纳就业的小微企业",
                    "符合创业担保贷款政策条件；经人社部门审核推荐",
                    "财政贴息、由政府性融资担保机构担保、免收担保费", featured=True),
            product("惠农贷", "loan", ["credit", "guarantee"], ["equal_installment", "bullet"],
                    (1, 50), (3, 36), (4.35, 6.5), "种养殖大户、家庭农场、农民专业合作社",
                    "在鄢陵县、襄城县从事农业生产经营；持有营业执照",
                    "审批快、随借随还、农忙时节优先放款", regions=["411024", "411025"]),
            product("商户贷", "loan", ["credit"], ["interest_first", "flexible"],
                    (1, 100), (3, 12), (4.5, 7.2), "商圈内的个体工商户和小微商户",
                    "经营场所位于魏都区、建安区；正常经营满六个月",
                    "手机申请、额度循环、按日计息", regions=["411002", "411003"]),
            product("发制品贷", "loan", ["mortgage", "pledge"], ["equal_installment", "interest_first"],
                    (50, 2000), (6, 36), (3.9, 5.8), "发制品生产、加工和出口企业",
                    "从事发制品行业满两年；可提供房产抵押或仓单、出口订单质押",
                    "贴合发制品行业回款周期、支持仓单质押"),
            product("花木贷", "loan", ["credit", "mortgage"], ["bullet", "equal_installment"],
                    (5, 200), (6, 36), (4.2, 6.5), "花卉苗木种植和销售企业",
                    "在鄢陵县从事花木种植销售满一年；苗木可作抵押物评估",
                    "活体苗木可抵押、还款期限贴合销售季节", regions=["411024"]),
        ],
    },
    {
        "institution": {"name": "中原银行许昌分行", "type": "bank", "region_code": "411000",
                        "uscc": uscc("91411000MA40B0033"), "contact_name": "赵军", "contact_phone": "13937400003"},
        "admin": {"phone": "13937400003", "name": "赵军"},
        "products": [
            product("专精特新贷", "loan", ["credit", "pledge"], ["interest_first", "equal_installment"],
                    (50, 2000), (12, 36), (3.5, 5.0), "专精特新中小企业、小巨人企业",
                    "入选省级及以上专精特新名单；近两年营业收入持续增长",
                    "纯信用额度最高 500 万元、知识产权可质押", featured=True),
            product("税融通", "loan", ["credit"], ["interest_first", "flexible"],
                    (10, 500), (1, 36), (3.6, 5.2), "按时足额纳税的小微企业",
                    "纳税信用等级 A 级或 B 级；近两年纳税总额 5 万元以上",
                    "以税定贷、线上申请、最快当天到账"),
            product("知识产权质押贷", "loan", ["pledge"], ["equal_installment", "interest_first"],
                    (50, 1000), (12, 36), (3.8, 5.5), "拥有发明专利或商标的科技型企业",
                    "专利或商标权属清晰、处于有效期内；企业正常经营满一年",
                    "专利、商标均可质押，评估费由财政补贴"),
            product("应收账款保理", "factoring", ["pledge"], ["bullet"],
                    (50, 3000), (1, 12), (4.5, 7.0), "为大型企业供货的中小企业",
                    "应收账款真实合法且未转让；买方为国有企业、上市公司或政府机关",
                    "盘活应收账款、不占用授信额度"),
            product("钧瓷贷", "loan", ["credit", "mortgage"], ["equal_installment", "interest_first"],
                    (10, 300), (12, 36), (4.2, 6.0), "钧瓷生产、销售企业及个体工商户",
                    "在禹州市从事钧瓷产业满一年",
                    "服务禹州钧瓷特色产业、可用窑炉设备抵押", regions=["411081"]),
        ],
    },
    {
        "institution": {"name": "许昌市融资担保有限公司", "type": "guarantee", "region_code": "411000",
                        "uscc": uscc("91411000MA40G0044"), "contact_name": "刘洋", "contact_phone": "13937400004"},
        "admin": {"phone": "13937400004", "name": "刘洋"},
        "products": [
            product("小微企业融资担保", "guarantee", ["guarantee"], ["equal_installment", "interest_first"],
                    (10, 1000), (12, 36), (0.8, 1.5), "缺少抵押物的小微企业",
                    "正常经营满一年；与合作银行达成贷款意向",
                    "政府性融资担保、担保费率不高于 1.5%、无需抵押"),
            product("创业担保", "guarantee", ["guarantee"], ["equal_installment"],
                    (10, 300), (12, 36), (0, 0.5), "创业者和吸纳就业的小微企业",
                    "符合创业担保贷款政策；经人社部门审核推荐",
                    "配合创业担保贷款、担保费由财政承担", featured=True),
            product("转贷应急资金", "other", ["guarantee"], ["bullet"],
                    (50, 2000), (1, 3), (3.6, 4.8), "贷款即将到期、续贷资金周转困难的中小企业",
                    "合作银行已出具续贷承诺；企业无逃废债记录",
                    "帮助企业按期还贷续贷、资金当天到账、按日计费"),
        ],
    },
    {
        "institution": {"name": "许昌市鑫诚小额贷款有限公司", "type": "microloan", "region_code": "411000",
                        "uscc": uscc("91411000MA40M0055"), "contact_name": "陈静", "contact_phone": "13937400005"},
        "admin": {"phone": "13937400005", "name": "陈静"},
        "products": [
            product("随e贷", "loan", ["credit"], ["interest_first", "flexible"],
                    (1, 50), (1, 12), (7.2, 12.0), "急需短期周转的个体工商户和小微企业",
                    "经营满六个月；实际控制人征信无严重逾期",
                    "额度小、放款快、手续简便"),
            product("经营周转贷", "loan", ["guarantee", "mortgage"], ["equal_installment", "interest_first"],
                    (5, 200), (1, 24), (7.2, 13.8), "生产经营资金临时不足的小微企业",
                    "提供保证人或房产、车辆抵押",
                    "期限灵活、可提前还款"),
            product("车辆抵押贷", "loan", ["mortgage"], ["equal_installment", "interest_first"],
                    (1, 100), (3, 36), (8.0, 12.0), "拥有营运或商用车辆的个体工商户",
                    "车辆登记在申请人名下且无抵押",
                    "押证不押车、当天放款"),
        ],
    },
]


class DemoError(RuntimeError):
    pass


class Client:
    """The public API through the gateway, with the token of whoever logged in last."""

    def __init__(self):
        self.session = requests.Session()
        self.token = None

    def call(self, method: str, path: str, **kwargs) -> requests.Response:
        """One request; a 429 `throttled` (the gateway's rate limits, the SMS resend interval) is waited
        out as its Retry-After says, as any client should."""
        headers = kwargs.pop("headers", {})
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        deadline = time.monotonic() + WAIT_SECONDS
        while True:
            try:
                resp = self.session.request(method, f"{API}{path}", headers=headers, timeout=15, **kwargs)
            except requests.ConnectionError as exc:
                raise DemoError(f"无法连接网关 {GATEWAY}：请先运行 make run") from exc
            if resp.status_code != 429 or resp.json().get("code") != "throttled":
                return resp
            wait = int(resp.headers.get("Retry-After", "5"))
            if time.monotonic() + wait > deadline:
                raise DemoError(f"{method} {path} 请求受限，{wait} 秒后可重试")
            print(f"  …请求过于频繁，等待 {wait} 秒", flush=True)
            time.sleep(wait)

    def expect(self, resp: requests.Response, *statuses: int) -> requests.Response:
        if resp.status_code not in statuses:
            raise DemoError(f"{resp.request.method} {resp.request.path_url} → {resp.status_code} {resp.text[:300]}")
        return resp

    def sms_code(self, phone: str, purpose: str = "login") -> str:
        """Ask for a code (`call` waits out a resend throttle) and read it from the dev SMS inbox."""
        inbox = self.call("GET", "/dev/sms", params={"phone": phone})
        if inbox.status_code == 404:
            raise DemoError("GET /api/v1/dev/sms 不可用：演示数据需要 SMS_PROVIDER=console（make run 的默认设置）")
        before = len(self.expect(inbox, 200).json()["items"])
        self.expect(self.call("POST", "/auth/sms-codes", json={"phone": phone, "purpose": purpose}), 202)
        deadline = time.monotonic() + WAIT_SECONDS
        while time.monotonic() < deadline:
            items = self.expect(self.call("GET", "/dev/sms", params={"phone": phone}), 200).json()["items"]
            if len(items) > before:
                return re.search(r"\d{6}", items[0]["text"]).group(0)
            time.sleep(0.3)
        raise DemoError(f"没有收到 {phone} 的验证码短信（notification-worker 在运行吗？）")

    def login(self, phone: str, *passwords: str) -> dict:
        """Log in with the first of `passwords` that works (one SMS code serves every try: a wrong
        password does not use it up)."""
        self.token = None
        code = self.sms_code(phone)
        for password in passwords:
            resp = self.call("POST", "/auth/login", json={"phone": phone, "password": password, "sms_code": code})
            if resp.status_code == 200:
                pair = resp.json()
                self.token = pair["access_token"]
                return pair
            self.expect(resp, 401)
        raise DemoError(f"{phone} 登录失败：密码不是 {' / '.join(passwords)} 中的任何一个")


def create_regions(api: Client) -> None:
    for code, name, parent in REGIONS:
        resp = api.expect(api.call("POST", "/admin/regions", json={"code": code, "name": name, "parent_code": parent}),
                          201, 409)
        print(f"  行政区 {code} {name}：{'已创建' if resp.status_code == 201 else '已存在'}")


def find_institution(api: Client, name: str) -> dict:
    items = api.expect(api.call("GET", "/admin/institutions", params={"q": name, "per_page": 100}), 200).json()["items"]
    for item in items:
        if item["name"] == name:
            return item
    raise DemoError(f"机构“{name}”既无法创建也查不到")


def create_institution(api: Client, spec: dict) -> bool:
    """Create the institution and its administrator unless they exist; True if the administrator is new."""
    resp = api.expect(api.call("POST", "/admin/institutions", json=spec["institution"]), 201, 409)
    institution = resp.json() if resp.status_code == 201 else find_institution(api, spec["institution"]["name"])
    if institution["status"] != "active":
        api.expect(api.call("POST", f"/admin/institutions/{institution['id']}/enable"), 200)
    user = api.expect(api.call("POST", f"/admin/institutions/{institution['id']}/users", json=spec["admin"]), 201, 409)
    created = {True: "已创建", False: "已存在"}
    print(f"  机构 {institution['name']}（id {institution['id']}）：{created[resp.status_code == 201]}；"
          f"管理员 {spec['admin']['phone']}：{created[user.status_code == 201]}")
    return user.status_code == 201


def log_in_staff(api: Client, phone: str, new: bool) -> str:
    """Log in; a new staff user first changes the initial password to the demo password. Returns the
    access token (kept, so that nobody has to log in twice within the SMS resend interval)."""
    pair = api.login(phone, *((INITIAL_PASSWORD,) if new else (DEMO_PASSWORD, INITIAL_PASSWORD)))
    if pair["user"]["must_change_password"]:
        resp = api.expect(api.call("POST", "/auth/password", json={"old_password": INITIAL_PASSWORD,
                                                                  "new_password": DEMO_PASSWORD}), 200)
        api.token = resp.json()["access_token"]
        print(f"  {phone}：初始密码已改为演示密码")
    return api.token


# Government users (政府部门) supervising the orders of their region and below.
GOVERNMENT_USERS = [
    {"phone": "13937400201", "name": "王芳", "region_code": "411000", "department": "许昌市发展和改革委员会"},
    {"phone": "13937400202", "name": "赵磊", "region_code": "411002", "department": "魏都区金融工作局"},
]


def create_government_user(api: Client, spec: dict) -> bool:
    """Create the government user unless it exists; True if new."""
    body = {key: spec[key] for key in ("phone", "name", "region_code")}
    resp = api.expect(api.call("POST", "/admin/government-users", json=body), 201, 409)
    print(f"  政府用户 {spec['department']} {spec['name']} {spec['phone']}："
          f"{'已创建' if resp.status_code == 201 else '已存在'}")
    return resp.status_code == 201


def publish_products(api: Client, products: list[dict]) -> list[tuple[str, str]]:
    results = []
    for body in products:
        deadline = time.monotonic() + WAIT_SECONDS
        while True:
            resp = api.call("POST", "/products", json=body)
            # product-service learns of new institutions and regions through events: give it a moment.
            waiting = (resp.status_code == 409 and resp.json().get("code") == "unknown_institution") or (
                resp.status_code == 422 and "region_codes" in resp.json().get("errors", {}))
            if not waiting:
                break
            if time.monotonic() > deadline:
                raise DemoError("产品服务迟迟没有收到机构或行政区信息：product-worker 和 auth-worker 在运行吗？"
                                "（也可运行 flask --app product_service sync-reference-data）")
            time.sleep(1)
        api.expect(resp, 201, 409)
        results.append((body["name"], "已发布" if resp.status_code == 201 else "已存在"))
    return results


def import_credit_data(api: Client) -> dict:
    """The sample credit data as CSV uploads (the form field names the kind); an upsert, so repeatable."""
    files = {kind: (f"{kind}.csv", (CREDIT_SAMPLE_DATA / f"{kind}.csv").read_bytes(), "text/csv")
             for kind in CREDIT_KINDS}
    result = api.expect(api.call("POST", "/credit/imports", files=files), 200).json()
    if result["errors"]:
        raise DemoError("信用数据导入有错误：" + "；".join(
            f"{e['kind']} 第 {e.get('line') or e['index']} 行 {e['message']}" for e in result["errors"][:5]))
    return result


# An enterprise of the sample credit data (on the whitelist, with records), registered and verified (企业认证)
# through the API as a real one would be: its legal representative registers and sends the licence.
DEMO_ENTERPRISE = {"phone": "13937400101", "uscc": "91411002MA3X7P2K57", "enterprise_name": "许昌恒美发制品有限公司",
                   "contact_name": "刘建国", "region_code": "411002"}
SAMPLE_LICENCE = Path(__file__).resolve().parent / "sample-licence.png"


def verified_demo_enterprise(api: Client, admin_token: str) -> tuple[str, str]:
    """Register the demo enterprise unless it exists, and have the admin approve its verification.
    Returns what happened and the enterprise's access token (refreshed after the approval, so that it
    says `verified`)."""
    spec = DEMO_ENTERPRISE
    api.token = None
    code = api.sms_code(spec["phone"], "register")
    resp = api.expect(api.call("POST", "/auth/register", json={**spec, "sms_code": code, "password": DEMO_PASSWORD}),
                      201, 409)
    pair = api.login(spec["phone"], DEMO_PASSWORD)
    status = pair["user"]["verification_status"]
    if status in ("unverified", "rejected"):
        api.expect(api.call("POST", "/auth/enterprise-verification",
                            data={"legal_representative": spec["contact_name"]},
                            files={"licence": ("营业执照.png", SAMPLE_LICENCE.read_bytes(), "image/png")}), 201)
        status = "pending"
    if status == "pending":
        mine = api.expect(api.call("GET", "/auth/enterprise-verification"), 200).json()
        api.token = admin_token
        api.expect(api.call("POST", f"/admin/enterprise-verifications/{mine['id']}/approve"), 200)
    # The token issued before the approval still says what the account was then: a refresh tells.
    api.token = None
    refreshed = api.expect(api.call("POST", "/auth/refresh", json={"refresh_token": pair["refresh_token"]}), 200)
    enterprise_token = refreshed.json()["access_token"]
    api.token = admin_token
    return ("已注册并认证" if resp.status_code == 201 else "已存在（已认证）"), enterprise_token


# The enterprise applies for the first product of each institution; the institution takes the order to
# the state named here (提交 → 受理 → 授信 → 放款; or 终止).
DEMO_ORDERS = ["submitted", "accepted", "credit_granted", "disbursed", "terminated"]
STATE_LABELS = {"submitted": "待受理", "accepted": "已受理", "credit_granted": "已授信", "disbursed": "已放款",
                "terminated": "已终止"}


def find_product(api: Client, institution: str, name: str) -> dict:
    items = api.expect(api.call("GET", "/market/products", params={"q": name, "per_page": 100}),
                       200).json()["items"]
    for item in items:
        if item["name"] == name and item["institution_name"] == institution:
            return item
    raise DemoError(f"金融超市里找不到 {institution} 的产品“{name}”")


def demo_orders(api: Client, enterprise_token: str, staff_tokens: dict[str, str]) -> list[tuple[str, str, str]]:
    """The demo enterprise's orders in different states; none are added when it already has orders."""
    api.token = enterprise_token
    existing = api.expect(api.call("GET", "/orders", params={"per_page": 100}), 200).json()["items"]
    if existing:
        return [(o["institution_name"], o["product_name"], STATE_LABELS.get(o["status"], o["status"]) + "（已存在）")
                for o in existing]
    api.token = None
    version = api.expect(api.call("GET", "/credit/authorization-text"), 200).json()["version"]
    made = []
    for spec, target in zip(INSTITUTIONS, DEMO_ORDERS, strict=False):
        body = spec["products"][0]
        product = find_product(api, spec["institution"]["name"], body["name"])
        amount = min(100, body["amount_max"])
        term = max(body["term_min_months"], min(12, body["term_max_months"]))
        api.token = enterprise_token
        order = api.expect(api.call("POST", "/orders", json={
            "product_id": product["id"], "amount": amount, "term_months": term,
            "purpose": "购买原材料、扩大发制品出口生产", "credit_authorization": {"version": version},
            "contact_name": DEMO_ENTERPRISE["contact_name"], "contact_phone": DEMO_ENTERPRISE["phone"]}), 201).json()
        api.token = staff_tokens[spec["admin"]["phone"]]
        path = f"/orders/{order['id']}"
        if target == "terminated":
            api.expect(api.call("POST", f"{path}/terminate", json={"reason": "企业资金需求已通过其他渠道解决"}), 200)
        if target in ("accepted", "credit_granted", "disbursed"):
            api.expect(api.call("POST", f"{path}/accept"), 200)
        if target in ("credit_granted", "disbursed"):
            api.expect(api.call("POST", f"{path}/grant", json={
                "amount": amount, "rate": body["rate_min"], "term_months": term}), 200)
        if target == "disbursed":
            today = time.strftime("%Y-%m-%d", time.gmtime(time.time() + 8 * 3600))  # China date
            api.expect(api.call("POST", f"{path}/disburse", json={"amount": amount, "disbursed_on": today}), 200)
        made.append((spec["institution"]["name"], body["name"], STATE_LABELS[target]))
    return made


# What the 许昌市 government runs (贷款监测's instruments and 政策资讯), created unless one of that name exists.
def _year(offset: int) -> str:
    return f"{time.gmtime().tm_year + offset}"


def _days_ago(days: int) -> str:
    """A day in the demo's past year: a policy dated so is published, whatever day the demo runs."""
    return (datetime.date.today() - datetime.timedelta(days=days)).isoformat()


INSTRUMENTS = [
    ("/funds", "name", {"name": "许昌市普惠小微风险补偿资金池", "region_code": "411000", "budget": 2000,
                        "share_percent": 40, "cap_per_loan": 100, "institution_types": ["bank"],
                        "loans_from": f"{_year(-1)}-01-01", "loans_to": f"{_year(1)}-12-31",
                        "claims_until": f"{_year(2)}-12-31"}),
    ("/subsidy-programs", "name", {"name": "许昌市小微企业首贷贴息", "region_code": "411000", "share_percent": 50,
                                   "cap_per_enterprise": 5, "budget": 500, "loans_from": f"{_year(-1)}-01-01",
                                   "loans_to": f"{_year(1)}-12-31", "apply_until": f"{_year(2)}-12-31"}),
    ("/policies", "title", {"title": "许昌市支持小微企业融资若干措施", "issuer": "许昌市发展和改革委员会",
                            "region_code": "411000", "published_on": _days_ago(330), "valid_until": None,
                            "body": "对首次获得银行贷款的小微企业给予贷款利息 50% 的贴息，单户每年最高 5 万元；"
                                    "设立普惠小微风险补偿资金池，对合作银行的小微企业贷款损失给予 40% 的补偿。"}),
    ("/policies", "title", {"title": "许昌市发制品产业链金融服务指引", "issuer": "许昌市地方金融监督管理局",
                            "region_code": "411000", "published_on": _days_ago(260), "valid_until": None,
                            "body": "鼓励银行机构围绕发制品产业链开发仓单质押、出口订单融资等产品，"
                                    "对链上小微企业优先受理、限时办结。"}),
]


def create_instruments(api: Client, government_token: str) -> list[tuple[str, str]]:
    """The risk compensation fund, the 首贷贴息 programme and two policies, as the 许昌市 government."""
    api.token = government_token
    made = []
    for path, key, body in INSTRUMENTS:
        listing = path + ("/managed" if path == "/policies" else "")
        items = api.expect(api.call("GET", listing, params={"per_page": 100}), 200).json()["items"]
        if any(item.get(key) == body[key] for item in items):
            made.append((body[key], "已存在"))
            continue
        deadline = time.monotonic() + WAIT_SECONDS
        while True:  # loan-service learns of the regions through events, as product-service does
            resp = api.call("POST", path, json=body)
            if resp.status_code != 422 or time.monotonic() > deadline:
                break
            time.sleep(1)
        api.expect(resp, 201)
        made.append((body[key], "已创建"))
    return made


# `flask seed-demo-history`'s exit statuses: no demo marker (xyd_common.demo_data), and "try again".
NOT_A_DEMO_DATABASE = 3
TRY_AGAIN = 75
FLASK = Path(sys.executable).with_name("flask")


def seed_history(package: str, *args: str) -> str:
    """Run `flask --app <package> seed-demo-history` (the service's settings from this environment, as
    `make run` gives them); what it printed, or why it did not run."""
    deadline = time.monotonic() + WAIT_SECONDS
    env = {**_local_secrets(), **os.environ}
    while True:
        result = subprocess.run([str(FLASK), "--app", package, "seed-demo-history", *args], capture_output=True,
                                text=True, timeout=600, env=env)
        if result.returncode == 0:
            return result.stdout.strip().splitlines()[-1]
        if result.returncode == NOT_A_DEMO_DATABASE:
            return "未写入（不是演示数据库：首次启动平台时设置 DEMO_DATA=true 才能写入一年的历史数据）"
        if result.returncode != TRY_AGAIN or time.monotonic() > deadline:
            raise DemoError(f"{package} seed-demo-history 失败：{result.stdout}{result.stderr}")
        time.sleep(1)


def print_logins() -> None:
    """Every demo login, in one table."""
    rows = [("平台管理员", "平台管理员", ADMIN_PHONE, "BOOTSTRAP_ADMIN_PASSWORD 的值")]
    rows += [("金融机构", f"{spec['institution']['name']} {spec['admin']['name']}", spec["admin"]["phone"],
              DEMO_PASSWORD) for spec in INSTITUTIONS]
    rows += [("政府部门", f"{spec['department']} {spec['name']}", spec["phone"], DEMO_PASSWORD)
             for spec in GOVERNMENT_USERS]
    rows.append(("企业（已认证、白名单）", f"{DEMO_ENTERPRISE['enterprise_name']} {DEMO_ENTERPRISE['contact_name']}",
                 DEMO_ENTERPRISE["phone"], DEMO_PASSWORD))
    print("\n演示账号（登录均需短信验证码，开发环境见 GET /api/v1/dev/sms?phone=…）：")
    print(f"  {'角色':　<10} {'名称':　<24} {'手机号':<12} 密码")
    for role, name, phone, password in rows:
        print(f"  {role:　<10} {name:　<24} {phone:<12} {password}")


def main() -> int:
    if not ADMIN_PASSWORD:
        print("请设置 BOOTSTRAP_ADMIN_PASSWORD（平台管理员 " + ADMIN_PHONE + " 的密码）后再运行 make demo。",
              file=sys.stderr)
        return 2
    api = Client()
    try:
        print(f"信易贷演示数据 → {GATEWAY}")
        pair = api.login(ADMIN_PHONE, ADMIN_PASSWORD)
        if pair["user"]["must_change_password"]:
            raise DemoError(f"管理员 {ADMIN_PHONE} 须先修改初始密码，再用新密码运行 make demo")
        print("平台管理员已登录")
        create_regions(api)
        credit = import_credit_data(api)
        print("  信用数据：" + "，".join(f"{label} {credit['imported'][k]} 条（新增或更新 {credit['changed'][k]} 条）"
                                    for k, label in CREDIT_KINDS.items()))
        outcome, enterprise_token = verified_demo_enterprise(api, api.token)
        print(f"  演示企业 {DEMO_ENTERPRISE['enterprise_name']}：{outcome}")
        admin_token = api.token
        new_staff = {spec["admin"]["phone"] for spec in INSTITUTIONS if create_institution(api, spec)}
        new_staff |= {spec["phone"] for spec in GOVERNMENT_USERS if create_government_user(api, spec)}
        staff_tokens = {}
        published = []
        for spec in INSTITUTIONS:
            phone = spec["admin"]["phone"]
            staff_tokens[phone] = log_in_staff(api, phone, phone in new_staff)
            for name, outcome in publish_products(api, spec["products"]):
                published.append((spec["institution"]["name"], name, outcome))
        government_tokens = [log_in_staff(api, spec["phone"], spec["phone"] in new_staff)
                             for spec in GOVERNMENT_USERS]
        instruments = create_instruments(api, government_tokens[0])
        orders = demo_orders(api, enterprise_token, staff_tokens)
        api.token = admin_token
        products = sum(len(spec["products"]) for spec in INSTITUTIONS)
        history = seed_history("order_service", "--expect-products", str(products),
                               "--enterprises", os.environ.get("DEMO_ENTERPRISES", "240"),
                               "--orders-per-month", os.environ.get("DEMO_ORDERS_PER_MONTH", "40"))
        loans = seed_history("loan_service")
        # The history's events (loans opened, repaid, overdue) reach notification-service before any
        # sign-in code asked for after them: wait until one gets through, so the demo logins work at once.
        api.sms_code(ADMIN_PHONE)
    except DemoError as exc:
        print(f"\n演示数据未能完成：{exc}", file=sys.stderr)
        return 1

    print("\n产品：")
    for institution, name, outcome in published:
        print(f"  {institution:　<14} {name:　<10} {outcome}")
    print(f"\n{DEMO_ENTERPRISE['enterprise_name']}的融资订单：")
    for institution, name, state in orders:
        print(f"  {institution:　<14} {name:　<10} {state}")
    print("\n风险补偿、贴息与政策：" + "；".join(f"{name} {outcome}" for name, outcome in instruments))
    print(f"\n历史数据：{history}；{loans}")
    print_logins()
    print(f"\n金融超市：{API}/market/products")
    return 0


if __name__ == "__main__":
    sys.exit(main())

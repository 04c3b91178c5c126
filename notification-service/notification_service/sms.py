"""SMS templates and the providers that deliver them.

Chinese SMS gateways only send pre-approved templates: an SMS is a template id plus named parameters.
`TEMPLATES` is the one list of them; the `http` provider hands the id and parameters to the gateway,
the `console` provider renders the text itself and writes it to the log (local runs and tests).
"""

import logging
from typing import Protocol

import requests
from flask import current_app
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

log = logging.getLogger(__name__)

TEMPLATES = {
    "verification_code": "【许昌信易贷】您的验证码为{code}，{minutes}分钟内有效。如非本人操作，请忽略本短信。",
    "login_code": "【许昌信易贷】您正在登录，验证码为{code}，{minutes}分钟内有效。如非本人操作，请忽略本短信。",
    "register_code": "【许昌信易贷】您正在注册信易贷平台账号，验证码为{code}，{minutes}分钟内有效。"
                     "如非本人操作，请忽略本短信。",
    "reset_password_code": "【许昌信易贷】您正在重置登录密码，验证码为{code}，{minutes}分钟内有效。"
                           "请勿将验证码告知他人。如非本人操作，请忽略本短信。",
    "apply_code": "【许昌信易贷】您正在申请金融机构入驻信易贷平台，验证码为{code}，{minutes}分钟内有效。"
                  "如非本人操作，请忽略本短信。",
    # 申请入驻 decisions, to the applying institution's contact phone (see notices.application_sms).
    "institution_application_approved": "【许昌信易贷】{name}的入驻申请已通过审核。请以本手机号从信易贷平台"
                                        "“金融机构”入口登录，初始密码请向平台管理部门获取，首次登录须修改密码。",
    "institution_application_rejected": "【许昌信易贷】{name}的入驻申请未通过审核，原因：{reason}。"
                                        "可修改后重新提交申请。",
    # Order notices to the applying enterprise (see notices.ORDER_SMS_TEMPLATES).
    "order_accepted": "【许昌信易贷】您申请的“{product_name}”（订单号{order_no}）已由{institution_name}受理，"
                      "请保持电话畅通。详情请登录信易贷平台查看。",
    "order_credit_granted": "【许昌信易贷】您申请的“{product_name}”（订单号{order_no}）已获{institution_name}"
                            "授信{amount}万元，年利率{rate}%，期限{term_months}个月。详情请登录信易贷平台查看。",
    "order_terminated": "【许昌信易贷】您申请的“{product_name}”（订单号{order_no}）已被{institution_name}终止，"
                        "原因：{reason}。详情请登录信易贷平台查看。",
    # Loan reminders to the borrowing enterprise (see notices.loan_sms).
    "loan_instalment_due_soon": "【许昌信易贷】您的“{product_name}”（订单号{order_no}）将于{due_on}到期"
                                "应还{amount}万元，请按时还款。详情请登录信易贷平台查看。",
    "loan_overdue": "【许昌信易贷】您的“{product_name}”（订单号{order_no}）已逾期{days_past_due}天，请尽快还款，"
                    "逾期90天以上将计入信用记录。详情请登录信易贷平台查看。",
    "order_returned": "【许昌信易贷】您申请的“{product_name}”（订单号{order_no}）被{institution_name}退回补正，"
                      "需补充：{items}。请登录信易贷平台补正后重新提交。",
    # 督办: to the institution's users (see notices.urge_sms).
    "order_urged": "【许昌信易贷】政府部门督办订单{order_no}（“{product_name}”），请尽快登录信易贷平台办理。",
    # 推荐清单: to the institution's users when the government pushes a need to it (see notices.push_sms).
    "need_pushed": "【许昌信易贷】政府部门向贵机构推荐了{enterprise_name}的融资需求，请于{due_on}前登录信易贷平台"
                   "在“推荐清单”中答复。",
    # 企业认证 decisions (see notices.verification_sms).
    "enterprise_verified": "【许昌信易贷】{enterprise_name}的企业认证已通过审核，现在可以登录信易贷平台申请融资产品。",
    "enterprise_verification_rejected": "【许昌信易贷】{enterprise_name}的企业认证未通过，原因：{reason}。"
                                        "详情请登录信易贷平台查看。",
    # Decisions on an enterprise's dispute (异议) about a credit record (see notices.dispute_sms).
    "dispute_upheld": "【许昌信易贷】您对信用记录“{title}”提出的异议经审核成立，详情请登录信易贷平台查看。",
    "dispute_rejected": "【许昌信易贷】您对信用记录“{title}”提出的异议经审核未获支持，详情请登录信易贷平台查看。",
}

# The template of each verification-code purpose auth-service sends; any other purpose gets the
# generic one.
CODE_TEMPLATES = {
    "login": "login_code",
    "register": "register_code",
    "reset_password": "reset_password_code",
    "apply": "apply_code",
}

# Parameters that are secrets: never logged, never stored in clear except by the console provider.
SECRET_PARAMS = frozenset({"code"})
MASK = "******"

# Gateway answers worth another try within the same delivery; any other non-2xx fails at once and
# the event is redelivered later.
RETRY_STATUSES = (408, 429, 500, 502, 503, 504)


class SmsTemplateError(ValueError):
    """An unknown template, or a parameter the template needs is missing. Retrying cannot help."""


class SmsDeliveryError(RuntimeError):
    """The gateway could not be reached or refused the SMS. It may work later."""


def render(template_id: str, params: dict) -> str:
    """The SMS text of a template with its parameters filled in."""
    try:
        return TEMPLATES[template_id].format_map(params)
    except KeyError as exc:
        if template_id not in TEMPLATES:
            raise SmsTemplateError(f"unknown SMS template {template_id!r}") from None
        raise SmsTemplateError(f"SMS template {template_id!r} needs parameter {exc.args[0]!r}") from None


def masked(params: dict) -> dict:
    return {name: MASK if name in SECRET_PARAMS else value for name, value in params.items()}


class _MaskMissing(dict):
    def __missing__(self, name):
        return MASK


def masked_text(template_id: str, params: dict) -> str:
    """The text with its secret parameters, and any it lacks, masked: fit to be stored or logged."""
    return render(template_id, _MaskMissing(masked(params)))


def masked_phone(phone: str) -> str:
    return phone[:3] + "****" + phone[-4:] if len(phone) == 11 else "****"


class SmsProvider(Protocol):
    name: str
    # Whether the platform may keep the SMS text with its secrets (only where nothing real is sent).
    keeps_secrets: bool

    def send(self, phone: str, template_id: str, params: dict) -> None:
        """Deliver one SMS; raise SmsDeliveryError if it did not go out."""


class ConsoleProvider:
    """Sends nothing: writes the rendered text to the log, for local runs and tests."""

    name = "console"
    keeps_secrets = True

    def send(self, phone: str, template_id: str, params: dict) -> None:
        log.info("console SMS to %s: %s", phone, render(template_id, params))


class HttpProvider:
    """POSTs `{phone, template_id, params}` as JSON to the SMS gateway at `url`.

    Connection failures and the answers in RETRY_STATUSES are retried `retries` times with back-off;
    any non-2xx answer after that raises SmsDeliveryError."""

    name = "http"
    keeps_secrets = False

    def __init__(self, url: str, timeout: float = 5.0, retries: int = 2, backoff_factor: float = 0.5):
        self.url = url
        self.timeout = timeout
        retry = Retry(total=retries, connect=retries, read=retries, status=retries,
                      status_forcelist=RETRY_STATUSES, allowed_methods=frozenset({"POST"}),
                      backoff_factor=backoff_factor, raise_on_status=False,
                      # A gateway asking for a long pause must not stall the consumer: the event
                      # is redelivered later anyway.
                      retry_after_max=10)
        self.session = requests.Session()
        adapter = HTTPAdapter(max_retries=retry)
        self.session.mount("http://", adapter)
        self.session.mount("https://", adapter)

    def send(self, phone: str, template_id: str, params: dict) -> None:
        body = {"phone": phone, "template_id": template_id, "params": params}
        try:
            # No redirects: requests would turn a redirected POST into a GET and report success.
            response = self.session.post(self.url, json=body, timeout=self.timeout, allow_redirects=False)
        except requests.RequestException as exc:
            # The message names the failure, never the request body (it holds the code).
            raise SmsDeliveryError(f"SMS gateway unreachable ({exc.__class__.__name__})") from None
        if not 200 <= response.status_code < 300:
            raise SmsDeliveryError(f"SMS gateway answered {response.status_code}")


def build_provider(config) -> SmsProvider:
    if config["SMS_PROVIDER"] == "console":
        return ConsoleProvider()
    return HttpProvider(config["SMS_HTTP_URL"], timeout=config["SMS_HTTP_TIMEOUT"],
                        retries=config["SMS_HTTP_RETRIES"])


def sms_provider(app=None) -> SmsProvider:
    """The app's provider, built once from its settings."""
    app = app or current_app
    provider = app.extensions.get("xyd_sms_provider")
    if provider is None:
        provider = app.extensions["xyd_sms_provider"] = build_provider(app.config)
    return provider

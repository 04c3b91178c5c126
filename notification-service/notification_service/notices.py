"""What each event tells whom, in Chinese: the in-app notices and the SMS of order, loan and risk events.

The SMS wording itself is in sms.TEMPLATES (gateways send only approved templates); here is which
template an order event uses and with which parameters."""

from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from xyd_common.labels import RISK_LEVEL_NAMES, RISK_TAG_NAMES

# Order events that concern the institution (its users are told) and the enterprise (its users are).
INSTITUTION_ORDER_EVENTS = ("order.submitted", "order.accept_overdue", "order.urged", "order.resubmitted")
ENTERPRISE_ORDER_EVENTS = ("order.accepted", "order.credit_granted", "order.disbursed", "order.terminated",
                           "order.withdrawn", "order.returned")
# The order events important enough for an SMS to the enterprise, and the template of each.
ORDER_SMS_TEMPLATES = {
    "order.accepted": "order_accepted",
    "order.credit_granted": "order_credit_granted",
    "order.terminated": "order_terminated",
    "order.returned": "order_returned",
}
SMS_REASON_LENGTH = 60  # an SMS is billed per 70 characters; the full reason is in the in-app notice


def _shortened(text: str) -> str:
    return text if len(text) <= SMS_REASON_LENGTH else text[:SMS_REASON_LENGTH - 1] + "…"


def _items(data: dict) -> str:
    """The documents a return asks for, as one Chinese list (顿号)."""
    return "、".join(str(item) for item in data.get("items") or []) or "未列明"


@dataclass(frozen=True)
class Notice:
    kind: str
    title: str
    body: str
    data: dict = field(default_factory=dict)


def wan(value) -> str:
    """An amount in 万元 as people write it: 100, 12.5 (no trailing zeros, never scientific)."""
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError):
        return str(value)
    return format(number.normalize(), "f")


def _text(data: dict, name: str, default: str = "") -> str:
    value = data.get(name)
    return default if value is None else str(value)


def _order_data(data: dict) -> dict:
    return {"order_id": data.get("order_id"), "order_no": data.get("order_no"), "status": data.get("status")}


def order_notice(event_type: str, data: dict) -> Notice | None:
    """The notice an order event makes, or None for one that notifies nobody."""
    kind = event_type.replace(".", "_")
    product = _text(data, "product_name")
    order_no = _text(data, "order_no")
    enterprise = _text(data, "enterprise_name", _text(data, "enterprise_uscc"))
    institution = _text(data, "institution_name", "金融机构")
    about = f"您申请的“{product}”（订单号{order_no}）"
    if event_type == "order.submitted":
        return Notice(kind, "新的融资申请",
                      f"{enterprise}申请了贵机构的“{product}”，金额{wan(data.get('amount'))}万元，"
                      f"期限{_text(data, 'term_months')}个月（订单号{order_no}），请在受理期限内处理。",
                      _order_data(data))
    if event_type == "order.accept_overdue":
        return Notice(kind, "融资申请受理超时",
                      f"{enterprise}申请的“{product}”（订单号{order_no}）已超过受理期限仍未受理，请尽快处理。",
                      _order_data(data))
    if event_type == "order.urged":
        return Notice(kind, "订单督办",
                      f"政府部门督办{enterprise}申请的“{product}”（订单号{order_no}）："
                      f"{_text(data, 'message')}。请尽快办理。", {**_order_data(data), "message": data.get("message")})
    if event_type == "order.accepted":
        return Notice(kind, "融资申请已受理", f"{about}已由{institution}受理，请留意机构的联系。", _order_data(data))
    if event_type == "order.credit_granted":
        return Notice(kind, "融资申请已获授信",
                      f"{about}已获{institution}授信{wan(data.get('granted_amount'))}万元，"
                      f"年利率{_text(data, 'granted_rate')}%，期限{_text(data, 'granted_term_months')}个月。",
                      _order_data(data))
    if event_type == "order.disbursed":
        return Notice(kind, "贷款已发放",
                      f"{about}已放款{wan(data.get('disbursed_amount'))}万元，放款日期{_text(data, 'disbursed_on')}。",
                      _order_data(data))
    if event_type == "order.terminated":
        return Notice(kind, "融资申请已终止",
                      f"{about}已被{institution}终止，原因：{_text(data, 'reason', '未说明')}。",
                      _order_data(data))
    if event_type == "order.withdrawn":
        return Notice(kind, "融资申请已撤回", f"您已撤回{about[2:]}。", _order_data(data))
    if event_type == "order.returned":
        return Notice(kind, "融资申请被退回补正",
                      f"{about}被{institution}退回补正，原因：{_text(data, 'reason', '未说明')}；"
                      f"需补充：{_items(data)}。请补正后重新提交。",
                      {**_order_data(data), "reason": data.get("reason"), "items": list(data.get("items") or [])})
    if event_type == "order.resubmitted":
        note = _text(data, "note")
        return Notice(kind, "融资申请已补正",
                      f"{enterprise}已补正“{product}”（订单号{order_no}）的申请材料并重新提交"
                      f"{'：' + note if note else ''}，受理截止日为 {_text(data, 'accept_deadline')}"
                      "（含当日），请及时处理。",
                      _order_data(data))
    return None


def order_sms(event_type: str, data: dict) -> tuple[str, dict] | None:
    """(template id, parameters) of the SMS an order event sends the enterprise, or None."""
    template_id = ORDER_SMS_TEMPLATES.get(event_type)
    if template_id is None:
        return None
    params = {"order_no": _text(data, "order_no"), "product_name": _text(data, "product_name"),
              "institution_name": _text(data, "institution_name", "金融机构")}
    if event_type == "order.credit_granted":
        params.update(amount=wan(data.get("granted_amount")), rate=_text(data, "granted_rate"),
                      term_months=_text(data, "granted_term_months"))
    elif event_type == "order.terminated":
        params["reason"] = _shortened(_text(data, "reason", "未说明"))
    elif event_type == "order.returned":
        params["items"] = _shortened(_items(data))
    return template_id, params


# Loan events (loan-service) that concern the enterprise (in the app and by SMS, with this template)
# and the institution (its users, in the app).
ENTERPRISE_LOAN_SMS_TEMPLATES = {
    "loan.instalment_due_soon": "loan_instalment_due_soon",
    "loan.overdue": "loan_overdue",
}
INSTITUTION_LOAN_EVENTS = ("loan.non_performing",)


def _loan_data(data: dict) -> dict:
    return {"loan_id": data.get("loan_id"), "order_id": data.get("order_id"), "order_no": data.get("order_no"),
            "status": data.get("status")}


def loan_notice(event_type: str, data: dict, product_name: str | None, enterprise_name: str | None) -> Notice | None:
    """The notice a loan event makes (the product and enterprise names from the order, where known), or
    None for one that notifies nobody."""
    kind = event_type.replace(".", "_")
    order_no = _text(data, "order_no")
    loan = f"您的“{product_name}”贷款（订单号{order_no}）" if product_name else f"您的贷款（订单号{order_no}）"
    outstanding = wan(data.get("outstanding_principal"))
    if event_type == "loan.instalment_due_soon":
        # `due_on` and `amount` (what is left of the instalment): the step's own fields.
        instalment = f"第{_text(data, 'instalment_no')}期" if data.get("instalment_no") is not None else "本期"
        return Notice(kind, "还款提醒",
                      f"{loan}{instalment}将于{_text(data, 'due_on')}到期，应还{wan(data.get('amount'))}万元，"
                      "请提前备足资金、按时还款。",
                      {**_loan_data(data), "instalment_no": data.get("instalment_no"), "due_on": data.get("due_on")})
    if event_type == "loan.overdue":
        return Notice(kind, "贷款已逾期",
                      f"{loan}已逾期{_text(data, 'days_past_due')}天，未还本金{outstanding}万元。"
                      "请尽快联系贷款机构还款，逾期 90 天以上将计入信用记录。", _loan_data(data))
    if event_type == "loan.non_performing":
        who = enterprise_name or _text(data, "enterprise_name", _text(data, "enterprise_uscc"))
        return Notice(kind, "贷款转为不良",
                      f"{who}的贷款（订单号{order_no}）已逾期{_text(data, 'days_past_due')}天，转为不良贷款，"
                      f"未还本金{outstanding}万元。请及时处置（清收、核销或申请风险补偿）。", _loan_data(data))
    return None


def policy_notice(data: dict) -> Notice:
    """A published policy that matches the enterprise (政策资讯)."""
    issuer = _text(data, "issuer")
    return Notice("policy_published", "新政策推荐",
                  f"{issuer}发布了与贵企业相符的政策《{_text(data, 'title')}》，可在“为我推荐”或“政策资讯”中查看详情。",
                  {"policy_id": data.get("id")})


def loan_sms(event_type: str, data: dict, product_name: str | None) -> tuple[str, dict] | None:
    """(template id, parameters) of the SMS a loan event sends the enterprise, or None."""
    template_id = ENTERPRISE_LOAN_SMS_TEMPLATES.get(event_type)
    if template_id is None:
        return None
    params = {"order_no": _text(data, "order_no"), "product_name": product_name or "贷款"}
    if event_type == "loan.instalment_due_soon":
        params.update(due_on=_text(data, "due_on"), amount=wan(data.get("amount")))
    else:
        params["days_past_due"] = _text(data, "days_past_due")
    return template_id, params


def risk_notice(data: dict, enterprise_name: str | None, order_nos: list[str]) -> Notice:
    """The notice to an institution with open orders of an enterprise whose risk level changed."""
    uscc = _text(data, "uscc")
    level = RISK_LEVEL_NAMES.get(data.get("level"), _text(data, "level"))
    previous = RISK_LEVEL_NAMES.get(data.get("previous_level"), _text(data, "previous_level", "未知"))
    tags = [RISK_TAG_NAMES.get(tag, str(tag)) for tag in data.get("tags") or []]
    tag_text = f"（{'、'.join(tags)}）" if tags else ""
    who = f"{enterprise_name}（{uscc}）" if enterprise_name else uscc
    # credit-service also announces new risk tags at an unchanged level.
    change = (f"的风险等级由{previous}变为{level}{tag_text}" if data.get("level") != data.get("previous_level")
              else f"的风险信息有更新，当前风险等级为{level}{tag_text}")
    return Notice("risk_changed", "企业风险等级变化",
                  f"{who}{change}。该企业在贵机构有未办结的融资申请（订单号{'、'.join(order_nos)}），请关注。",
                  {"uscc": uscc, "level": data.get("level"), "previous_level": data.get("previous_level"),
                   "tags": list(data.get("tags") or []), "order_nos": order_nos})


CLOSED_CLAIM_REASON = "该统一社会信用代码已由其他账户完成认证"


def verification_notice(data: dict) -> Notice:
    """The notice to an enterprise account whose verification request was decided (or whose claim on
    a USCC another account's approval closed)."""
    name = _text(data, "enterprise_name", _text(data, "uscc"))
    facts = {"uscc": data.get("uscc"), "status": data.get("status"), "verification_id": data.get("verification_id")}
    if data.get("status") == "approved":
        return Notice("enterprise_verified", "企业认证已通过",
                      f"{name}的企业认证已通过审核，现在可以申请融资产品、查看本企业信用记录。", facts)
    if data.get("closed_by_owner"):
        return Notice("enterprise_verification_closed", "企业认证申请已关闭",
                      f"{name}（{_text(data, 'uscc')}）{CLOSED_CLAIM_REASON}，您的认领已关闭。"
                      "如您确为该企业人员，请联系企业的账户管理人；您也可以认证其他企业。", facts)
    return Notice("enterprise_verification_rejected", "企业认证未通过",
                  f"{name}的企业认证未通过审核，原因：{_text(data, 'reason', '未说明')}。请修改后重新提交。", facts)


def verification_sms(data: dict) -> tuple[str, dict]:
    """(template id, parameters) of the SMS about a verification decision."""
    name = _text(data, "enterprise_name", _text(data, "uscc"))
    if data.get("status") == "approved":
        return "enterprise_verified", {"enterprise_name": name}
    reason = CLOSED_CLAIM_REASON if data.get("closed_by_owner") else _text(data, "reason", "未说明")
    reason = reason if len(reason) <= SMS_REASON_LENGTH else reason[:SMS_REASON_LENGTH - 1] + "…"
    return "enterprise_verification_rejected", {"enterprise_name": name, "reason": reason}


def application_sms(data: dict) -> tuple[str, dict]:
    """(template id, parameters) of the SMS to an institution whose application to join was decided."""
    name = _text(data, "name", _text(data, "uscc"))
    if data.get("status") == "approved":
        return "institution_application_approved", {"name": name}
    reason = _text(data, "reason", "未说明")
    reason = reason if len(reason) <= SMS_REASON_LENGTH else reason[:SMS_REASON_LENGTH - 1] + "…"
    return "institution_application_rejected", {"name": name, "reason": reason}


def application_review_notice(data: dict) -> Notice:
    """The notice to reviewers that an institution applied to join (申请入驻) and waits for them."""
    return Notice("institution_application_submitted", "新的机构入驻申请待审核",
                  f"{_text(data, 'name')}（统一社会信用代码 {_text(data, 'uscc')}）申请入驻平台，"
                  f"联系人 {_text(data, 'contact_name')}，请在“申请入驻审核”中处理。",
                  {"application_id": data.get("application_id"), "region_code": data.get("region_code")})


def dispute_review_notice(data: dict) -> Notice:
    """The notice to reviewers that an enterprise disputed one of its credit records (异议)."""
    return Notice("dispute_opened", "新的信用记录异议待处理",
                  f"企业（统一社会信用代码 {_text(data, 'uscc')}）对信用记录“{_text(data, 'title')}”提出异议，"
                  f"请在“信用异议处理”中核实并作出决定。",
                  {"dispute_id": data.get("dispute_id"), "record_id": data.get("record_id")})


def dispute_notice(data: dict) -> Notice:
    """The notice to an enterprise whose dispute about a credit record was decided."""
    title = _text(data, "title")
    facts = {"dispute_id": data.get("dispute_id"), "record_id": data.get("record_id"), "status": data.get("status")}
    if data.get("status") == "upheld":
        return Notice("dispute_upheld", "信用记录异议成立",
                      f"您对信用记录“{title}”提出的异议经审核成立，该记录已更正或不再向金融机构展示。"
                      f"{_text(data, 'note')}", facts)
    return Notice("dispute_rejected", "信用记录异议未获支持",
                  f"您对信用记录“{title}”提出的异议经审核未获支持，理由：{_text(data, 'note', '未说明')}。", facts)


def dispute_sms(data: dict) -> tuple[str, dict]:
    title = _text(data, "title")
    title = title if len(title) <= 30 else title[:29] + "…"
    return ("dispute_upheld" if data.get("status") == "upheld" else "dispute_rejected"), {"title": title}


def urge_sms(data: dict) -> tuple[str, dict]:
    """(template id, parameters) of the SMS to the institution's users about an urged order."""
    return "order_urged", {"order_no": _text(data, "order_no"), "product_name": _text(data, "product_name")}


def need_notice(event_type: str, data: dict) -> Notice | None:
    """The notice of a financing-need event: institutions serving the region hear of a new need; the
    enterprise hears that an institution claimed it."""
    facts = {"need_id": data.get("need_id"), "order_id": data.get("order_id"), "status": data.get("status")}
    amount, term = wan(data.get("amount")), _text(data, "term_months")
    if event_type == "need.posted":
        return Notice("need_posted", "新的融资需求",
                      f"贵机构产品服务的地区有企业发布了融资需求：{amount}万元，期限{term}个月，欢迎受理。", facts)
    if event_type == "need.claimed":
        return Notice("need_claimed", "融资需求已被受理",
                      f"您发布的融资需求（{amount}万元，{term}个月）已由金融机构受理，已生成订单，请留意机构的联系。",
                      facts)
    return None


def push_notice(event_type: str, data: dict) -> Notice | None:
    """The notices of a 推荐清单 push: to the institution (a new push; its date passed), to the
    government user who pushed it (its answer; its date passed) and to the enterprise (accepted)."""
    facts = {"push_id": data.get("push_id"), "need_id": data.get("need_id"), "order_id": data.get("order_id"),
             "status": data.get("status")}
    enterprise, institution = _text(data, "enterprise_name"), _text(data, "institution_name")
    need = f"{enterprise}的融资需求（{wan(data.get('amount'))}万元，{_text(data, 'term_months')}个月）"
    if event_type == "need.pushed":
        return Notice("need_pushed", "政府部门向贵机构推荐了融资需求",
                      f"政府部门向贵机构推荐了{need}，请于{_text(data, 'due_on')}前在“推荐清单”中接受或说明原因拒绝。"
                      f"{_text(data, 'note')}", facts)
    if event_type == "need.push_overdue":
        return Notice("need_push_overdue", "推荐的融资需求已超期未答复",
                      f"推荐给{institution}的{need}已超过答复截止日{_text(data, 'due_on')}，尚未答复。", facts)
    if event_type == "need.push_accepted":
        return Notice("need_push_accepted", "推荐的融资需求已被受理",
                      f"{institution}已接受{need}，已生成融资订单。", facts)
    if event_type == "need.push_declined":
        return Notice("need_push_declined", "推荐的融资需求被拒绝",
                      f"{institution}未接受{need}，原因：{_text(data, 'reason', '未说明')}。", facts)
    return None


def push_sms(data: dict) -> tuple[str, dict]:
    """(template id, parameters) of the SMS to the institution's users about a new push."""
    return "need_pushed", {"enterprise_name": _text(data, "enterprise_name"), "due_on": _text(data, "due_on")}

"""Every event the platform publishes: who publishes it, when, and the JSON Schema of its `data`.

This is the source of `docs/asyncapi.yaml` (`scripts/asyncapi_document.py` writes it; a test fails when
the committed document differs). The end-to-end suite records every event on the bus and validates it
against the document, and another test fails when the code records an event type listed nowhere here,
so the catalog, the document and what the services send stay one.

Schemas say what a subscriber may rely on: `required` are the fields every such event carries;
further fields may be added within a version (subscribers ignore unknown fields).
"""

from dataclasses import dataclass

from ..credit_record import RECORD_CATEGORIES
from ..labels import REPAYMENT_METHODS
from . import topology

SERVICES = ("auth-service", "product-service", "order-service", "credit-service", "notification-service",
            "loan-service")


def _nullable(schema: dict) -> dict:
    nullable = {**schema, "type": [schema["type"], "null"]}
    if "enum" in schema:
        nullable["enum"] = [*schema["enum"], None]
    return nullable


STRING = {"type": "string"}
INTEGER = {"type": "integer"}
BOOLEAN = {"type": "boolean"}
ID = {"type": "integer", "minimum": 1}
WAN_YUAN = {"type": "number", "minimum": 0, "description": "万元 (ten thousand yuan), at most 4 decimals (whole yuan)"}
RATE = {"type": "number", "minimum": 0, "description": "percent a year, at most 2 decimals"}
CHINA_DATE = {"type": "string", "format": "date", "description": "a business date in China time (YYYY-MM-DD)"}
TIMESTAMP = {"type": "string", "format": "date-time", "description": "ISO 8601, UTC"}
USCC = {"type": "string", "pattern": "^[0-9A-HJ-NPQRTUWXY]{18}$", "description": "统一社会信用代码 (GB 32100-2015)"}
REGION_CODE = {"type": "string", "pattern": "^[0-9]{6}$", "description": "GB/T 2260 administrative region"}
PHONE = {"type": "string", "pattern": "^1[3-9][0-9]{9}$"}
ORDER_STATUS = {"type": "string", "enum": ["submitted", "accepted", "credit_granted", "disbursed", "terminated",
                                            "withdrawn", "returned"]}
REPAYMENT_METHOD = {"type": "string", "enum": list(REPAYMENT_METHODS)}
RISK_LEVEL = {"type": "string", "enum": ["none", "low", "medium", "high", "unknown"]}
LOAN_STATUS = {"type": "string", "enum": ["repaying", "overdue", "non_performing", "settled", "written_off"]}


def _object(required: dict, optional: dict | None = None, description: str | None = None) -> dict:
    schema = {"type": "object", "required": list(required), "properties": {**required, **(optional or {})}}
    if description:
        schema["description"] = description
    return schema


def _with(base: str, required: tuple[str, ...] = (), **const) -> dict:
    """The data schema `base` with more fields required and some fields fixed to one value."""
    extra: dict = {}
    if required:
        extra["required"] = list(required)
    if const:
        extra["properties"] = {name: {"const": value} for name, value in const.items()}
    return {"allOf": [{"$ref": f"#/components/schemas/{base}"}, extra]} if extra else {
        "$ref": f"#/components/schemas/{base}"}


# Data schemas shared by several events (components/schemas of the document).
DATA_SCHEMAS = {
    "OrderData": _object({
        "order_id": ID, "order_no": {**STRING, "description": "XC + China date + running number"},
        "status": ORDER_STATUS, "previous_status": _nullable(ORDER_STATUS),
        "product_id": ID, "product_name": STRING, "institution_id": ID, "institution_name": STRING,
        "enterprise_uscc": USCC, "enterprise_name": STRING, "region_code": REGION_CODE,
        "amount": WAN_YUAN, "term_months": {"type": "integer", "minimum": 1}, "applicant_user_id": ID,
    }, {
        "source": {"type": "string", "enum": ["application", "need", "push"],
                   "description": "the enterprise applied for a product (application), an institution "
                                  "claimed its financing need (need), or accepted it pushed by the government (push)"},
        "credit_authorization": _nullable(_object({}, {
            "version": _nullable(INTEGER), "accepted_at": _nullable(TIMESTAMP)},
            description="the authorization text version the applicant accepted")),
        "accept_deadline": {**CHINA_DATE, "description": "the last day to accept (order.submitted)"},
        "accept_overdue": BOOLEAN,
        "reason": {**STRING, "description": "the institution's reason (order.terminated, order.returned)"},
        "items": {"type": "array", "items": STRING,
                  "description": "the documents the institution asks for (order.returned, 退回补正)"},
        "note": _nullable({**STRING, "description": "the enterprise's note on resubmitting (order.resubmitted)"}),
        "granted_amount": WAN_YUAN, "granted_rate": RATE, "granted_term_months": INTEGER,
        "disbursed_amount": WAN_YUAN, "disbursed_on": CHINA_DATE,
        "repayment_method": {**REPAYMENT_METHOD, "description": "one of the product's repayment methods "
                                                                "(order.disbursed)"},
        "renewal": {**BOOLEAN, "description": "the loan renews an earlier one, 续贷 (order.disbursed)"},
        "whitelisted": {**BOOLEAN, "description": "the enterprise was on the whitelist at disbursement "
                                                  "(order.disbursed)"},
        "submitted_at": {**TIMESTAMP, "description": "when the order was made (order.disbursed)"},
        "message": {**STRING, "description": "the government user's message (order.urged)"},
    }, "the order as it is after the change"),
    "NeedData": _object({
        "need_id": ID, "enterprise_uscc": USCC, "region_code": REGION_CODE, "amount": WAN_YUAN,
        "term_months": INTEGER,
        "status": {"type": "string", "enum": ["open", "claimed", "expired", "cancelled"]},
        "order_id": _nullable(ID), "institution_id": _nullable(ID),
    }, {
        "institution_ids": {"type": "array", "items": ID,
                            "description": "need.posted: the institutions whose active products serve the region"},
    }, "a financing need (融资需求)"),
    "PushData": _object({
        "push_id": ID, "need_id": ID, "institution_id": ID, "institution_name": STRING, "region_code": REGION_CODE,
        "enterprise_uscc": USCC, "enterprise_name": STRING, "amount": WAN_YUAN, "term_months": INTEGER,
        "status": {"type": "string", "enum": ["pending", "accepted", "declined", "overdue"]},
        "due_on": {**CHINA_DATE, "description": "the last day to answer (RECOMMENDATION_DECISION_DAYS)"},
        "note": _nullable(STRING), "reason": _nullable({**STRING, "description": "why it declined"}),
        "order_id": _nullable({**ID, "description": "the order made by accepting"}),
        "pushed_by": _nullable({**ID, "description": "the government user (or admin) who pushed it"}),
        "decided_at": _nullable(TIMESTAMP),
        "credit_authorization": _object({"version": _nullable(ID), "accepted_at": TIMESTAMP},
                                        description="the need's consent (授权书), under which the institution "
                                                    "reads the credit record from the push on"),
    }, description="a need pushed to one institution (推荐清单) as it is after the change"),
    "UserData": _object({
        "id": ID, "role": {"type": "string", "enum": ["admin", "institution", "government", "enterprise"]},
        "phone": PHONE, "name": _nullable(STRING), "institution_id": _nullable(ID),
        "enterprise_uscc": _nullable(USCC), "enterprise_name": _nullable(STRING),
        "region_code": _nullable(REGION_CODE), "status": {"type": "string", "enum": ["active", "disabled"]},
    }, {
        "verification_status": _nullable({"type": "string", "enum": ["unverified", "pending", "verified",
                                                                     "rejected"]}),
    }, "the user account as it is after the change"),
    "InstitutionData": _object({
        "id": ID, "name": STRING,
        "type": {"type": "string", "enum": ["bank", "guarantee", "microloan", "leasing", "insurance", "other"]},
        "region_code": REGION_CODE, "uscc": _nullable(USCC), "contact_name": _nullable(STRING),
        "contact_phone": _nullable(STRING), "status": {"type": "string", "enum": ["active", "disabled"]},
    }, description="the financial institution as it is after the change"),
    "ProductData": _object({
        "id": ID, "institution_id": ID, "institution_name": STRING, "name": STRING,
        "category": {"type": "string", "enum": ["loan", "guarantee", "leasing", "factoring", "insurance", "other"]},
        "guarantee_methods": {"type": "array", "items": {"type": "string", "enum": [
            "credit", "guarantee", "mortgage", "pledge"]}},
        "repayment_methods": {"type": "array", "items": REPAYMENT_METHOD},
        "amount_min": WAN_YUAN, "amount_max": WAN_YUAN, "term_min_months": INTEGER, "term_max_months": INTEGER,
        "rate_min": RATE, "rate_max": RATE, "region_codes": {"type": "array", "items": REGION_CODE},
        "status": {"type": "string", "enum": ["active", "disabled"]},
    }, {
        "target_customers": _nullable(STRING), "requirements": _nullable(STRING), "features": _nullable(STRING),
        "description": _nullable(STRING), "featured": BOOLEAN, "whitelist_only": BOOLEAN,
        "orders_count": INTEGER, "created_at": TIMESTAMP, "updated_at": TIMESTAMP,
    }, "the product as the API shows it (GET /api/v1/products/{id})"),
    "LoanData": _object({
        "loan_id": ID, "order_id": ID, "order_no": STRING, "enterprise_uscc": USCC, "enterprise_name": STRING,
        "institution_id": ID, "institution_name": STRING, "region_code": REGION_CODE, "status": LOAN_STATUS,
        "outstanding_principal": WAN_YUAN,
        "days_past_due": {"type": "integer", "minimum": 0, "description": "as of the business date"},
        "overdue_bucket": {"type": "string", "enum": ["none", "1-30", "31-90", "91+"]},
    }, {
        "principal": WAN_YUAN, "rate": RATE, "term_months": INTEGER, "repayment_method": STRING,
        "disbursed_on": CHINA_DATE, "first_loan": BOOLEAN, "renewal": BOOLEAN,
        "paid_on": CHINA_DATE, "interest": WAN_YUAN, "reference": {**STRING, "description": "the repayment's 流水号"},
        "instalment_no": INTEGER, "due_on": CHINA_DATE,
        "amount": {**WAN_YUAN, "description": "what is left of the instalment"},
        "business_date": {**CHINA_DATE, "description": "the loan-service business date the loan was aged to"},
        "settled_on": CHINA_DATE, "written_off_amount": WAN_YUAN, "written_off_on": CHINA_DATE,
        "reason": {**STRING, "description": "why it was written off (loan.written_off)"},
    }, "the loan as it is after the step, plus the step's own amounts and dates"),
    "PolicyData": _object({
        "id": ID, "title": STRING, "body": {**STRING, "description": "plain text, paragraphs"}, "issuer": STRING,
        "region_code": REGION_CODE, "region_name": _nullable(STRING), "published_on": CHINA_DATE,
        "valid_until": _nullable(CHINA_DATE),
        "status": {"type": "string", "enum": ["scheduled", "published", "withdrawn", "expired"]},
        "tags": _object({"industries": {"type": "array", "items": STRING}, "whitelisted_only": BOOLEAN,
                         "first_loan_only": BOOLEAN}),
        "links": {"type": "array", "items": _object({
            "type": {"type": "string", "enum": ["fund", "subsidy_program", "product"]}, "id": ID,
            "name": _nullable(STRING)})},
    }, {
        "withdrawn_at": _nullable(TIMESTAMP), "created_at": TIMESTAMP, "updated_at": TIMESTAMP,
        "audience": {"type": "array", "items": USCC,
                     "description": "policy.published: the verified enterprises it matches (notified in-app)"},
    }, "the policy (政策资讯) as GET /api/v1/policies/{id} shows it"),
    "DisputeData": _object({
        "dispute_id": ID, "record_id": ID, "uscc": USCC,
        "category": {"type": "string", "enum": list(RECORD_CATEGORIES)},
        "title": STRING, "status": {"type": "string", "enum": ["open", "upheld", "rejected"]},
        "note": _nullable(STRING),
    }, description="an enterprise's dispute (异议) of one of its credit records"),
    "FundData": _object({
        "fund_id": ID, "name": STRING, "region_code": REGION_CODE,
        "status": {"type": "string", "enum": ["open", "closed"]}, "budget": WAN_YUAN,
        "approved": {**WAN_YUAN, "description": "approved, not yet paid"}, "paid": WAN_YUAN,
        "available": {**WAN_YUAN, "description": "budget − approved − paid"}, "share_percent": RATE,
        "cap_per_loan": WAN_YUAN,
    }, {
        "institution_types": {"type": "array", "items": STRING}, "whitelisted_only": BOOLEAN,
        "loans_from": CHINA_DATE, "loans_to": CHINA_DATE, "claims_until": CHINA_DATE,
        "amount": {**WAN_YUAN, "description": "the top-up (fund.topped_up)"}, "note": _nullable(STRING),
    }, "a risk compensation fund (风险补偿资金池) as it is after the step"),
    "ClaimData": _object({
        "claim_id": ID, "fund_id": ID, "fund_name": STRING, "fund_region_code": REGION_CODE, "loan_id": ID,
        "order_id": ID, "order_no": STRING, "enterprise_uscc": USCC, "institution_id": ID,
        "region_code": {**REGION_CODE, "description": "the loan's region"},
        "status": {"type": "string", "enum": ["submitted", "approved", "rejected", "paid", "withdrawn"]},
        "loss_principal": WAN_YUAN, "approved_amount": _nullable(WAN_YUAN), "paid_on": _nullable(CHINA_DATE),
        "reason": _nullable(STRING),
    }, description="a claim (代偿申请) on a fund as it is after the step"),
    "SubsidyProgramData": _object({
        "program_id": ID, "name": STRING, "region_code": REGION_CODE, "rate_points": _nullable(RATE),
        "share_percent": _nullable(RATE), "first_loan_only": BOOLEAN, "whitelisted_only": BOOLEAN,
        "cap_per_enterprise": WAN_YUAN, "budget": WAN_YUAN, "approved": WAN_YUAN, "paid": WAN_YUAN,
        "loans_from": CHINA_DATE, "loans_to": CHINA_DATE, "apply_until": CHINA_DATE,
    }, description="an interest subsidy programme (贴息项目)"),
    "SubsidyApplicationData": _object({
        "application_id": ID, "program_id": ID, "program_name": STRING, "program_region_code": REGION_CODE,
        "loan_id": ID, "order_id": ID, "order_no": STRING, "enterprise_uscc": USCC, "institution_id": ID,
        "region_code": {**REGION_CODE, "description": "the loan's region"},
        "status": {"type": "string", "enum": ["submitted", "approved", "rejected", "paid"]},
        "interest_paid": WAN_YUAN, "computed_amount": WAN_YUAN, "approved_amount": _nullable(WAN_YUAN),
        "paid_on": _nullable(CHINA_DATE), "reason": _nullable(STRING),
    }, description="an enterprise's interest subsidy application as it is after the step"),
}


@dataclass(frozen=True)
class Event:
    event_type: str
    publisher: str
    summary: str
    data: dict  # a JSON Schema, usually a $ref to DATA_SCHEMAS


def _order_event(event_type: str, summary: str, required: tuple[str, ...] = (), status: str | None = None) -> Event:
    const = {"status": status} if status else {}
    return Event(event_type, "order-service", summary, _with("OrderData", required, **const))


def _need_event(event_type: str, summary: str, status: str) -> Event:
    return Event(event_type, "order-service", summary, _with("NeedData", status=status))


EVENTS: tuple[Event, ...] = (
    # order-service: loan orders (融资订单)
    _order_event("order.submitted", "an enterprise applied for a product (or an institution claimed its need)",
                 ("accept_deadline", "accept_overdue"), "submitted"),
    _order_event("order.accepted", "the institution accepted (受理) the order", status="accepted"),
    _order_event("order.credit_granted", "the institution granted credit (授信)",
                 ("granted_amount", "granted_rate", "granted_term_months"), "credit_granted"),
    _order_event("order.disbursed", "the institution disbursed the loan (放款)",
                 ("granted_amount", "granted_rate", "granted_term_months", "disbursed_amount", "disbursed_on",
                  "repayment_method", "renewal", "whitelisted", "submitted_at"), "disbursed"),
    _order_event("order.terminated", "the institution ended the order, with a reason (终止)", ("reason",),
                 "terminated"),
    _order_event("order.withdrawn", "the enterprise withdrew its application (撤回), or revoked its authorization",
                 status="withdrawn"),
    _order_event("order.accept_overdue", "the order was still not accepted after its acceptance deadline "
                 "(ORDER_ACCEPT_DAYS working days); once per order", ("accept_deadline",), "submitted"),
    _order_event("order.urged", "a government user (or the admin) urged the institution (督办); at most once per "
                 "order per 24 h", ("message",)),
    _order_event("order.returned", "the institution returned the order for more documents (退回补正), with a reason "
                 "and the items it needs", ("reason", "items"), "returned"),
    _order_event("order.resubmitted", "the enterprise resubmitted a returned order; the acceptance deadline starts "
                 "again", ("accept_deadline", "accept_overdue"), "submitted"),
    # order-service: financing needs (融资需求)
    _need_event("need.posted", "an enterprise posted a financing need", "open"),
    _need_event("need.claimed", "an institution claimed the need; order.submitted and order.accepted follow",
                "claimed"),
    _need_event("need.expired", "the need reached its end date unclaimed", "expired"),
    _need_event("need.cancelled", "its enterprise cancelled the need", "cancelled"),
    # order-service: 推荐清单, needs the government pushes to institutions
    Event("need.pushed", "order-service", "a government user pushed an open need to an institution (one event per "
          "institution; it has RECOMMENDATION_DECISION_DAYS to answer)", _with("PushData", status="pending")),
    Event("need.push_accepted", "order-service", "the institution accepted the push with a product: order.submitted "
          "(source push) follows and the need is closed for everyone", _with("PushData", status="accepted")),
    Event("need.push_declined", "order-service", "the institution declined the push, with a reason",
          _with("PushData", status="declined")),
    Event("need.push_overdue", "order-service", "the push was still unanswered after its due date; once per push "
          "(still answerable)", _with("PushData", status="overdue")),
    # auth-service
    Event("auth.user_created", "auth-service", "a user account was created (registration, admin, approval)",
          _with("UserData")),
    Event("auth.user_updated", "auth-service", "a user account changed (profile, status, verification)",
          _with("UserData")),
    Event("auth.sms_code_requested", "auth-service",
          "an SMS code is to be sent; the code is sealed for notification-service (SMS_EVENT_KEY), never in clear",
          _object({"phone": PHONE, "purpose": {"type": "string"}, "expires_in": INTEGER,
                   "sealed_code": {**STRING, "description": "Fernet token, key SMS_EVENT_KEY"}})),
    Event("auth.enterprise_verified", "auth-service",
          "a reviewer approved an enterprise account's verification (企业认证): the account owns the USCC",
          _object({"user_id": ID, "uscc": USCC, "enterprise_name": STRING, "region_code": _nullable(REGION_CODE)},
                  {"industry": _nullable({**STRING, "description": "the credit record's industry, when known"})})),
    Event("auth.enterprise_verification_decided", "auth-service",
          "a verification request was decided, or another account's approval closed a claim on the same USCC",
          _object({"user_id": ID, "verification_id": _nullable(ID), "uscc": USCC, "enterprise_name": STRING,
                   "status": {"type": "string", "enum": ["approved", "rejected"]}, "reason": _nullable(STRING),
                   "closed_by_owner": BOOLEAN})),
    Event("region.created", "auth-service", "the admin added an administrative region",
          _object({"code": REGION_CODE, "name": STRING, "parent_code": _nullable(REGION_CODE),
                   "path": {"type": "array", "items": REGION_CODE,
                            "description": "codes from the root down to the region itself"}})),
    Event("institution.created", "auth-service", "a financial institution joined the platform",
          _with("InstitutionData")),
    Event("institution.updated", "auth-service", "an institution's details changed", _with("InstitutionData")),
    Event("institution.disabled", "auth-service", "an institution was disabled (its products leave the market)",
          _with("InstitutionData", status="disabled")),
    Event("institution.enabled", "auth-service", "an institution was enabled again",
          _with("InstitutionData", status="active")),
    # 申请入驻: an institution not yet on the platform applies; a reviewer decides (approval also publishes
    # institution.created and auth.user_created).
    *(Event(event_type, "auth-service", summary, _object({
        "application_id": ID, "name": STRING, "type": STRING, "uscc": USCC, "region_code": REGION_CODE,
        "contact_name": STRING, "contact_phone": PHONE,
        "status": {"type": "string", "enum": statuses}, "reason": _nullable(STRING),
        "institution_id": _nullable(ID), "user_id": _nullable(ID)}))
      for event_type, summary, statuses in (
          ("institution.application_submitted", "an institution not yet on the platform applied to join (申请入驻)",
           ["pending"]),
          ("institution.application_decided", "a reviewer approved (institution and administrator created in the "
           "same transaction) or rejected an application to join", ["approved", "rejected"]))),
    # product-service
    Event("product.published", "product-service", "an institution published a product", _with("ProductData")),
    Event("product.updated", "product-service", "a product changed", _with("ProductData")),
    Event("product.disabled", "product-service", "a product was taken off the market",
          _with("ProductData", status="disabled")),
    Event("product.enabled", "product-service", "a product is back on the market",
          _with("ProductData", status="active")),
    Event("policy.published", "product-service", "a policy reached its publication day (政策资讯); lists the "
          "verified enterprises it matches", _with("PolicyData", ("audience",), status="published")),
    Event("policy.updated", "product-service", "a policy changed", _with("PolicyData")),
    Event("policy.withdrawn", "product-service", "a policy was withdrawn from the portal",
          _with("PolicyData", status="withdrawn")),
    # credit-service
    Event("credit.risk_changed", "credit-service", "an enterprise's risk level or tags changed",
          _object({"uscc": USCC, "level": RISK_LEVEL, "tags": {"type": "array", "items": STRING},
                   "previous_level": _nullable(RISK_LEVEL)})),
    Event("credit.whitelist_changed", "credit-service", "an enterprise entered or left the 信易贷 whitelist",
          _object({"uscc": USCC, "whitelisted": BOOLEAN, "batch": _nullable(STRING),
                   "valid_until": _nullable(CHINA_DATE)})),
    Event("credit.authorization_text_published", "credit-service",
          "the admin published a new version of the credit authorization text (授权书)",
          _object({"version": ID, "digest": STRING, "purpose": STRING,
                   "data_categories": {"type": "array", "items": STRING}, "valid_days": INTEGER,
                   "published_at": TIMESTAMP})),
    Event("credit.authorization_revoked", "credit-service",
          "the enterprise revoked an order's authorization (order-service withdraws the order unless disbursed)",
          _object({"order_id": ID, "uscc": USCC, "institution_id": ID, "revoked_by": ID, "revoked_at": TIMESTAMP})),
    Event("credit.dispute_opened", "credit-service", "an enterprise disputed one of its credit records",
          _with("DisputeData", status="open")),
    Event("credit.dispute_resolved", "credit-service", "a dispute was decided (upheld or rejected)",
          _with("DisputeData")),
    # loan-service
    Event("loan.opened", "loan-service", "a disbursed order's loan was opened with its repayment schedule",
          _with("LoanData", ("principal", "rate", "term_months", "repayment_method", "disbursed_on", "first_loan",
                             "renewal"))),
    Event("loan.repayment_recorded", "loan-service",
          "the institution recorded a repayment (one by one or imported)",
          _with("LoanData", ("paid_on", "principal", "interest", "reference"))),
    Event("loan.instalment_due_soon", "loan-service", "an unpaid instalment falls due within LOAN_DUE_SOON_DAYS "
          "(3) days of the business date; once per instalment",
          _with("LoanData", ("instalment_no", "due_on", "amount"))),
    Event("loan.overdue", "loan-service", "an instalment is unpaid after its due date (repaying → overdue)",
          _with("LoanData", ("business_date",), status="overdue")),
    Event("loan.recovered", "loan-service", "an overdue or non-performing loan was caught up (→ repaying)",
          _with("LoanData", ("business_date",), status="repaying")),
    Event("loan.non_performing", "loan-service", "the loan reached 91 days past due (不良)",
          _with("LoanData", ("business_date",), status="non_performing")),
    Event("loan.settled", "loan-service", "all principal was repaid (结清); interest not yet due is not owed",
          _with("LoanData", ("settled_on",), status="settled")),
    Event("loan.written_off", "loan-service", "the institution wrote off a non-performing loan (核销)",
          _with("LoanData", ("written_off_amount", "reason"), status="written_off")),
    # loan-service: government instruments
    Event("fund.created", "loan-service", "a government set up a risk compensation fund",
          _with("FundData", status="open")),
    Event("fund.topped_up", "loan-service", "money was added to a fund's budget", _with("FundData", ("amount",))),
    Event("fund.closed", "loan-service", "a fund was closed (no new claims or approvals)",
          _with("FundData", status="closed")),
    Event("fund.claim_submitted", "loan-service", "an institution claimed the loss on one of its bad loans",
          _with("ClaimData", status="submitted")),
    Event("fund.claim_approved", "loan-service", "the fund's officer approved an amount for a claim",
          _with("ClaimData", status="approved")),
    Event("fund.claim_rejected", "loan-service", "the fund's officer rejected a claim",
          _with("ClaimData", status="rejected")),
    Event("fund.claim_paid", "loan-service", "the approved amount of a claim was paid",
          _with("ClaimData", status="paid")),
    Event("fund.claim_withdrawn", "loan-service", "the loan was settled before its claim was paid",
          _with("ClaimData", status="withdrawn")),
    Event("subsidy.program_created", "loan-service", "a government set up an interest subsidy programme",
          _with("SubsidyProgramData")),
    Event("subsidy.application_submitted", "loan-service", "an enterprise applied for a subsidy on its loan",
          _with("SubsidyApplicationData", status="submitted")),
    Event("subsidy.application_approved", "loan-service", "the programme's officer approved a subsidy",
          _with("SubsidyApplicationData", status="approved")),
    Event("subsidy.application_rejected", "loan-service", "the programme's officer rejected an application",
          _with("SubsidyApplicationData", status="rejected")),
    Event("subsidy.application_paid", "loan-service", "the approved subsidy was paid",
          _with("SubsidyApplicationData", status="paid")),
)

BY_TYPE = {event.event_type: event for event in EVENTS}

# What webhooks may subscribe to (region-scoped): notification-service delivers only these.
WEBHOOK_EVENT_PREFIXES = ("order.", "need.", "loan.", "fund.", "subsidy.", "policy.")


def consumers(event_type: str) -> list[str]:
    """The platform's own services whose queue is bound to `event_type` (topology.QUEUES)."""
    return sorted(service for service, spec in topology.QUEUES.items() if event_type in spec.bindings)

"""Every event the platform publishes: who publishes it, when, and the JSON Schema of its `data`.

This is the source of `docs/asyncapi.yaml` (`scripts/asyncapi_document.py` writes it; a test fails when
the committed document differs). The end-to-end suite records every event on the bus and validates it
against the document, and another test fails when the code records an event type listed nowhere here,
so the catalog, the document and what the services send stay one.

Schemas say what a subscriber may rely on: `required` are the fields every such event carries;
further fields may be added within a version (subscribers ignore unknown fields).
"""

from dataclasses import dataclass

from . import topology

SERVICES = ("auth-service", "product-service", "order-service", "credit-service", "notification-service")


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
                                            "withdrawn"]}
RISK_LEVEL = {"type": "string", "enum": ["none", "low", "medium", "high", "unknown"]}


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
        "source": {"type": "string", "enum": ["application", "need"],
                   "description": "the enterprise applied for a product (application), or an institution "
                                  "claimed its financing need (need)"},
        "credit_authorization": _nullable(_object({}, {
            "version": _nullable(INTEGER), "accepted_at": _nullable(TIMESTAMP)},
            description="the authorization text version the applicant accepted")),
        "accept_deadline": {**CHINA_DATE, "description": "the last day to accept (order.submitted)"},
        "accept_overdue": BOOLEAN,
        "reason": {**STRING, "description": "the institution's reason (order.terminated)"},
        "granted_amount": WAN_YUAN, "granted_rate": RATE, "granted_term_months": INTEGER,
        "disbursed_amount": WAN_YUAN, "disbursed_on": CHINA_DATE,
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
        "repayment_methods": {"type": "array", "items": {"type": "string", "enum": [
            "equal_installment", "equal_principal", "interest_first", "bullet", "flexible"]}},
        "amount_min": WAN_YUAN, "amount_max": WAN_YUAN, "term_min_months": INTEGER, "term_max_months": INTEGER,
        "rate_min": RATE, "rate_max": RATE, "region_codes": {"type": "array", "items": REGION_CODE},
        "status": {"type": "string", "enum": ["active", "disabled"]},
    }, {
        "target_customers": _nullable(STRING), "requirements": _nullable(STRING), "features": _nullable(STRING),
        "description": _nullable(STRING), "featured": BOOLEAN, "whitelist_only": BOOLEAN,
        "orders_count": INTEGER, "created_at": TIMESTAMP, "updated_at": TIMESTAMP,
    }, "the product as the API shows it (GET /api/v1/products/{id})"),
    "DisputeData": _object({
        "dispute_id": ID, "record_id": ID, "uscc": USCC,
        "category": {"type": "string", "enum": ["administrative_license", "administrative_penalty",
                                                "dishonest_debtor", "abnormal_operation", "tax_arrears",
                                                "commendation"]},
        "title": STRING, "status": {"type": "string", "enum": ["open", "upheld", "rejected"]},
        "note": _nullable(STRING),
    }, description="an enterprise's dispute (异议) of one of its credit records"),
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
                 ("granted_amount", "granted_rate", "granted_term_months", "disbursed_amount", "disbursed_on"),
                 "disbursed"),
    _order_event("order.terminated", "the institution ended the order, with a reason (终止)", ("reason",),
                 "terminated"),
    _order_event("order.withdrawn", "the enterprise withdrew its application (撤回), or revoked its authorization",
                 status="withdrawn"),
    _order_event("order.accept_overdue", "the order was still not accepted after its acceptance deadline "
                 "(ORDER_ACCEPT_DAYS working days); once per order", ("accept_deadline",), "submitted"),
    _order_event("order.urged", "a government user (or the admin) urged the institution (督办); at most once per "
                 "order per 24 h", ("message",)),
    # order-service: financing needs (融资需求)
    _need_event("need.posted", "an enterprise posted a financing need", "open"),
    _need_event("need.claimed", "an institution claimed the need; order.submitted and order.accepted follow",
                "claimed"),
    _need_event("need.expired", "the need reached its end date unclaimed", "expired"),
    _need_event("need.cancelled", "its enterprise cancelled the need", "cancelled"),
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
          _object({"user_id": ID, "uscc": USCC, "enterprise_name": STRING, "region_code": _nullable(REGION_CODE)})),
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
)

BY_TYPE = {event.event_type: event for event in EVENTS}

# What webhooks may subscribe to (region-scoped): notification-service delivers only these.
WEBHOOK_EVENT_PREFIXES = ("order.", "need.")


def consumers(event_type: str) -> list[str]:
    """The platform's own services whose queue is bound to `event_type` (topology.QUEUES)."""
    return sorted(service for service, spec in topology.QUEUES.items() if event_type in spec.bindings)

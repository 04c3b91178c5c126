"""In-app notifications and the enterprise's SMS, made from order and risk events."""

import pytest
from sqlalchemy import select

from notification_service.models import Notification, SmsMessage, db

from .support import BANK_ID, OTHER_BANK_ID, OTHER_USCC, USCC, order_event, risk_event, user_event


def notifications(app, user_id: int | None = None) -> list[Notification]:
    with app.app_context():
        stmt = select(Notification).order_by(Notification.id)
        if user_id is not None:
            stmt = stmt.where(Notification.user_id == user_id)
        rows = list(db.session.scalars(stmt))
        db.session.expunge_all()
        return rows


def recipients(app) -> list[int]:
    return sorted(n.user_id for n in notifications(app))


def sms(app) -> list[SmsMessage]:
    with app.app_context():
        rows = list(db.session.scalars(select(SmsMessage).order_by(SmsMessage.id)))
        db.session.expunge_all()
        return rows


@pytest.fixture
def bank_user(auth_service):
    return auth_service.headers("institution", 21, institution_id=BANK_ID)


@pytest.fixture
def applicant(auth_service):
    return auth_service.headers("enterprise", 31, enterprise_uscc=USCC)


# --- who hears about what ----------------------------------------------------------------------------

def test_new_order_notifies_every_active_user_of_the_institution_only(seeded, deliver):
    assert deliver(seeded, order_event("order.submitted")) == "ack"
    assert recipients(seeded) == [21, 22]  # 23 is disabled, 24 works at another bank
    notice = notifications(seeded, 21)[0]
    assert notice.kind == "order_submitted" and notice.title == "新的融资申请"
    assert "许昌瑞祥机械有限公司" in notice.body and "税易贷" in notice.body and "100万元" in notice.body
    assert notice.data == {"order_id": 501, "order_no": "XYD202611270001", "status": "submitted"}
    assert sms(seeded) == []


def test_overdue_order_notifies_the_institution(seeded, deliver):
    deliver(seeded, order_event("order.accept_overdue"))
    assert recipients(seeded) == [21, 22]
    assert "超过受理期限" in notifications(seeded, 21)[0].body


@pytest.mark.parametrize(("event_type", "title", "words"), [
    ("order.accepted", "融资申请已受理", ["许昌农商银行受理"]),
    ("order.credit_granted", "融资申请已获授信", ["授信80.5万元", "年利率4.35%", "期限12个月"]),
    ("order.disbursed", "贷款已发放", ["放款80.5万元", "2026-12-01"]),
    ("order.terminated", "融资申请已终止", ["原因：经营流水不足，暂不符合准入条件"]),
    ("order.withdrawn", "融资申请已撤回", ["您已撤回"]),
])
def test_each_status_change_notifies_the_enterprise_users(seeded, deliver, event_type, title, words):
    deliver(seeded, order_event(event_type))
    # The applicant and the verified owner; not 33 of another enterprise, nor 34 who only claims the USCC.
    assert recipients(seeded) == [31, 32]
    notice = notifications(seeded, 31)[0]
    assert notice.title == title and notice.kind == event_type.replace(".", "_")
    for word in words:
        assert word in notice.body, notice.body


@pytest.mark.parametrize(("event_type", "words"), [
    ("order.accepted", ["已由许昌农商银行受理"]),
    ("order.credit_granted", ["授信80.5万元", "年利率4.35%"]),
    ("order.terminated", ["原因：经营流水不足"]),
])
def test_acceptance_grant_and_termination_are_texted_to_the_applicant(seeded, deliver, event_type, words):
    event = order_event(event_type)
    deliver(seeded, event)
    [message] = sms(seeded)
    assert (message.phone, message.status, message.event_id) == ("13900000031", "sent", event["event_id"])
    assert message.text.startswith("【许昌信易贷】") and "XYD202611270001" in message.text
    for word in words:
        assert word in message.text, message.text


@pytest.mark.parametrize("event_type", ["order.submitted", "order.disbursed", "order.withdrawn",
                                        "order.accept_overdue"])
def test_other_order_events_send_no_sms(seeded, deliver, event_type):
    deliver(seeded, order_event(event_type))
    assert sms(seeded) == []


def test_without_the_applicants_phone_the_verified_enterprise_users_are_texted(seeded, deliver):
    deliver(seeded, order_event("order.accepted", applicant_user_id=999))
    # 32 is the USCC's verified owner; 31 and 34 only claimed it at registration.
    assert sorted(m.phone for m in sms(seeded)) == ["13900000032"]
    assert recipients(seeded) == [32, 999]


def test_sms_gateway_failure_keeps_the_notifications(make_app, deliver, sms_gateway):
    app = make_app(SMS_PROVIDER="http", SMS_HTTP_URL=sms_gateway.url, SMS_HTTP_RETRIES=0)
    deliver(app, user_event(31, "enterprise", "13900000031", enterprise_uscc=USCC))
    sms_gateway.statuses = [503]
    assert deliver(app, order_event("order.accepted")) == "ack"
    assert recipients(app) == [31]
    [message] = sms(app)
    assert message.status == "failed" and "503" in message.error


def test_sms_goes_to_the_http_gateway_as_template_and_parameters(make_app, deliver, sms_gateway):
    app = make_app(SMS_PROVIDER="http", SMS_HTTP_URL=sms_gateway.url)
    deliver(app, user_event(31, "enterprise", "13900000031", enterprise_uscc=USCC))
    deliver(app, order_event("order.credit_granted"))
    assert sms_gateway.received == [{"phone": "13900000031", "template_id": "order_credit_granted", "params": {
        "order_no": "XYD202611270001", "product_name": "税易贷", "institution_name": "许昌农商银行",
        "amount": "80.5", "rate": "4.35", "term_months": "12"}}]


def test_redelivered_order_event_notifies_and_texts_once(seeded, deliver):
    event = order_event("order.accepted")
    assert [deliver(seeded, event), deliver(seeded, event)] == ["ack", "ack"]
    assert recipients(seeded) == [31, 32]
    assert len(sms(seeded)) == 1


def test_a_user_disabled_later_is_no_longer_notified(seeded, deliver):
    deliver(seeded, user_event(22, "institution", "13700000022", event_type="auth.user_updated",
                               institution_id=BANK_ID, status="disabled"))
    deliver(seeded, order_event("order.submitted"))
    assert recipients(seeded) == [21]


def test_an_older_user_event_arriving_late_does_not_undo_a_newer_one(seeded, deliver):
    newer = user_event(22, "institution", "13700000022", event_type="auth.user_updated", institution_id=BANK_ID,
                       status="disabled")
    older = user_event(22, "institution", "13700000022", event_type="auth.user_updated", institution_id=BANK_ID)
    older["occurred_at"] = "2020-01-01T00:00:00Z"
    deliver(seeded, newer)
    deliver(seeded, older)
    deliver(seeded, order_event("order.submitted"))
    assert recipients(seeded) == [21]


# --- risk changes ------------------------------------------------------------------------------------

def test_risk_change_notifies_institutions_with_an_open_order_of_the_enterprise(seeded, deliver):
    deliver(seeded, order_event("order.submitted"))
    deliver(seeded, order_event("order.submitted", order_id=502, order_no="XYD202611270002",
                                institution_id=OTHER_BANK_ID, institution_name="中原银行"))
    before = {n.id for n in notifications(seeded)}
    assert deliver(seeded, risk_event("high", "none")) == "ack"
    fresh = [n for n in notifications(seeded) if n.id not in before]
    assert sorted(n.user_id for n in fresh) == [21, 22, 24]
    notice = next(n for n in fresh if n.user_id == 21)
    assert notice.kind == "risk_changed" and notice.title == "企业风险等级变化"
    assert "由无风险变为高风险" in notice.body and "失信被执行人" in notice.body
    assert "XYD202611270001" in notice.body and "XYD202611270002" not in notice.body
    assert notice.data["uscc"] == USCC and notice.data["level"] == "high"


def test_new_risk_tags_at_the_same_level_are_news_too(seeded, deliver):
    deliver(seeded, order_event("order.submitted"))
    deliver(seeded, risk_event("high", "high", tags=("dishonest_debtor", "equity_frozen")))
    [notice] = [n for n in notifications(seeded, 21) if n.kind == "risk_changed"]
    assert "风险信息有更新，当前风险等级为高风险（失信被执行人、股权冻结）" in notice.body


def test_risk_change_of_an_enterprise_without_open_orders_notifies_nobody(seeded, deliver):
    deliver(seeded, order_event("order.submitted"))
    deliver(seeded, order_event("order.terminated"))  # the order is closed now
    before = len(notifications(seeded))
    deliver(seeded, risk_event("medium", "none"))
    deliver(seeded, risk_event("high", "none", uscc=OTHER_USCC))
    assert len(notifications(seeded)) == before


# --- the API -----------------------------------------------------------------------------------------

def test_user_lists_only_own_notifications_newest_first(seeded, deliver, client, bank_user, auth_service):
    deliver(seeded, order_event("order.submitted"))
    deliver(seeded, order_event("order.accept_overdue"))
    deliver(seeded, order_event("order.accepted"))  # the enterprise's
    response = client.get("/api/v1/notifications", headers=bank_user)
    assert response.status_code == 200
    body = response.json
    assert [item["kind"] for item in body["items"]] == ["order_accept_overdue", "order_submitted"]
    assert body["total"] == 2 and body["page"] == 1 and body["per_page"] == 20 and body["next_cursor"] is None
    item = body["items"][0]
    assert set(item) == {"id", "kind", "title", "body", "data", "read", "read_at", "created_at"}
    assert item["read"] is False and item["read_at"] is None
    other_bank = auth_service.headers("institution", 24, institution_id=OTHER_BANK_ID)
    assert client.get("/api/v1/notifications", headers=other_bank).json["items"] == []


def test_notifications_page_with_a_cursor(seeded, deliver, client, bank_user):
    for n in range(3):
        deliver(seeded, order_event("order.submitted", order_id=600 + n, order_no=f"XYD{n}"))
    first = client.get("/api/v1/notifications?per_page=2", headers=bank_user).json
    assert len(first["items"]) == 2 and first["total"] == 3 and first["next_cursor"]
    rest = client.get(f"/api/v1/notifications?per_page=2&after={first['next_cursor']}", headers=bank_user).json
    assert [i["data"]["order_no"] for i in first["items"] + rest["items"]] == ["XYD2", "XYD1", "XYD0"]


def test_read_one_then_filter_by_unread(seeded, deliver, client, bank_user):
    deliver(seeded, order_event("order.submitted"))
    deliver(seeded, order_event("order.accept_overdue"))
    newest, oldest = client.get("/api/v1/notifications", headers=bank_user).json["items"]
    response = client.post(f"/api/v1/notifications/{oldest['id']}/read", headers=bank_user)
    assert response.status_code == 200
    assert response.json["id"] == oldest["id"] and response.json["read"] is True and response.json["read_at"]
    assert response.json["title"] == oldest["title"]
    again = client.post(f"/api/v1/notifications/{oldest['id']}/read", headers=bank_user)
    assert again.json["read_at"] == response.json["read_at"]

    unread = client.get("/api/v1/notifications?unread=true", headers=bank_user).json
    assert [i["id"] for i in unread["items"]] == [newest["id"]] and unread["total"] == 1
    read = client.get("/api/v1/notifications?unread=false", headers=bank_user).json
    assert [i["id"] for i in read["items"]] == [oldest["id"]]
    assert client.get("/api/v1/notifications/unread-count", headers=bank_user).json == {"unread": 1}


def test_read_all_marks_only_own_notifications(seeded, deliver, client, bank_user, auth_service):
    deliver(seeded, order_event("order.submitted"))
    deliver(seeded, order_event("order.accept_overdue"))
    response = client.post("/api/v1/notifications/read-all", headers=bank_user)
    assert response.status_code == 200 and response.json == {"updated": 2}
    assert client.get("/api/v1/notifications?unread=true", headers=bank_user).json["items"] == []
    colleague = auth_service.headers("institution", 22, institution_id=BANK_ID)
    assert client.get("/api/v1/notifications/unread-count", headers=colleague).json == {"unread": 2}
    assert client.post("/api/v1/notifications/read-all", headers=bank_user).json == {"updated": 0}


def test_reading_another_users_notification_is_not_found(seeded, deliver, client, bank_user, applicant):
    deliver(seeded, order_event("order.submitted"))
    [mine, *_] = client.get("/api/v1/notifications", headers=bank_user).json["items"]
    response = client.post(f"/api/v1/notifications/{mine['id']}/read", headers=applicant)
    assert response.status_code == 404 and response.json["code"] == "not_found"
    assert client.post("/api/v1/notifications/999999/read", headers=bank_user).status_code == 404
    assert client.get("/api/v1/notifications?unread=true", headers=bank_user).json["total"] == 1


def test_notifications_need_a_token(client):
    response = client.get("/api/v1/notifications")
    assert response.status_code == 401 and response.json["code"] == "unauthorized"


def test_bad_list_arguments_are_a_422(client, bank_user):
    response = client.get("/api/v1/notifications?unread=maybe&per_page=500", headers=bank_user)
    assert response.status_code == 422
    assert set(response.json["errors"]) == {"unread", "per_page"}


def test_a_verification_decision_is_told_in_the_app_and_by_sms(seeded, deliver):
    from notification_service.models import SmsMessage, db
    from xyd_common.events.envelope import new_envelope

    closed = new_envelope("auth.enterprise_verification_decided", {
        "user_id": 34, "verification_id": 5, "uscc": "91350100M000100Y43", "enterprise_name": "冒用者",
        "status": "rejected", "reason": "该统一社会信用代码已由其他账户完成认证", "closed_by_owner": True},
        "auth-service")
    approved = new_envelope("auth.enterprise_verification_decided", {
        "user_id": 32, "verification_id": 6, "uscc": "91350100M000100Y43", "enterprise_name": "许昌瑞祥机械有限公司",
        "status": "approved", "reason": None, "closed_by_owner": False}, "auth-service")
    deliver(seeded, closed)
    deliver(seeded, approved)
    deliver(seeded, approved)  # a redelivery tells nobody twice
    assert [n.kind for n in notifications(seeded, 34)] == ["enterprise_verification_closed"]
    assert "已由其他账户完成认证" in notifications(seeded, 34)[0].body
    assert [n.title for n in notifications(seeded, 32)] == ["企业认证已通过"]
    with seeded.app_context():
        texts = {m.phone: m.text for m in db.session.scalars(db.select(SmsMessage))}
    assert "已由其他账户完成认证" in texts["13900000034"] and "认证已通过" in texts["13900000032"]


def test_a_dispute_decision_is_told_to_the_verified_enterprise(seeded, deliver):
    from xyd_common.events.envelope import new_envelope

    from .support import USCC

    deliver(seeded, new_envelope("credit.dispute_resolved", {
        "dispute_id": 3, "record_id": 9, "uscc": USCC, "category": "administrative_penalty",
        "title": "销售标签不符合规定的预包装食品", "status": "upheld", "note": "处罚已撤销"}, "credit-service"))
    # Only the verified owner (32) hears of it; 34 merely claims the USCC.
    assert [n.title for n in notifications(seeded, 32)] == ["信用记录异议成立"]
    assert notifications(seeded, 34) == [] and notifications(seeded, 31) == []
    assert [m.phone for m in sms(seeded)] == ["13900000032"]


def test_an_urged_order_is_told_to_the_institutions_users_in_the_app_and_by_sms(seeded, deliver):
    deliver(seeded, order_event("order.urged", message="该申请已超过受理期限，请尽快受理"))
    assert recipients(seeded) == [21, 22]  # the bank's active users
    assert "请尽快受理" in notifications(seeded, 21)[0].body and notifications(seeded, 21)[0].title == "订单督办"
    assert sorted(m.phone for m in sms(seeded)) == ["13700000021", "13700000022"]


def test_an_institution_application_decision_is_texted_to_the_contact_phone(seeded, deliver):
    from xyd_common.events.envelope import new_envelope

    common = {"name": "许昌魏都农村商业银行", "type": "bank", "uscc": "91411000MA45RK3T2L", "region_code": "411002",
              "contact_name": "李娜"}
    approved = new_envelope("institution.application_decided", {
        **common, "application_id": 7, "contact_phone": "13937455210", "status": "approved", "reason": None,
        "institution_id": 9, "user_id": 40}, "auth-service")
    rejected = new_envelope("institution.application_decided", {
        **common, "application_id": 8, "contact_phone": "13937455211", "status": "rejected",
        "reason": "金融许可证编号与机构名称不符", "institution_id": None, "user_id": None}, "auth-service")
    deliver(seeded, approved)
    deliver(seeded, approved)  # a redelivery texts nobody twice
    deliver(seeded, rejected)
    texts = [(m.phone, m.text) for m in sms(seeded)]
    assert [phone for phone, _ in texts] == ["13937455210", "13937455211"]
    assert "入驻申请已通过审核" in texts[0][1] and "首次登录须修改密码" in texts[0][1]
    assert "未通过审核" in texts[1][1] and "金融许可证编号与机构名称不符" in texts[1][1]
    assert notifications(seeded) == []  # no account to notify in the app before approval


def test_reviewers_of_the_region_hear_of_an_application_to_join_and_of_a_dispute(seeded, deliver):
    from xyd_common.events.envelope import new_envelope

    from .support import USCC, user_event

    # Reviewers: the admin (1), 许昌市's (41) and 魏都区's (92) government users; 郑州市's (93) is
    # elsewhere, 长葛市's (42) is a sibling of 魏都区, and a disabled admin (95) reviews nothing.
    for user_id, role, region, status in ((92, "government", "411002", "active"),
                                          (93, "government", "410100", "active"), (95, "admin", None, "disabled")):
        deliver(seeded, user_event(user_id, role, f"139000000{user_id}", region_code=region, status=status))
    application = new_envelope("institution.application_submitted", {
        "application_id": 7, "name": "许昌魏都农村商业银行", "type": "bank", "uscc": "91411000MA45RK3T2L",
        "region_code": "411002", "contact_name": "李娜", "contact_phone": "13937455210", "status": "pending",
        "reason": None, "institution_id": None, "user_id": None}, "auth-service")
    deliver(seeded, application)
    deliver(seeded, application)  # a redelivery tells nobody twice
    assert recipients(seeded) == [1, 41, 92]
    notice = notifications(seeded, 92)[0]
    assert notice.kind == "institution_application_submitted" and "许昌魏都农村商业银行" in notice.body
    assert sms(seeded) == []  # in the app only: the queue is where reviewers work

    # The enterprise of USCC is verified in 魏都区 (support.seed): the same reviewers hear of its dispute.
    deliver(seeded, new_envelope("credit.dispute_opened", {
        "dispute_id": 3, "record_id": 9, "uscc": USCC, "category": "administrative_penalty",
        "title": "销售标签不符合规定的预包装食品", "status": "open", "note": None}, "credit-service"))
    disputes = [n.user_id for n in notifications(seeded) if n.kind == "dispute_opened"]
    assert disputes == [1, 41, 92]


def push_event(event_type: str, status: str, **overrides) -> dict:
    """A 推荐清单 event as order-service sends it."""
    from xyd_common.events.envelope import new_envelope

    data = {"push_id": 5, "need_id": 3, "institution_id": BANK_ID, "institution_name": "许昌农商银行",
            "region_code": "411002", "enterprise_uscc": USCC, "enterprise_name": "许昌瑞祥机械有限公司",
            "amount": 120, "term_months": 12, "status": status, "due_on": "2027-01-04", "note": "重点企业",
            "reason": None, "order_id": None, "pushed_by": 41, "decided_at": None,
            "credit_authorization": {"version": 1, "accepted_at": "2026-12-05T08:00:00+00:00"}, **overrides}
    return new_envelope(event_type, data, "order-service")


def test_a_push_is_told_to_the_institution_in_the_app_and_by_sms_and_its_answer_to_the_government(
        seeded, deliver):
    deliver(seeded, push_event("need.pushed", "pending"))
    assert recipients(seeded) == [21, 22]
    assert notifications(seeded, 21)[0].title == "政府部门向贵机构推荐了融资需求"
    assert "2027-01-04" in notifications(seeded, 21)[0].body
    texts = sms(seeded)
    assert sorted(m.phone for m in texts) == ["13700000021", "13700000022"] and "推荐清单" in texts[0].text
    deliver(seeded, push_event("need.push_overdue", "overdue"))
    assert [n.title for n in notifications(seeded, 41)] == ["推荐的融资需求已超期未答复"]
    assert len(notifications(seeded, 21)) == 2
    deliver(seeded, push_event("need.push_declined", "declined", reason="行业不在支持范围"))
    assert "行业不在支持范围" in notifications(seeded, 41)[-1].body
    deliver(seeded, push_event("need.push_accepted", "accepted", order_id=9))
    assert notifications(seeded, 41)[-1].title == "推荐的融资需求已被受理"
    assert [n.title for n in notifications(seeded, 32)] == ["推荐的融资需求已被受理"]  # the verified owner
    assert notifications(seeded, 42) == [] and notifications(seeded, 24) == []

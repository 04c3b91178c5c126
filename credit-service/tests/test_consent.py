"""The enterprise's control of its credit data: authorization texts, the access rule at its boundaries,
revocation, the enterprise's own access log, disputes, and records leaving publication."""

from datetime import UTC, datetime, timedelta

import pytest

from credit_service.consent import ACTIVE, ENDED, POST_LOAN, REVOKED, grants_access, status_of
from credit_service.models import Enterprise, OrderAuthorization, db
from credit_service.monitoring import refresh_daily_states

from .support import (
    BANK_ID,
    OTHER_BANK_ID,
    TODAY,
    auth,
    deliver,
    enterprise_row,
    events,
    flag_row,
    new_uscc,
    order_data,
    record_row,
)

RECORD = "/api/v1/credit/enterprises/{}"
NOW = datetime(2026, 11, 29, 8, 0, tzinfo=UTC)
TEXT = {"text": "信用信息查询授权书：本企业授权受理本次申请的金融机构查询本企业信用信息，仅用于本次融资审核。",
        "data_categories": ["credit_records", "risk_flags"], "purpose": "融资申请审核", "valid_days": 365}


def authorization(status: str, access_until=None, revoked_at=None) -> OrderAuthorization:
    return OrderAuthorization(order_id="1", institution_id=BANK_ID, enterprise_uscc="X", status=status,
                              access_until=access_until, revoked_at=revoked_at)


@pytest.mark.parametrize(("auth_row", "now", "expected"), [
    (authorization("submitted"), NOW, ACTIVE),
    (authorization("credit_granted"), NOW, ACTIVE),
    (authorization("withdrawn"), NOW, ENDED),
    (authorization("terminated"), NOW, ENDED),
    # The post-loan period: the day before its end still reads, the day after does not.
    (authorization("disbursed", access_until=NOW + timedelta(days=1)), NOW, POST_LOAN),
    (authorization("disbursed", access_until=NOW - timedelta(days=1)), NOW, ENDED),
    (authorization("disbursed", access_until=NOW), NOW, ENDED),
    (authorization("accepted", revoked_at=NOW - timedelta(seconds=1)), NOW, REVOKED),
    (authorization("disbursed", access_until=NOW + timedelta(days=300), revoked_at=NOW), NOW, REVOKED),
])
def test_the_access_rule_at_its_boundaries(auth_row, now, expected):
    assert status_of(auth_row, now) == expected
    assert grants_access(auth_row, now) == (expected in (ACTIVE, POST_LOAN))


@pytest.fixture
def enterprise(seeded, import_batch, auth_service):
    """An enterprise with a penalty (and its flag), verified as user 31; answers (uscc, headers)."""
    uscc = new_uscc()
    import_batch(enterprises=[enterprise_row(uscc)], records=[record_row(uscc)],
                 risk_flags=[flag_row(uscc, "administrative_penalty")])
    return uscc, auth(auth_service.token("enterprise", sub="31", enterprise_uscc=uscc, evs="verified"))


def consent(order_id: int, version: int = 1) -> dict:
    return {"credit_authorization": {"version": version, "accepted_at": "2026-11-29T08:00:00+00:00"}}


def test_authorization_texts_are_versioned_public_and_announced(client, app, admin, bank):
    assert client.get("/api/v1/credit/authorization-text").status_code == 404
    assert client.post("/api/v1/admin/credit/authorization-texts", json=TEXT, headers=bank).status_code == 403
    first = client.post("/api/v1/admin/credit/authorization-texts", json=TEXT, headers=admin)
    second = client.post("/api/v1/admin/credit/authorization-texts", json={**TEXT, "valid_days": 180},
                         headers=admin)
    assert (first.status_code, first.json["version"], second.json["version"]) == (201, 1, 2)
    current = client.get("/api/v1/credit/authorization-text").json
    assert current["version"] == 2 and current["valid_days"] == 180 and len(current["digest"]) == 64
    published = [e["data"]["version"] for e in events(app, "credit.authorization_text_published")]
    assert published == [1, 2]
    bad = client.post("/api/v1/admin/credit/authorization-texts", json={**TEXT, "data_categories": ["x"]},
                      headers=admin)
    assert bad.status_code == 422


def test_the_admin_reads_every_version_newest_first(client, admin, bank, government):
    texts = "/api/v1/admin/credit/authorization-texts"
    for days in (365, 180, 90):
        assert client.post(texts, json={**TEXT, "valid_days": days}, headers=admin).status_code == 201
    page = client.get(texts, query_string={"per_page": 2}, headers=admin).json
    assert [t["version"] for t in page["items"]] == [3, 2] and page["total"] == 3
    assert page["items"][0]["valid_days"] == 90 and page["items"][0]["text"] == TEXT["text"]
    rest = client.get(texts, query_string={"per_page": 2, "page": 2}, headers=admin).json
    assert [t["version"] for t in rest["items"]] == [1]
    assert client.get(texts, headers=bank).status_code == 403
    assert client.get(texts, headers=government).status_code == 403
    assert client.get(texts).status_code == 401


def test_an_institution_reads_from_submission_until_the_order_ends(client, app, enterprise, bank, other_bank):
    uscc, _ = enterprise
    order = order_data(uscc, **consent(1))
    deliver(app, "order.submitted", order)
    assert client.get(RECORD.format(uscc), headers=bank).status_code == 200
    # Another institution of the same enterprise has no authorization of its own.
    assert client.get(RECORD.format(uscc), headers=other_bank).status_code == 404
    deliver(app, "order.terminated", {**order, "status": "terminated", "previous_status": "submitted"})
    assert client.get(RECORD.format(uscc), headers=bank).status_code == 404
    with app.app_context():
        row = db.session.get(OrderAuthorization, str(order["order_id"]))
        assert (row.version, row.ended_at is not None, row.institution_name) == (1, True, "许昌农商银行")


def test_a_disbursed_order_keeps_post_loan_access_until_the_enterprise_revokes(client, app, enterprise, bank):
    uscc, own = enterprise
    order = order_data(uscc, **consent(1))
    deliver(app, "order.submitted", order)
    deliver(app, "order.disbursed", {**order, "status": "disbursed", "previous_status": "credit_granted"})
    assert client.get(RECORD.format(uscc), headers=bank).status_code == 200
    [item] = client.get("/api/v1/credit/me/authorizations", headers=own).json["items"]
    assert item["status"] == "post_loan" and item["version"] == 1
    ends = datetime.fromisoformat(item["ends_at"])
    assert timedelta(days=364) < ends - datetime.now(UTC) <= timedelta(days=365)

    revoked = client.post(f"/api/v1/credit/me/authorizations/{item['id']}/revoke", headers=own)
    assert revoked.status_code == 200 and revoked.json["status"] == "revoked"
    assert client.get(RECORD.format(uscc), headers=bank).status_code == 404
    [event] = events(app, "credit.authorization_revoked")
    assert event["data"]["order_id"] == int(order["order_id"]) and event["data"]["revoked_by"] == 31
    again = client.post(f"/api/v1/credit/me/authorizations/{item['id']}/revoke", headers=own)
    assert again.status_code == 409


def test_an_enterprise_revokes_only_its_own_authorizations(client, app, enterprise, auth_service):
    uscc, _ = enterprise
    order = order_data(uscc, **consent(1))
    deliver(app, "order.submitted", order)
    stranger = auth(auth_service.token("enterprise", sub="99", enterprise_uscc=new_uscc(), evs="verified"))
    resp = client.post(f"/api/v1/credit/me/authorizations/{order['order_id']}/revoke", headers=stranger)
    assert resp.status_code == 404
    unverified = auth(auth_service.token("enterprise", sub="98", enterprise_uscc=uscc))
    assert client.get("/api/v1/credit/me/authorizations", headers=unverified).status_code == 403


def test_the_enterprise_sees_every_read_of_its_record(client, app, enterprise, bank, other_bank, government):
    uscc, own = enterprise
    order = order_data(uscc, **consent(1))
    deliver(app, "order.submitted", order)
    client.get(RECORD.format(uscc) + f"?order_id={order['order_id']}", headers=bank)
    client.get(RECORD.format(uscc), headers=other_bank)  # refused
    client.get(RECORD.format(uscc), headers=government)
    items = client.get("/api/v1/credit/me/access-logs", headers=own).json["items"]
    assert [(i["viewer_role"], i["granted"]) for i in items] == [("government", True), ("institution", False),
                                                                 ("institution", True)]
    bank_read = items[-1]
    assert bank_read["institution_name"] == "许昌农商银行" and bank_read["order_id"] == str(order["order_id"])
    assert bank_read["purpose"] == "融资申请审核与贷后管理"
    assert "viewer_id" not in bank_read  # the role, never the person


def test_a_dispute_marks_the_record_and_an_upheld_one_hides_it_and_lowers_the_risk(
        client, app, enterprise, bank, government, weidu_government, auth_service):
    uscc, own = enterprise
    deliver(app, "order.submitted", order_data(uscc, **consent(1)))
    record = client.get("/api/v1/credit/me", headers=own).json["records"][0]
    opened = client.post("/api/v1/credit/me/disputes", headers=own,
                         json={"record_id": record["id"], "reason": "该处罚已于2025年撤销", "contact": "13900000031"})
    assert opened.status_code == 201 and opened.json["status"] == "open"
    assert client.post("/api/v1/credit/me/disputes", headers=own, json={
        "record_id": record["id"], "reason": "再次提出异议", "contact": "13900000031"}).status_code == 409
    assert client.get(RECORD.format(uscc), headers=bank).json["records"][0]["disputed"] is True
    assert events(app, "credit.dispute_opened")[-1]["data"]["record_id"] == record["id"]

    # A government user of another county neither sees nor decides it.
    changge = auth(auth_service.token("government", sub="13", region_code="411082"))
    assert client.get("/api/v1/credit/disputes", headers=changge).json["items"] == []
    [listed] = client.get("/api/v1/credit/disputes", query_string={"status": "open"}, headers=government).json["items"]
    # The reviewer sees whose record it is and what it says, beside the enterprise's reason.
    assert listed["enterprise_name"] == client.get("/api/v1/credit/me", headers=own).json["enterprise"]["name"]
    assert (listed["record"]["content"], listed["record"]["decided_on"]) == (record["content"], record["decided_on"])
    assert "publish_until" in listed["record"] and listed["reason"] == "该处罚已于2025年撤销"
    path = f"/api/v1/credit/disputes/{opened.json['id']}/decide"
    assert client.post(path, json={"decision": "uphold", "note": "x"}, headers=changge).status_code == 404
    assert client.post(path, json={"decision": "reject"}, headers=weidu_government).status_code == 422
    assert client.get(RECORD.format(uscc), headers=bank).json["risk"]["level"] == "medium"

    upheld = client.post(path, json={"decision": "uphold", "note": "处罚决定已撤销，记录不再公示"}, headers=government)
    assert upheld.status_code == 200 and upheld.json["status"] == "upheld"
    seen_by_bank = client.get(RECORD.format(uscc), headers=bank).json
    assert seen_by_bank["records"] == [] and seen_by_bank["risk"]["level"] == "none"
    own_view = client.get("/api/v1/credit/me", headers=own).json["records"][0]
    assert (own_view["visible_to_institutions"], own_view["hidden_reason"]) == (False, "disputed_upheld")
    risk = events(app, "credit.risk_changed")[-1]["data"]
    assert (risk["uscc"], risk["level"], risk["previous_level"]) == (uscc, "none", "medium")
    assert events(app, "credit.dispute_resolved")[-1]["data"]["status"] == "upheld"
    assert client.post(path, json={"decision": "reject", "note": "x"}, headers=government).status_code == 409


def test_a_rejected_dispute_keeps_the_record(client, app, enterprise, admin):
    uscc, own = enterprise
    record = client.get("/api/v1/credit/me", headers=own).json["records"][0]
    dispute = client.post("/api/v1/credit/me/disputes", headers=own,
                          json={"record_id": record["id"], "reason": "认为处罚过重", "contact": "刘建国"}).json
    resp = client.post(f"/api/v1/credit/disputes/{dispute['id']}/decide", headers=admin,
                       json={"decision": "reject", "note": "处罚决定合法有效"})
    assert resp.status_code == 200 and resp.json["note"] == "处罚决定合法有效"
    assert client.get("/api/v1/credit/me", headers=own).json["records"][0]["visible_to_institutions"] is True
    assert client.get("/api/v1/credit/me/disputes", headers=own).json["items"][0]["status"] == "rejected"


def test_records_leave_publication_when_their_period_ends_or_they_are_repaired(
        client, app, seeded, import_batch, admin):
    expiring, repaired = new_uscc(), new_uscc()
    import_batch(enterprises=[enterprise_row(expiring), enterprise_row(repaired)],
                 records=[record_row(expiring, publish_until=TODAY.isoformat()),
                          record_row(repaired, category="tax_arrears", title="欠缴增值税",
                                     repaired_on=TODAY.isoformat())],
                 risk_flags=[flag_row(expiring), flag_row(repaired, "tax_arrears")])
    with app.app_context():
        # Published through today: still counting; repaired today: already hidden.
        assert db.session.get(Enterprise, expiring).risk_level == "medium"
        assert db.session.get(Enterprise, repaired).risk_level == "none"
        assert refresh_daily_states(TODAY) == 0
        assert refresh_daily_states(TODAY + timedelta(days=1)) == 1
        assert db.session.get(Enterprise, expiring).risk_level == "none"
    assert events(app, "credit.risk_changed")[-1]["data"] == {
        "uscc": expiring, "level": "none", "tags": [], "previous_level": "medium"}
    record = client.get(RECORD.format(repaired), headers=admin).json["records"][0]
    assert record["hidden_reason"] == "repaired" and record["repaired_on"] == TODAY.isoformat()


def test_another_visible_record_of_the_category_keeps_its_flags_counting(app, seeded, import_batch):
    uscc = new_uscc()
    import_batch(enterprises=[enterprise_row(uscc)],
                 records=[record_row(uscc, repaired_on="2026-01-01"),
                          record_row(uscc, title="未按规定公示年度报告", decided_on="2026-05-12")],
                 risk_flags=[flag_row(uscc)])
    with app.app_context():
        assert db.session.get(Enterprise, uscc).risk_level == "medium"


def test_other_institutions_and_unauthorized_orders_read_nothing(client, app, enterprise, other_bank):
    uscc, _ = enterprise
    order = order_data(uscc, institution_id=OTHER_BANK_ID, **consent(1))
    deliver(app, "order.withdrawn", {**order, "status": "withdrawn", "previous_status": "submitted"})
    # The event that created the relation already ended it: no access ever.
    assert client.get(RECORD.format(uscc), headers=other_bank).status_code == 404

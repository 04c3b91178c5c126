"""Who may read a credit record, the access log, the whitelist view, and the internal endpoints."""

import base64
import json
from datetime import timedelta

import pytest

from .support import (
    BANK_ID,
    OTHER_BANK_ID,
    TODAY,
    auth,
    deliver,
    enterprise_row,
    flag_row,
    new_uscc,
    order_data,
    record_row,
    whitelist_row,
)

RECORD = "/api/v1/credit/enterprises/{}"
WHITELIST = "/api/v1/credit/whitelist"
LOGS = "/api/v1/credit/access-logs"


@pytest.fixture
def data(seeded, import_batch):
    """An enterprise of 魏都区 with a penalty (record and flag) on the whitelist, and one of 长葛市."""
    weidu, changge = new_uscc("411002"), new_uscc("411082")
    import_batch(
        enterprises=[enterprise_row(weidu),
                     enterprise_row(changge, name="长葛市蜜源蜂业有限公司", region_code="411082")],
        records=[record_row(weidu)],
        whitelist=[whitelist_row(weidu), whitelist_row(changge, region_code="411082", batch="2026年第二批")],
        risk_flags=[flag_row(weidu)],
    )
    return {"weidu": weidu, "changge": changge}


def submitted(app, uscc, institution_id=BANK_ID, order_id=None) -> str:
    data = order_data(uscc, institution_id, order_id)
    assert deliver(app, "order.submitted", data) == "ack"
    return str(data["order_id"])


def test_the_credit_record_has_the_contracts_shape(client, admin, data):
    body = client.get(RECORD.format(data["weidu"]), headers=admin).json
    assert body["enterprise"] == {"uscc": data["weidu"], "name": "许昌恒美发制品有限公司",
                                  "legal_representative": "刘建国", "registered_capital": 3000.5,
                                  "established_on": "2009-04-16", "status": "存续", "industry": "制造业",
                                  "region_code": "411002"}
    assert body["tax_credit_rating"] == "A"
    assert body["records"] == [{"id": body["records"][0]["id"], "category": "administrative_penalty",
                                "title": "销售标签不符合规定的预包装食品", "authority": "许昌市魏都区市场监督管理局",
                                "decided_on": "2025-07-22", "content": "罚款 5000 元。",
                                # Penalties are published three years unless the import says otherwise.
                                "publish_until": "2028-07-22", "repaired_on": None, "disputed": False,
                                "visible_to_institutions": True, "hidden_reason": None, "dispute_note": None}]
    assert body["whitelisted"] is True
    assert body["risk"] == {"level": "medium", "tags": ["administrative_penalty"], "flags": [
        {"indicator": "administrative_penalty", "level": "medium", "source": "许昌市市场监督管理局",
         "detected_on": "2026-03-09", "active": True}]}


def test_government_users_see_enterprises_of_their_region_and_below(client, government, weidu_government, data):
    assert client.get(RECORD.format(data["weidu"]), headers=government).status_code == 200
    assert client.get(RECORD.format(data["changge"]), headers=government).status_code == 200
    assert client.get(RECORD.format(data["weidu"]), headers=weidu_government).status_code == 200
    resp = client.get(RECORD.format(data["changge"]), headers=weidu_government)
    assert (resp.status_code, resp.json["code"]) == (404, "not_found")


def test_an_institution_sees_only_enterprises_that_authorized_it_through_an_order(app, client, bank, other_bank,
                                                                                  data):
    uscc = data["weidu"]
    assert client.get(RECORD.format(uscc), headers=bank).status_code == 404
    order_id = submitted(app, uscc)
    assert client.get(RECORD.format(uscc), headers=bank).status_code == 200
    assert client.get(RECORD.format(uscc) + f"?order_id={order_id}", headers=bank).status_code == 200
    # Naming another institution's order, or an order of another enterprise, proves nothing.
    other_order = submitted(app, data["changge"], OTHER_BANK_ID)
    assert client.get(RECORD.format(uscc) + f"?order_id={other_order}", headers=bank).status_code == 404
    assert client.get(RECORD.format(uscc), headers=other_bank).status_code == 404
    assert client.get(RECORD.format(data["changge"]), headers=bank).status_code == 404


def push_data(uscc, push_id, institution_id=BANK_ID, status="pending", need_id=None) -> dict:
    """A need.push* event's data as order-service sends it (推荐清单)."""
    return {"push_id": push_id, "need_id": need_id or push_id, "institution_id": institution_id,
            "institution_name": "许昌农商银行", "region_code": "411002", "enterprise_uscc": uscc,
            "enterprise_name": "许昌魏都制造有限公司", "amount": 100, "term_months": 12, "status": status,
            "due_on": "2027-01-04", "note": None, "reason": None, "order_id": None, "pushed_by": 41,
            "decided_at": None, "credit_authorization": {"version": 1, "accepted_at": "2026-12-05T08:00:00+00:00"}}


def test_a_need_pushed_to_an_institution_lets_it_read_the_record_until_it_answers(app, client, bank, other_bank,
                                                                                 data):
    uscc = data["weidu"]
    assert deliver(app, "need.pushed", push_data(uscc, 901)) == "ack"
    assert deliver(app, "need.pushed", push_data(uscc, 902, OTHER_BANK_ID, need_id=901)) == "ack"
    assert client.get(RECORD.format(uscc), headers=bank).status_code == 200
    assert client.get(RECORD.format(uscc), headers=other_bank).status_code == 200
    assert deliver(app, "need.push_overdue", push_data(uscc, 901, status="overdue")) == "ack"
    assert client.get(RECORD.format(uscc), headers=bank).status_code == 200  # overdue: still to be answered
    assert deliver(app, "need.push_declined", push_data(uscc, 901, status="declined")) == "ack"
    assert client.get(RECORD.format(uscc), headers=bank).status_code == 404
    # The need closes (claimed, expired, cancelled): no push of it grants anything.
    assert deliver(app, "need.cancelled", {"need_id": 901, "enterprise_uscc": uscc, "region_code": "411002",
                                           "amount": 100, "term_months": 12, "status": "cancelled",
                                           "order_id": None, "institution_id": None}) == "ack"
    assert client.get(RECORD.format(uscc), headers=other_bank).status_code == 404


def test_a_verified_enterprise_sees_only_itself(client, auth_service, data):
    own = auth(auth_service.token("enterprise", sub="31", enterprise_uscc=data["weidu"], evs="verified"))
    assert client.get(RECORD.format(data["weidu"]), headers=own).status_code == 200
    assert client.get(RECORD.format(data["weidu"].lower()), headers=own).status_code == 200
    assert client.get(RECORD.format(data["changge"]), headers=own).status_code == 404
    mine = client.get("/api/v1/credit/me", headers=own)
    assert mine.status_code == 200 and mine.json["enterprise"]["uscc"] == data["weidu"]


@pytest.mark.parametrize("status", [None, "unverified", "pending", "rejected"])
def test_an_enterprise_that_is_not_verified_reads_nothing(client, auth_service, data, status):
    claims = {"evs": status} if status else {}
    claimed = auth(auth_service.token("enterprise", sub="99", enterprise_uscc=data["weidu"], **claims))
    for path in (RECORD.format(data["weidu"]), "/api/v1/credit/me"):
        resp = client.get(path, headers=claimed)
        assert resp.status_code == 403 and resp.json["code"] == "enterprise_unverified", path
    assert client.get(RECORD.format(data["changge"]), headers=claimed).status_code == 404


def test_credit_me_is_for_enterprises(client, bank, admin):
    assert client.get("/api/v1/credit/me", headers=bank).status_code == 403
    assert client.get("/api/v1/credit/me", headers=admin).status_code == 403
    assert client.get("/api/v1/credit/me").status_code == 401


def test_unknown_and_malformed_usccs_and_anonymous_callers(client, admin, data):
    assert client.get(RECORD.format(new_uscc()), headers=admin).status_code == 404
    assert client.get(RECORD.format("not-a-uscc"), headers=admin).status_code == 404
    assert client.get(RECORD.format(data["weidu"])).status_code == 401
    assert client.get(RECORD.format(data["weidu"]) + "?order_id=<script>", headers=admin).status_code == 422


def test_every_read_is_logged_and_admins_list_the_log(app, client, admin, bank, government, data):
    uscc = data["weidu"]
    order_id = submitted(app, uscc)
    client.get(RECORD.format(uscc) + f"?order_id={order_id}", headers=bank)
    client.get(RECORD.format(data["changge"]), headers=bank)  # refused, logged all the same
    client.get(RECORD.format(uscc), headers=government)
    client.get(RECORD.format(uscc), headers=admin)

    assert client.get(LOGS, headers=bank).status_code == 403
    everything = client.get(LOGS, headers=admin).json
    assert everything["total"] == 4
    newest_first = [(i["viewer_role"], i["uscc"], i["granted"]) for i in everything["items"]]
    assert newest_first == [("admin", uscc, True), ("government", uscc, True),
                            ("institution", data["changge"], False), ("institution", uscc, True)]
    bank_read = everything["items"][3]
    assert (bank_read["viewer_id"], bank_read["institution_id"], bank_read["order_id"], bank_read["via"]) \
        == ("21", BANK_ID, order_id, "api")
    assert bank_read["viewed_at"].endswith("+00:00") or bank_read["viewed_at"].endswith("Z")

    def ids(query):
        resp = client.get(f"{LOGS}?{query}", headers=admin)
        assert resp.status_code == 200, resp.json
        return [i["id"] for i in resp.json["items"]]

    assert len(ids(f"uscc={uscc}")) == 3
    assert len(ids("granted=false")) == 1
    assert ids(f"order_id={order_id}") == [bank_read["id"]]
    assert len(ids("viewer_role=institution&institution_id=7")) == 2
    assert len(ids(f"from={TODAY.isoformat()}&to={TODAY.isoformat()}")) == 4
    assert ids(f"to={(TODAY - timedelta(days=1)).isoformat()}") == []
    first = client.get(f"{LOGS}?per_page=3", headers=admin).json
    rest = client.get(f"{LOGS}?per_page=3&after={first['next_cursor']}", headers=admin).json
    assert [i["id"] for i in first["items"] + rest["items"]] == [i["id"] for i in everything["items"]]
    assert rest["next_cursor"] is None
    forged = base64.urlsafe_b64encode(json.dumps(["yesterday", "x"]).encode()).decode().rstrip("=")
    assert client.get(f"{LOGS}?after={forged}", headers=admin).status_code == 422


# --- the whitelist ------------------------------------------------------------------------------------

def test_the_whitelist_is_for_institutions_government_and_admins(client, auth_service, data):
    enterprise = auth(auth_service.token("enterprise", enterprise_uscc=data["weidu"]))
    resp = client.get(WHITELIST, headers=enterprise)
    assert (resp.status_code, resp.json["code"]) == (403, "forbidden")
    assert client.get(WHITELIST).status_code == 401


def test_institutions_see_a_uscc_whole_only_where_that_enterprise_applied_to_them(app, client, bank, admin, data):
    def usccs(headers):
        items = client.get(WHITELIST, headers=headers).json["items"]
        return {i["enterprise_name"]: (i["uscc"], i["masked"]) for i in items}

    weidu = data["weidu"]
    masked = weidu[:4] + "*********" + weidu[-5:]
    assert usccs(bank)["许昌恒美发制品有限公司"] == (masked, True)
    assert len(masked) == 18
    submitted(app, weidu)
    assert usccs(bank)["许昌恒美发制品有限公司"] == (weidu, False)
    assert usccs(bank)["长葛市蜜源蜂业有限公司"][1] is True
    assert usccs(admin)["长葛市蜜源蜂业有限公司"] == (data["changge"], False)


def test_the_whitelist_filters_by_region_including_sub_regions_and_by_text(client, admin, weidu_government, data):
    def names(query="", headers=admin):
        resp = client.get(f"{WHITELIST}?{query}", headers=headers)
        assert resp.status_code == 200, resp.json
        return sorted(i["enterprise_name"] for i in resp.json["items"])

    both = ["许昌恒美发制品有限公司", "长葛市蜜源蜂业有限公司"]
    assert names() == both
    assert names("region_code=411000") == both
    assert names("region_code=410000") == both
    assert names("region_code=411082") == ["长葛市蜜源蜂业有限公司"]
    assert names("region_code=411024") == []
    assert names("q=蜂业") == ["长葛市蜜源蜂业有限公司"]
    assert names(f"q={data['weidu'][:10].lower()}") == ["许昌恒美发制品有限公司"]
    assert names("q=%25") == []
    assert names("batch=2026年第二批") == ["长葛市蜜源蜂业有限公司"]
    # A government user sees its own region's list, whatever it asks for.
    assert names(headers=weidu_government) == ["许昌恒美发制品有限公司"]
    assert names("region_code=411082", headers=weidu_government) == []


def test_the_whitelist_leaves_out_expired_entries_unless_asked(client, admin, import_batch, data):
    uscc = new_uscc()
    import_batch(enterprises=[enterprise_row(uscc, name="禹州市钧韵瓷业有限公司", region_code="411081")],
                 whitelist=[whitelist_row(uscc, region_code="411081", listed_on="2025-03-18",
                                          valid_until="2026-03-17")])
    current = client.get(WHITELIST, headers=admin).json
    assert "禹州市钧韵瓷业有限公司" not in [i["enterprise_name"] for i in current["items"]]
    everything = client.get(f"{WHITELIST}?include_expired=true", headers=admin).json
    assert everything["total"] == current["total"] + 1
    item = next(i for i in everything["items"] if i["uscc"] == uscc)
    assert item == {"uscc": uscc, "masked": False, "enterprise_name": "禹州市钧韵瓷业有限公司",
                    "region_code": "411081", "industry": "制造业", "batch": "2026年第一批", "listed_on": "2025-03-18",
                    "valid_until": "2026-03-17"}


def test_the_whitelist_pages(client, admin, import_batch, seeded):
    usccs = [new_uscc() for _ in range(5)]
    import_batch(enterprises=[enterprise_row(u) for u in usccs], whitelist=[whitelist_row(u) for u in usccs])
    first = client.get(f"{WHITELIST}?per_page=2", headers=admin).json
    assert (first["total"], len(first["items"]), first["page"], first["per_page"]) == (5, 2, 1, 2)
    seen = [i["uscc"] for i in first["items"]]
    cursor = first["next_cursor"]
    while cursor:
        page = client.get(f"{WHITELIST}?per_page=2&after={cursor}", headers=admin).json
        seen += [i["uscc"] for i in page["items"]]
        cursor = page["next_cursor"]
    assert seen == list(reversed(usccs))
    assert client.get(f"{WHITELIST}?after=garbage", headers=admin).status_code == 422
    assert client.get(f"{WHITELIST}?per_page=101", headers=admin).status_code == 422


# --- internal endpoints --------------------------------------------------------------------------------

def test_auth_service_reads_the_registration_data_with_a_service_token(client, service, bank, data):
    url = f"/internal/credit/enterprises/{data['weidu']}/registration"
    resp = client.get(url, headers=service)
    assert resp.status_code == 200 and resp.json["uscc"] == data["weidu"] and resp.json["legal_representative"]
    assert "records" not in resp.json  # only what a verification pre-check compares
    assert client.get(url, headers=bank).status_code == 401
    assert client.get(f"/internal/credit/enterprises/{new_uscc()}/registration", headers=service).status_code == 404


def test_order_service_reads_a_record_with_a_service_token_on_a_users_behalf(client, admin, service, bank, data):
    url = f"/internal/credit/enterprises/{data['weidu']}"
    assert client.get(url).status_code == 401
    assert client.get(url, headers=bank).status_code == 401  # a user's token is not a service token
    on_behalf = "order_id=42&viewer_id=21&viewer_role=institution&viewer_institution_id=7"
    resp = client.get(f"{url}?{on_behalf}", headers=service)
    assert resp.status_code == 200
    assert resp.json == client.get(RECORD.format(data["weidu"]), headers=admin).json
    assert client.get(f"/internal/credit/enterprises/{new_uscc()}", headers=service).status_code == 404
    logged = client.get(f"{LOGS}?order_id=42", headers=admin).json["items"]
    assert [(i["viewer_id"], i["viewer_role"], i["institution_id"], i["via"]) for i in logged] \
        == [("21", "institution", 7, "order-service")]


def test_order_service_reconciles_risk_and_whitelist_states(client, service, data, import_batch):
    unknown = new_uscc()
    import_batch(risk_flags=[flag_row(data["changge"], "dishonest_debtor")])
    resp = client.get(f"/internal/credit/risk?uscc={data['weidu']}&uscc={data['changge']}&uscc={unknown}",
                      headers=service)
    assert resp.status_code == 200
    assert resp.json == [
        {"uscc": data["weidu"], "level": "medium", "tags": ["administrative_penalty"], "whitelisted": True,
         "known": True},
        {"uscc": data["changge"], "level": "high", "tags": ["dishonest_debtor"], "whitelisted": True, "known": True},
        {"uscc": unknown, "level": "none", "tags": [], "whitelisted": False, "known": False},
    ]
    assert client.get("/internal/credit/risk?uscc=123", headers=service).status_code == 422
    assert client.get("/internal/credit/risk", headers=service).status_code == 422

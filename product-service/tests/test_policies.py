"""政策资讯: government users of the region or above manage policies, the portal shows published ones,
an enterprise gets the ones that match it with reasons, and policy.* events announce each step."""

from datetime import timedelta

import pytest

from product_service.policies import china_today, publish_due_policies

from .support import auth, deliver, events

POLICIES = "/api/v1/policies"
USCC = "91411000MA47Y0AB1X"
OTHER_USCC = "91411000MA47Y0CD2Y"
INDUSTRY = "通用设备制造业"


def policy_body(**overrides) -> dict:
    body = {"title": "首贷企业贷款贴息政策", "body": "对首次获得贷款的小微企业给予贴息。\n\n按实付利息的 50% 补贴。",
            "issuer": "许昌市财政局", "region_code": "411000", "published_on": china_today().isoformat(),
            "valid_until": None, "tags": {"industries": [], "whitelisted_only": False, "first_loan_only": False},
            "links": []}
    body.update(overrides)
    return body


@pytest.fixture
def city(auth_service, seeded):
    """A government user of 许昌市."""
    return auth(auth_service.token("government", sub="41", region_code="411000"))


@pytest.fixture
def district(auth_service, seeded):
    return auth(auth_service.token("government", sub="42", region_code="411002"))


@pytest.fixture
def other_district(auth_service, seeded):
    return auth(auth_service.token("government", sub="43", region_code="411003"))


@pytest.fixture
def admin(auth_service, seeded):
    return auth(auth_service.token("admin", sub="1"))


def enterprise_headers(auth_service, uscc=USCC, region="411002", evs="verified"):
    return auth(auth_service.token("enterprise", sub="31", enterprise_uscc=uscc, region_code=region, evs=evs))


def verified(app, uscc=USCC, region="411002", industry=INDUSTRY):
    assert deliver(app, "auth.enterprise_verified", {"user_id": 31, "uscc": uscc, "enterprise_name": "许昌机械",
                                                     "region_code": region, "industry": industry}) == "ack"


def disbursed(app, uscc=USCC, on="2026-10-08"):
    assert deliver(app, "order.disbursed", {"order_id": 9, "enterprise_uscc": uscc, "disbursed_on": on,
                                            "product_id": 1, "institution_id": 7}, source="order-service") == "ack"


def whitelisted(app, uscc=USCC):
    deliver(app, "credit.whitelist_changed", {"uscc": uscc, "whitelisted": True, "batch": None, "valid_until": None},
            source="credit-service")


@pytest.fixture
def create(client, city):
    def create(headers=None, **overrides):
        resp = client.post(POLICIES, json=policy_body(**overrides), headers=headers or city)
        assert resp.status_code == 201, resp.json
        return resp.json

    return create


# --- managing ---------------------------------------------------------------------------------------

def test_a_city_government_publishes_a_policy_for_today_and_it_is_announced_with_its_audience(client, app, create):
    verified(app)
    verified(app, OTHER_USCC, industry="餐饮业")
    policy = create(tags={"industries": [INDUSTRY], "whitelisted_only": False, "first_loan_only": False})
    assert policy["status"] == "published" and policy["region_name"] == "许昌市"
    assert policy["tags"] == {"industries": [INDUSTRY], "whitelisted_only": False, "first_loan_only": False}
    (published,) = events(app, "policy.published")
    assert published["data"]["id"] == policy["id"] and published["data"]["audience"] == [USCC]
    assert published["data"]["region_code"] == "411000"


def test_a_future_policy_is_scheduled_hidden_and_announced_by_the_job_on_its_day(client, app, create):
    tomorrow = china_today() + timedelta(days=1)
    policy = create(published_on=tomorrow.isoformat())
    assert policy["status"] == "scheduled"
    assert events(app, "policy.published") == []
    assert client.get(f"{POLICIES}/{policy['id']}").status_code == 404
    assert client.get(POLICIES).json["items"] == []
    with app.app_context():
        assert publish_due_policies() == 0
        assert publish_due_policies(tomorrow) == 1
        assert publish_due_policies(tomorrow) == 0  # once per policy
    assert [e["data"]["id"] for e in events(app, "policy.published")] == [policy["id"]]


def test_a_district_government_may_not_publish_for_the_city_nor_another_district(client, district, other_district):
    assert client.post(POLICIES, json=policy_body(), headers=district).status_code == 404
    assert client.post(POLICIES, json=policy_body(region_code="411003"), headers=district).status_code == 404
    assert client.post(POLICIES, json=policy_body(region_code="411002"), headers=district).status_code == 201


def test_institutions_and_enterprises_may_not_manage_policies(client, bank, auth_service, seeded):
    assert client.post(POLICIES, json=policy_body(), headers=bank).status_code == 403
    assert client.post(POLICIES, json=policy_body(), headers=enterprise_headers(auth_service)).status_code == 403
    assert client.get(f"{POLICIES}/managed", headers=bank).status_code == 403


def test_another_districts_government_gets_404_on_every_manage_action(client, app, create, district, other_district,
                                                                       admin):
    policy = create(region_code="411002", headers=district)
    pid = policy["id"]
    assert client.patch(f"{POLICIES}/{pid}", json={"title": "改个标题"}, headers=other_district).status_code == 404
    assert client.post(f"{POLICIES}/{pid}/withdraw", headers=other_district).status_code == 404
    assert client.get(f"{POLICIES}/managed", headers=other_district).json["items"] == []
    # The city above and the admin manage it.
    assert client.patch(f"{POLICIES}/{pid}", json={"title": "市级修改"}, headers=admin).status_code == 200
    assert [p["id"] for p in client.get(f"{POLICIES}/managed", headers=district).json["items"]] == [pid]


def test_bad_input_is_refused_with_every_problem_and_nothing_written(client, app, city):
    body = policy_body(region_code="419999", published_on="2026-12-10", valid_until="2026-12-01",
                       links=[{"type": "product", "id": 999}, {"type": "fund", "id": 3}])
    resp = client.post(POLICIES, json=body, headers=city)
    assert resp.status_code == 422 and resp.json["code"] == "validation_error"
    assert set(resp.json["errors"]) == {"region_code", "valid_until", "links"}
    resp = client.post(POLICIES, json=policy_body(links=[{"type": "loan", "id": 1}], title="x"), headers=city)
    assert resp.status_code == 422 and {"links.0.type", "title"} <= set(resp.json["errors"])
    resp = client.post(POLICIES, json=policy_body(tags={"industries": [], "whitelisted_only": "yes"}), headers=city)
    assert resp.status_code == 422
    assert events(app) == []
    assert client.get(f"{POLICIES}/managed", headers=city).json["total"] == 0


def test_an_edit_keeps_each_link_whole_and_tags_partial(client, create, city):
    pid = create()["id"]
    for links in ([{"id": 3}], [{"type": "fund"}], [{}]):
        resp = client.patch(f"{POLICIES}/{pid}", json={"links": links}, headers=city)
        assert resp.status_code == 422, (links, resp.get_data(as_text=True))
    resp = client.patch(f"{POLICIES}/{pid}", json={"tags": {"first_loan_only": True}}, headers=city)
    assert resp.status_code == 200 and resp.get_json()["tags"]["first_loan_only"] is True


def test_links_keep_loan_service_ids_and_are_named_once_the_instruments_are_announced(client, app, create,
                                                                                      publish):
    product = publish()
    policy = create(links=[{"type": "fund", "id": 3}, {"type": "subsidy_program", "id": 5},
                           {"type": "product", "id": product["id"]}, {"type": "fund", "id": 3}])
    assert policy["links"] == [{"type": "fund", "id": 3, "name": None},
                               {"type": "subsidy_program", "id": 5, "name": None},
                               {"type": "product", "id": product["id"], "name": product["name"]}]
    # loan-service announces the fund and the programme (again, as a redelivery would): now named.
    for _ in range(2):
        assert deliver(app, "fund.created", {"fund_id": 3, "name": "许昌市风险补偿资金池",
                                             "region_code": "411000"}) == "ack"
    assert deliver(app, "subsidy.program_created", {"program_id": 5, "name": "许昌市首贷贴息",
                                                    "region_code": "411000"}) == "ack"
    # A fund numbered like the programme is another thing: names are per kind.
    assert deliver(app, "fund.created", {"fund_id": 5, "name": "另一个资金池", "region_code": "411000"}) == "ack"
    shown = client.get(f"{POLICIES}/{policy['id']}").get_json()
    assert [link["name"] for link in shown["links"]] == ["许昌市风险补偿资金池", "许昌市首贷贴息", product["name"]]


def test_an_edit_is_announced_and_a_withdrawn_policy_leaves_the_portal_and_cannot_change(client, app, create, city):
    policy = create()
    pid = policy["id"]
    resp = client.patch(f"{POLICIES}/{pid}", json={"valid_until": "2199-12-31", "tags": {"whitelisted_only": True}},
                        headers=city)
    assert resp.status_code == 200
    assert resp.json["valid_until"] == "2199-12-31" and resp.json["tags"]["whitelisted_only"] is True
    assert [e["data"]["valid_until"] for e in events(app, "policy.updated")] == ["2199-12-31"]
    # Nothing changed: no event.
    assert client.patch(f"{POLICIES}/{pid}", json={"valid_until": "2199-12-31"}, headers=city).status_code == 200
    assert len(events(app, "policy.updated")) == 1

    resp = client.post(f"{POLICIES}/{pid}/withdraw", headers=city)
    assert resp.status_code == 200 and resp.json["status"] == "withdrawn"
    assert events(app, "policy.withdrawn")[0]["data"]["status"] == "withdrawn"
    assert client.get(f"{POLICIES}/{pid}").status_code == 404
    assert client.get(f"{POLICIES}/{pid}", headers=city).json["status"] == "withdrawn"
    assert client.get(POLICIES).json["items"] == []
    again = client.post(f"{POLICIES}/{pid}/withdraw", headers=city)
    assert again.status_code == 409 and again.json["code"] == "invalid_transition"
    edit = client.patch(f"{POLICIES}/{pid}", json={"title": "再改"}, headers=city)
    assert edit.status_code == 409 and edit.json["code"] == "invalid_transition"


def test_an_expired_policy_leaves_the_portal(client, app, create, city):
    yesterday = china_today() - timedelta(days=1)
    policy = create(published_on=(yesterday - timedelta(days=30)).isoformat(), valid_until=yesterday.isoformat())
    assert policy["status"] == "expired"
    assert client.get(POLICIES).json["items"] == []
    assert [p["status"] for p in client.get(f"{POLICIES}/managed", query_string={"status": "expired"},
                                            headers=city).json["items"]] == ["expired"]


# --- the portal ---------------------------------------------------------------------------------------

def test_the_portal_lists_published_policies_newest_first_filtered_by_region_industry_and_text(client, create,
                                                                                             district):
    today = china_today()
    older = create(title="许昌市科技型企业信用贷政策", published_on=(today - timedelta(days=5)).isoformat(),
                   tags={"industries": ["软件和信息技术服务业"], "whitelisted_only": False, "first_loan_only": False})
    newer = create(title="魏都区首贷贴息", region_code="411002", headers=district)
    everywhere = [p["id"] for p in client.get(POLICIES).json["items"]]
    assert everywhere == [newer["id"], older["id"]]
    # A district's enterprises see the city's policies and their own district's, not another's.
    in_jianan = client.get(POLICIES, query_string={"region_code": "411003"}).json["items"]
    assert [p["id"] for p in in_jianan] == [older["id"]]
    assert len(client.get(POLICIES, query_string={"region_code": "411002"}).json["items"]) == 2
    by_industry = client.get(POLICIES, query_string={"industry": "餐饮业"}).json["items"]
    assert [p["id"] for p in by_industry] == [newer["id"]]  # no industry tags: for every industry
    assert [p["id"] for p in client.get(POLICIES, query_string={"q": "科技型"}).json["items"]] == [older["id"]]
    page = client.get(POLICIES, query_string={"per_page": 1}).json
    assert page["next_cursor"] and page["total"] == 2
    rest = client.get(POLICIES, query_string={"per_page": 1, "after": page["next_cursor"]}).json
    assert [p["id"] for p in rest["items"]] == [older["id"]]
    detail = client.get(f"{POLICIES}/{older['id']}")
    assert detail.status_code == 200 and detail.json["body"].startswith("对首次")


# --- recommendations ------------------------------------------------------------------------------------

def test_an_enterprise_gets_the_policies_that_match_it_with_reasons(client, app, create, auth_service):
    verified(app)
    match = create(title="装备制造首贷贴息", tags={"industries": [INDUSTRY, "汽车制造业"], "whitelisted_only": False,
                                                  "first_loan_only": True}, valid_until="2199-12-31")
    create(title="餐饮业帮扶", tags={"industries": ["餐饮业"], "whitelisted_only": False, "first_loan_only": False})
    only_listed = create(title="白名单企业专享", tags={"industries": [], "whitelisted_only": True,
                                                     "first_loan_only": False})
    create(title="建安区政策", region_code="411003")
    headers = enterprise_headers(auth_service)
    page = client.get(f"{POLICIES}/recommended", headers=headers).json
    assert [i["policy"]["id"] for i in page["items"]] == [match["id"]]
    assert page["items"][0]["reasons"] == ["适用于许昌市的企业", f"面向{INDUSTRY}企业", "首贷企业适用（尚无放款记录）",
                                           "有效期至 2199-12-31"]

    whitelisted(app)
    ids = [i["policy"]["id"] for i in client.get(f"{POLICIES}/recommended", headers=headers).json["items"]]
    assert ids == [only_listed["id"], match["id"]]
    listed = client.get(f"{POLICIES}/recommended", headers=headers).json["items"][0]
    assert "白名单企业专享" in listed["reasons"] and "不限行业" in listed["reasons"]

    disbursed(app)  # no longer a first loan
    ids = [i["policy"]["id"] for i in client.get(f"{POLICIES}/recommended", headers=headers).json["items"]]
    assert ids == [only_listed["id"]]


def test_recommendations_need_a_verified_enterprise(client, auth_service, city, seeded):
    resp = client.get(f"{POLICIES}/recommended", headers=enterprise_headers(auth_service, evs="pending"))
    assert resp.status_code == 403 and resp.json["code"] == "enterprise_unverified"
    assert client.get(f"{POLICIES}/recommended", headers=city).status_code == 403


def test_the_audience_follows_region_whitelist_and_first_loan(client, app, create):
    verified(app)                                   # 魏都区, first loan
    verified(app, OTHER_USCC, region="411003")      # 建安区, will have a loan
    disbursed(app, OTHER_USCC)
    disbursed(app, OTHER_USCC, on="2026-11-30")     # a later loan keeps the first day
    whitelisted(app, OTHER_USCC)
    create(title="全市", region_code="411000")
    create(title="魏都区", region_code="411002", headers=None)
    create(title="首贷", tags={"industries": [], "whitelisted_only": False, "first_loan_only": True})
    create(title="白名单", tags={"industries": [], "whitelisted_only": True, "first_loan_only": False})
    audiences = {e["data"]["title"]: e["data"]["audience"] for e in events(app, "policy.published")}
    assert audiences == {"全市": [USCC, OTHER_USCC], "魏都区": [USCC], "首贷": [USCC], "白名单": [OTHER_USCC]}

def test_dev_sms_is_not_found_when_sms_really_go_out(make_app, sms_gateway):
    client = make_app(SMS_PROVIDER="http", SMS_HTTP_URL=sms_gateway.url).test_client()
    response = client.get("/api/v1/dev/sms?phone=13800000001")
    assert response.status_code == 404
    assert response.json["code"] == "not_found"


def test_dev_sms_lists_a_phones_console_sms_newest_first_without_a_token(app, client, deliver, sms_code_event):
    for phone, code in [("13800000001", "111111"), ("13900000002", "222222"), ("13800000001", "333333")]:
        deliver(app, sms_code_event(app, phone, code))
    response = client.get("/api/v1/dev/sms?phone=13800000001")
    assert response.status_code == 200
    items = response.json["items"]
    assert [item["phone"] for item in items] == ["13800000001", "13800000001"]
    assert "333333" in items[0]["text"] and "111111" in items[1]["text"]
    assert set(items[0]) == {"phone", "text", "sent_at"}
    assert items[0]["sent_at"].endswith("+00:00")


def test_dev_sms_filters_by_phone_accepting_a_plus86_prefix(app, client, deliver, sms_code_event):
    deliver(app, sms_code_event(app, "13800000001", "111111"))
    deliver(app, sms_code_event(app, "13900000002", "222222"))
    response = client.get("/api/v1/dev/sms", query_string={"phone": "+8613900000002"})
    assert [item["phone"] for item in response.json["items"]] == ["13900000002"]


def test_dev_sms_rejects_a_malformed_phone(client):
    response = client.get("/api/v1/dev/sms?phone=12345")
    assert response.status_code == 422
    assert response.json["code"] == "validation_error"
    assert "phone" in response.json["errors"]


def test_dev_sms_without_a_phone_lists_nothing(app, client, deliver, sms_code_event):
    deliver(app, sms_code_event(app, "13800000001", "111111"))
    response = client.get("/api/v1/dev/sms")
    assert response.status_code == 422 and "phone" in response.json["errors"]

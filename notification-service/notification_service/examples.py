"""Request examples of the OpenAPI document, sent as they stand by tests-e2e/test_api_examples.py."""

WEBHOOK_CREATE = {"url": "https://gov-finance.xuchang.example.cn/xyd/webhook", "event_types": ["order.*"],
                  "description": "许昌市金融工作局融资监测系统"}

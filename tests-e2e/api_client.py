"""A client of the public API for end-to-end tests: through the gateway only."""

import re

import requests
from harness import ADMIN_PASSWORD, ADMIN_PHONE

from xyd_testing.helpers import wait_until


class Api:
    """A client of the public API, through the gateway only."""

    # Seconds to wait for each answer: a hang fails the test, a slow answer on a machine loaded far beyond
    # its two cores (two platforms, browsers) does not (a password change took more than 10 s once).
    # deploy/image_test.py raises it further: there every request crosses a container network and Python
    # TCP forwarders.
    timeout: float = 30

    def __init__(self, base: str, token: str | None = None):
        self.base = base.rstrip("/")
        self.session = requests.Session()
        self.token = token

    def request(self, method: str, path: str, token: str | None = None, **kwargs) -> requests.Response:
        headers = kwargs.pop("headers", {})
        token = self.token if token is None else token  # token="" sends none
        if token:
            headers.setdefault("Authorization", f"Bearer {token}")
        url = path if path.startswith("http") else f"{self.base}/api/v1{path}"
        kwargs.setdefault("timeout", self.timeout)
        return self.session.request(method, url, headers=headers, **kwargs)

    def get(self, path, **kw):
        return self.request("GET", path, **kw)

    def post(self, path, **kw):
        return self.request("POST", path, **kw)

    def patch(self, path, **kw):
        return self.request("PATCH", path, **kw)

    def put(self, path, **kw):
        return self.request("PUT", path, **kw)

    def delete(self, path, **kw):
        return self.request("DELETE", path, **kw)

    def sms_texts(self, phone: str) -> list[str]:
        resp = self.get("/dev/sms", params={"phone": phone}, token="")
        assert resp.status_code == 200, resp.text
        return [item["text"] for item in resp.json()["items"]]

    def request_code(self, phone: str, purpose: str = "login") -> str:
        """Ask for a code (waiting out the resend interval if needed) and read it from the SMS inbox."""
        before = len(self.sms_texts(phone))

        def ask():
            resp = self.post("/auth/sms-codes", json={"phone": phone, "purpose": purpose}, token="")
            assert resp.status_code in (202, 429), resp.text
            return resp.status_code == 202

        wait_until(ask, timeout=10, interval=0.3, message="an SMS code to be sent")
        texts = wait_until(lambda: (t := self.sms_texts(phone)) and len(t) > before and t,
                           timeout=15, message=f"the SMS for {phone}")
        return re.search(r"\d{6}", texts[0]).group(0)

    def login(self, phone: str = ADMIN_PHONE, password: str = ADMIN_PASSWORD) -> dict:
        code = self.request_code(phone)
        resp = self.post("/auth/login", json={"phone": phone, "password": password, "sms_code": code}, token="")
        assert resp.status_code == 200, resp.text
        self.token = resp.json()["access_token"]
        self.phone, self.refresh_token = phone, resp.json()["refresh_token"]
        return resp.json()

    def refresh(self) -> dict:
        """A new token pair: it carries what changed since login (a verification, say)."""
        resp = self.post("/auth/refresh", json={"refresh_token": self.refresh_token}, token="")
        assert resp.status_code == 200, resp.text
        self.token, self.refresh_token = resp.json()["access_token"], resp.json()["refresh_token"]
        return resp.json()

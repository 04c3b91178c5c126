"""The headers that lock down what a browser does with the gateway's answers (contract v4, "Safe files and
pages").

- Every answer: `X-Content-Type-Options: nosniff` (a JSON answer or a download is never run as a script
  or shown as a page because its bytes look like one), and `Strict-Transport-Security` when
  `GATEWAY_HSTS_SECONDS` > 0 (set it only where the platform is reached over HTTPS).
- Every HTML answer (the web app, the server-rendered `/market` and `/products/<id>`, Swagger UI):
  `Content-Security-Policy`, `X-Frame-Options: DENY` and `Referrer-Policy`. No site may frame a console
  (click-jacking of 受理, 督办, 审核), and a page loads scripts only from the platform itself.

The policy is built for what the pages really do: the Vue app and Swagger UI load their scripts from
files (no inline script anywhere, `script-src 'self'`); Element Plus and ECharts set styles on elements
(`style-src 'unsafe-inline'`, which allows no script); the licence previews show uploaded files through
`blob:` URLs in `<img>` and `<iframe>`; every call goes to the same origin. The browser walk-throughs fail
on any violation (tests-e2e/browser.py).
"""

from flask import Flask, Response, current_app

CONTENT_SECURITY_POLICY = "; ".join([
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: blob:",
    "font-src 'self' data:",
    "connect-src 'self'",
    "frame-src 'self' blob:",
    "worker-src 'self' blob:",
    "frame-ancestors 'none'",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
])
PAGE_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "strict-origin-when-cross-origin",
}


def _add_headers(response: Response) -> Response:
    headers = response.headers
    headers["X-Content-Type-Options"] = "nosniff"
    if response.mimetype == "text/html":
        for name, value in PAGE_HEADERS.items():
            headers.setdefault(name, value)
    hsts = current_app.config["GATEWAY_HSTS_SECONDS"]
    if hsts > 0:
        headers["Strict-Transport-Security"] = f"max-age={hsts}; includeSubDomains"
    return response


def init_app(app: Flask) -> None:
    app.after_request(_add_headers)

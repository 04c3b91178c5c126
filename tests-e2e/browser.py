"""The browser half of the end-to-end harness: Debian's Chromium driven by Playwright, against the
platform the session started (its gateway serves web/dist at `/`).

Pages are found the way a person finds things (roles, labels, visible text) and waited for with
Playwright's web-first assertions. Every page records its console: a test fails on any console error
(a Content-Security-Policy violation included) except the browser's own line for an HTTP 4xx answer,
which is the app's expected path (a wrong login answers 401 and the page shows its message). `make browser`
installs Chromium and a CJK font.
"""

import os
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import requests
from playwright.sync_api import Browser, Page, expect, sync_playwright

from xyd_testing.helpers import wait_until

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
LAUNCH_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
               "--disable-sync", "--no-first-run"]
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}
MANUAL_DIR = ROOT / "docs" / "manual" / "institution"
# `make manual` sets this: the walk-through then saves its screenshots for the operating manual.
SAVE_SCREENSHOTS = os.environ.get("XYD_MANUAL_SCREENSHOTS") == "1"

expect.set_options(timeout=15_000)


@dataclass
class Console:
    errors: list[str] = field(default_factory=list)

    def record(self, kind: str, text: str) -> None:
        if kind != "error":
            return
        if "Failed to load resource: the server responded with a status of 4" in text:
            return
        self.errors.append(text)


@pytest.fixture(scope="session")
def browser(platform):
    if not Path(CHROMIUM).exists():
        pytest.fail(f"no Chromium at {CHROMIUM}: run `make browser` (installs it with apt) or set CHROMIUM")
    web = requests.get(platform.gateway + "/health", timeout=5).json().get("web")
    assert web == "ok", "the gateway has no web/dist to serve: run `make web` first (make e2e does)"
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=LAUNCH_ARGS)
        yield chromium
        chromium.close()


def open_page(browser: Browser, platform, viewport: dict) -> tuple[Page, Console]:
    context = browser.new_context(viewport=viewport, base_url=platform.gateway, locale="zh-CN",
                                  timezone_id="Asia/Shanghai")
    # A Content-Security-Policy violation fails the test like a console error (the policy is the gateway's,
    # xyd_gateway/security_headers.py). Init scripts run outside the page's policy.
    context.add_init_script("document.addEventListener('securitypolicyviolation', (e) => console.error("
                            "`CSP violation: ${e.violatedDirective} ${e.blockedURI} ${e.sourceFile}:${e.lineNumber}`))")
    page = context.new_page()
    console = Console()
    page.on("console", lambda message: console.record(message.type, message.text))
    page.on("pageerror", lambda error: console.errors.append(f"uncaught: {error}"))
    # The console names no URL for a 5xx: this says which request it was.
    page.on("response", lambda response: console.errors.append(
        f"HTTP {response.status} {response.request.method} {response.url}") if response.status >= 500 else None)
    return page, console


def checked_page(browser: Browser, platform, viewport: dict):
    """A page in its own context; afterwards, the test fails if the page logged a console error."""
    page, console = open_page(browser, platform, viewport)
    yield page
    page.context.close()
    assert console.errors == [], console.errors


@pytest.fixture
def desktop(browser, platform):
    """A page at 1280×800."""
    yield from checked_page(browser, platform, DESKTOP)


@pytest.fixture
def phone(browser, platform):
    """A page 390 px wide."""
    yield from checked_page(browser, platform, PHONE)


def assert_no_horizontal_scroll(page: Page) -> None:
    """The page itself never scrolls sideways (a wide table scrolls inside its own box)."""
    widths = page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
    assert widths[0] <= widths[1], f"{page.url} is {widths[0]} px wide in a {widths[1]} px window"


def walk_at_phone_width(page: Page, pages, menu_item: str, manual: str = "institution") -> None:
    """Opens each (path, heading) of `pages` on a phone-wide page: the heading shows, the page never
    scrolls sideways, a screenshot `phone-<path>` for the manual; then `menu_item` (a page headed as its
    menu entry) from the menu drawer."""
    for path, heading in pages:
        page.goto(path)
        expect(page.get_by_role("heading", name=heading, exact=True)).to_be_visible()
        assert_no_horizontal_scroll(page)
        screenshot(page, "phone-" + path.strip("/").replace("/", "-"), manual)
    # The menu lives in a drawer on a phone.
    page.get_by_role("button", name="打开菜单").click()
    page.get_by_role("dialog", name="菜单").get_by_role("menuitem", name=menu_item).click()
    expect(page.get_by_role("heading", name=menu_item, exact=True)).to_be_visible()


# Records every label a disabled "N 秒后重新获取" button shows. The countdown lasts the server's resend
# interval (2 s in the tests): on a loaded machine it can end before a poll for it comes round, so the page
# itself notes each one as it is drawn (a MutationObserver fires on the change, whatever the load).
_WATCH_COUNTDOWN = """() => {
  window.__xydCountdownObserver?.disconnect();
  const seen = window.__xydCountdowns = [];
  const note = () => {
    for (const button of document.querySelectorAll('button')) {
      const label = button.textContent.trim();
      if (button.disabled && /^\\d+ 秒后重新获取$/.test(label)) seen.push(label);
    }
  };
  window.__xydCountdownObserver = new MutationObserver(note);
  window.__xydCountdownObserver.observe(document.body,
    {subtree: true, childList: true, characterData: true, attributes: true});
}"""


def watch_countdown(page: Page) -> None:
    """From now on, note each countdown the page draws (`expect_countdown_shown`)."""
    page.evaluate(_WATCH_COUNTDOWN)


def expect_countdown_shown(page: Page) -> None:
    """Since `watch_countdown`, a disabled button counted down to the next SMS code."""
    wait_until(lambda: page.evaluate("() => (window.__xydCountdowns || []).length > 0"), timeout=15,
               message="a disabled 「N 秒后重新获取」 button")


def screenshot(page: Page, name: str, manual: str = "institution") -> None:
    """A screenshot for the operating manual `docs/manual/<manual>/` (only under `make manual`)."""
    if SAVE_SCREENSHOTS:
        directory = MANUAL_DIR.parent / manual
        directory.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(directory / f"{name}.png"), animations="disabled", caret="hide")

"""The help center's main pages, its search results and its phone navigation have no WCAG 2.1 A/AA violation (axe-core)."""

from __future__ import annotations

import functools
import threading
from collections.abc import Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from playwright.sync_api import Page, ViewportSize, expect

from tests.browser.accessibility import assert_accessible
from tests.docs.test_help_center import KEY_PAGES, REPO, build
from welt.web_policy import help_center_policy

# One group: the help center below is built once, on one worker.
pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("help-center")]

PAGES = [page.removesuffix("index.html") for page in KEY_PAGES if page.endswith("index.html")]
PHONE = ViewportSize(width=390, height=844)


class QuietHandler(SimpleHTTPRequestHandler):
    """Serves the site with the Content-Security-Policy header CloudFront sends (infra/web_stack.py)."""

    def __init__(self, *args: Any, policy: str, **kwargs: Any) -> None:
        self._policy = policy
        super().__init__(*args, **kwargs)

    def end_headers(self) -> None:
        self.send_header("Content-Security-Policy", self._policy)
        super().end_headers()

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture(scope="module")
def help_center(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The help center as `mkdocs build --strict` makes it, served over HTTP (its search runs in a web worker)."""
    site = tmp_path_factory.mktemp("help-center-a11y") / "site"
    result = build(REPO, site)
    assert result.returncode == 0, f"mkdocs build --strict failed:\n{result.stdout}\n{result.stderr}"
    policy = help_center_policy(page.read_text(encoding="utf-8") for page in sorted(site.rglob("*.html")))
    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(QuietHandler, directory=str(site), policy=policy))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()
    server.server_close()


def open_page(page: Page, help_center: str, path: str) -> None:
    page.goto(help_center + path)
    expect(page.locator("article h1").first).to_be_visible()


def test_search_results(page: Page, help_center: str) -> None:
    open_page(page, help_center, "")
    page.keyboard.press("/")  # Material's shortcut to the search field
    page.keyboard.type("group shipping")
    expect(page.locator(".md-search-result__item").first).to_be_visible()

    assert_accessible(page, "help center search results")


def test_the_navigation_drawer_on_a_phone(page: Page, help_center: str) -> None:
    page.set_viewport_size(PHONE)
    open_page(page, help_center, "guide/paying/")
    page.locator("label.md-header__button[for=__drawer]").click()
    expect(page.locator(".md-sidebar--primary")).to_be_in_viewport(ratio=1)  # slid all the way in

    assert_accessible(page, "help center navigation on a phone")


DIAGRAM_PAGE = "developers/deploying/"  # has a mermaid diagram: its renderer must run under the policy too


@pytest.mark.parametrize("path", PAGES)
def test_a_main_page_passes_axe_and_runs_under_its_content_security_policy(page: Page, help_center: str, path: str) -> None:
    """One visit per page: axe on the page as it opens, then its search, with no policy violation reported throughout."""
    page.add_init_script(
        "window.__violations = [];"
        "document.addEventListener('securitypolicyviolation', e => window.__violations.push(e.violatedDirective + ' ' + e.blockedURI));"
    )
    with page.expect_response(help_center + path) as served:
        open_page(page, help_center, path)
    response = served.value

    assert_accessible(page, f"help center /{path}")

    page.keyboard.press("/")  # search runs in a web worker: allowed from the site itself
    page.keyboard.type("group shipping")
    expect(page.locator(".md-search-result__item").first).to_be_visible()
    policy = page.locator('meta[http-equiv="Content-Security-Policy"]').get_attribute("content") or ""
    assert "script-src 'self' 'sha256-" in policy and "object-src 'none'" in policy
    # Served as CloudFront serves it: the header's policy as well as the page's own meta tag.
    assert "object-src 'none'" in (response.headers.get("content-security-policy") or "")
    assert page.evaluate("window.__violations") == []
    if path == DIAGRAM_PAGE:
        # Material draws each diagram into a closed shadow root of a `div.mermaid` that takes the `pre`'s place.
        expect(page.locator("div.mermaid").first).to_be_visible()
        assert page.locator("pre.mermaid").count() == 0

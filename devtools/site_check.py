"""Open the built documentation site in headless Chromium and check what a reader would see.

    python -m devtools.site_check site --browser /usr/bin/chromium

The site is served on 127.0.0.1 (a free port) for the duration, and Playwright drives the given
Chromium (the system's: Playwright downloads no browser here) from a fresh profile. Checks: the
home page renders with its title and navigation, and the Chinese getting-started page in
Chinese; the reference page of GeekAIAdmin documents each
of its public methods; the site's search, run from the page's own `?q=` parameter (the search
works in a web worker, after the page has loaded), lists results for GEEKAI_SYSTEM_KEY.
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import http.server
import inspect
import sys
import tempfile
import threading
from collections.abc import Iterator, Sequence
from pathlib import Path

from playwright.sync_api import Page, sync_playwright
from playwright.sync_api import TimeoutError as PlaywrightTimeout

__all__ = ["CHROMIUM_FLAGS", "problems", "serving"]

CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
)
SEARCHED = "GEEKAI_SYSTEM_KEY"
WAIT_MS = 30_000


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        """No access log on stderr."""


@contextlib.contextmanager
def serving(site: Path) -> Iterator[str]:
    """The site served over HTTP on 127.0.0.1 (a web worker cannot start from file://); its base URL."""
    handler = functools.partial(_QuietHandler, directory=str(site))
    with http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler) as server:
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        try:
            yield f"http://127.0.0.1:{server.server_address[1]}"
        finally:
            server.shutdown()
            thread.join()


def _public_methods(cls: type) -> list[str]:
    return [name for name, _ in inspect.getmembers(cls, inspect.isfunction) if not name.startswith("_")]


def problems(browser: str, base_url: str) -> list[str]:
    """What the reader would not see, one sentence each."""
    with tempfile.TemporaryDirectory(prefix="geekai-admin-chromium-") as profile, sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            profile, executable_path=browser, args=list(CHROMIUM_FLAGS), headless=True
        )
        try:
            return _page_problems(context.new_page(), base_url)
        finally:
            context.close()


def _title(page: Page) -> str:
    """The page's first heading, less its permalink sign."""
    return page.locator("article h1").first.inner_text(timeout=WAIT_MS).rstrip("¶").strip()


def _page_problems(page: Page, base_url: str) -> list[str]:
    from geekai_admin import GeekAIAdmin  # noqa: PLC0415 - the docs session installs the package

    found = []
    page.goto(f"{base_url}/")
    title = _title(page)
    if title != "geekai-admin" or page.locator(".md-nav__link").count() == 0:
        found.append(f"the home page shows the title {title!r} and {page.locator('.md-nav__link').count()} nav links")

    page.goto(f"{base_url}/zh/getting-started/")
    zh_title = _title(page)
    if zh_title != "快速上手" or not (page.locator("html").get_attribute("lang") or "").startswith("zh"):
        found.append(f"the Chinese getting-started page shows the title {zh_title!r}")

    page.goto(f"{base_url}/reference/clients/")
    methods = [*_public_methods(GeekAIAdmin), "keys"]  # and its one public attribute, the keys resource
    missing = [name for name in methods if page.locator(f'[id="geekai_admin.GeekAIAdmin.{name}"]').count() != 1]
    if not methods or missing or page.locator('[id="geekai_admin.GeekAIAdmin"]').count() != 1:
        found.append(f"the reference page of GeekAIAdmin does not document {missing or 'the class'}")

    page.goto(f"{base_url}/?q={SEARCHED}")
    results = page.locator(".md-search-result__item")
    try:
        results.first.wait_for(timeout=WAIT_MS)
    except PlaywrightTimeout:
        found.append(f"the site's search lists nothing for {SEARCHED} after {WAIT_MS} ms")
    else:
        hits = results.all_inner_texts()
        if not any(SEARCHED.lower() in hit.lower() for hit in hits):
            found.append(f"no search result for {SEARCHED} mentions it: {hits}")
    print(f"site check: home page {title!r}; looked for GeekAIAdmin's {methods}; {results.count()} search results")
    return found


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("site", type=Path, help="the built site (mkdocs build --site-dir)")
    parser.add_argument("--browser", required=True, help="the Chromium or Chrome executable")
    args = parser.parse_args(argv)
    with serving(args.site) as base_url:
        found = problems(args.browser, base_url)
    for problem in found:
        print(f"site check: {problem}", file=sys.stderr)
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())

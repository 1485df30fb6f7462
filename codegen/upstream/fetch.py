"""Fetching one upstream page: https only (plain http to loopback, for tests), bounded in time and size.

Every failure is a `FetchError` naming the URL, so a report says which page could not be read.
"""

from __future__ import annotations

import ipaddress
import time
from dataclasses import dataclass
from pathlib import Path

import httpx

__all__ = ["FetchError", "Fetched", "Fetcher", "check_url", "read_source"]

MAX_PAGE_BYTES = 2 * 1024 * 1024
"""A docs page or a whole OpenAPI document is tens of kilobytes; anything past this is refused."""
REDIRECTS = 5
TIMEOUT = httpx.Timeout(30.0, connect=10.0)
RETRIES = 3
TRANSIENT_STATUSES = frozenset({408, 425, 429, 500, 502, 503, 504})
BACKOFF_SECONDS = 0.5


class FetchError(RuntimeError):
    """A page could not be read; the message names it. `status`: the HTTP status that ended it, if any."""

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def check_url(url: str) -> httpx.URL:
    """The URL, if it may be fetched: https, or http to a loopback address."""
    parsed = httpx.URL(url)
    if parsed.scheme == "https" and parsed.host:
        return parsed
    if parsed.scheme == "http" and _is_loopback(parsed.host):
        return parsed
    raise FetchError(f"{url}: refused: only https URLs (or http to a loopback address) are fetched")


@dataclass(frozen=True)
class Fetched:
    """A page as read: the URL finally reached (after redirects) and its body."""

    url: str
    body: bytes


@dataclass
class Fetcher:
    """Reads pages over one pooled client, retrying transient failures with a short backoff."""

    client: httpx.Client
    max_bytes: int = MAX_PAGE_BYTES
    retries: int = RETRIES
    backoff: float = BACKOFF_SECONDS

    @classmethod
    def open(cls) -> Fetcher:
        # No redirects followed blindly: a redirect to plain http would bypass check_url.
        return cls(
            httpx.Client(timeout=TIMEOUT, follow_redirects=False, headers={"User-Agent": "geekai-admin-upstream"})
        )

    def close(self) -> None:
        self.client.close()

    def get(self, url: str) -> bytes:
        """The body of `url`; raises FetchError naming it after the last failed attempt."""
        return self.fetch(url).body

    def fetch(self, url: str, *, redirects: int = REDIRECTS) -> Fetched:
        """The page at `url`, following up to `redirects` redirects (each target checked like `url`)."""
        check_url(url)
        for attempt in range(self.retries + 1):
            last = attempt == self.retries
            try:
                with self.client.stream("GET", url) as response:
                    if response.is_redirect:
                        if redirects == 0:
                            raise FetchError(f"{url}: more than {REDIRECTS} redirects")
                        target = str(response.url.join(response.headers.get("location", "")))
                        return self.fetch(target, redirects=redirects - 1)
                    if response.status_code in TRANSIENT_STATUSES and not last:
                        self._pause(attempt)
                        continue
                    if response.status_code != 200:
                        raise FetchError(f"{url}: HTTP {response.status_code}", response.status_code)
                    return Fetched(url, self._read(url, response))
            except httpx.TransportError as exc:
                if last:
                    raise FetchError(f"{url}: {type(exc).__name__}: {exc}") from None
                self._pause(attempt)
        raise FetchError(f"{url}: no attempt left")  # unreachable: the last attempt returns or raises

    def _read(self, url: str, response: httpx.Response) -> bytes:
        declared = response.headers.get("content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_bytes:
            raise FetchError(f"{url}: {declared} bytes, more than the {self.max_bytes} allowed for one page")
        body = bytearray()
        for chunk in response.iter_bytes():
            body += chunk
            if len(body) > self.max_bytes:
                raise FetchError(f"{url}: more than the {self.max_bytes} bytes allowed for one page")
        return bytes(body)

    def _pause(self, attempt: int) -> None:
        time.sleep(self.backoff * 2**attempt)


def read_source(fetcher: Fetcher, url_or_path: str) -> bytes:
    """A whole document from a URL, or from a local file when it is not one; either capped in size."""
    if "://" in url_or_path:
        return fetcher.get(url_or_path)
    path = Path(url_or_path)
    try:
        with path.open("rb") as file:
            body = file.read(fetcher.max_bytes + 1)
    except OSError as exc:
        raise FetchError(f"{path}: {exc.strerror or exc}") from None
    if len(body) > fetcher.max_bytes:
        raise FetchError(f"{path}: more than the {fetcher.max_bytes} bytes allowed for one document")
    return body

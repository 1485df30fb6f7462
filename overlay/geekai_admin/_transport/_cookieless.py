"""httpx clients that keep no cookies: the admin API authenticates with the bearer key alone.

httpx files every response's Set-Cookie headers into its cookie jar and builds a urllib request
to do so, even when there are none: about a seventh of the client's CPU on a small call. The
clients GeekAIAdmin builds for itself skip that; a client passed in as `http_client` is used as
given, cookies and all.
"""

from __future__ import annotations

import httpx

__all__ = ["CookielessAsyncClient", "CookielessClient"]


class _NoCookies(httpx.Cookies):
    """A jar that stays empty: nothing is read from responses, nothing added to requests."""

    def extract_cookies(self, response: httpx.Response) -> None:
        return None

    def set_cookie_header(self, request: httpx.Request) -> None:
        return None

    def set(self, name: str, value: str, domain: str = "", path: str = "/") -> None:
        return None


_NO_COOKIES = _NoCookies()


class _KeepsNoCookies:
    @property
    def cookies(self) -> httpx.Cookies:
        return _NO_COOKIES

    @cookies.setter
    def cookies(self, cookies: object) -> None:
        raise AttributeError("this client keeps no cookies: the admin API authenticates with the system key")


class CookielessClient(_KeepsNoCookies, httpx.Client):
    pass


class CookielessAsyncClient(_KeepsNoCookies, httpx.AsyncClient):
    pass

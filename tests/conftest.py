"""Fixtures of every suite."""

from __future__ import annotations

import re
from collections.abc import Iterator

import certifi
import pytest

_CERTIFICATE = re.compile(r"-----BEGIN CERTIFICATE-----.+?-----END CERTIFICATE-----\n", re.DOTALL)


@pytest.fixture(scope="session", autouse=True)
def one_certificate_trust_store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """SSL_CERT_FILE names a bundle of one certificate (the first of certifi's) for the whole run.

    httpx reads its CA bundle whenever a client is built: certifi's 100-odd certificates take
    50-90 ms, and the suites build a client in most of their few thousand tests (over half the
    time of some files). Every test speaks plain HTTP on loopback, so the trust store's content
    never matters; httpx honours SSL_CERT_FILE in every version the package supports.
    """
    first = _CERTIFICATE.search(certifi.contents())
    if first is None:
        pytest.fail(f"no certificate in certifi's bundle {certifi.where()}")
    bundle = tmp_path_factory.mktemp("trust-store") / "one-certificate.pem"
    bundle.write_text(first.group())
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("SSL_CERT_FILE", str(bundle))
        patch.delenv("SSL_CERT_DIR", raising=False)
        yield


@pytest.fixture(scope="session", autouse=True)
def private_state_folder(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """XDG_STATE_HOME is a folder of the run's own: what the command keeps in its private folder
    (`ops.keep_beside` when a destination's folder will not take a file) never reaches the home folder."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("XDG_STATE_HOME", str(tmp_path_factory.mktemp("state")))
        yield

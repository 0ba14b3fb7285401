"""HTTPS through the checked connection: the socket goes to the address that was checked, and
TLS still verifies the certificate for, and sends SNI with, the host name (not the address)."""

from __future__ import annotations

import socket
import ssl
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from certificates import self_signed
from local_server import answering, serving

from samverka.core import fetch as fetching

PUBLIC = "93.184.215.14"
HOST = "tls.example.se"


def _certificate(tmp_path: Path) -> tuple[Path, Path, bytes]:
    return self_signed(tmp_path, HOST)


@pytest.fixture
def tls_server(tmp_path: Path) -> Iterator[int]:
    cert_file, key_file, pem = _certificate(tmp_path)
    # The client trusts this certificate for HOST only (it is its own CA).
    fetching._ssl_context().load_verify_locations(cadata=pem.decode())
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert_file, key_file)
    with serving(answering(b"over TLS"), ssl_context=context) as port:
        yield port


def test_https_connects_to_the_checked_address_and_verifies_the_host_name(
    tls_server: int, monkeypatch: pytest.MonkeyPatch, settings: Any
) -> None:
    settings.SAMVERKA_FEEDS_ALLOW_PRIVATE = False
    real_getaddrinfo, real_connect = socket.getaddrinfo, socket.create_connection
    connects = []

    def getaddrinfo(host: Any, port: Any, *args: Any, **kwargs: Any) -> Any:
        return real_getaddrinfo(PUBLIC if host == HOST else host, port, *args, **kwargs)

    def create_connection(address: tuple[str, int], *args: Any, **kwargs: Any) -> Any:
        connects.append(address[0])
        # The network routes the public address to the test server.
        target = ("127.0.0.1", address[1]) if address[0] == PUBLIC else address
        return real_connect(target, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    monkeypatch.setattr(socket, "create_connection", create_connection)

    result = fetching.fetch(f"https://{HOST}:{tls_server}/feed", timeout=5)

    assert result.content == b"over TLS"
    assert connects == [PUBLIC]
    settings.SAMVERKA_FEEDS_ALLOW_PRIVATE = True
    with pytest.raises(fetching.FetchError, match="CERTIFICATE_VERIFY_FAILED"):
        fetching.fetch(f"https://localhost:{tls_server}/feed", timeout=5)  # not its name

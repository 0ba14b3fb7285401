"""Fetching remote documents (calendars, news feeds) safely.

:func:`fetch` does a conditional GET (ETag / Last-Modified) with connect and read timeouts, a size
cap enforced while streaming, a Samverka user agent, and refuses addresses inside private,
loopback, link-local, reserved or multicast networks (also after redirects) unless
``SAMVERKA_FEEDS_ALLOW_PRIVATE`` is set (settings.py reads it from the environment). The check is
made where the connection is opened, on the one lookup whose addresses are then connected to, so a
DNS server that answers differently the second time (DNS rebinding) gains nothing.
"""

from __future__ import annotations

import functools
import ipaddress
import socket
import ssl
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import urljoin, urlsplit

import httpcore
import httpx
from django.conf import settings

DEFAULT_MAX_BYTES = 5 * 1024 * 1024
DEFAULT_TIMEOUT = 15.0
MAX_REDIRECTS = 5


class FetchError(Exception):
    """The document could not be fetched; the message says why (in English, for logs)."""


@dataclass(frozen=True)
class FetchResult:
    url: str
    status: int
    content: bytes = b""
    etag: str = ""
    last_modified: str = ""
    content_type: str = ""

    @property
    def not_modified(self) -> bool:
        return self.status == 304


def allow_private() -> bool:
    """Whether private and loopback addresses may be fetched (tests, intranet installations)."""
    return bool(settings.SAMVERKA_FEEDS_ALLOW_PRIVATE)


def user_agent() -> str:
    return f"Samverka/0.1 (+{settings.SITE_URL})"


def _is_public(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        address = address.ipv4_mapped
    return not (
        address.is_private
        or address.is_loopback
        or address.is_link_local
        or address.is_reserved
        or address.is_multicast
        or address.is_unspecified
        or not address.is_global
    )


def check_url(url: str) -> None:
    """Raise ``FetchError`` unless ``url`` is http(s) and every address of its host is public."""
    host, port = _host_and_port(url)
    if not allow_private():
        public_addresses(host, port)


def _host_and_port(url: str) -> tuple[str, int]:
    parts = urlsplit(url)
    if parts.scheme not in {"http", "https"}:
        raise FetchError(f"only http and https addresses can be fetched, not {parts.scheme!r}")
    host = parts.hostname
    if not host:
        raise FetchError("the address has no host name")
    try:
        return host, parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError as exc:
        raise FetchError(f"bad port in {url!r}") from exc


def public_addresses(host: str, port: int) -> list[str]:
    """The addresses ``host`` resolves to, in the resolver's order, on one lookup; ``FetchError``
    if it resolves to nothing or to any address that is not public."""
    try:
        infos = socket.getaddrinfo(host, port, proto=socket.IPPROTO_TCP)
    except (socket.gaierror, UnicodeError) as exc:
        raise FetchError(f"the host {host!r} cannot be resolved") from exc
    addresses = list(dict.fromkeys(str(info[4][0]) for info in infos))
    if not addresses:
        raise FetchError(f"the host {host!r} cannot be resolved")
    for raw in addresses:
        address = ipaddress.ip_address(raw.split("%", 1)[0])
        if not _is_public(address):
            raise FetchError(
                f"refusing to fetch {host!r}: {address} is a private, loopback, link-local or "
                "reserved address"
            )
    return addresses


class CheckedBackend(httpcore.NetworkBackend):
    """httpcore's network backend, connecting only to addresses just checked.

    ``connect_tcp`` resolves the host once, refuses it unless every address is public, and opens
    the socket to those very addresses (numeric: no second lookup). TLS still verifies the
    certificate for, and sends SNI with, the host name: httpcore passes it to ``start_tls``."""

    def __init__(self) -> None:
        self._backend = httpcore.SyncBackend()

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Any = None,
    ) -> httpcore.NetworkStream:
        if allow_private():
            return self._backend.connect_tcp(host, port, timeout, local_address, socket_options)
        error: httpcore.ConnectError | None = None
        for address in public_addresses(host, port):
            try:
                return self._backend.connect_tcp(
                    address, port, timeout, local_address, socket_options
                )
            except httpcore.ConnectError as exc:  # try the host's next address
                error = exc
        assert error is not None
        raise error

    def connect_unix_socket(
        self, path: str, timeout: float | None = None, socket_options: Any = None
    ) -> httpcore.NetworkStream:
        raise FetchError("fetches over a Unix socket are not allowed")

    def sleep(self, seconds: float) -> None:
        self._backend.sleep(seconds)


def _transport() -> httpx.HTTPTransport:
    """httpx's transport with its connection pool on :class:`CheckedBackend` (httpx takes no
    network backend of its own, so the pool is built as ``HTTPTransport`` builds it)."""
    transport = httpx.HTTPTransport(verify=_ssl_context(), trust_env=False)
    limits = httpx.Limits()
    transport._pool = httpcore.ConnectionPool(
        ssl_context=_ssl_context(),
        max_connections=limits.max_connections,
        max_keepalive_connections=limits.max_keepalive_connections,
        keepalive_expiry=limits.keepalive_expiry,
        network_backend=CheckedBackend(),
    )
    return transport


@functools.cache
def _ssl_context() -> ssl.SSLContext:
    """One verifying TLS context for every fetch; building it loads the CA bundle (slow)."""
    return httpx.create_ssl_context()


def fetch(
    url: str,
    *,
    etag: str = "",
    last_modified: str = "",
    max_bytes: int = DEFAULT_MAX_BYTES,
    timeout: float = DEFAULT_TIMEOUT,
) -> FetchResult:
    """GET ``url`` conditionally; a 304 gives a result with ``not_modified`` and no content.

    Raises ``FetchError`` for refused addresses, network errors, HTTP errors, bodies over
    ``max_bytes`` and fetches that take longer than ``timeout`` in all (redirects included; a
    server that sends a byte now and then would otherwise never time out).
    """
    deadline = time.monotonic() + timeout
    headers = {"User-Agent": user_agent(), "Accept": "*/*"}
    if etag:
        headers["If-None-Match"] = etag
    if last_modified:
        headers["If-Modified-Since"] = last_modified
    limits = httpx.Timeout(timeout, connect=min(timeout, 10.0))
    try:
        with httpx.Client(
            timeout=limits, follow_redirects=False, trust_env=False, transport=_transport()
        ) as client:
            for _hop in range(MAX_REDIRECTS + 1):
                _check_deadline(url, deadline)
                _host_and_port(url)  # the scheme; the addresses are checked on connecting
                with client.stream("GET", url, headers=headers) as response:
                    if response.status_code in {301, 302, 303, 307, 308}:
                        location = response.headers.get("Location", "")
                        if not location:
                            raise FetchError(f"HTTP {response.status_code} without a Location")
                        url = urljoin(url, location)
                        continue
                    return _read(url, response, max_bytes, deadline)
    except httpx.TimeoutException as exc:
        raise FetchError(f"timed out fetching {url}") from exc
    except httpx.HTTPError as exc:
        raise FetchError(f"could not fetch {url}: {exc}") from exc
    raise FetchError(f"more than {MAX_REDIRECTS} redirects")


def _check_deadline(url: str, deadline: float) -> None:
    if time.monotonic() > deadline:
        raise FetchError(f"timed out fetching {url}")


def _read(url: str, response: httpx.Response, max_bytes: int, deadline: float) -> FetchResult:
    meta = {
        "url": url,
        "status": response.status_code,
        "etag": response.headers.get("ETag", ""),
        "last_modified": response.headers.get("Last-Modified", ""),
        "content_type": response.headers.get("Content-Type", ""),
    }
    if response.status_code == 304:
        return FetchResult(**meta)
    if response.status_code >= 400:
        raise FetchError(f"HTTP {response.status_code} from {url}")
    declared = response.headers.get("Content-Length", "")
    if declared.isdigit() and int(declared) > max_bytes:
        raise FetchError(f"the document is larger than {max_bytes} bytes")
    body = bytearray()
    for chunk in response.iter_bytes():
        body.extend(chunk)
        if len(body) > max_bytes:
            raise FetchError(f"the document is larger than {max_bytes} bytes")
        _check_deadline(url, deadline)
    return FetchResult(content=bytes(body), **meta)

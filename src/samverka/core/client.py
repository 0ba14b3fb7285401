"""The client address of a request, and the forwarding headers believed only from trusted proxies.

Behind a reverse proxy every request comes from the proxy's address; the visitor's address is in
``X-Forwarded-For``, which anyone can also send. ``SAMVERKA_TRUSTED_PROXIES`` (addresses or
networks) says whose forwarding headers are believed. :func:`client_address` is the one place
that answers "who sent this request" (login and Get help limits, the sluice);
:class:`ForwardedHeadersMiddleware` removes ``X-Forwarded-Proto``, ``-For`` and ``-Host`` sent by
anyone else, so that Django's ``SECURE_PROXY_SSL_HEADER`` and ``USE_X_FORWARDED_HOST`` are safe.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable, Iterable
from functools import lru_cache
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
FORWARDED_HEADERS = ("HTTP_X_FORWARDED_FOR", "HTTP_X_FORWARDED_PROTO", "HTTP_X_FORWARDED_HOST")
_RESOLVED = "samverka.client_address"


@lru_cache(maxsize=8)
def _networks(entries: tuple[str, ...]) -> tuple[Network, ...]:
    return tuple(ipaddress.ip_network(entry, strict=False) for entry in entries)


def parse_networks(entries: Iterable[str]) -> tuple[Network, ...]:
    """Networks from addresses or CIDR ranges; raises ValueError on a malformed entry."""
    return _networks(tuple(entries))


def _ip(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    text = text.strip()
    if text.startswith("[") and "]" in text:  # "[2001:db8::1]:443"
        text = text[1 : text.index("]")]
    elif text.count(":") == 1:  # "192.0.2.1:443"
        text = text.split(":", 1)[0]
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        return address.ipv4_mapped
    return address


def is_trusted(address: str) -> bool:
    ip = _ip(address)
    return ip is not None and any(
        ip in net for net in parse_networks(settings.SAMVERKA_TRUSTED_PROXIES)
    )


def resolve(peer: str, forwarded_for: str) -> str:
    """The first untrusted hop counting from the right of ``forwarded_for`` followed by
    ``peer``; ``peer`` itself when it is not a trusted proxy. A malformed hop stops the walk at
    the last trusted one (it cannot be checked, so nothing left of it is believed)."""
    if not is_trusted(peer):
        return peer
    client = peer
    for hop in reversed([hop for hop in forwarded_for.split(",") if hop.strip()]):
        ip = _ip(hop)
        if ip is None:
            break
        client = str(ip)
        if not is_trusted(client):
            break
    return client


def client_address(request: HttpRequest | Any) -> str:
    """The address of the client that sent ``request`` (see the module docstring)."""
    meta = request.META
    if _RESOLVED not in meta:
        peer = str(meta.get("REMOTE_ADDR") or "")
        meta[_RESOLVED] = resolve(peer, str(meta.get("HTTP_X_FORWARDED_FOR") or "")) or "unknown"
    return meta[_RESOLVED]


class ForwardedHeadersMiddleware:
    """First in the chain: resolves the client address, then drops the forwarding headers unless
    the direct peer is a trusted proxy, and sets ``REMOTE_ADDR`` to the client so that code which
    reads it (Django's own, third-party apps) sees the visitor and not the proxy."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        peer = str(request.META.get("REMOTE_ADDR") or "")
        address = client_address(request)
        if not is_trusted(peer):
            for header in FORWARDED_HEADERS:
                request.META.pop(header, None)
        request.META["REMOTE_ADDR"] = address
        return self.get_response(request)

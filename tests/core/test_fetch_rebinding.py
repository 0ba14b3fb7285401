"""Outbound fetches connect to the addresses they checked: a DNS server that answers with a
public address first and a loopback one the second time (DNS rebinding) reaches nothing inside.

The resolver and ``socket.create_connection`` are the standard library's, replaced here to play
the attacker's DNS server and to see where the connection goes; the fetch code is Samverka's."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from typing import Any

import pytest
from local_server import answering, serving

from samverka.core.fetch import FetchError, fetch

PUBLIC = "93.184.215.14"  # a public address: the answer the check sees
HOST = "rebind.example.se"


@pytest.fixture
def internal_server() -> Iterator[tuple[int, list[str]]]:
    """A server on the loopback interface, standing for an internal service; it records paths."""
    requests: list[str] = []

    with serving(answering(b"internal secret", requests)) as port:
        yield port, requests


@pytest.fixture
def rebinding_dns(monkeypatch: pytest.MonkeyPatch) -> dict[str, list[Any]]:
    """HOST resolves to PUBLIC on the first lookup and to 127.0.0.1 after; connections to PUBLIC
    are refused at once (the test needs no network) and every connection target is recorded."""
    seen: dict[str, list[Any]] = {"lookups": [], "connects": []}
    real_getaddrinfo, real_connect = socket.getaddrinfo, socket.create_connection

    def getaddrinfo(host: Any, port: Any, *args: Any, **kwargs: Any) -> Any:
        if host == HOST:
            seen["lookups"].append(host)
            host = PUBLIC if len(seen["lookups"]) == 1 else "127.0.0.1"
        return real_getaddrinfo(host, port, *args, **kwargs)

    def create_connection(address: tuple[str, int], *args: Any, **kwargs: Any) -> Any:
        seen["connects"].append(address[0])
        if address[0] == PUBLIC:
            raise ConnectionRefusedError(f"{PUBLIC} refused")
        return real_connect(address, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    monkeypatch.setattr(socket, "create_connection", create_connection)
    return seen


def test_a_second_answer_of_the_dns_server_is_never_used(
    internal_server: tuple[int, list[str]], rebinding_dns: dict[str, list[Any]], settings: Any
) -> None:
    settings.SAMVERKA_FEEDS_ALLOW_PRIVATE = False
    port, requests = internal_server

    with pytest.raises(FetchError):
        fetch(f"http://{HOST}:{port}/admin", timeout=5)

    assert requests == []  # the internal service was never reached
    assert rebinding_dns["lookups"] == [HOST]  # one lookup, checked ...
    assert rebinding_dns["connects"] == [PUBLIC]  # ... and its address the one connected to


def test_a_host_that_resolves_to_loopback_is_refused_before_connecting(
    internal_server: tuple[int, list[str]], rebinding_dns: dict[str, list[Any]], settings: Any
) -> None:
    settings.SAMVERKA_FEEDS_ALLOW_PRIVATE = False
    port, requests = internal_server
    rebinding_dns["lookups"].append("an earlier lookup")  # the next answer is 127.0.0.1

    with pytest.raises(FetchError, match="private, loopback"):
        fetch(f"http://{HOST}:{port}/admin", timeout=5)

    assert requests == []
    assert rebinding_dns["connects"] == []


def test_allowed_private_addresses_are_still_fetched(
    internal_server: tuple[int, list[str]], settings: Any
) -> None:
    settings.SAMVERKA_FEEDS_ALLOW_PRIVATE = True
    port, requests = internal_server
    assert fetch(f"http://localhost:{port}/feed", timeout=5).content == b"internal secret"
    assert requests == ["/feed"]

"""The empty reference page of the HTTP benchmarks exists only when switched on."""

from __future__ import annotations

import pytest
from django.test import Client, override_settings

pytestmark = pytest.mark.django_db


def test_bench_empty_is_404_by_default(client: Client) -> None:
    response = client.get("/-/empty")

    assert response.status_code == 404


@override_settings(SAMVERKA_BENCH_ENDPOINTS=True)
def test_bench_empty_answers_empty_200_when_enabled(client: Client) -> None:
    response = client.get("/-/empty")

    assert response.status_code == 200
    assert response.content == b""
    assert "sessionid" not in response.cookies


@override_settings(SAMVERKA_BENCH_ENDPOINTS=True)
def test_bench_empty_rejects_post_when_enabled(client: Client) -> None:
    assert client.post("/-/empty").status_code == 405

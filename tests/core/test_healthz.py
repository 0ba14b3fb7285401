"""The health check that load balancers and ``make run`` users poll."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client

from samverka import __version__

pytestmark = pytest.mark.django_db


def test_healthz_reports_database_ok(client: Client) -> None:
    response = client.get("/healthz")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response.json() == {
        "status": "ok",
        "version": __version__,
        "database": {"status": "ok", "vendor": connection.vendor},
    }


def test_healthz_is_never_cached(client: Client) -> None:
    response = client.get("/healthz")

    assert "no-cache" in response["Cache-Control"]
    assert "max-age=0" in response["Cache-Control"]


def test_healthz_needs_no_login_or_session(client: Client) -> None:
    response = client.get("/healthz")

    assert response.status_code == 200
    assert "sessionid" not in response.cookies


def test_healthz_rejects_post(client: Client) -> None:
    assert client.post("/healthz").status_code == 405

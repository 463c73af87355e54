"""Over real HTTP against `make run`'s server: what a user with curl sees."""

from __future__ import annotations

import urllib.request
import uuid
from concurrent.futures import ThreadPoolExecutor

from tests.e2e.conftest import Client


def test_banner_lists_routes_and_the_iam_caveat(server: Client) -> None:
    banner = server.banner  # type: ignore[attr-defined]
    assert "POST   /wallets " in banner and "GET    /wallets/{wallet_id} " in banner
    assert "does NOT check IAM" in banner


def test_create_list_freeze_unfreeze_close(server: Client) -> None:
    customer = f"cus_{uuid.uuid4().hex[:8]}"
    status, wallet = server.post("/wallets", {"customer_id": customer, "currency": "JPY"})
    assert status == 201 and wallet["available_formatted"] == "¥0"
    status, again = server.post("/wallets", {"customer_id": customer, "currency": "JPY"})
    assert status == 200 and again["id"] == wallet["id"]
    status, listed = server.get(f"/wallets?customer_id={customer}")
    assert status == 200 and [w["id"] for w in listed["data"]] == [wallet["id"]]
    path = f"/wallets/{wallet['id']}"
    assert server.post(path + "/freeze")[1]["status"] == "frozen"
    assert server.post(path + "/unfreeze")[1]["status"] == "active"
    status, closed = server.request("DELETE", path)
    assert status == 200 and closed["status"] == "closed"
    status, error = server.post(path + "/freeze")
    assert status == 409 and error["error"]["type"] == "wallet_closed"


def test_errors_over_http(server: Client) -> None:
    status, body = server.request("POST", "/wallets", raw=b"{oops")
    assert status == 400 and body["error"]["type"] == "invalid_json"
    status, body = server.post("/wallets", {"customer_id": "c", "currency": "ZZZ"})
    assert status == 422 and "currency" in body["error"]["details"]
    status, body = server.get("/wallets/wal_missing")
    assert status == 404 and body["error"]["type"] == "not_found"
    status, body = server.get("/no/such/route")
    assert status == 403  # API Gateway's answer for an unknown resource
    status, body = server.request("PATCH", "/wallets")  # and for an unknown method of a known one
    assert status == 403 and body == {"message": "Missing Authentication Token"}
    status, body = server.request("POST", "/wallets", raw=b" " * (10 * 1024 * 1024 + 1))
    assert status == 413 and body == {"message": "Request Too Long"}  # API Gateway's 10 MB limit


def test_a_response_has_one_content_type(server: Client) -> None:
    with urllib.request.urlopen(server.base + "/wallets?customer_id=cus_nobody", timeout=30) as resp:
        assert resp.headers.get_all("Content-Type") == ["application/json"]


def test_twenty_racing_creates_give_one_wallet(server: Client) -> None:
    customer = f"cus_{uuid.uuid4().hex[:8]}"

    def create(_: int) -> tuple[int, str]:
        status, body = server.post("/wallets", {"customer_id": customer, "currency": "EUR"})
        return status, body["id"]

    with ThreadPoolExecutor(max_workers=20) as pool:
        results = list(pool.map(create, range(20)))
    assert {wallet_id for _, wallet_id in results} == {results[0][1]}
    assert sorted(status for status, _ in results).count(201) == 1
    assert all(status in (200, 201) for status, _ in results)
    _status, listed = server.get(f"/wallets?customer_id={customer}")
    assert len(listed["data"]) == 1


def test_make_invoke_runs_one_function_with_its_sample_event() -> None:
    import json
    import subprocess
    import sys

    from tests.conftest import ROOT

    result = subprocess.run(
        [sys.executable, "-m", "local.invoke", "GetWalletFunction", "events/get_wallet.json"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    response = json.loads(result.stdout)
    assert response["statusCode"] == 200
    assert json.loads(response["body"])["id"] == "wal_01JDEMQ0000000000000000000"

"""Fault injection at each DynamoDB call of a debit: conflicts, throttling, and a timeout after the
write committed. Neither engine raises these on demand, so a botocore hook injects them."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from botocore.awsrequest import AWSResponse
from botocore.exceptions import ClientError, ReadTimeoutError
from botocore.httpsession import URLLib3Session
from moto.core.models import botocore_stubber
from wallets import ledger, repository

from tests.conftest import call
from tests.integration.helpers import check, credit, debit, new_wallet


class _Raw:
    def __init__(self, body: bytes) -> None:
        self.body = body

    def stream(self, **_: Any) -> Iterator[bytes]:
        yield self.body


def _error(status: int, code: str, **extra: Any) -> AWSResponse:
    body = json.dumps(
        {"__type": f"com.amazonaws.dynamodb.v20120810#{code}", "message": code, **extra}
    ).encode()
    return AWSResponse("https://dynamodb", status, {"x-amzn-requestid": "fault"}, _Raw(body))


@contextmanager
def inject(operation: str, faults: list[Callable[[Any, str], Any]]) -> Iterator[list[str]]:
    """The first len(faults) calls of `operation` go through the given faults, in order."""
    client = repository.connection().client
    seen: list[str] = []

    def hook(request: Any, event_name: str, **kwargs: Any) -> Any:
        if not event_name.endswith(f".{operation}"):
            return None
        seen.append(operation)
        if len(seen) <= len(faults):
            return faults[len(seen) - 1](request, event_name)
        return None

    client.meta.events.register_first(f"before-send.dynamodb.{operation}", hook)
    try:
        yield seen
    finally:
        client.meta.events.unregister(f"before-send.dynamodb.{operation}", hook)


# botocore calls every before-send handler (moto's too), so a fault that must stop the write raises;
# a fault answered with a response (reads) lets moto run as well, which is harmless for a read.
def conflict(request: Any, event_name: str) -> None:
    raise ClientError(
        {
            "Error": {"Code": "TransactionCanceledException", "Message": "conflict"},
            "CancellationReasons": [{"Code": "TransactionConflict", "Message": "conflict"}],
        },
        "TransactWriteItems",
    )


def throttled(request: Any, event_name: str) -> None:
    raise ClientError(
        {"Error": {"Code": "ThrottlingException", "Message": "slow down"}}, "TransactWriteItems"
    )


def throttled_response(request: Any, event_name: str) -> AWSResponse:
    return _error(400, "ThrottlingException")


def commit_then_time_out(request: Any, event_name: str) -> AWSResponse:
    # the write reaches DynamoDB (moto in-process, or DynamoDB Local over HTTP) and commits ...
    if botocore_stubber.enabled:
        botocore_stubber(event_name=event_name, request=request)
    else:
        URLLib3Session().send(request)
    raise ReadTimeoutError(endpoint_url="https://dynamodb")  # ... but the answer never arrives


@pytest.fixture
def funded(table: str) -> str:
    wallet_id = new_wallet()
    status, _ = credit(wallet_id, 1000, funding_type="cash")
    assert status == 201
    return wallet_id


@pytest.mark.parametrize(
    "faults",
    [
        [conflict],
        [conflict, conflict, conflict],
        [throttled],
        [throttled] * 3,
        [commit_then_time_out],
        [commit_then_time_out, commit_then_time_out],
    ],
)
def test_transaction_faults_never_double_apply(funded: str, faults: list) -> None:
    with inject("TransactWriteItems", faults) as seen:
        status, body = debit(funded, 300, reference="in_1")
    assert status == 201, body
    assert len(seen) > 1
    debits = [e for e in repository.all_entries(funded) if e.type == "debit"]
    assert len(debits) == 1 and debits[0].id == body["id"]
    assert repository.get_wallet(funded).balances().balance == 700
    check(funded)


@pytest.mark.parametrize("faults", [[throttled_response], [throttled_response, throttled_response]])
def test_read_faults_are_retried(funded: str, faults: list) -> None:
    with inject("GetItem", faults):
        status, body = debit(funded, 300)
    assert status == 201, body
    assert repository.get_wallet(funded).balances().balance == 700


def test_timeout_after_commit_with_an_idempotency_key_replays(funded: str) -> None:
    key = {"Idempotency-Key": "pay-1"}
    with inject("TransactWriteItems", [commit_then_time_out]):
        first = debit(funded, 300, headers=key)
    assert first[0] == 201
    assert debit(funded, 300, headers=key) == first
    assert repository.get_wallet(funded).balances().balance == 700


def test_persistent_throttling_is_503_and_writes_nothing(
    funded: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(repository, "BACKOFF_CAP_S", 0.001)
    with inject("TransactWriteItems", [throttled] * 200) as seen:
        status, body = debit(funded, 300)
    assert (status, body["error"]["type"]) == (503, "service_unavailable")
    assert len(seen) == ledger.MAX_ATTEMPTS
    assert repository.get_wallet(funded).balances().balance == 1000


def test_a_timeout_after_a_commit_that_deleted_lot_pages_is_recognised_as_committed(table: str) -> None:
    # GIVEN 100 lots, most of them in pages, and a debit that empties (so deletes) at least one page
    from tests.integration.test_cold_lots import hundred_lots, pages

    wid = hundred_lots("cus_deletes")
    before = pages(wid)
    # WHEN its transaction commits but the answer is lost, so the identical request is sent again
    with inject("TransactWriteItems", [commit_then_time_out]) as seen:
        status, body = debit(wid, 500)
    # THEN the re-send's cancellation is read against what was sent (PynamoDB sends deletes before
    # puts): the wallet's own token marks it committed, and the debit is not planned and applied again
    assert status == 201, body
    assert len(seen) == 2
    assert set(before) - set(pages(wid)), "the debit was meant to delete a page"
    debits = [e for e in repository.all_entries(wid) if e.type == "debit"]
    assert [e.id for e in debits] == [body["id"]]
    assert repository.get_wallet(wid).balances().balance == 500
    check(wid)


# A re-sent transaction proves its first attempt committed by its ClientRequestToken, stored on every
# item it writes: DynamoDB (and DynamoDB Local) answer an identical re-send with success, but moto
# ignores the token and cancels it on the first attempt's own items, as DynamoDB does after 10 minutes.
def commit_then_other_write_then_time_out(write: Callable[[], Any]) -> Callable[[Any, str], Any]:
    """The transaction commits, another write of the same wallet lands, then the answer is lost."""

    def fault(request: Any, event_name: str) -> AWSResponse:
        if botocore_stubber.enabled:
            botocore_stubber(event_name=event_name, request=request)
        else:
            URLLib3Session().send(request)
        write()  # its own TransactWriteItems passes through inject(): only the first call is faulted
        raise ReadTimeoutError(endpoint_url="https://dynamodb")

    return fault


def a_credit(wallet_id: str) -> None:
    assert credit(wallet_id, 50, funding_type="cash")[0] == 201


def a_refund_of_the_debit(wallet_id: str) -> None:
    (paid,) = [e for e in repository.all_entries(wallet_id) if e.type == "debit"]
    body = {"transaction_id": paid.id, "amount": 100}
    assert call("refund_transaction", "POST", f"/wallets/{wallet_id}/refunds", body)[0] == 201


@pytest.mark.parametrize(("other_write", "balance"), [(a_credit, 750), (a_refund_of_the_debit, 800)])
def test_a_lost_debit_answer_then_another_write_is_not_applied_again(
    funded: str, other_write: Callable[[str], None], balance: int
) -> None:
    # GIVEN a debit (no Idempotency-Key, no reference) whose answer is lost, and another write that
    # lands before its re-send: it rewrites the wallet item, and a refund updates the debit's entry
    fault = commit_then_other_write_then_time_out(lambda: other_write(funded))
    with inject("TransactWriteItems", [fault]):
        status, body = debit(funded, 300)
    # THEN the entry still carries the token of the transaction that put it: one debit
    assert status == 201, body
    assert [e.id for e in repository.all_entries(funded) if e.type == "debit"] == [body["id"]]
    assert repository.get_wallet(funded).balances().balance == balance
    check(funded)


def test_a_capture_whose_answer_is_lost_is_answered_as_captured(funded: str) -> None:
    _, held = call("create_hold", "POST", f"/wallets/{funded}/holds", {"amount": 400})
    with inject("TransactWriteItems", [commit_then_other_write_then_time_out(lambda: a_credit(funded))]):
        status, body = call("capture_hold", "POST", f"/wallets/{funded}/holds/{held['id']}/capture", {})
    assert status == 200, body
    assert repository.get_wallet(funded).balances().balance == 650
    check(funded)


def test_a_code_whose_creation_answer_is_lost_is_answered_with_the_code(table: str) -> None:
    with inject("TransactWriteItems", [commit_then_time_out]):
        status, body = call("create_code", "POST", "/codes", {"amounts": {"USD": 500}})
    assert status == 201 and body["code"], body
    assert [c["id"] for c in call("list_codes", "GET", "/codes")[1]["data"]] == [body["id"]]


def test_a_top_up_whose_pending_record_answer_is_lost_is_charged_once(table: str) -> None:
    from tests.integration.test_holds_topups_refunds import top_up

    wid = new_wallet()
    with inject("TransactWriteItems", [commit_then_time_out]):
        status, body = top_up(wid, 4000)
    assert status == 201, body
    assert repository.get_wallet(wid).balances().balance == 4000
    check(wid)

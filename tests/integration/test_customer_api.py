"""The customer API's rules that need a wallet in a given state (the HTTP paths: tests/e2e)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from wallets import clock, customer_api, errors, jobs, ledger, repository, topups, wiring
from wallets.gateway import Setup
from wallets.sandbox_gateway import SandboxGateway
from wallets.wallet import Wallet

from bench.counting import tally
from tests.conftest import call
from tests.integration.test_jobs import AUTO, auto_wallet


def suspended_wallet() -> str:
    """A wallet whose automatic top-up failed AUTO_TOP_UP_MAX_FAILURES times in a row: suspended."""
    wid = auto_wallet(payment_method="pm_card_declined", cooldown_seconds=0, max_per_day=10)
    ledger.debit(wid, 600, False, None, None, {}, None)
    for _ in range(3):
        jobs.run_top_up_job({}, None, wiring.get_gateway())
        clock.advance(60 * 60)
    assert repository.get_wallet(wid).auto_top_up_state["suspended"] is True
    return wid


def test_a_customer_can_switch_a_suspended_automatic_top_up_off_but_not_on(table: str) -> None:
    # GIVEN an automatic top-up suspended after failed charges
    wid = suspended_wallet()
    customer = repository.get_wallet(wid).customer_id
    # WHEN the customer switches it on: refused, nothing written (resuming is the merchant's)
    with pytest.raises(errors.TopUpNotAllowed, match="suspended"):
        customer_api.set_auto_top_up(customer, wid, True, None, None)
    assert repository.get_wallet(wid).settings["auto_top_up"]["enabled"] is True
    # WHEN the customer switches it off: done, and it stays suspended (their switch resumes nothing)
    status, body = customer_api.set_auto_top_up(customer, wid, False, None, None)
    assert status == 200 and body["settings"]["auto_top_up"]["enabled"] is False
    assert body["auto_top_up_status"]["suspended"] is True
    stored = repository.get_wallet(wid)
    assert stored.settings["auto_top_up"]["enabled"] is False and stored.auto_top_up_state["suspended"]
    with pytest.raises(errors.TopUpNotAllowed, match="suspended"):  # off then on does not resume either
        customer_api.set_auto_top_up(customer, wid, True, None, None)
    # THEN a merchant save that does not name auto_top_up charges nothing: it stays off
    ledger.update_wallet(wid, None, {"low_balance_threshold": 100}, None)
    assert repository.get_wallet(wid).settings["auto_top_up"]["enabled"] is False
    # and the merchant's saving it again resumes it, after which it is the customer's to switch
    ledger.update_wallet(wid, None, {"auto_top_up": {**AUTO, "payment_method": "pm_card_visa"}}, None)
    status, body = customer_api.set_auto_top_up(customer, wid, False, None, None)
    assert status == 200 and body["settings"]["auto_top_up"]["enabled"] is False
    assert body["auto_top_up_status"]["suspended"] is False


def test_both_apis_say_when_automatic_top_up_is_suspended_and_why(table: str) -> None:
    wid = suspended_wallet()
    suspended_at = clock.to_iso(int(repository.get_wallet(wid).auto_top_up_state["suspended_at"]))
    customer = repository.get_wallet(wid).customer_id
    for shown in (ledger.get_wallet(wid), customer_api.wallet(customer, wid)):
        assert shown["auto_top_up_status"] == {
            "suspended": True,
            "reason": "payment_failed",
            "suspended_at": suspended_at,
            "failed_attempts": 3,
        }
    # GIVEN the merchant resumes it: nothing suspended, the count starts again
    ledger.update_wallet(wid, None, {"auto_top_up": {**AUTO, "payment_method": "pm_card_visa"}}, None)
    assert ledger.get_wallet(wid)["auto_top_up_status"] == {
        "suspended": False,
        "reason": None,
        "suspended_at": None,
        "failed_attempts": 0,
    }
    # A wallet without automatic top-up has no status to show
    _, plain = ledger.create_wallet("cus_plain", "USD", {}, None)
    assert plain["auto_top_up_status"] is None


@pytest.mark.parametrize(
    ("function_dir", "listed"),
    [("me_list_transactions", "transactions"), ("me_list_holds", "holds"), ("me_list_lots", "lots")],
)
def test_a_customer_list_reads_the_wallet_once(table: str, function_dir: str, listed: str) -> None:
    """The ownership check's read of the wallet is the list's: one GetItem, then the list's Query."""
    _, wallet = ledger.create_wallet("cus_once", "USD", {}, None)
    ledger.credit(wallet["id"], 500, "cash", None, None, None, {}, None)
    ledger.create_hold(wallet["id"], 100, None, None, None, {}, None)
    with tally() as t:
        status, body = call(
            function_dir,
            "GET",
            f"/me/wallets/{wallet['id']}/{listed}",
            authorizer={"customer_id": "cus_once"},
        )
    assert status == 200 and body["data"], body
    assert t.requests["GetItem"] == 1, t.requests


SECRET = "VIP churn risk, margin 3%"


def test_no_customer_answer_shows_what_the_merchant_wrote_for_itself(table: str) -> None:
    """/me shows no merchant metadata, `reference` or `reason` (on wallets, transactions, lots,
    holds, top-ups); `description` is the one text a merchant writes for the customer, and shows."""
    # GIVEN a wallet where every merchant-written field carries something internal
    note = {"internal_note": SECRET}
    _, wallet = ledger.create_wallet("cus_meta", "USD", note, None)
    wid = wallet["id"]
    ledger.credit(wid, 1000, "cash", None, "Welcome credit", f"ref {SECRET}", note, None)
    ledger.adjust(wid, 50, f"reason {SECRET}", None, note, None)
    ledger.void(wid, 10, None, f"void {SECRET}", None, note, None)
    _, hold = ledger.create_hold(wid, 100, None, f"hold {SECRET}", "Your order", note, None)
    ledger.settle_hold(wid, hold["id"], "capture", 60, None)
    _, top_up = topups.create(
        wid, 500, "pm_card_visa", description="Added funds", gateway=wiring.get_gateway()
    )
    base = f"/me/wallets/{wid}"
    answers = []
    # WHEN the customer reads everything /me answers
    for function_dir, path in [
        ("me_list_wallets", "/me/wallets"),
        ("me_get_wallet", base),
        ("me_list_transactions", f"{base}/transactions"),
        ("me_list_lots", f"{base}/lots"),
        ("me_list_holds", f"{base}/holds"),
        ("me_get_top_up", f"{base}/top-ups/{top_up['id']}"),
    ]:
        status, body = call(function_dir, "GET", path, authorizer={"customer_id": "cus_meta"})
        assert status == 200, body
        answers.append(body)
    # THEN nothing of it shows, and the descriptions do
    shown = json.dumps(answers)
    assert SECRET not in shown and "internal_note" not in shown
    history = answers[2]["data"]
    assert {t["description"] for t in history} >= {"Welcome credit", "Added funds"}
    assert [h["description"] for h in answers[4]["data"]] == ["Your order"]
    # while the merchant still sees it all
    assert ledger.get_wallet(wid)["metadata"] == note


def test_a_customers_own_writes_answer_without_the_merchants_fields(table: str) -> None:
    _, wallet = ledger.create_wallet(
        "cus_meta2", "USD", {"internal_note": SECRET}, {"auto_top_up": {**AUTO, "enabled": False}}
    )
    status, body = customer_api.set_auto_top_up("cus_meta2", wallet["id"], False, None, None)
    assert status == 200 and SECRET not in json.dumps(body)
    status, body = customer_api.top_up(
        "cus_meta2", wallet["id"], 500, "pm_card_visa", None, wiring.get_gateway()
    )
    assert status == 201 and SECRET not in json.dumps(body)


class CountingGateway(SandboxGateway):
    """The sandbox, counting the SetupIntents it is asked to create."""

    def __init__(self) -> None:
        self.setups: list[str] = []
        self.charges: list[str] = []

    def setup(self, key: str, customer: str, metadata: dict[str, str]) -> Setup:
        self.setups.append(key)
        return super().setup(key, customer, metadata)

    def prepare(self, key: str, *args: Any, **kwargs: Any) -> str:
        self.charges.append(key)
        return super().prepare(key, *args, **kwargs)


def test_a_card_is_not_saved_where_the_merchant_turned_top_ups_off(table: str) -> None:
    gateway = CountingGateway()
    _, wallet = ledger.create_wallet("cus_card_off", "USD", {}, {"allow_top_up": False})
    with pytest.raises(errors.TopUpNotAllowed):
        customer_api.setup_card("cus_card_off", wallet["id"], None, gateway)
    assert gateway.setups == []


def test_saving_a_card_takes_an_idempotency_key_and_a_retry_creates_nothing(table: str) -> None:
    # GIVEN a customer's request to save a card, sent twice with one Idempotency-Key
    _, wallet = ledger.create_wallet("cus_card_key", "USD", {}, None)
    path = f"/me/wallets/{wallet['id']}/payment-methods/setup"
    answers = [
        call(
            "me_setup_payment_method",
            "POST",
            path,
            {},
            headers={"Idempotency-Key": "save-card-1"},
            authorizer={"customer_id": "cus_card_key"},
        )
        for _ in range(2)
    ]
    # THEN the retry gets the first answer: the same SetupIntent, and no more counted
    assert answers[0][0] == 201 and answers[1] == answers[0], answers
    assert repository.get_wallet(wallet["id"]).auto_top_up_state["setups_today"] == 1
    # and the key is the customer's: another request with it is refused
    status, body = call(
        "me_setup_payment_method",
        "POST",
        path.replace(wallet["id"], ledger.create_wallet("cus_card_key", "EUR", {}, None)[1]["id"]),
        {},
        headers={"Idempotency-Key": "save-card-1"},
        authorizer={"customer_id": "cus_card_key"},
    )
    assert (status, body["error"]["type"]) == (409, "idempotency_key_reused"), body


def test_a_retry_after_a_lost_answer_gets_the_same_setup_intent_from_the_gateway(
    table: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The gateway is asked with a key derived from the Idempotency-Key: when the answer is lost
    before it is recorded, the retry asks with the same key, and the gateway answers the same
    SetupIntent (Stripe keeps idempotency keys 24 hours)."""
    gateway = CountingGateway()
    _, wallet = ledger.create_wallet("cus_card_lost", "USD", {}, None)
    idem = ledger.Idempotency("customer:cus_card_lost|k1", "fingerprint", "k1")
    recorded = customer_api._record_answer

    def lost(*args: object, **kwargs: object) -> None:
        raise RuntimeError("the answer was lost")

    monkeypatch.setattr(customer_api, "_record_answer", lost)
    with pytest.raises(RuntimeError):
        customer_api.setup_card("cus_card_lost", wallet["id"], idem, gateway)
    monkeypatch.setattr(customer_api, "_record_answer", recorded)
    first = customer_api.setup_card("cus_card_lost", wallet["id"], idem, gateway)
    assert len(gateway.setups) == 2 and gateway.setups[0] == gateway.setups[1]
    assert repository.get_wallet(wallet["id"]).auto_top_up_state["setups_today"] == 1
    # once recorded, a retry asks the gateway nothing; another key is another SetupIntent
    assert customer_api.setup_card("cus_card_lost", wallet["id"], idem, gateway) == first
    assert len(gateway.setups) == 2
    other = ledger.Idempotency("customer:cus_card_lost|k2", "fingerprint", "k2")
    assert customer_api.setup_card("cus_card_lost", wallet["id"], other, gateway)[1]["id"] != first[1]["id"]


def test_a_customer_starts_saving_at_most_so_many_cards_a_day(table: str) -> None:
    gateway = CountingGateway()
    _, wallet = ledger.create_wallet("cus_card_cap", "USD", {}, None)
    cap = Wallet.MAX_CARD_SETUPS_PER_DAY
    for _ in range(cap):
        assert customer_api.setup_card("cus_card_cap", wallet["id"], None, gateway)[0] == 201
    with pytest.raises(errors.LimitExceeded):
        customer_api.setup_card("cus_card_cap", wallet["id"], None, gateway)
    assert len(set(gateway.setups)) == cap  # the refused one asked the gateway nothing
    clock.advance(24 * 60 * 60)
    assert customer_api.setup_card("cus_card_cap", wallet["id"], None, gateway)[0] == 201


def test_the_reasons_the_service_itself_gives_still_show(table: str) -> None:
    """Only the reasons a merchant writes (adjustments, voids, refunds) are its own; why the service
    released a hold or expired credit is the customer's to know."""
    _, wallet = ledger.create_wallet("cus_why", "USD", {}, None)
    ledger.credit(wallet["id"], 500, "cash", None, None, None, {}, None)
    ledger.create_hold(wallet["id"], 100, clock.now_ms() + 60_000, None, None, {}, None)
    clock.advance(120)
    jobs.sweep()
    history = customer_api.transactions("cus_why", wallet["id"], None, 20, None)["data"]
    assert [(t["type"], t["reason"]) for t in history if t["type"] == "release"] == [("release", "expired")]


def test_a_wallet_gets_so_many_declined_top_ups_a_day_then_429_before_the_gateway(table: str) -> None:
    """Card testing: each declined top-up tells whoever holds the token whether a card works. The
    customer API refuses top-ups once a wallet has MAX_DECLINED_TOP_UPS_PER_DAY declines that UTC
    day, before the gateway is asked; what credited never counts."""
    gateway = CountingGateway()
    _, wallet = ledger.create_wallet("cus_declines", "USD", {}, None)
    wid, cap = wallet["id"], customer_api.MAX_DECLINED_TOP_UPS_PER_DAY
    # GIVEN top-ups that credit: they use nothing up
    for _ in range(cap + 1):
        assert customer_api.top_up("cus_declines", wid, 100, "pm_card_visa", None, gateway)[0] == 201
    # WHEN the wallet's cards are declined `cap` times, each answered 402 by the gateway
    for _ in range(cap):
        with pytest.raises(errors.PaymentFailed):
            customer_api.top_up("cus_declines", wid, 100, "pm_card_declined", None, gateway)
    asked = len(gateway.charges)
    # THEN the next top-up, with any card and key, is 429 until the day ends, and the gateway is not asked
    idem = ledger.Idempotency("customer:cus_declines|k", "fingerprint", "k")
    with pytest.raises(errors.TooManyAttempts) as refused:
        customer_api.top_up("cus_declines", wid, 100, "pm_card_visa", idem, gateway)
    assert len(gateway.charges) == asked
    now = clock.now_ms()
    assert refused.value.retry_after_s == -(-(clock.DAY_MS - now % clock.DAY_MS) // 1000)
    # another wallet of the customer is not refused for this one's declines
    _, other = ledger.create_wallet("cus_declines", "EUR", {}, None)
    assert customer_api.top_up("cus_declines", other["id"], 100, "pm_card_visa", None, gateway)[0] == 201
    # and the next day the wallet tops up again
    clock.advance(refused.value.retry_after_s)
    assert customer_api.top_up("cus_declines", wid, 100, "pm_card_visa", idem, gateway)[0] == 201


def test_declined_top_ups_racing_past_the_check_reach_the_gateway_at_most_the_cap(table: str) -> None:
    """The count is taken before the gateway is asked (a slot per attempt, given back by one that
    does not decline), so requests sent at once cannot all pass a check made before any declined."""
    from concurrent.futures import ThreadPoolExecutor

    gateway = CountingGateway()
    _, wallet = ledger.create_wallet("cus_decline_race", "USD", {}, None)
    cap = customer_api.MAX_DECLINED_TOP_UPS_PER_DAY

    def attempt(_: int) -> str:
        try:
            customer_api.top_up("cus_decline_race", wallet["id"], 100, "pm_card_declined", None, gateway)
        except errors.WalletError as exc:
            return exc.type
        return "credited"

    with ThreadPoolExecutor(6) as pool:
        answers = list(pool.map(attempt, range(cap + 8)))
    assert len(gateway.charges) == answers.count("payment_failed") == cap, answers
    assert answers.count("too_many_attempts") == 8


def test_retries_of_one_key_sent_at_once_count_one_card_setup(table: str) -> None:
    """The key is reserved in the transaction that counts the setup: however many retries of it race,
    one slot of the day's cap is used and the gateway is asked for one SetupIntent."""
    from concurrent.futures import ThreadPoolExecutor

    gateway = CountingGateway()
    _, wallet = ledger.create_wallet("cus_card_race", "USD", {}, None)
    idem = ledger.Idempotency("customer:cus_card_race|A", "fingerprint", "A")

    def send(_: int) -> tuple[int, object]:
        try:
            return customer_api.setup_card("cus_card_race", wallet["id"], idem, gateway)
        except errors.WalletError as exc:
            return exc.status, exc.type

    with ThreadPoolExecutor(6) as pool:
        answers = list(pool.map(send, range(6)))
    created = {body["id"] for status, body in answers if status == 201 and isinstance(body, dict)}
    assert len(created) == 1, answers
    assert repository.get_wallet(wallet["id"]).auto_top_up_state["setups_today"] == 1
    assert len(set(gateway.setups)) == 1


def test_a_gateway_failure_leaves_the_slot_to_the_retry_of_the_same_key(table: str) -> None:
    """A setup counted but not answered (the gateway failed) keeps its slot for its key: the retry
    asks the gateway again with the same key and counts nothing more."""
    _, wallet = ledger.create_wallet("cus_card_down", "USD", {}, None)
    idem = ledger.Idempotency("customer:cus_card_down|k", "fingerprint", "k")

    class Down(CountingGateway):
        def setup(self, key: str, customer: str, metadata: dict[str, str]) -> Setup:
            raise ConnectionError("the gateway did not answer")

    with pytest.raises(errors.Unavailable):
        customer_api.setup_card("cus_card_down", wallet["id"], idem, Down())
    gateway = CountingGateway()
    status, body = customer_api.setup_card("cus_card_down", wallet["id"], idem, gateway)
    assert status == 201 and body["client_secret"]
    assert repository.get_wallet(wallet["id"]).auto_top_up_state["setups_today"] == 1
    assert customer_api.setup_card("cus_card_down", wallet["id"], idem, gateway) == (status, body)
    assert len(gateway.setups) == 1  # the recorded answer is replayed: the gateway is not asked again


def test_a_customer_pays_with_the_card_saved_with_the_wallet_without_saving_another(table: str) -> None:
    """`payment_method: saved_card` is the card saved with the wallet (its gateway customer's default,
    what automatic top-ups charge): adding funds again needs no new SetupIntent."""
    gateway = CountingGateway()
    _, wallet = ledger.create_wallet("cus_saved", "USD", {}, None)
    wid = wallet["id"]
    # GIVEN no card was ever saved: 422 on payment_method, and nothing is charged
    with pytest.raises(errors.ValidationFailed) as refused:
        customer_api.top_up("cus_saved", wid, 500, topups.SAVED_CARD, None, gateway)
    assert "payment_method" in refused.value.details
    assert gateway.charges == []
    # WHEN a card is saved (the sandbox's customers all have one)
    customer_api.setup_card("cus_saved", wid, None, gateway)
    # THEN the customer tops up with it: the saved card is charged
    status, body = customer_api.top_up("cus_saved", wid, 500, topups.SAVED_CARD, None, gateway)
    assert status == 201 and body["payment_method"] == SandboxGateway.SAVED_CARD, body
    assert len(gateway.setups) == 1

"""Refused code redemptions are throttled per wallet (issue 25, item 11): after MAX_FAILED_REDEMPTIONS
refusals in a window the wallet's redemptions answer 429 `too_many_attempts` with Retry-After until
the window ends, whatever code they carry, on both engines."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from wallets import clock, codes

from local import runtime
from tests.conftest import BY_DIR, call
from tests.integration.helpers import new_wallet

LIMIT = codes.MAX_FAILED_REDEMPTIONS


def redeem(wallet_id: str, code: str) -> tuple[int, Any, dict[str, Any]]:
    fn = BY_DIR["redeem_code"]
    path = f"/wallets/{wallet_id}/redemptions"
    event = runtime.api_event(
        "POST", path, {"code": code}, route=fn.routes[0], path_params={"wallet_id": wallet_id}
    )
    result = runtime.invoke(fn, event)
    headers = {k: v[0] for k, v in (result.get("multiValueHeaders") or {}).items()}
    headers.update(result.get("headers") or {})
    return result["statusCode"], json.loads(result["body"]), headers


def a_code(**terms: Any) -> str:
    status, made = call("create_code", "POST", "/codes", {"amounts": {"USD": 500}, **terms})
    assert status == 201, made
    return str(made["code"])


def start_of_a_window() -> None:
    """Move the clock to just after a window starts, so a test's requests share one window."""
    window_ms = codes.FAILURE_WINDOW_S * 1000
    clock.advance((window_ms - clock.now_ms() % window_ms + 1000) / 1000)


def test_wrong_codes_lock_the_wallet_out_until_the_window_ends(table: str) -> None:
    start_of_a_window()
    good = a_code(once_per_customer=False)
    wid, other = new_wallet("cus_guesser"), new_wallet("cus_honest")
    # GIVEN as many wrong codes as a window allows, each answered as before
    for i in range(LIMIT):
        status, answer, _ = redeem(wid, f"WRONG-{i:04d}")
        assert (status, answer["error"]["type"]) == (404, "code_invalid")
    # WHEN the wallet tries again, even with a good code
    for code in ("WRONG-9999", good):
        status, answer, headers = redeem(wid, code)
        # THEN it is told to wait until the window ends, and the code is not looked at
        assert (status, answer["error"]["type"]) == (429, "too_many_attempts"), answer
        assert 0 < int(headers["Retry-After"]) <= codes.FAILURE_WINDOW_S
        assert int(headers["Retry-After"]) == answer["error"]["details"]["retry_after"]
    # AND another customer's wallet is not affected
    assert redeem(other, good)[0] == 201
    # AND once the window has passed, the wallet redeems again
    clock.advance(codes.FAILURE_WINDOW_S)
    assert redeem(wid, good)[0] == 201


def test_every_refusal_about_the_code_counts_and_a_success_resets_nothing(table: str) -> None:
    start_of_a_window()
    once, used = a_code(), a_code(max_redemptions=1)
    wid = new_wallet("cus_mixed")
    assert redeem(new_wallet("cus_first"), used)[0] == 201
    assert redeem(wid, once)[0] == 201
    # GIVEN refusals of every kind that says something about a code: already redeemed, used up, wrong
    refusals = [redeem(wid, once), redeem(wid, used)]
    refusals += [redeem(wid, f"NOPE-{i:04d}") for i in range(LIMIT - 2)]
    assert [s for s, _, _ in refusals] == [409, 409] + [404] * (LIMIT - 2)
    # WHEN a good code follows: it is not the wallet's last chance, it is refused too
    status, answer, _ = redeem(wid, a_code())
    # THEN the wallet has used up its window (the success before them reset nothing)
    assert (status, answer["error"]["type"]) == (429, "too_many_attempts")


def test_racing_wrong_codes_get_at_most_the_limit_of_real_answers(table: str) -> None:
    start_of_a_window()
    wid = new_wallet("cus_racer")
    # WHEN three times the limit of wrong codes race (all pass the check before any is counted)
    with ThreadPoolExecutor(max_workers=6) as pool:
        answers = list(pool.map(lambda i: redeem(wid, f"RACE-{i:04d}"), range(3 * LIMIT)))
    # THEN no more than the limit were told their code is wrong; the rest were told to wait
    statuses = sorted(status for status, _, _ in answers)
    assert statuses == [404] * LIMIT + [429] * (2 * LIMIT), statuses

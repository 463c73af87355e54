"""Credit codes: merchants create them, customers' wallets redeem them (docs/decisions.md 38).

A code is a secret. The table keeps its SHA-256 and its last four characters, never the code: it is
answered in full once, by the request that created it (a replay of that request answers it
redacted). Redeeming credits the wallet and counts the redemption in ONE transaction: the code's
count rises only under the condition that it is active and below its limit, and a once-per-customer
code also writes the customer's redemption record under "does not exist". However many redemptions
race, the limit holds exactly; a loser re-reads the code and gets the reason it lost.

Guessing is throttled per wallet (a merchant's own code may have only 6 letters or digits): a wallet
gets MAX_FAILED_REDEMPTIONS refusals about codes (invalid, disabled, expired, used up, already
redeemed) per window of FAILURE_WINDOW_S, windows aligned to the clock. The count is read before the
code is looked up, and a refusal counts by one conditional update (below the limit), so racing
guesses get at most the limit of real answers; the rest, and every redemption until the window
ends, are 429 `too_many_attempts` with Retry-After. A success resets nothing: a guesser holding one
good reusable code could otherwise interleave it to guess for ever.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from pynamodb.exceptions import UpdateError
from pynamodb.expressions.update import Action

from wallets import clock, errors, ids, ledger, repository, views
from wallets.clock import DAY_MS, to_iso
from wallets.items import CodeHashItem, CodeItem, RedemptionFailuresItem, RedemptionItem, plain, wallet_pk
from wallets.ledger import Idempotency, Outcome, Response
from wallets.lots import Scope
from wallets.money import format_amount
from wallets.wallet import Wallet

ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read aloud and typed without mistakes
GENERATED_LENGTH = 16  # 80 bits
FUNDING_TYPE = "code_redemption"
LIST = "CODES"
MAX_FAILED_REDEMPTIONS = 10  # refusals per wallet and window: with the window, what bounds guessing
FAILURE_WINDOW_S = 3600
_REFUSALS = (
    errors.CodeInvalid,
    errors.CodeDisabled,
    errors.CodeExpired,
    errors.CodeUsedUp,
    errors.CodeAlreadyRedeemed,
)


def normalize(code: str) -> str:
    """What a customer types and what the merchant created compare equal: case, spaces and dashes
    do not count."""
    return "".join(ch for ch in code.upper() if ch not in " -")


def digest(code: str) -> str:
    return hashlib.sha256(normalize(code).encode()).hexdigest()


def generate() -> str:
    raw = "".join(secrets.choice(ALPHABET) for _ in range(GENERATED_LENGTH))
    return "-".join(raw[i : i + 4] for i in range(0, GENERATED_LENGTH, 4))


def view(item: CodeItem, code: str | None = None) -> dict[str, Any]:
    amounts = {str(k): int(v) for k, v in plain(item.amounts).items()}
    return {
        "id": item.code_id,
        "object": "code",
        "code": code,
        "last4": item.last4,
        "status": item.status,
        "amounts": [
            {"currency": cur, "amount": amount, "amount_formatted": format_amount(amount, cur)}
            for cur, amount in sorted(amounts.items())
        ],
        "funding_type": FUNDING_TYPE,
        "withdrawable": bool(item.withdrawable),
        "applies_to": list(item.applies_to) if item.applies_to else None,
        "redeemable_until": to_iso(_int(item.redeemable_until)),
        "credit_expires_at": to_iso(_int(item.credit_expires_at)),
        "credit_expiry_days": _int(item.credit_expiry_days),
        "max_redemptions": _int(item.max_redemptions),
        "once_per_customer": bool(item.once_per_customer),
        "redemptions": int(item.redemptions or 0),
        "description": item.description,
        "metadata": plain(item.metadata),
        "created_at": to_iso(int(item.created_at)),
        "updated_at": to_iso(int(item.updated_at)),
    }


def _int(value: Any) -> int | None:
    return int(value) if value is not None else None


def create(
    amounts: dict[str, int],
    *,
    code: str | None = None,
    withdrawable: bool = False,
    applies_to: Scope = None,
    redeemable_until: int | None = None,
    credit_expires_at: int | None = None,
    credit_expiry_days: int | None = None,
    max_redemptions: int | None = None,
    once_per_customer: bool = True,
    description: str | None = None,
    metadata: dict[str, str] | None = None,
    idem: Idempotency | None = None,
) -> Response:
    """201 with the code in full (generated unless given); a code in use is 409 `code_exists`."""
    now = clock.now_ms()
    for name, at in (("redeemable_until", redeemable_until), ("credit_expires_at", credit_expires_at)):
        if at is not None and at <= now:
            raise errors.field_error(name, "must be in the future")
    secret = code if code is not None else generate()
    plain_code = normalize(secret)
    if len(plain_code) < 6:  # dashes and spaces do not count when redeemed, so not here either
        raise errors.field_error("code", "must have at least 6 letters or digits")
    item = CodeItem(
        f"CODE#{ids.new_id('code', now)}",
        "CODE",
        code_hash=digest(secret),
        last4=plain_code[-4:],
        status="active",
        amounts=dict(amounts),
        withdrawable=withdrawable,
        applies_to=list(applies_to) if applies_to else None,
        redeemable_until=redeemable_until,
        credit_expires_at=credit_expires_at,
        credit_expiry_days=credit_expiry_days,
        max_redemptions=max_redemptions,
        once_per_customer=once_per_customer,
        redemptions=0,
        description=description,
        metadata=dict(metadata or {}),
        created_at=now,
        updated_at=now,
        list_pk=LIST,
    )
    item.code_id = item.pk.removeprefix("CODE#")
    item.list_sk = item.code_id
    stored = view(item)  # what a replay of this request answers: never the code
    puts: list[tuple[str, Any, Any]] = [
        ("code_new", item, CodeItem.pk.does_not_exist()),
        (
            "code_hash",
            CodeHashItem(f"CODEHASH#{item.code_hash}", "CODE", code_id=item.code_id),
            CodeHashItem.pk.does_not_exist(),
        ),
    ]
    try:
        earlier = ledger.write_new(puts, idem, 201, stored, now)
    except repository.ExistingRecord as existing:
        if existing.kind == "code_hash":
            raise errors.ConflictingCode("This code already exists; choose another") from None
        raise
    if earlier is not None and idem is not None:  # a replay: the first answer, the code redacted
        return ledger.from_record(earlier, idem)
    return 201, {**stored, "code": secret}


def get(code_id: str) -> dict[str, Any]:
    return view(_code(code_id))


def _code(code_id: str) -> CodeItem:
    item = repository.get_item(CodeItem, f"CODE#{code_id}", "CODE")
    if item is None:
        raise errors.NotFound(f"No such code: {code_id}")
    return item


def disable(code_id: str) -> Response:
    """Disable a code for good: no redemption after this write commits. Disabling twice is fine."""
    item = _code(code_id)
    now = clock.now_ms()
    repository.write(
        [],
        [
            (
                "code",
                CodeItem(f"CODE#{code_id}", "CODE"),
                [CodeItem.status.set("disabled"), CodeItem.updated_at.set(now)],
                CodeItem.pk.exists(),
            )
        ],
    )
    item.status, item.updated_at = "disabled", now
    return 200, view(item)


def list_codes(limit: int, cursor: str | None) -> dict[str, Any]:
    page = repository.listed(CodeItem, LIST, limit, cursor)
    return views.page([view(i) for i in page.items], page.next_cursor)


# ------------------------------------------------------------------ redemption
def _check(item: CodeItem | None, wallet: Wallet, redeemed: bool, now: int) -> int:
    """The amount this wallet gets, or the reason it gets nothing. Errors never say who else holds
    or redeemed a code."""
    if item is None:
        raise errors.CodeInvalid("No such code")
    amounts = plain(item.amounts)
    if wallet.currency not in amounts:
        raise errors.CodeInvalid("No such code for this wallet's currency")
    if item.status != "active":
        raise errors.CodeDisabled("This code has been disabled")
    ends = [int(at) for at in (item.redeemable_until, item.credit_expires_at) if at is not None]
    if ends and now >= min(ends):  # past its last day, or the credit it grants has already expired
        raise errors.CodeExpired("This code can no longer be redeemed")
    if redeemed:
        raise errors.CodeAlreadyRedeemed("This customer has already redeemed this code")
    if item.max_redemptions is not None and int(item.redemptions or 0) >= int(item.max_redemptions):
        raise errors.CodeUsedUp("This code has no redemptions left")
    return int(amounts[wallet.currency])


def redeem(wallet_id: str, code: str, idem: Idempotency | None) -> Response:
    """Credit the code's amount in the wallet's currency as `code_redemption` credit; 201. A wallet
    past its refusals for this window is 429 before the code is looked up."""
    window = _Window.of(clock.now_ms())
    failures = repository.get_item(RedemptionFailuresItem, wallet_pk(wallet_id), window.sort_key)
    if failures is not None and int(failures.failures) >= MAX_FAILED_REDEMPTIONS:
        raise window.locked()
    try:
        return _redeem(wallet_id, code, idem)
    except _REFUSALS:
        _count_refusal(wallet_id, window)
        raise


@dataclass(frozen=True)
class _Window:
    """The fixed window of refused redemptions that `now` falls in."""

    start_ms: int
    now_ms: int

    @classmethod
    def of(cls, now_ms: int) -> _Window:
        return cls(now_ms - now_ms % (FAILURE_WINDOW_S * 1000), now_ms)

    @property
    def sort_key(self) -> str:
        return f"REDEEMFAIL#{self.start_ms}"

    @property
    def end_ms(self) -> int:
        return self.start_ms + FAILURE_WINDOW_S * 1000

    def locked(self) -> errors.TooManyAttempts:
        retry_after = -(-(self.end_ms - self.now_ms) // 1000)  # whole seconds, rounded up
        return errors.TooManyAttempts(
            f"Too many refused redemptions for this wallet; retry in {retry_after} s", retry_after
        )


def _count_refusal(wallet_id: str, window: _Window) -> None:
    """Count one refusal, only while the window is below the limit: a refusal past it (guesses that
    raced past the check) is answered 429 instead, so no window gives more answers than the limit."""
    repository.bind()
    item = RedemptionFailuresItem(wallet_pk(wallet_id), window.sort_key)
    actions: list[Action] = [
        RedemptionFailuresItem.kind.set(RedemptionFailuresItem),
        RedemptionFailuresItem.failures.add(1),
        RedemptionFailuresItem.expires.set(datetime.fromtimestamp(window.end_ms / 1000, tz=UTC)),
    ]
    below = RedemptionFailuresItem.failures.does_not_exist() | (
        RedemptionFailuresItem.failures < MAX_FAILED_REDEMPTIONS
    )
    try:
        item.update(actions=actions, condition=below)
    except UpdateError as exc:
        if repository.response_code(exc) == "ConditionalCheckFailedException":
            raise window.locked() from None
        # Unanswered or throttled through every retry: not counted, so not answered either.
        raise errors.Unavailable("The redemption could not be checked; retry later") from exc


def _redeem(wallet_id: str, code: str, idem: Idempotency | None) -> Response:
    hashed = repository.get_item(CodeHashItem, f"CODEHASH#{digest(code)}", "CODE")
    code_id = hashed.code_id if hashed is not None else None
    state: dict[str, Any] = {}

    def load() -> Wallet:
        wallet, item, redeemed = repository.get_wallet_and_code(wallet_id, code_id)
        state.update(item=item, redeemed=redeemed)
        return wallet

    def action(work: Wallet, now: int) -> Outcome:
        item: CodeItem | None = state["item"]
        work.settle(now)
        work.require_active()
        amount = _check(item, work, state["redeemed"], now)
        assert item is not None
        expires = _int(item.credit_expires_at)
        if expires is None and item.credit_expiry_days is not None:
            expires = now + int(item.credit_expiry_days) * DAY_MS
        entry = work.credit(
            amount,
            now,
            FUNDING_TYPE,
            expires,
            applies_to=tuple(item.applies_to) if item.applies_to else None,
            withdrawable=bool(item.withdrawable),
            description=item.description or f"Code …{item.last4}",
        )
        entry.details.update(code_id=item.code_id, code_last4=item.last4)
        limit = CodeItem.status == "active"
        if item.max_redemptions is not None:
            limit = limit & (CodeItem.redemptions < int(item.max_redemptions))
        updates = [
            (
                "code",
                CodeItem(f"CODE#{item.code_id}", "CODE"),
                [CodeItem.redemptions.add(1), CodeItem.updated_at.set(now)],
                limit,
            )
        ]
        puts = []
        if item.once_per_customer:
            puts.append(
                (
                    "redemption",
                    RedemptionItem(
                        f"CODE#{item.code_id}",
                        f"RED#{work.customer_id}",
                        wallet_id=work.id,
                        transaction_id=entry.id,
                        created_at=now,
                    ),
                    RedemptionItem.pk.does_not_exist(),
                )
            )
        return Outcome(201, views.transaction_body(work.id, work.currency, entry), puts=puts, updates=updates)

    return ledger.run(load, action, idem=idem)

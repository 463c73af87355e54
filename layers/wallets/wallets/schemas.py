"""HTTP request and response models (pydantic). They validate input and generate docs/openapi.json.

Amounts are strict integers in minor units: JSON floats, strings and booleans are rejected, as are
zero or negative amounts where a positive one is required, and anything above 10^15.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StrictBool,
    StrictStr,
    ValidationInfo,
    field_validator,
)

from wallets.money import MAX_AMOUNT, active_currencies, is_active_currency
from wallets.wallet import MAX_CATEGORY_LENGTH, MAX_SCOPE_CATEGORIES

FundingType = Literal["cash", "promotional", "code_redemption", "refund", "manual_adjustment"]
TransactionType = Literal[
    "credit",
    "top_up",
    "debit",
    "void",
    "refund",
    "expiry",
    "hold",
    "capture",
    "release",
    "close",
    "adjustment",
]
WalletStatus = Literal["active", "frozen", "closed"]
HoldStatus = Literal["pending", "captured", "released", "expired"]
TopUpStatus = Literal["pending", "succeeded", "failed", "refunding", "refunded"]  # topups.py's statuses

Amount = Annotated[int, Field(strict=True, gt=0, le=MAX_AMOUNT, description="Positive integer, minor units")]
NonNegativeAmount = Annotated[int, Field(strict=True, ge=0, le=MAX_AMOUNT)]
Text = Annotated[StrictStr, Field(max_length=500)]
Reference = Annotated[StrictStr, Field(min_length=1, max_length=255, pattern=r"^[\x21-\x7e]+$")]
PaymentMethod = Annotated[StrictStr, Field(min_length=1, max_length=255)]
Timestamp = Annotated[
    str, Field(description="ISO 8601 UTC, millisecond precision", examples=["2026-01-31T12:00:00.000Z"])
]
# Every instant the API accepts lies in this range, in UTC (docs/contract.md, "Time"): what the
# ledger stores (epoch milliseconds), sorts (ids, index keys) and prints (ISO 8601) without overflow.
EARLIEST = datetime(1970, 1, 1, tzinfo=UTC)
LATEST = datetime(9999, 12, 31, 23, 59, 59, 999000, tzinfo=UTC)


def _in_range(value: datetime) -> datetime:
    try:
        offset = value.utcoffset() or timedelta(0)
        utc = (value.replace(tzinfo=None) - offset).replace(tzinfo=UTC)
    except OverflowError:
        utc = None
    if utc is None or not EARLIEST <= utc <= LATEST:
        raise ValueError("must be between 1970-01-01T00:00:00Z and 9999-12-31T23:59:59.999Z")
    return utc


_RFC3339 = re.compile(r"^\d{4}-\d\d-\d\d[Tt ]\d\d:\d\d(:\d\d(\.\d+)?)?([Zz]|[+-]\d\d:?\d\d)?$")


def _text_only(value: Any) -> Any:
    # pydantic would read a number (or "0.5") as seconds since 1970: a mistake, not a moment in 1970.
    if isinstance(value, datetime):
        return value
    if not isinstance(value, str) or not _RFC3339.match(value):
        raise ValueError("must be an ISO 8601 date and time, e.g. 2026-01-31T12:00:00Z")
    return value


Instant = Annotated[
    AwareDatetime,
    BeforeValidator(_text_only),
    AfterValidator(_in_range),
    Field(description="ISO 8601 with a time zone, from 1970-01-01T00:00:00Z to 9999-12-31T23:59:59.999Z"),
]
_ID_CHARS = re.compile(r"^[A-Za-z0-9_.:@+\-]+$")


def _customer_id(value: str) -> str:
    if not _ID_CHARS.fullmatch(value):  # not match: `$` would accept a trailing newline
        raise ValueError("may contain letters, digits and _ . : @ + - only")
    return value


CustomerId = Annotated[
    StrictStr,
    Field(min_length=1, max_length=255, json_schema_extra={"pattern": _ID_CHARS.pattern}),
    AfterValidator(_customer_id),
]


def _currency(value: str) -> str:
    if not is_active_currency(value):
        raise ValueError("must be an active ISO 4217 currency code in upper case, e.g. USD")
    return value


def _active_codes(schema: dict[str, Any]) -> None:
    # Only when the OpenAPI document is generated: the ISO list is not loaded at import (cold start).
    schema["enum"] = sorted(active_currencies())


Currency = Annotated[
    StrictStr,
    Field(pattern=r"^[A-Z]{3}$", examples=["USD"], json_schema_extra=_active_codes),
    AfterValidator(_currency),
]


METADATA_KEYS, METADATA_KEY_LENGTH, METADATA_VALUE_LENGTH = 20, 40, 500


def _metadata(value: dict[str, str]) -> dict[str, str]:
    if len(value) > METADATA_KEYS:
        raise ValueError(f"at most {METADATA_KEYS} keys")
    for key, item in value.items():
        if not key or len(key) > METADATA_KEY_LENGTH:
            raise ValueError(f"key {key!r}: keys are 1 to {METADATA_KEY_LENGTH} characters")
        if len(item) > METADATA_VALUE_LENGTH:
            raise ValueError(f"key {key!r}: values are at most {METADATA_VALUE_LENGTH} characters")
    return value


Metadata = Annotated[
    dict[StrictStr, StrictStr],
    AfterValidator(_metadata),
    Field(
        json_schema_extra={
            "maxProperties": METADATA_KEYS,
            "propertyNames": {"minLength": 1, "maxLength": METADATA_KEY_LENGTH},
            "additionalProperties": {"type": "string", "maxLength": METADATA_VALUE_LENGTH},
        }
    ),
]


GatewayCustomerId = Annotated[
    StrictStr,
    Field(
        pattern=r"^cus_[A-Za-z0-9_]{1,250}$",
        description="The payment gateway's customer (Stripe: cus_…) whose saved card automatic top-ups charge",
    ),
]


_CATEGORY_CHARS = re.compile(r"^[A-Za-z0-9_.:\-]+$")


def _category(value: str) -> str:
    if not _CATEGORY_CHARS.fullmatch(value):
        raise ValueError("may contain letters, digits and _ . : - only")
    return value


Category = Annotated[
    StrictStr,
    Field(
        min_length=1,
        max_length=MAX_CATEGORY_LENGTH,
        json_schema_extra={"pattern": _CATEGORY_CHARS.pattern},
        description="A charge category, e.g. a product id",
    ),
    AfterValidator(_category),
]
AppliesTo = Annotated[
    list[Category],
    Field(
        min_length=1,
        max_length=MAX_SCOPE_CATEGORIES,
        description="The charge categories this credit pays for (debits and holds naming one); "
        "omitted: it pays for anything",
    ),
]


def scope(applies_to: list[str] | None) -> tuple[str, ...] | None:
    """The domain's form of an applies_to list: its categories, sorted, each once."""
    return tuple(sorted(set(applies_to))) if applies_to else None


class _Request(BaseModel):
    model_config = ConfigDict(extra="forbid", defer_build=True)


# ------------------------------------------------------------------ settings
class AutoTopUpSettings(_Request):
    enabled: StrictBool = False
    threshold: NonNegativeAmount = 0
    amount: Amount
    payment_method: PaymentMethod | None = Field(
        None,
        description="Default: the saved card (the gateway customer's default payment method), off session",
    )
    max_per_day: Annotated[int, Field(strict=True, ge=1, le=24)] = 3
    cooldown_seconds: Annotated[int, Field(strict=True, ge=0, le=86_400)] = 3600


class WalletSettingsInput(_Request):
    low_balance_threshold: NonNegativeAmount | None = None
    credit_expiry_days: Annotated[int, Field(strict=True, ge=1, le=3650)] | None = None
    expiry_warning_days: Annotated[int, Field(strict=True, ge=0, le=365)] = 7
    allow_top_up: StrictBool = True
    top_up_amounts: Annotated[list[Amount], Field(max_length=10)] = []
    max_bonus_percent: Annotated[
        int,
        Field(strict=True, ge=0, le=1000, description="A top-up's bonus_amount is at most this % of amount"),
    ] = 100
    auto_top_up: AutoTopUpSettings | None = None

    def changes(self) -> dict[str, Any]:
        """Top-level settings the request named (a nested object is replaced whole)."""
        return {k: v for k, v in self.model_dump(mode="json").items() if k in self.model_fields_set}


# ------------------------------------------------------------------ requests
class CreateWalletRequest(_Request):
    customer_id: CustomerId
    currency: Currency
    metadata: Metadata = {}
    settings: WalletSettingsInput | None = None
    gateway_customer_id: GatewayCustomerId | None = None
    expires_at: Instant | None = Field(
        None,
        description="When the wallet closes by itself, as DELETE would (holds released, non-withdrawable "
        "credit forfeited, refund_due reported), with the event wallet.expired; must be in the future",
    )


class UpdateWalletRequest(_Request):
    metadata: Metadata | None = Field(None, description="Merged into existing metadata; '' removes a key")
    settings: WalletSettingsInput | None = Field(None, description="Only the fields sent are changed")
    gateway_customer_id: GatewayCustomerId | None = None
    expires_at: Instant | None = Field(
        None, description="Set (in the future) or change the wallet's expiry; null removes it"
    )


class CreditWalletRequest(_Request):
    amount: Amount
    funding_type: FundingType = "promotional"
    expires_at: Instant | None = None
    applies_to: AppliesTo | None = None
    description: Text | None = None
    reference: Reference | None = None
    metadata: Metadata = {}


class DebitWalletRequest(_Request):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={  # remainder_payment_method stands alone (the validator below)
            "allOf": [
                {"not": {"required": ["remainder_payment_method", "reference"]}},
                {
                    "not": {
                        "required": ["remainder_payment_method", "allow_partial"],
                        "properties": {"allow_partial": {"const": True}},
                    }
                },
            ]
        },
    )

    amount: Amount
    allow_partial: StrictBool = False
    category: Category | None = Field(
        None, description="Pay only from credit that applies to this category (and unscoped credit)"
    )
    description: Text | None = None
    reference: Reference | None = None
    metadata: Metadata = {}
    remainder_payment_method: PaymentMethod | None = Field(
        None,
        description="Charge what the wallet cannot cover to this payment method: the wallet's available "
        "part is held, the rest charged, then the hold captured; a failed charge releases it (402). "
        "Not with allow_partial or reference (retry with the same Idempotency-Key instead).",
    )

    @field_validator("remainder_payment_method")
    @classmethod
    def _alone(cls, value: str | None, info: ValidationInfo) -> str | None:
        if value is not None and (info.data.get("allow_partial") or info.data.get("reference") is not None):
            raise ValueError("cannot be combined with allow_partial or reference")
        return value


class AdjustWalletRequest(_Request):
    amount: Annotated[
        int,
        Field(
            strict=True,
            ge=-MAX_AMOUNT,
            le=MAX_AMOUNT,
            description="Signed, minor units: positive adds a manual_adjustment lot, negative takes from "
            "available credit (never held funds); not 0",
            json_schema_extra={"not": {"const": 0}},
        ),
    ]
    reason: Annotated[StrictStr, Field(min_length=1, max_length=500)]
    reference: Reference | None = None
    metadata: Metadata = {}

    @field_validator("amount")
    @classmethod
    def _not_zero(cls, value: int) -> int:
        if value == 0:
            raise ValueError("must not be 0")
        return value


class VoidWalletRequest(_Request):
    amount: Amount
    funding_type: FundingType | None = None
    reason: Text | None = None
    reference: Reference | None = None
    metadata: Metadata = {}


class RefundTransactionRequest(_Request):
    transaction_id: Annotated[StrictStr, Field(pattern=r"^txn_[0-9A-Z]{26}$")]
    amount: Amount | None = None
    reason: Text | None = None
    metadata: Metadata = {}


class CreateHoldRequest(_Request):
    amount: Amount
    category: Category | None = Field(
        None, description="Reserve only credit that applies to this category (and unscoped credit)"
    )
    expires_at: Instant | None = Field(None, description="Default 7 days, at most 30 days ahead")
    reference: Reference | None = None
    description: Text | None = None
    metadata: Metadata = {}


class CaptureHoldRequest(_Request):
    amount: Amount | None = Field(None, description="At most the held amount; default all of it")


class CreateTopUpRequest(_Request):
    amount: Amount
    payment_method: PaymentMethod
    bonus_amount: NonNegativeAmount = 0
    bonus_expires_at: Instant | None = None
    bonus_applies_to: AppliesTo | None = None
    description: Text | None = None
    metadata: Metadata = {}


class CloseWalletRequest(_Request):
    refund_to_original_payment: StrictBool = Field(
        False,
        description="Refund the withdrawable cash to the top-ups that paid it, newest first; "
        "what cannot be refunded stays refund_due",
    )


class MeTopUpRequest(_Request):
    amount: Amount = Field(description="One of the wallet's top_up_amounts when the merchant set any")
    payment_method: PaymentMethod = Field(
        description="A Stripe PaymentMethod id (Stripe.js), e.g. pm_…, or `saved_card`: the card saved with "
        "the wallet (422 when none is)"
    )


class MeAutoTopUpRequest(_Request):
    enabled: StrictBool
    amount: Amount | None = Field(None, description="One of the wallet's top_up_amounts")


class GrantBalanceRequest(_Request):
    amount: Amount
    funding_type: FundingType = "promotional"
    expires_at: Instant | None = None
    applies_to: AppliesTo | None = None
    description: Text | None = None
    reference: Reference | None = None
    metadata: Metadata = {}


class CreateCodeRequest(_Request):
    model_config = ConfigDict(
        extra="forbid",
        defer_build=True,
        json_schema_extra={"not": {"required": ["credit_expires_at", "credit_expiry_days"]}},
    )

    code: (
        Annotated[
            StrictStr,
            Field(
                min_length=6,
                max_length=64,
                pattern=r"^[A-Za-z0-9](?:[ -]*[A-Za-z0-9]){5,}$",  # at least 6 letters or digits
                description="Your own code (letters, digits, spaces and dashes, which do not count when "
                "redeemed); omitted: a generated 16-character one. Answered in full only in this response.",
            ),
        ]
        | None
    ) = None
    amounts: Annotated[dict[Currency, Amount], Field(min_length=1, max_length=20)] = Field(
        description='The credit per wallet currency, e.g. {"USD": 500}'
    )
    withdrawable: StrictBool = Field(False, description="Whether the credit may be paid out on close")
    applies_to: AppliesTo | None = None
    redeemable_until: Instant | None = Field(None, description="After this the code is code_expired")
    credit_expires_at: Instant | None = Field(None, description="When the credit it grants expires")
    credit_expiry_days: Annotated[int, Field(strict=True, ge=1, le=3650)] | None = Field(
        None, description="Or: the credit expires this many days after its redemption"
    )
    max_redemptions: Annotated[int, Field(strict=True, ge=1, le=10_000_000)] | None = Field(
        None, description="Redemptions allowed in total; omitted: no limit"
    )
    once_per_customer: StrictBool = True
    description: Text | None = None
    metadata: Metadata = {}

    @field_validator("credit_expiry_days")
    @classmethod
    def _one_expiry(cls, value: int | None, info: ValidationInfo) -> int | None:
        if value is not None and info.data.get("credit_expires_at") is not None:
            raise ValueError("give credit_expires_at or credit_expiry_days, not both")
        return value


class RedeemCodeRequest(_Request):
    code: Annotated[StrictStr, Field(min_length=1, max_length=100)]


class RevokeBalanceRequest(_Request):
    amount: Amount
    reason: Text | None = None


# ------------------------------------------------------------------ responses
class _Output(BaseModel):
    model_config = ConfigDict(extra="allow", defer_build=True)


class TypeBalanceOutput(_Output):
    amount: int
    amount_formatted: str


class AutoTopUpOutput(_Output):
    enabled: bool
    threshold: int
    amount: int
    payment_method: str | None
    max_per_day: int
    cooldown_seconds: int


class AutoTopUpStatusOutput(_Output):
    """Where the configured automatic top-up stands (the settings say what it is)."""

    suspended: bool = Field(
        description="No automatic top-up runs, on or off, until the merchant saves auto_top_up again"
    )
    reason: Literal["payment_failed"] | None = Field(
        description="Why it is suspended: payment_failed (its charges failed that many times in a row)"
    )
    suspended_at: Timestamp | None
    failed_attempts: int = Field(description="Automatic top-ups failed in a row since the last success")


class WalletSettingsOutput(_Output):
    low_balance_threshold: int | None
    credit_expiry_days: int | None
    expiry_warning_days: int | None
    allow_top_up: bool
    top_up_amounts: list[int]
    max_bonus_percent: int
    auto_top_up: AutoTopUpOutput | None


class PayoutOutput(_Output):
    """Refunds of a closed wallet's withdrawable cash to the payments that brought it in."""

    id: str
    object: Literal["payout"]
    wallet_id: str
    status: Literal["pending", "completed"]
    currency: str
    amount: int = Field(description="The refund_due when the wallet closed")
    amount_formatted: str
    refunded_amount: int
    refunded_amount_formatted: str
    refund_due: int = Field(description="What could not be refunded to a payment: still owed to the customer")
    refund_due_formatted: str
    refunds: list[dict[str, Any]]


class WalletOutput(_Output):
    id: str
    object: Literal["wallet"]
    customer_id: str
    currency: str
    status: WalletStatus
    gateway_customer_id: str | None = None
    balance: int
    balance_formatted: str
    pending: int
    pending_formatted: str
    available: int
    available_formatted: str
    withdrawable: int
    withdrawable_formatted: str
    expiring_soon: int
    expiring_soon_formatted: str
    next_expiry_at: Timestamp | None
    expires_at: Timestamp | None = Field(description="When the wallet itself expires (closes); null: never")
    balances_by_type: dict[str, TypeBalanceOutput]
    balances_by_scope: list[ScopeBalanceOutput] = Field(
        description="Balance and available per applies_to list (null: unscoped credit)"
    )
    settings: WalletSettingsOutput
    auto_top_up_status: AutoTopUpStatusOutput | None = Field(
        description="null: no automatic top-up is configured"
    )
    metadata: dict[str, str]
    created_at: Timestamp
    updated_at: Timestamp
    closing_transaction: TransactionOutput | None = None
    payout: PayoutOutput | None = Field(
        None, description="Closing with refund_to_original_payment: the refunds to the top-ups' payments"
    )


class ScopeBalanceOutput(_Output):
    applies_to: list[str] | None
    balance: int
    balance_formatted: str
    available: int
    available_formatted: str


class ScopeAmountOutput(_Output):
    applies_to: list[str] | None = Field(description="null: unscoped credit")
    amount: int
    amount_formatted: str


class TransactionLotOutput(_Output):
    lot_id: str
    funding_type: FundingType
    amount: int
    amount_formatted: str
    expires_at: Timestamp | None


class TransactionOutput(_Output):
    id: str
    object: Literal["transaction"]
    wallet_id: str
    type: TransactionType
    currency: str
    amount: int
    amount_formatted: str
    balance_after: int
    balance_after_formatted: str
    available_after: int
    available_after_formatted: str
    pending_after: int
    pending_after_formatted: str
    breakdown: dict[str, int]
    category: str | None = Field(None, description="Debits and holds: the category they named")
    scopes: list[ScopeAmountOutput] = Field(description="Which scopes of credit paid (or moved), summed")
    lots: list[TransactionLotOutput]
    description: str | None
    reason: str | None
    reference: str | None
    metadata: dict[str, str]
    hold_id: str | None
    original_transaction_id: str | None
    top_up_id: str | None
    actor: str | None = Field(
        description="Who moved the money: the caller's IAM principal, `scheduler` (jobs) or `system`"
    )
    created_at: Timestamp
    applied_amount: int | None = None
    unapplied_amount: int | None = None
    charged_amount: int | None = Field(
        None, description="Debits: the part charged to remainder_payment_method"
    )
    charge_id: str | None = Field(None, description="Debits: the gateway's payment of the charged part")
    refunded_amount: int | None = None
    released_amount: int | None = None
    adjustment_direction: Literal["increase", "decrease"] | None = None
    code_id: str | None = Field(None, description="Credits from a code: the code (never the code itself)")
    code_last4: str | None = None
    refund_due: int | None = None
    forfeited: int | None = None


class LotOutput(_Output):
    id: str
    object: Literal["lot"]
    wallet_id: str
    funding_type: FundingType
    withdrawable: bool
    applies_to: list[str] | None = Field(description="The categories it pays for; null: anything")
    amount: int
    amount_formatted: str
    remaining: int
    remaining_formatted: str
    held: int
    held_formatted: str
    expires_at: Timestamp | None
    expiring_soon: bool
    transaction_id: str | None
    created_at: Timestamp


class HoldOutput(_Output):
    id: str
    object: Literal["hold"]
    wallet_id: str
    status: HoldStatus
    currency: str
    amount: int
    amount_formatted: str
    captured_amount: int
    captured_amount_formatted: str
    released_amount: int
    released_amount_formatted: str
    expires_at: Timestamp
    reference: str | None
    description: str | None
    metadata: dict[str, str]
    transaction_id: str | None
    actor: str | None = Field(description="Who created it: an IAM principal, `scheduler` or `system`")
    created_at: Timestamp
    transaction: TransactionOutput | None = None


class TopUpOutput(_Output):
    id: str
    object: Literal["top_up"]
    wallet_id: str
    status: TopUpStatus
    currency: str
    amount: int
    amount_formatted: str
    bonus_amount: int
    bonus_amount_formatted: str
    payment_method: str
    automatic: bool
    gateway: Literal["stripe", "sandbox"] = Field(
        description="`sandbox`: a test gateway, no real money moved"
    )
    charge_id: str | None
    client_secret: str | None = Field(
        description="While the customer must authenticate (3-D Secure): the PaymentIntent's client secret, "
        "for Stripe.js to finish the payment"
    )
    failure_code: str | None
    failure_message: str | None
    transaction: TransactionOutput | None
    actor: str | None = Field(description="Who created it: an IAM principal, `scheduler` or `system`")
    created_at: Timestamp


class RemainderChargeOutput(_Output):
    """A debit whose remainder is being charged (202): the wallet's part is held meanwhile."""

    id: str
    object: Literal["remainder_charge"]
    wallet_id: str
    status: TopUpStatus
    currency: str
    amount: int = Field(description="The part charged to the payment method")
    amount_formatted: str
    applied_amount: int = Field(description="The wallet's part, held until the charge settles")
    applied_amount_formatted: str
    hold_id: str | None
    payment_method: str
    gateway: Literal["stripe", "sandbox"]
    charge_id: str | None
    client_secret: str | None
    failure_code: str | None
    failure_message: str | None
    transaction: TransactionOutput | None
    actor: str | None
    created_at: Timestamp


class SetupIntentOutput(_Output):
    object: Literal["setup_intent"]
    id: str
    wallet_id: str
    gateway: Literal["stripe", "sandbox"]
    gateway_customer_id: str
    client_secret: str = Field(
        description="For Stripe.js confirmCardSetup: saves the card for automatic top-ups"
    )


class BalanceOutput(_Output):
    object: Literal["balance"]
    customer_id: str
    currency: str
    wallet_id: str
    status: WalletStatus
    amount: int
    amount_formatted: str
    available: int
    available_formatted: str
    pending: int
    pending_formatted: str


class CodeAmountOutput(_Output):
    currency: str
    amount: int
    amount_formatted: str


class CodeOutput(_Output):
    id: str
    object: Literal["code"]
    code: str | None = Field(description="The code in full: only in the answer to its creation")
    last4: str
    status: Literal["active", "disabled"]
    amounts: list[CodeAmountOutput]
    funding_type: Literal["code_redemption"]
    withdrawable: bool
    applies_to: list[str] | None
    redeemable_until: Timestamp | None
    credit_expires_at: Timestamp | None
    credit_expiry_days: int | None
    max_redemptions: int | None
    once_per_customer: bool
    redemptions: int
    description: str | None
    metadata: dict[str, str]
    created_at: Timestamp
    updated_at: Timestamp


class _List(_Output):
    has_more: bool
    next_cursor: str | None


class WalletList(_List):
    data: list[WalletOutput]


class TransactionList(_List):
    data: list[TransactionOutput]


class LotList(_List):
    data: list[LotOutput]


class HoldList(_List):
    data: list[HoldOutput]


class PayoutList(_List):
    data: list[PayoutOutput]


class TopUpList(_List):
    data: list[TopUpOutput]


class CodeList(_List):
    data: list[CodeOutput]


class BalanceList(_List):
    data: list[BalanceOutput]


class ErrorBody(BaseModel):
    model_config = ConfigDict(defer_build=True)  # built on first use, like every model here

    type: str
    message: str
    details: dict[str, Any] = {}


class GatewayMessage(BaseModel):
    """API Gateway's own answers (an authorizer's 401, an unknown route's 403)."""

    model_config = ConfigDict(defer_build=True)

    message: str | None


class ErrorOutput(BaseModel):
    model_config = ConfigDict(defer_build=True)

    error: ErrorBody


class WebhookReceipt(BaseModel):
    model_config = ConfigDict(defer_build=True)

    received: bool
    outcome: str  # settled | failed | refunded | pending | unchanged | ignored

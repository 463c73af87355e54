# Generated from docs/openapi.json by clients/python/tools/generate_models.py: do not edit.

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import AwareDatetime, ConfigDict, Field, RootModel, StringConstraints
from typing_extensions import TypeAliasType
from wallets_client.response import APIModel

MetadataAdditionalProperty = TypeAliasType(
    "MetadataAdditionalProperty", Annotated[str, Field(max_length=500)]
)


class AdjustWalletRequest(APIModel):
    model_config = ConfigDict(
        extra='allow',
    )
    amount: Annotated[
        int,
        Field(
            description='Signed, minor units: positive adds a manual_adjustment lot, negative takes from available credit (never held funds); not 0',
            ge=-1000000000000000,
            le=1000000000000000,
            title='Amount',
        ),
    ]
    metadata: Annotated[
        dict[
            Annotated[str, StringConstraints(min_length=1, max_length=40)],
            MetadataAdditionalProperty,
        ]
        | None,
        Field(max_length=20, title='Metadata'),
    ] = {}
    reason: Annotated[str, Field(max_length=500, min_length=1, title='Reason')]
    reference: Annotated[
        str | None,
        Field(
            max_length=255, min_length=1, pattern='^[\\x21-\\x7e]+$', title='Reference'
        ),
    ] = None


class AutoTopUpOutput(APIModel):
    model_config = ConfigDict(
        extra='allow',
    )
    amount: Annotated[int, Field(title='Amount')]
    cooldown_seconds: Annotated[int, Field(title='Cooldown Seconds')]
    enabled: Annotated[bool, Field(title='Enabled')]
    max_per_day: Annotated[int, Field(title='Max Per Day')]
    payment_method: Annotated[str | None, Field(title='Payment Method')]
    threshold: Annotated[int, Field(title='Threshold')]


class AutoTopUpSettings(APIModel):
    model_config = ConfigDict(
        extra='allow',
    )
    amount: Annotated[
        int,
        Field(
            description='Positive integer, minor units',
            gt=0,
            le=1000000000000000,
            title='Amount',
        ),
    ]
    cooldown_seconds: Annotated[
        int | None, Field(ge=0, le=86400, title='Cooldown Seconds')
    ] = 3600
    enabled: Annotated[bool | None, Field(title='Enabled')] = False
    max_per_day: Annotated[int | None, Field(ge=1, le=24, title='Max Per Day')] = 3
    payment_method: Annotated[
        str | None,
        Field(
            description="Default: the saved card (the gateway customer's default payment method), off session",
            max_length=255,
            min_length=1,
            title='Payment Method',
        ),
    ] = None
    threshold: Annotated[
        int | None, Field(ge=0, le=1000000000000000, title='Threshold')
    ] = 0


class AutoTopUpStatusOutput(APIModel):
    """
    Where the configured automatic top-up stands (the settings say what it is).
    """

    model_config = ConfigDict(
        extra='allow',
    )
    failed_attempts: Annotated[
        int,
        Field(
            description='Automatic top-ups failed in a row since the last success',
            title='Failed Attempts',
        ),
    ]
    reason: Annotated[
        Literal['payment_failed'],
        Field(
            description='Why it is suspended: payment_failed (its charges failed that many times in a row)',
            title='Reason',
        ),
    ]
    suspended: Annotated[
        bool,
        Field(
            description='No automatic top-up runs, on or off, until the merchant saves auto_top_up again',
            title='Suspended',
        ),
    ]
    suspended_at: Annotated[
        AwareDatetime | None,
        Field(
            description='ISO 8601 UTC, millisecond precision',
            examples=['2026-01-31T12:00:00.000Z'],
            title='Suspended At',
        ),
    ]


class BalanceOutput(APIModel):
    model_config = ConfigDict(
        extra='allow',
    )
    amount: Annotated[int, Field(title='Amount')]
    amount_formatted: Annotated[str, Field(title='Amount Formatted')]
    available: Annotated[int, Field(title='Available')]
    available_formatted: Annotated[str, Field(title='Available Formatted')]
    currency: Annotated[str, Field(title='Currency')]
    customer_id: Annotated[str, Field(title='Customer Id')]
    object: Annotated[Literal['balance'], Field(title='Object')]
    pending: Annotated[int, Field(title='Pending')]
    pending_formatted: Annotated[str, Field(title='Pending Formatted')]
    status: Annotated[Literal['active', 'frozen', 'closed'], Field(title='Status')]
    wallet_id: Annotated[str, Field(title='Wallet Id')]


class CaptureHoldRequest(APIModel):
    model_config = ConfigDict(
        extra='allow',
    )
    amount: Annotated[
        int | None,
        Field(
            description='At most the held amount; default all of it',
            gt=0,
            le=1000000000000000,
            title='Amount',
        ),
    ] = None


class CloseWalletRequest(APIModel):
    model_config = ConfigDict(
        extra='allow',
    )
    refund_to_original_payment: Annotated[
        bool | None,
        Field(
            description='Refund the withdrawable cash to the top-ups that paid it, newest first; what cannot be refunded stays refund_due',
            title='Refund To Original Payment',
        ),
    ] = False


class CodeAmountOutput(APIModel):
    model_config = ConfigDict(
        extra='allow',
    )
    amount: Annotated[int, Field(title='Amount')]
    amount_formatted: Annotated[str, Field(title='Amount Formatted')]
    currency: Annotated[str, Field(title='Currency')]


class CodeOutput(APIModel):
    model_config = ConfigDict(
        extra='allow',
    )
    amounts: Annotated[list[CodeAmountOutput], Field(title='Amounts')]
    applies_to: Annotated[list[str] | None, Field(title='Applies To')]
    code: Annotated[
        str | None,
        Field(
            description='The code in full: only in the answer to its creation',
            title='Code',
        ),
    ]
    created_at: Annotated[
        AwareDatetime,
        Field(
            description='ISO 8601 UTC, millisecond precision',
            examples=['2026-01-31T12:00:00.000Z'],
            title='Created At',
        ),
    ]
    credit_expires_at: Annotated[
        AwareDatetime | None,
        Field(
            description='ISO 8601 UTC, millisecond precision',
            examples=['2026-01-31T12:00:00.000Z'],
            title='Credit Expires At',
        ),
    ]
    credit_expiry_days: Annotated[int | None, Field(title='Credit Expiry Days')]
    description: Annotated[str | None, Field(title='Description')]
    funding_type: Annotated[Literal['code_redemption'], Field(title='Funding Type')]
    id: Annotated[str, Field(title='Id')]
    last4: Annotated[str, Field(title='Last4')]
    max_redemptions: Annotated[int | None, Field(title='Max Redemptions')]
    metadata: Annotated[dict[str, str], Field(title='Metadata')]
    object: Annotated[Literal['code'], Field(title='Object')]
    once_per_customer: Annotated[bool, Field(title='Once Per Customer')]
    redeemable_until: Annotated[
        AwareDatetime | None,
        Field(
            description='ISO 8601 UTC, millisecond precision',
            examples=['2026-01-31T12:00:00.000Z'],
            title='Redeemable Until',
        ),
    ]
    redemptions: Annotated[int, Field(title='Redemptions')]
    status: Annotated[Literal['active', 'disabled'], Field(title='Status')]
    updated_at: Annotated[
        AwareDatetime,
        Field(
            description='ISO 8601 UTC, millisecond precision',
            examples=['2026-01-31T12:00:00.000Z'],
            title='Updated At',
        ),
    ]
    withdrawable: Annotated[bool, Field(title='Withdrawable')]


class AppliesToItem(RootModel[str]):
    root: Annotated[
        str,
        Field(
            description='A charge category, e.g. a product id',
            max_length=64,
            min_length=1,
            pattern='^[A-Za-z0-9_.:\\-]+$',
        ),
    ]


class CreateCodeRequest(APIModel):
    model_config = ConfigDict(
        extra='allow',
    )
    amounts: Annotated[
        dict[
            Literal[
                'AED',
                'AFN',
                'ALL',
                'AMD',
                'AOA',
                'ARS',
                'AUD',
                'AWG',
                'AZN',
                'BAM',
                'BBD',
                'BDT',
                'BHD',
                'BIF',
                'BMD',
                'BND',
                'BOB',
                'BOV',
                'BRL',
                'BSD',
                'BTN',
                'BWP',
                'BYN',
                'BZD',
                'CAD',
                'CDF',
                'CHE',
                'CHF',
                'CHW',
                'CLF',
                'CLP',
                'CNY',
                'COP',
                'COU',
                'CRC',
                'CUP',
                'CVE',
                'CZK',
                'DJF',
                'DKK',
                'DOP',
                'DZD',
                'EGP',
                'ERN',
                'ETB',
                'EUR',
                'FJD',
                'FKP',
                'GBP',
                'GEL',
                'GHS',
                'GIP',
                'GMD',
                'GNF',
                'GTQ',
                'GYD',
                'HKD',
                'HNL',
                'HTG',
                'HUF',
                'IDR',
                'ILS',
                'INR',
                'IQD',
                'IRR',
                'ISK',
                'JMD',
                'JOD',
                'JPY',
                'KES',
                'KGS',
                'KHR',
                'KMF',
                'KPW',
                'KRW',
                'KWD',
                'KYD',
                'KZT',
                'LAK',
                'LBP',
                'LKR',
                'LRD',
                'LSL',
                'LYD',
                'MAD',
                'MDL',
                'MGA',
                'MKD',
                'MMK',
                'MNT',
                'MOP',
                'MRU',
                'MUR',
                'MVR',
                'MWK',
                'MXN',
                'MXV',
                'MYR',
                'MZN',
                'NAD',
                'NGN',
                'NIO',
                'NOK',
                'NPR',
                'NZD',
                'OMR',
                'PAB',
                'PEN',
                'PGK',
                'PHP',
                'PKR',
                'PLN',
                'PYG',
                'QAR',
                'RON',
                'RSD',
                'RUB',
                'RWF',
                'SAR',
                'SBD',
                'SCR',
                'SDG',
                'SEK',
                'SGD',
                'SHP',
                'SLE',
                'SOS',
                'SRD',
                'SSP',
                'STN',
                'SVC',
                'SYP',
                'SZL',
                'THB',
                'TJS',
                'TMT',
                'TND',
                'TOP',
                'TRY',
                'TTD',
                'TWD',
                'TZS',
                'UAH',
                'UGX',
                'USD',
                'USN',
                'UYI',
                'UYU',
                'UYW',
                'UZS',
                'VED',
                'VES',
                'VND',
                'VUV',
                'WST',
                'XAD',
                'XAF',
                'XCD',
                'XCG',
                'XOF',
                'XPF',
                'YER',
                'ZAR',
                'ZMW',
                'ZWG',
            ],
            int,
        ],
        Field(
            description='The credit per wallet currency, e.g. {"USD": 500}',
            title='Amounts',
        ),
    ]
    applies_to: Annotated[
        list[AppliesToItem] | None,
        Field(
            description='The charge categories this credit pays for (debits and holds naming one); omitted: it pays for anything',
            max_length=20,
            min_length=1,
            title='Applies To',
        ),
    ] = None
    code: Annotated[
        str | None,
        Field(
            description='Your own code (letters, digits, spaces and dashes, which do not count when redeemed); omitted: a generated 16-character one. Answered in full only in this response.',
            max_length=64,
            min_length=6,
            pattern='^[A-Za-z0-9](?:[ -]*[A-Za-z0-9]){5,}$',
            title='Code',
        ),
    ] = None
    credit_expires_at: Annotated[
        AwareDatetime | None,
        Field(
            description='When the credit it grants expires', title='Credit Expires At'
        ),
    ] = None
    credit_expiry_days: Annotated[
        int | None,
        Field(
            description='Or: the credit expires this many days after its redemption',
            ge=1,
            le=3650,
            title='Credit Expiry Days',
        ),
    ] = None
    description: Annotated[str | None, Field(max_length=500, title='Description')] = (
        None
    )
    max_redemptions: Annotated[
        int | None,
        Field(
            description='Redemptions allowed in total; omitted: no limit',
            ge=1,
            le=10000000,
            title='Max Redemptions',
        ),
    ] = None
    metadata: Annotated[
        dict[
            Annotated[str, StringConstraints(min_length=1, max_length=40)],
            MetadataAdditionalProperty,
        ]
        | None,
        Field(max_length=20, title='Metadata'),
    ] = {}
    once_per_customer: Annotated[bool | None, Field(title='Once Per Customer')] = True
    redeemable_until: Annotated[
        AwareDatetime | None,
        Field(
            description='After this the code is code_expired', title='Redeemable Until'
        ),
    ] = None
    withdrawable: Annotated[
        bool | None,
        Field(
            description='Whether the credit may be paid out on close',
            title='Withdrawable',
        ),
    ] = False


class CreateHoldRequest(APIModel):
    model_config = ConfigDict(
        extra='allow',
    )
    amount: Annotated[
        int,
        Field(
            description='Positive integer, minor units',
            gt=0,
            le=1000000000000000,
            title='Amount',
        ),
    ]
    category: Annotated[
        str | None,
        Field(
            description='Reserve only credit that applies to this category (and unscoped credit)',
            max_length=64,
            min_length=1,
            pattern='^[A-Za-z0-9_.:\\-]+$',
            title='Category',
        ),
    ] = None
    description: Annotated[str | None, Field(max_length=500, title='Description')] = (
        None
    )
    expires_at: Annotated[
        AwareDatetime | None,
        Field(description='Default 7 days, at most 30 days ahead', title='Expires At'),
    ] = None
    metadata: Annotated[
        dict[
            Annotated[str, StringConstraints(min_length=1, max_length=40)],
            MetadataAdditionalProperty,
        ]
        | None,
        Field(max_length=20, title='Metadata'),
    ] = {}
    reference: Annotated[
        str | None,
        Field(
            max_length=255, min_length=1, pattern='^[\\x21-\\x7e]+$', title='Reference'
        ),
    ] = None


class BonusAppliesToItem(RootModel[str]):
    root: Annotated[
        str,
        Field(
            description='A charge category, e.g. a product id',
            max_length=64,
            min_length=1,
            pattern='^[A-Za-z0-9_.:\\-]+$',
        ),
    ]


class CreateTopUpRequest(APIModel):
    model_config = ConfigDict(
        extra='allow',
    )
    amount: Annotated[
        int,
        Field(
            description='Positive integer, minor units',
            gt=0,
            le=1000000000000000,
            title='Amount',
        ),
    ]
    bonus_amount: Annotated[
        int | None, Field(ge=0, le=1000000000000000, title='Bonus Amount')
    ] = 0
    bonus_applies_to: Annotated[
        list[BonusAppliesToItem] | None,
        Field(
            description='The charge categories this credit pays for (debits and holds naming one); omitted: it pays for anything',
            max_length=20,
            min_length=1,
            title='Bonus Applies To',
        ),
    ] = None
    bonus_expires_at: Annotated[
        AwareDatetime | None,
        Field(
            description='ISO 8601 with a time zone, from 1970-01-01T00:00:00Z to 9999-12-31T23:59:59.999Z',
            title='Bonus Expires At',
        ),
    ] = None
    description: Annotated[str | None, Field(max_length=500, title='Description')] = (
        None
    )
    metadata: Annotated[
        dict[
            Annotated[str, StringConstraints(min_length=1, max_length=40)],
            MetadataAdditionalProperty,
        ]
        | None,
        Field(max_length=20, title='Metadata'),
    ] = {}
    payment_method: Annotated[
        str, Field(max_length=255, min_length=1, title='Payment Method')
    ]


class CreditWalletRequest(APIModel):
    model_config = ConfigDict(
        extra='allow',
    )
    amount: Annotated[
        int,
        Field(
            description='Positive integer, minor units',
            gt=0,
            le=1000000000000000,
            title='Amount',
        ),
    ]
    applies_to: Annotated[
        list[AppliesToItem] | None,
        Field(
            description='The charge categories this credit pays for (debits and holds naming one); omitted: it pays for anything',
            max_length=20,
            min_length=1,
            title='Applies To',
        ),
    ] = None
    description: Annotated[str | None, Field(max_length=500, title='Description')] = (
        None
    )
    expires_at: Annotated[
        AwareDatetime | None,
        Field(
            description='ISO 8601 with a time zone, from 1970-01-01T00:00:00Z to 9999-12-31T23:59:59.999Z',
            title='Expires At',
        ),
    ] = None
    funding_type: Annotated[
        Literal['cash', 'promotional', 'code_redemption', 'refund', 'manual_adjustment']
        | None,
        Field(title='Funding Type'),
    ] = 'promotional'
    metadata: Annotated[
        dict[
            Annotated[str, StringConstraints(min_length=1, max_length=40)],
            MetadataAdditionalProperty,
        ]
        | None,
        Field(max_length=20, title='Metadata'),
    ] = {}
    reference: Annotated[
        str | None,
        Field(
            max_length=255, min_length=1, pattern='^[\\x21-\\x7e]+$', title='Reference'
        ),
    ] = None


class DebitWalletRequest(APIModel):
    model_config = ConfigDict(
        extra='allow',
    )
    allow_partial: Annotated[bool | None, Field(title='Allow Partial')] = False
    amount: Annotated[
        int,
        Field(
            description='Positive integer, minor units',
            gt=0,
            le=1000000000000000,
            title='Amount',
        ),
    ]
    category: Annotated[
        str | None,
        Field(
            description='Pay only from credit that applies to this category (and unscoped credit)',
            max_length=64,
            min_length=1,
            pattern='^[A-Za-z0-9_.:\\-]+$',
            title='Category',
        ),
    ] = None
    description: Annotated[str | None, Field(max_length=500, title='Description')] = (
        None
    )
    metadata: Annotated[
        dict[
            Annotated[str, StringConstraints(min_length=1, max_length=40)],
            MetadataAdditionalProperty,
        ]
        | None,
        Field(max_length=20, title='Metadata'),
    ] = {}
    reference: Annotated[
        str | None,
        Field(
            max_length=255, min_length=1, pattern='^[\\x21-\\x7e]+$', title='Reference'
        ),
    ] = None
    remainder_payment_method: Annotated[
        str | None,
        Field(
            description="Charge what the wallet cannot cover to this payment method: the wallet's available part is held, the rest charged, then the hold captured; a failed charge releases it (402). Not with allow_partial or reference (retry with the same Idempotency-Key instead).",
            max_length=255,
            min_length=1,
            title='Remainder Payment Method',
        ),
    ] = None


class ErrorBody(APIModel):
    model_config = ConfigDict(
        extra='allow',
    )
    details: Annotated[dict[str, Any] | None, Field(title='Details')] = {}
    message: Annotated[str, Field(title='Message')]
    type: Annotated[str, Field(title='Type')]


class ErrorOutput(APIModel):
    model_config = ConfigDict(
        extra='allow',
    )
    error: ErrorBody


class GatewayMessage(APIModel):
    """
    API Gateway's own answers (an authorizer's 401, an unknown route's 403).
    """

    model_config = ConfigDict(
        extra='allow',
    )
    message: Annotated[str | None, Field(title='Message')]


class GrantBalanceRequest(APIModel):
    model_config = ConfigDict(
        extra='allow',
    )
    amount: Annotated[
        int,
        Field(
            description='Positive integer, minor units',
            gt=0,
            le=1000000000000000,
            title='Amount',
        ),
    ]
    applies_to: Annotated[
        list[AppliesToItem] | None,
        Field(
            description='The charge categories this credit pays for (debits and holds naming one); omitted: it pays for anything',
            max_length=20,
            min_length=1,
            title='Applies To',
        ),
    ] = None
    description: Annotated[str | None, Field(max_length=500, title='Description')] = (
        None
    )
    expires_at: Annotated[
        AwareDatetime | None,
        Field(
            description='ISO 8601 with a time zone, from 1970-01-01T00:00:00Z to 9999-12-31T23:59:59.999Z',
            title='Expires At',
        ),
    ] = None
    funding_type: Annotated[
        Literal['cash', 'promotional', 'code_redemption', 'refund', 'manual_adjustment']
        | None,
        Field(title='Funding Type'),
    ] = 'promotional'
    metadata: Annotated[
        dict[
            Annotated[str, StringConstraints(min_length=1, max_length=40)],
            MetadataAdditionalProperty,
        ]
        | None,
        Field(max_length=20, title='Metadata'),
    ] = {}
    reference: Annotated[
        str | None,
        Field(
            max_length=255, min_length=1, pattern='^[\\x21-\\x7e]+$', title='Reference'
        ),
    ] = None


class IamDenial(APIModel):
    """
    API Gateway's answer when IAM does not allow the signing principal to invoke the API (its key is `Message`, capitalized)
    """

    model_config = ConfigDict(
        extra='allow',
    )
    Message: str


class LotOutput(APIModel):
    model_config = ConfigDict(
        extra='allow',
    )
    amount: Annotated[int, Field(title='Amount')]
    amount_formatted: Annotated[str, Field(title='Amount Formatted')]
    applies_to: Annotated[
        list[str] | None,
        Field(
            description='The categories it pays for; null: anything', title='Applies To'
        ),
    ]
    created_at: Annotated[
        AwareDatetime,
        Field(
            description='ISO 8601 UTC, millisecond precision',
            examples=['2026-01-31T12:00:00.000Z'],
            title='Created At',
        ),
    ]
    expires_at: Annotated[
        AwareDatetime | None,
        Field(
            description='ISO 8601 UTC, millisecond precision',
            examples=['2026-01-31T12:00:00.000Z'],
            title='Expires At',
        ),
    ]
    expiring_soon: Annotated[bool, Field(title='Expiring Soon')]
    funding_type: Annotated[
        Literal[
            'cash', 'promotional', 'code_redemption', 'refund', 'manual_adjustment'
        ],
        Field(title='Funding Type'),
    ]
    held: Annotated[int, Field(title='Held')]
    held_formatted: Annotated[str, Field(title='Held Formatted')]
    id: Annotated[str, Field(title='Id')]
    object: Annotated[Literal['lot'], Field(title='Object')]
    remaining: Annotated[int, Field(title='Remaining')]
    remaining_formatted: Annotated[str, Field(title='Remaining Formatted')]
    transaction_id: Annotated[str | None, Field(title='Transaction Id')]
    wallet_id: Annotated[str, Field(title='Wallet Id')]
    withdrawable: Annotated[bool, Field(title='Withdrawable')]


class MeAutoTopUpRequest(APIModel):
    model_config = ConfigDict(
        extra='allow',
    )
    amount: Annotated[
        int | None,
        Field(
            description="One of the wallet's top_up_amounts",
            gt=0,
            le=1000000000000000,
            title='Amount',
        ),
    ] = None
    enabled: Annotated[bool, Field(title='Enabled')]


class MeTopUpRequest(APIModel):
    model_config = ConfigDict(
        extra='allow',
    )
    amount: Annotated[
        int,
        Field(
            description="One of the wallet's top_up_amounts when the merchant set any",
            gt=0,
            le=1000000000000000,
            title='Amount',
        ),
    ]
    payment_method: Annotated[
        str,
        Field(
            description='A Stripe PaymentMethod id (Stripe.js), e.g. pm_…, or `saved_card`: the card saved with the wallet (422 when none is)',
            max_length=255,
            min_length=1,
            title='Payment Method',
        ),
    ]


class PayoutOutput(APIModel):
    """
    Refunds of a closed wallet's withdrawable cash to the payments that brought it in.
    """

    model_config = ConfigDict(
        extra='allow',
    )
    amount: Annotated[
        int, Field(description='The refund_due when the wallet closed', title='Amount')
    ]
    amount_formatted: Annotated[str, Field(title='Amount Formatted')]
    currency: Annotated[str, Field(title='Currency')]
    id: Annotated[str, Field(title='Id')]
    object: Annotated[Literal['payout'], Field(title='Object')]
    refund_due: Annotated[
        int,
        Field(
            description='What could not be refunded to a payment: still owed to the customer',
            title='Refund Due',
        ),
    ]
    refund_due_formatted: Annotated[str, Field(title='Refund Due Formatted')]
    refunded_amount: Annotated[int, Field(title='Refunded Amount')]
    refunded_amount_formatted: Annotated[str, Field(title='Refunded Amount Formatted')]
    refunds: Annotated[list[dict[str, Any]], Field(title='Refunds')]
    status: Annotated[Literal['pending', 'completed'], Field(title='Status')]
    wallet_id: Annotated[str, Field(title='Wallet Id')]


class RedeemCodeRequest(APIModel):
    model_config = ConfigDict(
        extra='allow',
    )
    code: Annotated[str, Field(max_length=100, min_length=1, title='Code')]


class RefundTransactionRequest(APIModel):
    model_config = ConfigDict(
        extra='allow',
    )
    amount: Annotated[
        int | None,
        Field(
            description='Positive integer, minor units',
            gt=0,
            le=1000000000000000,
            title='Amount',
        ),
    ] = None
    metadata: Annotated[
        dict[
            Annotated[str, StringConstraints(min_length=1, max_length=40)],
            MetadataAdditionalProperty,
        ]
        | None,
        Field(max_length=20, title='Metadata'),
    ] = {}
    reason: Annotated[str | None, Field(max_length=500, title='Reason')] = None
    transaction_id: Annotated[
        str, Field(pattern='^txn_[0-9A-Z]{26}$', title='Transaction Id')
    ]


class RevokeBalanceRequest(APIModel):
    model_config = ConfigDict(
        extra='allow',
    )
    amount: Annotated[
        int,
        Field(
            description='Positive integer, minor units',
            gt=0,
            le=1000000000000000,
            title='Amount',
        ),
    ]
    reason: Annotated[str | None, Field(max_length=500, title='Reason')] = None


class ScopeAmountOutput(APIModel):
    model_config = ConfigDict(
        extra='allow',
    )
    amount: Annotated[int, Field(title='Amount')]
    amount_formatted: Annotated[str, Field(title='Amount Formatted')]
    applies_to: Annotated[
        list[str] | None, Field(description='null: unscoped credit', title='Applies To')
    ]


class ScopeBalanceOutput(APIModel):
    model_config = ConfigDict(
        extra='allow',
    )
    applies_to: Annotated[list[str] | None, Field(title='Applies To')]
    available: Annotated[int, Field(title='Available')]
    available_formatted: Annotated[str, Field(title='Available Formatted')]
    balance: Annotated[int, Field(title='Balance')]
    balance_formatted: Annotated[str, Field(title='Balance Formatted')]


class SetupIntentOutput(APIModel):
    model_config = ConfigDict(
        extra='allow',
    )
    client_secret: Annotated[
        str,
        Field(
            description='For Stripe.js confirmCardSetup: saves the card for automatic top-ups',
            title='Client Secret',
        ),
    ]
    gateway: Annotated[Literal['stripe', 'sandbox'], Field(title='Gateway')]
    gateway_customer_id: Annotated[str, Field(title='Gateway Customer Id')]
    id: Annotated[str, Field(title='Id')]
    object: Annotated[Literal['setup_intent'], Field(title='Object')]
    wallet_id: Annotated[str, Field(title='Wallet Id')]


class TransactionLotOutput(APIModel):
    model_config = ConfigDict(
        extra='allow',
    )
    amount: Annotated[int, Field(title='Amount')]
    amount_formatted: Annotated[str, Field(title='Amount Formatted')]
    expires_at: Annotated[
        AwareDatetime | None,
        Field(
            description='ISO 8601 UTC, millisecond precision',
            examples=['2026-01-31T12:00:00.000Z'],
            title='Expires At',
        ),
    ]
    funding_type: Annotated[
        Literal[
            'cash', 'promotional', 'code_redemption', 'refund', 'manual_adjustment'
        ],
        Field(title='Funding Type'),
    ]
    lot_id: Annotated[str, Field(title='Lot Id')]


class TransactionOutput(APIModel):
    model_config = ConfigDict(
        extra='allow',
    )
    actor: Annotated[
        str | None,
        Field(
            description="Who moved the money: the caller's IAM principal, `scheduler` (jobs) or `system`",
            title='Actor',
        ),
    ]
    adjustment_direction: Annotated[
        Literal['increase', 'decrease'] | None, Field(title='Adjustment Direction')
    ] = None
    amount: Annotated[int, Field(title='Amount')]
    amount_formatted: Annotated[str, Field(title='Amount Formatted')]
    applied_amount: Annotated[int | None, Field(title='Applied Amount')] = None
    available_after: Annotated[int, Field(title='Available After')]
    available_after_formatted: Annotated[str, Field(title='Available After Formatted')]
    balance_after: Annotated[int, Field(title='Balance After')]
    balance_after_formatted: Annotated[str, Field(title='Balance After Formatted')]
    breakdown: Annotated[dict[str, int], Field(title='Breakdown')]
    category: Annotated[
        str | None,
        Field(
            description='Debits and holds: the category they named', title='Category'
        ),
    ] = None
    charge_id: Annotated[
        str | None,
        Field(
            description="Debits: the gateway's payment of the charged part",
            title='Charge Id',
        ),
    ] = None
    charged_amount: Annotated[
        int | None,
        Field(
            description='Debits: the part charged to remainder_payment_method',
            title='Charged Amount',
        ),
    ] = None
    code_id: Annotated[
        str | None,
        Field(
            description='Credits from a code: the code (never the code itself)',
            title='Code Id',
        ),
    ] = None
    code_last4: Annotated[str | None, Field(title='Code Last4')] = None
    created_at: Annotated[
        AwareDatetime,
        Field(
            description='ISO 8601 UTC, millisecond precision',
            examples=['2026-01-31T12:00:00.000Z'],
            title='Created At',
        ),
    ]
    currency: Annotated[str, Field(title='Currency')]
    description: Annotated[str | None, Field(title='Description')]
    forfeited: Annotated[int | None, Field(title='Forfeited')] = None
    hold_id: Annotated[str | None, Field(title='Hold Id')]
    id: Annotated[str, Field(title='Id')]
    lots: Annotated[list[TransactionLotOutput], Field(title='Lots')]
    metadata: Annotated[dict[str, str], Field(title='Metadata')]
    object: Annotated[Literal['transaction'], Field(title='Object')]
    original_transaction_id: Annotated[
        str | None, Field(title='Original Transaction Id')
    ]
    pending_after: Annotated[int, Field(title='Pending After')]
    pending_after_formatted: Annotated[str, Field(title='Pending After Formatted')]
    reason: Annotated[str | None, Field(title='Reason')]
    reference: Annotated[str | None, Field(title='Reference')]
    refund_due: Annotated[int | None, Field(title='Refund Due')] = None
    refunded_amount: Annotated[int | None, Field(title='Refunded Amount')] = None
    released_amount: Annotated[int | None, Field(title='Released Amount')] = None
    scopes: Annotated[
        list[ScopeAmountOutput],
        Field(
            description='Which scopes of credit paid (or moved), summed', title='Scopes'
        ),
    ]
    top_up_id: Annotated[str | None, Field(title='Top Up Id')]
    type: Annotated[
        Literal[
            'credit',
            'top_up',
            'debit',
            'void',
            'refund',
            'expiry',
            'hold',
            'capture',
            'release',
            'close',
            'adjustment',
        ],
        Field(title='Type'),
    ]
    unapplied_amount: Annotated[int | None, Field(title='Unapplied Amount')] = None
    wallet_id: Annotated[str, Field(title='Wallet Id')]


class TypeBalanceOutput(APIModel):
    model_config = ConfigDict(
        extra='allow',
    )
    amount: Annotated[int, Field(title='Amount')]
    amount_formatted: Annotated[str, Field(title='Amount Formatted')]


class VoidWalletRequest(APIModel):
    model_config = ConfigDict(
        extra='allow',
    )
    amount: Annotated[
        int,
        Field(
            description='Positive integer, minor units',
            gt=0,
            le=1000000000000000,
            title='Amount',
        ),
    ]
    funding_type: Annotated[
        Literal['cash', 'promotional', 'code_redemption', 'refund', 'manual_adjustment']
        | None,
        Field(title='Funding Type'),
    ] = None
    metadata: Annotated[
        dict[
            Annotated[str, StringConstraints(min_length=1, max_length=40)],
            MetadataAdditionalProperty,
        ]
        | None,
        Field(max_length=20, title='Metadata'),
    ] = {}
    reason: Annotated[str | None, Field(max_length=500, title='Reason')] = None
    reference: Annotated[
        str | None,
        Field(
            max_length=255, min_length=1, pattern='^[\\x21-\\x7e]+$', title='Reference'
        ),
    ] = None


class TopUpAmount(RootModel[int]):
    root: Annotated[
        int,
        Field(description='Positive integer, minor units', gt=0, le=1000000000000000),
    ]


class WalletSettingsInput(APIModel):
    model_config = ConfigDict(
        extra='allow',
    )
    allow_top_up: Annotated[bool | None, Field(title='Allow Top Up')] = True
    auto_top_up: AutoTopUpSettings | None = None
    credit_expiry_days: Annotated[
        int | None, Field(ge=1, le=3650, title='Credit Expiry Days')
    ] = None
    expiry_warning_days: Annotated[
        int | None, Field(ge=0, le=365, title='Expiry Warning Days')
    ] = 7
    low_balance_threshold: Annotated[
        int | None, Field(ge=0, le=1000000000000000, title='Low Balance Threshold')
    ] = None
    max_bonus_percent: Annotated[
        int | None,
        Field(
            description="A top-up's bonus_amount is at most this % of amount",
            ge=0,
            le=1000,
            title='Max Bonus Percent',
        ),
    ] = 100
    top_up_amounts: Annotated[
        list[TopUpAmount] | None,
        Field(max_length=10, title='Top Up Amounts', validate_default=True),
    ] = []


class WalletSettingsOutput(APIModel):
    model_config = ConfigDict(
        extra='allow',
    )
    allow_top_up: Annotated[bool, Field(title='Allow Top Up')]
    auto_top_up: AutoTopUpOutput | None
    credit_expiry_days: Annotated[int | None, Field(title='Credit Expiry Days')]
    expiry_warning_days: Annotated[int | None, Field(title='Expiry Warning Days')]
    low_balance_threshold: Annotated[int | None, Field(title='Low Balance Threshold')]
    max_bonus_percent: Annotated[int, Field(title='Max Bonus Percent')]
    top_up_amounts: Annotated[list[int], Field(title='Top Up Amounts')]


class WebhookReceipt(APIModel):
    model_config = ConfigDict(
        extra='allow',
    )
    outcome: Annotated[str, Field(title='Outcome')]
    received: Annotated[bool, Field(title='Received')]


class BalanceList(APIModel):
    model_config = ConfigDict(
        extra='allow',
    )
    data: Annotated[list[BalanceOutput], Field(title='Data')]
    has_more: Annotated[bool, Field(title='Has More')]
    next_cursor: Annotated[str | None, Field(title='Next Cursor')]


class CodeList(APIModel):
    model_config = ConfigDict(
        extra='allow',
    )
    data: Annotated[list[CodeOutput], Field(title='Data')]
    has_more: Annotated[bool, Field(title='Has More')]
    next_cursor: Annotated[str | None, Field(title='Next Cursor')]


class CreateWalletRequest(APIModel):
    model_config = ConfigDict(
        extra='allow',
    )
    currency: Annotated[
        Literal[
            'AED',
            'AFN',
            'ALL',
            'AMD',
            'AOA',
            'ARS',
            'AUD',
            'AWG',
            'AZN',
            'BAM',
            'BBD',
            'BDT',
            'BHD',
            'BIF',
            'BMD',
            'BND',
            'BOB',
            'BOV',
            'BRL',
            'BSD',
            'BTN',
            'BWP',
            'BYN',
            'BZD',
            'CAD',
            'CDF',
            'CHE',
            'CHF',
            'CHW',
            'CLF',
            'CLP',
            'CNY',
            'COP',
            'COU',
            'CRC',
            'CUP',
            'CVE',
            'CZK',
            'DJF',
            'DKK',
            'DOP',
            'DZD',
            'EGP',
            'ERN',
            'ETB',
            'EUR',
            'FJD',
            'FKP',
            'GBP',
            'GEL',
            'GHS',
            'GIP',
            'GMD',
            'GNF',
            'GTQ',
            'GYD',
            'HKD',
            'HNL',
            'HTG',
            'HUF',
            'IDR',
            'ILS',
            'INR',
            'IQD',
            'IRR',
            'ISK',
            'JMD',
            'JOD',
            'JPY',
            'KES',
            'KGS',
            'KHR',
            'KMF',
            'KPW',
            'KRW',
            'KWD',
            'KYD',
            'KZT',
            'LAK',
            'LBP',
            'LKR',
            'LRD',
            'LSL',
            'LYD',
            'MAD',
            'MDL',
            'MGA',
            'MKD',
            'MMK',
            'MNT',
            'MOP',
            'MRU',
            'MUR',
            'MVR',
            'MWK',
            'MXN',
            'MXV',
            'MYR',
            'MZN',
            'NAD',
            'NGN',
            'NIO',
            'NOK',
            'NPR',
            'NZD',
            'OMR',
            'PAB',
            'PEN',
            'PGK',
            'PHP',
            'PKR',
            'PLN',
            'PYG',
            'QAR',
            'RON',
            'RSD',
            'RUB',
            'RWF',
            'SAR',
            'SBD',
            'SCR',
            'SDG',
            'SEK',
            'SGD',
            'SHP',
            'SLE',
            'SOS',
            'SRD',
            'SSP',
            'STN',
            'SVC',
            'SYP',
            'SZL',
            'THB',
            'TJS',
            'TMT',
            'TND',
            'TOP',
            'TRY',
            'TTD',
            'TWD',
            'TZS',
            'UAH',
            'UGX',
            'USD',
            'USN',
            'UYI',
            'UYU',
            'UYW',
            'UZS',
            'VED',
            'VES',
            'VND',
            'VUV',
            'WST',
            'XAD',
            'XAF',
            'XCD',
            'XCG',
            'XOF',
            'XPF',
            'YER',
            'ZAR',
            'ZMW',
            'ZWG',
        ],
        Field(examples=['USD'], title='Currency'),
    ]
    customer_id: Annotated[
        str,
        Field(
            max_length=255,
            min_length=1,
            pattern='^[A-Za-z0-9_.:@+\\-]+$',
            title='Customer Id',
        ),
    ]
    expires_at: Annotated[
        AwareDatetime | None,
        Field(
            description='When the wallet closes by itself, as DELETE would (holds released, non-withdrawable credit forfeited, refund_due reported), with the event wallet.expired; must be in the future',
            title='Expires At',
        ),
    ] = None
    gateway_customer_id: Annotated[
        str | None,
        Field(
            description="The payment gateway's customer (Stripe: cus_…) whose saved card automatic top-ups charge",
            pattern='^cus_[A-Za-z0-9_]{1,250}$',
            title='Gateway Customer Id',
        ),
    ] = None
    metadata: Annotated[
        dict[
            Annotated[str, StringConstraints(min_length=1, max_length=40)],
            MetadataAdditionalProperty,
        ]
        | None,
        Field(max_length=20, title='Metadata'),
    ] = {}
    settings: WalletSettingsInput | None = None


class HoldOutput(APIModel):
    model_config = ConfigDict(
        extra='allow',
    )
    actor: Annotated[
        str | None,
        Field(
            description='Who created it: an IAM principal, `scheduler` or `system`',
            title='Actor',
        ),
    ]
    amount: Annotated[int, Field(title='Amount')]
    amount_formatted: Annotated[str, Field(title='Amount Formatted')]
    captured_amount: Annotated[int, Field(title='Captured Amount')]
    captured_amount_formatted: Annotated[str, Field(title='Captured Amount Formatted')]
    created_at: Annotated[
        AwareDatetime,
        Field(
            description='ISO 8601 UTC, millisecond precision',
            examples=['2026-01-31T12:00:00.000Z'],
            title='Created At',
        ),
    ]
    currency: Annotated[str, Field(title='Currency')]
    description: Annotated[str | None, Field(title='Description')]
    expires_at: Annotated[
        AwareDatetime,
        Field(
            description='ISO 8601 UTC, millisecond precision',
            examples=['2026-01-31T12:00:00.000Z'],
            title='Expires At',
        ),
    ]
    id: Annotated[str, Field(title='Id')]
    metadata: Annotated[dict[str, str], Field(title='Metadata')]
    object: Annotated[Literal['hold'], Field(title='Object')]
    reference: Annotated[str | None, Field(title='Reference')]
    released_amount: Annotated[int, Field(title='Released Amount')]
    released_amount_formatted: Annotated[str, Field(title='Released Amount Formatted')]
    status: Annotated[
        Literal['pending', 'captured', 'released', 'expired'], Field(title='Status')
    ]
    transaction: TransactionOutput | None = None
    transaction_id: Annotated[str | None, Field(title='Transaction Id')]
    wallet_id: Annotated[str, Field(title='Wallet Id')]


class LotList(APIModel):
    model_config = ConfigDict(
        extra='allow',
    )
    data: Annotated[list[LotOutput], Field(title='Data')]
    has_more: Annotated[bool, Field(title='Has More')]
    next_cursor: Annotated[str | None, Field(title='Next Cursor')]


class PayoutList(APIModel):
    model_config = ConfigDict(
        extra='allow',
    )
    data: Annotated[list[PayoutOutput], Field(title='Data')]
    has_more: Annotated[bool, Field(title='Has More')]
    next_cursor: Annotated[str | None, Field(title='Next Cursor')]


class RemainderChargeOutput(APIModel):
    """
    A debit whose remainder is being charged (202): the wallet's part is held meanwhile.
    """

    model_config = ConfigDict(
        extra='allow',
    )
    actor: Annotated[str | None, Field(title='Actor')]
    amount: Annotated[
        int, Field(description='The part charged to the payment method', title='Amount')
    ]
    amount_formatted: Annotated[str, Field(title='Amount Formatted')]
    applied_amount: Annotated[
        int,
        Field(
            description="The wallet's part, held until the charge settles",
            title='Applied Amount',
        ),
    ]
    applied_amount_formatted: Annotated[str, Field(title='Applied Amount Formatted')]
    charge_id: Annotated[str | None, Field(title='Charge Id')]
    client_secret: Annotated[str | None, Field(title='Client Secret')]
    created_at: Annotated[
        AwareDatetime,
        Field(
            description='ISO 8601 UTC, millisecond precision',
            examples=['2026-01-31T12:00:00.000Z'],
            title='Created At',
        ),
    ]
    currency: Annotated[str, Field(title='Currency')]
    failure_code: Annotated[str | None, Field(title='Failure Code')]
    failure_message: Annotated[str | None, Field(title='Failure Message')]
    gateway: Annotated[Literal['stripe', 'sandbox'], Field(title='Gateway')]
    hold_id: Annotated[str | None, Field(title='Hold Id')]
    id: Annotated[str, Field(title='Id')]
    object: Annotated[Literal['remainder_charge'], Field(title='Object')]
    payment_method: Annotated[str, Field(title='Payment Method')]
    status: Annotated[
        Literal['pending', 'succeeded', 'failed', 'refunding', 'refunded'],
        Field(title='Status'),
    ]
    transaction: TransactionOutput | None
    wallet_id: Annotated[str, Field(title='Wallet Id')]


class TopUpOutput(APIModel):
    model_config = ConfigDict(
        extra='allow',
    )
    actor: Annotated[
        str | None,
        Field(
            description='Who created it: an IAM principal, `scheduler` or `system`',
            title='Actor',
        ),
    ]
    amount: Annotated[int, Field(title='Amount')]
    amount_formatted: Annotated[str, Field(title='Amount Formatted')]
    automatic: Annotated[bool, Field(title='Automatic')]
    bonus_amount: Annotated[int, Field(title='Bonus Amount')]
    bonus_amount_formatted: Annotated[str, Field(title='Bonus Amount Formatted')]
    charge_id: Annotated[str | None, Field(title='Charge Id')]
    client_secret: Annotated[
        str | None,
        Field(
            description="While the customer must authenticate (3-D Secure): the PaymentIntent's client secret, for Stripe.js to finish the payment",
            title='Client Secret',
        ),
    ]
    created_at: Annotated[
        AwareDatetime,
        Field(
            description='ISO 8601 UTC, millisecond precision',
            examples=['2026-01-31T12:00:00.000Z'],
            title='Created At',
        ),
    ]
    currency: Annotated[str, Field(title='Currency')]
    failure_code: Annotated[str | None, Field(title='Failure Code')]
    failure_message: Annotated[str | None, Field(title='Failure Message')]
    gateway: Annotated[
        Literal['stripe', 'sandbox'],
        Field(
            description='`sandbox`: a test gateway, no real money moved',
            title='Gateway',
        ),
    ]
    id: Annotated[str, Field(title='Id')]
    object: Annotated[Literal['top_up'], Field(title='Object')]
    payment_method: Annotated[str, Field(title='Payment Method')]
    status: Annotated[
        Literal['pending', 'succeeded', 'failed', 'refunding', 'refunded'],
        Field(title='Status'),
    ]
    transaction: TransactionOutput | None
    wallet_id: Annotated[str, Field(title='Wallet Id')]


class TransactionList(APIModel):
    model_config = ConfigDict(
        extra='allow',
    )
    data: Annotated[list[TransactionOutput], Field(title='Data')]
    has_more: Annotated[bool, Field(title='Has More')]
    next_cursor: Annotated[str | None, Field(title='Next Cursor')]


class UpdateWalletRequest(APIModel):
    model_config = ConfigDict(
        extra='allow',
    )
    expires_at: Annotated[
        AwareDatetime | None,
        Field(
            description="Set (in the future) or change the wallet's expiry; null removes it",
            title='Expires At',
        ),
    ] = None
    gateway_customer_id: Annotated[
        str | None,
        Field(
            description="The payment gateway's customer (Stripe: cus_…) whose saved card automatic top-ups charge",
            pattern='^cus_[A-Za-z0-9_]{1,250}$',
            title='Gateway Customer Id',
        ),
    ] = None
    metadata: Annotated[
        dict[
            Annotated[str, StringConstraints(min_length=1, max_length=40)],
            MetadataAdditionalProperty,
        ]
        | None,
        Field(
            description="Merged into existing metadata; '' removes a key",
            max_length=20,
            title='Metadata',
        ),
    ] = None
    settings: Annotated[
        WalletSettingsInput | None,
        Field(description='Only the fields sent are changed'),
    ] = None


class WalletOutput(APIModel):
    model_config = ConfigDict(
        extra='allow',
    )
    auto_top_up_status: Annotated[
        AutoTopUpStatusOutput | None,
        Field(description='null: no automatic top-up is configured'),
    ]
    available: Annotated[int, Field(title='Available')]
    available_formatted: Annotated[str, Field(title='Available Formatted')]
    balance: Annotated[int, Field(title='Balance')]
    balance_formatted: Annotated[str, Field(title='Balance Formatted')]
    balances_by_scope: Annotated[
        list[ScopeBalanceOutput],
        Field(
            description='Balance and available per applies_to list (null: unscoped credit)',
            title='Balances By Scope',
        ),
    ]
    balances_by_type: Annotated[
        dict[str, TypeBalanceOutput], Field(title='Balances By Type')
    ]
    closing_transaction: TransactionOutput | None = None
    created_at: Annotated[
        AwareDatetime,
        Field(
            description='ISO 8601 UTC, millisecond precision',
            examples=['2026-01-31T12:00:00.000Z'],
            title='Created At',
        ),
    ]
    currency: Annotated[str, Field(title='Currency')]
    customer_id: Annotated[str, Field(title='Customer Id')]
    expires_at: Annotated[
        AwareDatetime | None,
        Field(
            description='When the wallet itself expires (closes); null: never',
            examples=['2026-01-31T12:00:00.000Z'],
            title='Expires At',
        ),
    ]
    expiring_soon: Annotated[int, Field(title='Expiring Soon')]
    expiring_soon_formatted: Annotated[str, Field(title='Expiring Soon Formatted')]
    gateway_customer_id: Annotated[str | None, Field(title='Gateway Customer Id')] = (
        None
    )
    id: Annotated[str, Field(title='Id')]
    metadata: Annotated[dict[str, str], Field(title='Metadata')]
    next_expiry_at: Annotated[
        AwareDatetime | None,
        Field(
            description='ISO 8601 UTC, millisecond precision',
            examples=['2026-01-31T12:00:00.000Z'],
            title='Next Expiry At',
        ),
    ]
    object: Annotated[Literal['wallet'], Field(title='Object')]
    payout: Annotated[
        PayoutOutput | None,
        Field(
            description="Closing with refund_to_original_payment: the refunds to the top-ups' payments"
        ),
    ] = None
    pending: Annotated[int, Field(title='Pending')]
    pending_formatted: Annotated[str, Field(title='Pending Formatted')]
    settings: WalletSettingsOutput
    status: Annotated[Literal['active', 'frozen', 'closed'], Field(title='Status')]
    updated_at: Annotated[
        AwareDatetime,
        Field(
            description='ISO 8601 UTC, millisecond precision',
            examples=['2026-01-31T12:00:00.000Z'],
            title='Updated At',
        ),
    ]
    withdrawable: Annotated[int, Field(title='Withdrawable')]
    withdrawable_formatted: Annotated[str, Field(title='Withdrawable Formatted')]


class HoldList(APIModel):
    model_config = ConfigDict(
        extra='allow',
    )
    data: Annotated[list[HoldOutput], Field(title='Data')]
    has_more: Annotated[bool, Field(title='Has More')]
    next_cursor: Annotated[str | None, Field(title='Next Cursor')]


class TopUpList(APIModel):
    model_config = ConfigDict(
        extra='allow',
    )
    data: Annotated[list[TopUpOutput], Field(title='Data')]
    has_more: Annotated[bool, Field(title='Has More')]
    next_cursor: Annotated[str | None, Field(title='Next Cursor')]


class WalletList(APIModel):
    model_config = ConfigDict(
        extra='allow',
    )
    data: Annotated[list[WalletOutput], Field(title='Data')]
    has_more: Annotated[bool, Field(title='Has More')]
    next_cursor: Annotated[str | None, Field(title='Next Cursor')]

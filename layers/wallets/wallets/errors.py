"""Domain exceptions. The HTTP layer maps them to statuses in one place (http.py)."""

from __future__ import annotations

from typing import Any


class WalletError(Exception):
    """Base of every error a client can cause; never a 500."""

    status: int = 400
    type: str = "bad_request"

    def __init__(self, message: str, details: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.details = details or {}


class InvalidJson(WalletError):
    status, type = 400, "invalid_json"


class Unauthenticated(WalletError):
    """A customer API request without a verified customer (API Gateway's authorizer answers first)."""

    status, type = 401, "unauthorized"


class InvalidSignature(WalletError):
    """A webhook whose signature does not verify (wrong secret, tampered, or older than 5 minutes)."""

    status, type = 400, "invalid_signature"


class ValidationFailed(WalletError):
    status, type = 422, "validation_error"


class NotFound(WalletError):
    status, type = 404, "not_found"


class WalletFrozen(WalletError):
    status, type = 409, "wallet_frozen"


class WalletClosed(WalletError):
    status, type = 409, "wallet_closed"


class HoldNotPending(WalletError):
    status, type = 409, "hold_not_pending"


class IdempotencyKeyReused(WalletError):
    status, type = 409, "idempotency_key_reused"


class ReferenceReused(WalletError):
    """A reference (unique per wallet) already names a transaction of another kind."""

    status, type = 409, "reference_reused"


class WalletExists(WalletError):
    """The customer already has an open wallet in this currency, other than the request asks for."""

    status, type = 409, "wallet_exists"


class RefundExceedsOriginal(WalletError):
    status, type = 409, "refund_exceeds_original"


class LimitExceeded(WalletError):
    """A per-wallet storage limit (live lots, pending holds) would be exceeded."""

    status, type = 409, "limit_exceeded"


class ConflictingCode(WalletError):
    status, type = 409, "code_exists"


class CodeInvalid(WalletError):
    """No code matches (also for a code that exists only in another currency's wallets)."""

    status, type = 404, "code_invalid"


class CodeDisabled(WalletError):
    status, type = 409, "code_disabled"


class CodeUsedUp(WalletError):
    status, type = 409, "code_used_up"


class CodeExpired(WalletError):
    status, type = 410, "code_expired"


class CodeAlreadyRedeemed(WalletError):
    """This customer already redeemed this once-per-customer code."""

    status, type = 409, "code_already_redeemed"


class TooManyAttempts(WalletError):
    """Too many refused attempts for this wallet in the current window: code redemptions (an hour)
    or declined customer top-ups (a UTC day). Nothing is looked at until it
    ends, `retry_after_s` from now (the answer's Retry-After header)."""

    status, type = 429, "too_many_attempts"

    def __init__(self, message: str, retry_after_s: int) -> None:
        super().__init__(message, {"retry_after": retry_after_s})
        self.retry_after_s = retry_after_s


class InsufficientFunds(WalletError):
    status, type = 402, "insufficient_funds"


class PaymentFailed(WalletError):
    status, type = 402, "payment_failed"


class TopUpNotAllowed(WalletError):
    status, type = 403, "top_up_not_allowed"


class Contention(WalletError):
    """The wallet changed under every attempt of the bounded retry loop; safe to retry."""

    status, type = 409, "concurrent_modification"


class Unavailable(WalletError):
    """A dependency did not answer (DynamoDB throttling through every retry, the payment gateway);
    nothing was written, retry later."""

    status, type = 503, "service_unavailable"


class Replayed(WalletError):
    """An error answer stored under an Idempotency-Key, given again to a retry of the same request."""

    def __init__(self, status: int, type_: str, message: str, details: dict[str, Any] | None = None) -> None:
        super().__init__(message, details)
        self.status, self.type = status, type_


def field_error(field: str, message: str) -> ValidationFailed:
    return ValidationFailed("Request validation failed", {field: [message]})

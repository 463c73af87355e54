"""One exception per API error type, all under WalletsError (status, type, message, details, request id,
and the Idempotency-Key the failed call was sent with)."""

from __future__ import annotations

from typing import Any


class WalletsError(Exception):
    """An error answer from the Wallets API (or no answer at all: `APIConnectionError`)."""

    type: str = "api_error"

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        type: str | None = None,
        details: dict[str, Any] | None = None,
        request_id: str | None = None,
        idempotency_key: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.type = type or self.type
        self.details = details or {}
        self.request_id = request_id
        # What a retry must send again (a new key is a new payment): the caller's, or the one the
        # client made when the caller gave none.
        self.idempotency_key = idempotency_key

    def __str__(self) -> str:
        where = f" (request {self.request_id})" if self.request_id else ""
        return f"{self.status} {self.type}: {self.message}{where}"


class APIConnectionError(WalletsError):
    type = "connection_error"


class InvalidJSON(WalletsError):
    type = "invalid_json"


class ValidationError(WalletsError):
    """422: `details` maps each field to its messages."""

    type = "validation_error"


class NotFound(WalletsError):
    type = "not_found"


class InsufficientFunds(WalletsError):
    type = "insufficient_funds"


class PaymentFailed(WalletsError):
    type = "payment_failed"


class TopUpNotAllowed(WalletsError):
    type = "top_up_not_allowed"


class WalletFrozen(WalletsError):
    type = "wallet_frozen"


class WalletClosed(WalletsError):
    type = "wallet_closed"


class HoldNotPending(WalletsError):
    type = "hold_not_pending"


class IdempotencyKeyReused(WalletsError):
    type = "idempotency_key_reused"


class ReferenceReused(WalletsError):
    type = "reference_reused"


class RefundExceedsOriginal(WalletsError):
    type = "refund_exceeds_original"


class LimitExceeded(WalletsError):
    type = "limit_exceeded"


class CodeExists(WalletsError):
    type = "code_exists"


class CodeInvalid(WalletsError):
    """404: no such credit code (or none in the wallet's currency)."""

    type = "code_invalid"


class CodeDisabled(WalletsError):
    type = "code_disabled"


class CodeUsedUp(WalletsError):
    type = "code_used_up"


class CodeExpired(WalletsError):
    type = "code_expired"


class CodeAlreadyRedeemed(WalletsError):
    type = "code_already_redeemed"


class ConcurrentModification(WalletsError):
    type = "concurrent_modification"


class ServiceUnavailable(WalletsError):
    type = "service_unavailable"


class Unauthorized(WalletsError):
    """401: the customer API (/me) got no valid customer token."""

    type = "unauthorized"


class PermissionDenied(WalletsError):
    """403 from API Gateway: the caller's IAM identity may not call this route."""

    type = "permission_denied"


class RateLimited(WalletsError):
    type = "rate_limited"


class InternalError(WalletsError):
    type = "internal_error"


BY_TYPE: dict[str, type[WalletsError]] = {
    cls.type: cls
    for cls in (
        InvalidJSON,
        ValidationError,
        NotFound,
        InsufficientFunds,
        PaymentFailed,
        TopUpNotAllowed,
        WalletFrozen,
        WalletClosed,
        HoldNotPending,
        IdempotencyKeyReused,
        ReferenceReused,
        RefundExceedsOriginal,
        LimitExceeded,
        CodeExists,
        CodeInvalid,
        CodeDisabled,
        CodeUsedUp,
        CodeExpired,
        CodeAlreadyRedeemed,
        ConcurrentModification,
        ServiceUnavailable,
        InternalError,
        Unauthorized,
    )
}
BY_STATUS: dict[int, type[WalletsError]] = {
    401: Unauthorized,
    403: PermissionDenied,
    429: RateLimited,
    503: ServiceUnavailable,
}


def from_response(
    status: int, body: Any, request_id: str | None, text: str = "", idempotency_key: str | None = None
) -> WalletsError:
    error = body.get("error") if isinstance(body, dict) else None
    if isinstance(error, dict):
        kind = str(error.get("type") or "api_error")
        cls = BY_TYPE.get(kind) or BY_STATUS.get(status, WalletsError)
        return cls(
            str(error.get("message") or kind),
            status=status,
            type=kind,
            details=error.get("details") or {},
            request_id=request_id,
            idempotency_key=idempotency_key,
        )
    # API Gateway's own answers ({"message"} or {"Message"}), or whatever text came back.
    message = (body.get("message") or body.get("Message")) if isinstance(body, dict) else None
    cls = BY_STATUS.get(status, InternalError if status >= 500 else WalletsError)
    return cls(
        str(message or text[:200] or f"HTTP {status}"),
        status=status,
        request_id=request_id,
        idempotency_key=idempotency_key,
    )

/**
 * One error class per API `error.type`, all under WalletsError (status, type, message, details,
 * request id), as the Python client's exceptions: `catch (e) { if (e instanceof InsufficientFundsError) … }`.
 */

export interface ErrorInit {
  status?: number | undefined;
  type?: string | undefined;
  details?: Record<string, unknown> | undefined;
  requestId?: string | undefined;
  idempotencyKey?: string | undefined;
  headers?: Headers | undefined;
  cause?: unknown;
}

/** An error answer from the Wallets API, or no answer at all (`APIConnectionError`). */
export class WalletsError extends Error {
  /** The `error.type` this class stands for. */
  static readonly type: string = "api_error";
  /** The HTTP status (undefined when no answer came). */
  readonly status: number | undefined;
  /** The API's `error.type` (`insufficient_funds`, …). */
  readonly type: string;
  /** The API's `error.details` (per-field messages for `validation_error`). */
  readonly details: Record<string, unknown>;
  /** API Gateway's request id, for support requests and logs. */
  readonly requestId: string | undefined;
  /** The Idempotency-Key the failed call carried: retry later with this one, never a new one. */
  readonly idempotencyKey: string | undefined;
  /** The answer's headers, when there was an answer. */
  readonly headers: Headers | undefined;

  constructor(message: string, init: ErrorInit = {}) {
    super(message, init.cause === undefined ? undefined : { cause: init.cause });
    this.name = new.target.name;
    this.status = init.status;
    this.type = init.type ?? (new.target as typeof WalletsError).type;
    this.details = init.details ?? {};
    this.requestId = init.requestId;
    this.idempotencyKey = init.idempotencyKey;
    this.headers = init.headers;
  }
}

/** No answer: the connection failed or timed out on every attempt. */
export class APIConnectionError extends WalletsError {
  static override readonly type: string = "connection_error";
}
/** 400: the body is not JSON. */
export class InvalidJSONError extends WalletsError {
  static override readonly type: string = "invalid_json";
}
/** 422: `details` maps each field to its messages. */
export class ValidationError extends WalletsError {
  static override readonly type: string = "validation_error";
}
export class NotFoundError extends WalletsError {
  static override readonly type: string = "not_found";
}
export class InsufficientFundsError extends WalletsError {
  static override readonly type: string = "insufficient_funds";
}
export class PaymentFailedError extends WalletsError {
  static override readonly type: string = "payment_failed";
}
export class TopUpNotAllowedError extends WalletsError {
  static override readonly type: string = "top_up_not_allowed";
}
export class WalletFrozenError extends WalletsError {
  static override readonly type: string = "wallet_frozen";
}
export class WalletClosedError extends WalletsError {
  static override readonly type: string = "wallet_closed";
}
export class HoldNotPendingError extends WalletsError {
  static override readonly type: string = "hold_not_pending";
}
export class IdempotencyKeyReusedError extends WalletsError {
  static override readonly type: string = "idempotency_key_reused";
}
export class ReferenceReusedError extends WalletsError {
  static override readonly type: string = "reference_reused";
}
/** 409: the customer already has an open wallet in this currency, other than the request asks for. */
export class WalletExistsError extends WalletsError {
  static override readonly type: string = "wallet_exists";
}
export class RefundExceedsOriginalError extends WalletsError {
  static override readonly type: string = "refund_exceeds_original";
}
export class LimitExceededError extends WalletsError {
  static override readonly type: string = "limit_exceeded";
}
export class CodeExistsError extends WalletsError {
  static override readonly type: string = "code_exists";
}
/** 404: no such credit code (or none in the wallet's currency). */
export class CodeInvalidError extends WalletsError {
  static override readonly type: string = "code_invalid";
}
export class CodeDisabledError extends WalletsError {
  static override readonly type: string = "code_disabled";
}
export class CodeUsedUpError extends WalletsError {
  static override readonly type: string = "code_used_up";
}
export class CodeExpiredError extends WalletsError {
  static override readonly type: string = "code_expired";
}
export class CodeAlreadyRedeemedError extends WalletsError {
  static override readonly type: string = "code_already_redeemed";
}
/** 429: too many refused code redemptions for this wallet; `details.retry_after` seconds to wait. */
export class TooManyAttemptsError extends WalletsError {
  static override readonly type: string = "too_many_attempts";
}
/** 400 from the Stripe webhook route: a missing, wrong or stale `Stripe-Signature`. */
export class InvalidSignatureError extends WalletsError {
  static override readonly type: string = "invalid_signature";
}
/** 409: nothing was written; the client retried it with the same key. Retry later with
 * `error.idempotencyKey`, never a new key (a new key is a new payment). */
export class ConcurrentModificationError extends WalletsError {
  static override readonly type: string = "concurrent_modification";
}
/** 503: nothing was written (DynamoDB throttled every retry, or the payment gateway did not answer). */
export class ServiceUnavailableError extends WalletsError {
  static override readonly type: string = "service_unavailable";
}
/** 401: the customer API (/me) got no valid customer token. */
export class UnauthorizedError extends WalletsError {
  static override readonly type: string = "unauthorized";
}
/** 403 from API Gateway: the caller's IAM identity may not call this route (its message is kept). */
export class PermissionDeniedError extends WalletsError {
  static override readonly type: string = "permission_denied";
}
export class RateLimitedError extends WalletsError {
  static override readonly type: string = "rate_limited";
}
export class InternalError extends WalletsError {
  static override readonly type: string = "internal_error";
}

/** The class of each API `error.type`. */
export const ERROR_CLASSES: Readonly<Record<string, typeof WalletsError>> = Object.fromEntries(
  [
    InvalidJSONError,
    ValidationError,
    NotFoundError,
    InsufficientFundsError,
    PaymentFailedError,
    TopUpNotAllowedError,
    WalletFrozenError,
    WalletClosedError,
    HoldNotPendingError,
    IdempotencyKeyReusedError,
    ReferenceReusedError,
    WalletExistsError,
    RefundExceedsOriginalError,
    LimitExceededError,
    CodeExistsError,
    CodeInvalidError,
    CodeDisabledError,
    CodeUsedUpError,
    CodeExpiredError,
    CodeAlreadyRedeemedError,
    TooManyAttemptsError,
    InvalidSignatureError,
    ConcurrentModificationError,
    ServiceUnavailableError,
    UnauthorizedError,
    InternalError,
  ].map((cls) => [cls.type, cls]),
);

const BY_STATUS: Readonly<Record<number, typeof WalletsError>> = {
  401: UnauthorizedError,
  403: PermissionDeniedError,
  429: RateLimitedError,
  503: ServiceUnavailableError,
};

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** The error of an answer: by its `error.type`, else (API Gateway's own answers) by its status. */
export function errorFromResponse(
  status: number,
  body: unknown,
  text: string,
  init: Omit<ErrorInit, "status" | "type" | "details">,
): WalletsError {
  const error = isRecord(body) ? body["error"] : undefined;
  if (isRecord(error)) {
    const type = typeof error["type"] === "string" ? error["type"] : "api_error";
    const cls = ERROR_CLASSES[type] ?? BY_STATUS[status] ?? WalletsError;
    const message = typeof error["message"] === "string" ? error["message"] : type;
    const details = isRecord(error["details"]) ? error["details"] : {};
    return new cls(message, { ...init, status, type, details });
  }
  // API Gateway's own answers ({"message"} or {"Message"}), or whatever text came back.
  const gateway = isRecord(body) ? (body["message"] ?? body["Message"]) : undefined;
  const message = typeof gateway === "string" ? gateway : text.slice(0, 200) || `HTTP ${status}`;
  const cls = BY_STATUS[status] ?? (status >= 500 ? InternalError : WalletsError);
  return new cls(message, { ...init, status });
}

/** Whether an answer is 409 `concurrent_modification` (nothing written: safe to retry, same key). */
export function isConcurrentModification(status: number, body: unknown): boolean {
  const error = isRecord(body) ? body["error"] : undefined;
  return status === 409 && isRecord(error) && error["type"] === "concurrent_modification";
}

/**
 * The TypeScript client of the Wallets service. `new WalletsClient({ baseUrl, auth })`; every
 * route of docs/openapi.json, typed from it; SigV4; Idempotency-Keys reused by retries; one error
 * class per API error type; auto-paging async iterators; exact ISO 4217 money helpers;
 * `verifyWebhook` for the service's signed webhooks.
 */

export { WalletsClient } from "./client.js";
export type { ClientOptions, FetchLike } from "./core.js";
export type { Credentials, CredentialsProvider, SigV4Options } from "./signer.js";
export type { GrantBalanceParams, RevokeBalanceParams } from "./resources.js";
export * from "./errors.js";
export {
  MemoryReplayStore,
  WEBHOOK_SECRET_PREFIX,
  WEBHOOK_TOLERANCE_SECONDS,
  WebhookVerificationError,
  verifyWebhook,
} from "./webhooks.js";
export type { ReplayStore, VerifyWebhookOptions, WebhookEvent, WebhookFailure, WebhookHeaders } from "./webhooks.js";
export { MINOR_UNITS, fromMinor, minorUnits, toMinor } from "./money.js";
export type * from "./types.js";
